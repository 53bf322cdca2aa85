/**
 * Blue/green preflight: the apps already routed by the host's shared proxy (gangway-proxy), so that a new app
 * never takes another app's traffic. Caddy tries the routes in file order and the first match wins: a second
 * app without `proxy.domains` (a catch-all) would never be reached — or, sorting first, take every request of
 * the other — and two apps routing one host name do the same for that name. Read-only.
 */
import type { ProxySettings } from '../../config/config.js';
import type { Host } from '../../hosts/host.js';
import { fail, ok, type CheckItem } from '../../checklist.js';

/**
 * One line per fact: `home DIR`, `route SERVER/ORDER-APP.json JSON` (the route file, on one line) and `app APP
 * DIR` (the first line of bluegreen.sh's <home>/apps/<app>: where the app is deployed).
 */
const PROBE = `home=$(docker inspect -f '{{index .Config.Labels "gangway.proxy.home"}}' gangway-proxy 2>/dev/null)
[ -n "$home" ] && [ -d "$home" ] || exit 0
echo "home $home"
for d in http https; do
  for f in "$home/routes/$d"/*.json; do
    [ -f "$f" ] && printf 'route %s/%s %s\\n' "$d" "\${f##*/}" "$(tr -d '\\n' < "$f")"
  done
done
for f in "$home/apps"/*; do
  [ -f "$f" ] || continue
  a=\${f##*/}
  printf 'app %s %s\\n' "$a" "$(head -n 1 "$f")"
done
true`;

export interface RoutedApp {
  app: string;
  /** Where the app is deployed (unknown for routes written by an older gangway). */
  dir?: string;
  /** Host names its route matches; empty: every host name (a catch-all). */
  domains: string[];
  /** The route file in the proxy's home. */
  file: string;
}

export interface ProxyFacts {
  home: string;
  apps: RoutedApp[];
}

export async function proxyCheck(host: Host, app: string, dir: string, proxy: ProxySettings): Promise<CheckItem> {
  const r = await host.exec(['sh', '-c', PROBE], { timeoutMs: 20_000 });
  const facts = parseProxyFacts(r.stdout);
  if (!facts) return ok('proxy', 'no gangway proxy on this host yet: this deploy installs it');
  const problems = proxyConflicts(app, dir, proxy.domains, facts);
  if (problems.length > 0) return fail('proxy', problems.join('; '));
  const others = facts.apps.filter((a) => a.app !== app).length;
  return ok('proxy', `shared proxy (files in ${facts.home}); ${others} other app(s) routed, no overlap`);
}

export function parseProxyFacts(stdout: string): ProxyFacts | undefined {
  let home: string | undefined;
  const apps = new Map<string, RoutedApp>();
  const dirs = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const [kind, a = '', ...rest] = line.split(' ');
    const value = rest.join(' ');
    if (kind === 'home') home = [a, ...rest].join(' ');
    else if (kind === 'route') {
      const m = /^(https?)\/(\d+)-(.+)\.json$/.exec(a);
      if (m) apps.set(m[3]!, { app: m[3]!, domains: routeHosts(value), file: `routes/${a}` });
    } else if (kind === 'app' && value) dirs.set(a, value);
  }
  if (home === undefined) return undefined;
  // The host names are the route's own (what Caddy matches); the apps/ file says where the app is deployed.
  return { home, apps: [...apps.values()].map((a) => (dirs.has(a.app) ? { ...a, dir: dirs.get(a.app)! } : a)) };
}

/** The host names of a route file's host matcher (none: a catch-all; unreadable JSON counts as one too). */
function routeHosts(json: string): string[] {
  try {
    const route = JSON.parse(json) as { match?: { host?: unknown }[] };
    const hosts = route.match?.flatMap((m) => (Array.isArray(m.host) ? m.host : [])) ?? [];
    return hosts.filter((h): h is string => typeof h === 'string');
  } catch {
    return [];
  }
}

/** Why this app's route would take another's traffic (or another's this app's); empty when it would not. */
export function proxyConflicts(app: string, dir: string, domains: string[], facts: ProxyFacts): string[] {
  const problems: string[] = [];
  const where = (o: RoutedApp) => `app ${o.app} (${o.dir ? `deployed to ${o.dir}` : 'its dir is not recorded'})`;
  const gone = (o: RoutedApp) => `remove ${facts.home}/${o.file} if ${o.app} is gone`;
  for (const other of facts.apps) {
    if (other.app === app) {
      if (other.dir && trimSlash(other.dir) !== trimSlash(dir))
        problems.push(
          `${where(other)} has the same app name: its routes would be replaced by this one's; give one of them ` +
            `another app: name`,
        );
      continue;
    }
    if (domains.length === 0 && other.domains.length === 0) {
      problems.push(
        `the proxy already sends every host name to ${where(other)}: a second app without proxy.domains would ` +
          `take its traffic or never get any; give ${app} proxy.domains (or ${gone(other)})`,
      );
      continue;
    }
    const shared = domains.filter((d) => other.domains.some((o) => hostsOverlap(d, o)));
    if (shared.length > 0)
      problems.push(
        `${where(other)} already routes ${shared.join(', ')} on this proxy: the first route would take every ` +
          `request for it; give ${app} other proxy.domains (or ${gone(other)})`,
      );
  }
  return problems;
}

/** Caddy's host matcher: case-insensitive, and `*` stands for exactly one label. */
export function hostsOverlap(a: string, b: string): boolean {
  const x = a.toLowerCase().split('.');
  const y = b.toLowerCase().split('.');
  return x.length === y.length && x.every((label, i) => label === y[i] || label === '*' || y[i] === '*');
}

const trimSlash = (p: string) => p.replace(/\/+$/, '') || '/';
