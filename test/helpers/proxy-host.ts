/**
 * A test host (scripts/test-hosts.sh) for blue/green projects behind gangway's shared proxy: the proxy's image is
 * not delivered by gangway, so it comes into the host's engine here; after the file, the colour projects, the proxy
 * and the projects themselves are removed, so the next run on that host starts clean.
 */
import { execFileSync } from 'node:child_process';
import type { DeployProject } from './deploy-project.js';
import type { TestHost } from './testenv.js';

/** The proxy's image of the tests (Debian's Caddy, scripts/caddy-image.sh). */
export const PROXY_IMAGE = 'gangway-test/caddy:2';

const sh = (script: string) => execFileSync('sh', ['-c', script], { encoding: 'utf8' });

/** The host's engine as a shell command: `docker -H unix://…`. */
export const hostDocker = (host: TestHost) => `docker -H ${host.docker}`;

/** The proxy's image (and `images`, e.g. a database's) in the host's engine; no proxy left from a run before. */
export function prepareProxyHost(host: TestHost, images: string[] = []): void {
  const d = hostDocker(host);
  sh(`docker save ${[PROXY_IMAGE, ...images].join(' ')} | ${d} load -q >/dev/null`);
  sh(`${d} rm -f gangway-proxy >/dev/null 2>&1; true`);
}

/**
 * The blue and green containers of each project and the proxy removed (errors ignored: a test may have failed
 * before any of them existed), then each project's own cleanup, then the named `volumes` (free by then).
 */
export function cleanupProxyHost(host: TestHost, projects: DeployProject[], volumes: string[] = []): void {
  const d = hostDocker(host);
  const colours = projects.flatMap((p) =>
    ['blue', 'green'].map(
      (c) => `${d} ps -aq --filter label=com.docker.compose.project=${p.app}-${c} | xargs -r ${d} rm -f`,
    ),
  );
  const quietly = (commands: string[]) => sh(commands.map((c) => `${c} >/dev/null 2>&1; `).join('') + 'true');
  quietly([...colours, `${d} rm -f gangway-proxy`]);
  for (const p of projects) p.cleanup();
  if (volumes.length) quietly([`${d} volume rm ${volumes.join(' ')}`]);
}

/**
 * The `proxy:` block of such a project: its service web on 8080 behind PROXY_IMAGE, listening on `http` (and `https`,
 * by default the next port), a health check every 250ms that passes twice; `more`: further keys, indented two spaces.
 */
export function proxyConfig(o: { http: number; https?: number; drain: string; more?: string }): string {
  return (
    `proxy:\n  service: web\n  port: 8080\n  listen: { http: ${o.http}, https: ${o.https ?? o.http + 1} }\n` +
    `  image: ${PROXY_IMAGE}\n  health: { path: /health, interval: 250ms, passes: 2 }\n  drain: ${o.drain}\n` +
    (o.more ?? '')
  );
}
