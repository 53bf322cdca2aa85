import type { ProxySettings } from '../../src/config/config.js';

/** `proxy:` as the config loader hands it on (defaults applied), for the proxy's unit tests; fields overridable. */
export const proxySettings = (over: Partial<ProxySettings> = {}): ProxySettings => ({
  service: 'web',
  port: 8080,
  domains: [],
  tls: 'off',
  listen: { http: 80, https: 443 },
  health: { path: '/', intervalMs: 1000, passes: 3, timeoutMs: 60_000 },
  drainMs: 30_000,
  headers: {},
  maxBodyBytes: 100 * 1024 * 1024,
  standby: 'stopped',
  image: 'caddy:2',
  ...over,
});
