/**
 * Blue/green as it stands on a host, in one round trip: the colour in service, what each colour holds, the
 * proxy container's state and Caddy's upstreams (address, requests in flight, failures) from its admin API.
 */
import type { Host } from '../hosts/host.js';
import { COLOURS, type Colour } from './colours.js';
import { parseCanaryState, type CanaryState } from './canary-state.js';
import { colourAlias } from './colour-override.js';
import { type MaintenanceInfo, parseMaintenanceRead } from './maintenance.js';

export interface ProxyStatus {
  serving?: Colour;
  colours: { colour: Colour; releaseId: string; tag: string }[];
  /** The proxy container's state (running, exited…), or `missing`. */
  proxy: string;
  upstreams: { address: string; numRequests: number; fails: number }[];
  /** A canary rollout in progress (proxy.canary). */
  canary?: CanaryState;
  /** Present while the app is in maintenance mode (the proxy answers 503 with its page). */
  maintenance?: MaintenanceInfo;
}

const READ = `g=$1 app=$2
echo "@@serving"; cat "$g/proxy/serving" 2>/dev/null
for c in blue green; do echo "@@$c"; cat "$g/proxy/$c" 2>/dev/null; done
echo "@@proxy"; docker inspect -f '{{.State.Status}}' gangway-proxy 2>/dev/null || echo missing
echo "@@canary"; cat "$g/proxy/canary" 2>/dev/null
echo "@@upstreams"; docker exec gangway-proxy wget -q -O - http://localhost:2019/reverse_proxy/upstreams 2>/dev/null
echo "@@maintenance"
conf=$(docker inspect -f '{{index .Config.Labels "gangway.proxy.home"}}' gangway-proxy 2>/dev/null)
if [ -n "$conf" ] && [ -f "$conf/maintenance/$app.html" ]; then
  echo "now on"; cat "$g/proxy/maintenance.json" 2>/dev/null
fi
true`;

export async function readProxyStatus(host: Host, stateDir: string, app: string): Promise<ProxyStatus> {
  const r = await host.exec(['sh', '-c', READ, 'sh', stateDir, app], { timeoutMs: 20_000 });
  const sections = new Map<string, string>();
  let name = '';
  for (const line of r.stdout.split('\n')) {
    if (line.startsWith('@@')) name = line.slice(2);
    else if (line.trim()) sections.set(name, `${sections.get(name) ?? ''}${line.trim()}\n`);
  }
  const text = (k: string) => (sections.get(k) ?? '').trim();
  const serving = COLOURS.find((c) => c === text('serving'));
  const colours = COLOURS.flatMap((colour) => {
    const [releaseId, tag] = text(colour).split(' ');
    return releaseId ? [{ colour, releaseId, tag: tag ?? '' }] : [];
  });
  const mine = new Set(COLOURS.map((c) => colourAlias(app, c)));
  const canary = parseCanaryState(text('canary'));
  const maintenance = parseMaintenanceRead(text('maintenance'));
  return {
    ...(maintenance && { maintenance }),
    ...(serving && { serving }),
    ...(canary && { canary }),
    colours,
    proxy: text('proxy') || 'missing',
    upstreams: parseUpstreams(text('upstreams')).filter((u) => mine.has(u.address.split(':')[0]!)),
  };
}

function parseUpstreams(json: string): ProxyStatus['upstreams'] {
  try {
    const list = JSON.parse(json || '[]') as { address: string; num_requests?: number; fails?: number }[];
    return list.map((u) => ({ address: u.address, numRequests: u.num_requests ?? 0, fails: u.fails ?? 0 }));
  } catch {
    return [];
  }
}
