/**
 * The route to a host: the jump hosts (targets.<t>.ssh.jump, else ssh_config ProxyJump) in the order they are
 * connected, then the host itself, each resolved through ssh_config. Planned before any connection, so that a
 * loop in the configuration is a clear error instead of endless recursion.
 */
import { userInfo } from 'node:os';
import type { SshSettings } from '../../config/config.js';
import { parseHostSpec } from '../../config/hosts.js';
import { ConfigError } from '../../errors.js';
import { knownHostsName } from './known-hosts.js';
import { readSshConfig } from './ssh-config.js';

export interface SshEndpoint {
  host: string;
  user?: string;
  port?: number;
}

/** One hop, with what ssh_config says about it applied. */
export interface RouteHop {
  /** As written: in gangway.yml, a ProxyJump, or the target's host list. */
  endpoint: SshEndpoint;
  host: string;
  port: number;
  username: string;
  identityFiles: string[];
  /** The settings it is connected with: jump hosts have no pinned fingerprints of their own. */
  settings: SshSettings;
}

/** More jump hosts than anyone chains on purpose: the configuration loops in a way the names do not show. */
export const MAX_JUMPS = 8;

/**
 * Jump hosts first, the target last. Like OpenSSH, the rest of a `a,b` chain is passed to the last hop `b`
 * (as `ssh -J a`), and the first hop follows its own ProxyJump from ssh_config; unlike OpenSSH, which stops
 * with "jumphost loop", a ProxyJump that names the very hop it applies to (`Host *` blocks) is ignored.
 */
export function planRoute(endpoint: SshEndpoint, settings: SshSettings): RouteHop[] {
  const { jump: _target, ...rest } = settings;
  const jumpSettings: SshSettings = { ...rest, fingerprints: [] };
  const sshConfig: Origin = { file: settings.configFile || 'ssh_config', key: 'ProxyJump' };
  let hop = resolveHop(endpoint, settings);
  let pending = settings.jump === undefined ? undefined : { spec: settings.jump, origin: GANGWAY_YML };
  const route = [hop];
  for (;;) {
    const fromConfig = pending === undefined && hop.proxyJump !== undefined;
    const next = pending ?? (hop.proxyJump === undefined ? undefined : { spec: hop.proxyJump, origin: sshConfig });
    if (next === undefined) return route;
    const hops = next.spec.split(',');
    const jump = resolveHop(parseJump(hops.pop()!, next.origin), jumpSettings);
    if (fromConfig && sameHop(jump, hop)) return route; // `Host *` matched the jump host itself
    if (route.some((h) => sameHop(h, jump))) throw loopError(route, jump, next.origin);
    if (route.length > MAX_JUMPS) throw new ConfigError([{ ...next.origin, message: tooLong(route) }]);
    route.unshift(jump);
    hop = jump;
    pending = hops.length > 0 ? { spec: hops.join(','), origin: next.origin } : undefined;
  }
}

/** Where a jump host was named, for errors. */
interface Origin {
  file: string;
  key: string;
}

const GANGWAY_YML: Origin = { file: 'gangway.yml', key: 'ssh.jump' };

function resolveHop(endpoint: SshEndpoint, settings: SshSettings): RouteHop & { proxyJump?: string } {
  const fromConfig = readSshConfig(settings.configFile, endpoint.host);
  return {
    endpoint,
    host: fromConfig.hostName ?? endpoint.host,
    port: endpoint.port ?? fromConfig.port ?? 22,
    username: endpoint.user ?? fromConfig.user ?? userInfo().username,
    identityFiles: fromConfig.identityFiles,
    settings,
    ...(fromConfig.proxyJump !== undefined && { proxyJump: fromConfig.proxyJump }),
  };
}

/** The same server: host and port after ssh_config (the user does not make a different machine). */
function sameHop(a: RouteHop, b: RouteHop): boolean {
  return knownHostsName(a.host, a.port).toLowerCase() === knownHostsName(b.host, b.port).toLowerCase();
}

function parseJump(text: string, origin: Origin): SshEndpoint {
  const spec = parseHostSpec(text.trim());
  if ('error' in spec || spec.kind !== 'ssh') {
    const why = 'error' in spec ? spec.error : 'local';
    throw new ConfigError([{ ...origin, message: `"${text}" is not a jump host (user@host[:port]): ${why}` }]);
  }
  return { host: spec.host, ...(spec.user && { user: spec.user }), ...(spec.port && { port: spec.port }) };
}

function loopError(route: RouteHop[], again: RouteHop, origin: Origin): ConfigError {
  const chain = [...route]
    .reverse()
    .concat(again)
    .map((h) => h.endpoint.host)
    .join(' -> ');
  return new ConfigError([{ ...origin, message: `jump hosts loop: ${chain}` }], {
    hints: ['a host reached through a jump host must not be one on its own way (check ProxyJump in Host * blocks)'],
  });
}

function tooLong(route: RouteHop[]): string {
  const chain = route
    .map((h) => h.endpoint.host)
    .reverse()
    .join(' -> ');
  return `more than ${MAX_JUMPS} jump hosts in a row (${chain} -> …)`;
}
