/**
 * The security checklist's proxy item: an app behind the proxy with `tls: off` serves plain HTTP, which is only
 * private when the proxy listens on a loopback address (another TLS terminator on the same host in front).
 */
import type { ProxySettings } from '../../config/config.js';
import { ok, warn, type CheckItem } from '../../checklist.js';

export function proxyTlsCheck(proxy: ProxySettings): CheckItem | undefined {
  if (proxy.tls !== 'off') return undefined;
  const { address, http } = proxy.listen;
  if (address && isLoopback(address)) return ok('proxy TLS', `off, on the loopback address ${address} only`);
  return warn(
    'proxy TLS',
    `proxy.tls is off and the proxy listens on ${address ?? 'every address of the host'} (port ${http}): ` +
      'requests and answers cross the network unencrypted; set proxy.tls (auto for public names, internal on ' +
      'an intranet), or proxy.listen.address: 127.0.0.1 behind a TLS terminator of your own',
  );
}

export function isLoopback(address: string): boolean {
  const v4 = address.replace(/^::ffff:/i, '');
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4) || /^(0*:){7}0*1$|^::1$/i.test(address);
}
