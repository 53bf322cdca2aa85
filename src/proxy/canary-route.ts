/**
 * The canary's routes in an app's Caddy config (proxy.canary): one per new colour and step, each behind its own
 * marker `/gangway/live/<app>.canary-<colour>-<share>`, ahead of the colour routes. A step change renames that
 * marker (src/server/sh/canary.sh), as the blue/green switch renames its own: no config reload, so no client's
 * keep-alive connection is closed; taking the marker away sends everything back to the serving colour at once.
 *
 * Built only on what Debian's Caddy 2.6 and current Caddy 2 both have (weighted_round_robin came after 2.6):
 * - the share: the `cookie` selection policy picks, for a request without its cookie, a random entry of the
 *   upstream list (2.6: random; current: its `random` fallback); the list repeats each colour in proportion to
 *   its share (25%: new ×1, old ×3), which both versions keep as separate entries of the pool;
 * - stickiness: that policy sets a cookie naming the chosen upstream (an HMAC of its address), and a request that
 *   carries it goes to that upstream again, at every step, until the rollout ends;
 * - per-colour figures: `Gangway-Upstream` (the upstream placeholder, set on the response by reverse_proxy) lands
 *   in the proxy's JSON access log beside status and duration, which canary.sh reads for each interval.
 */
import type { ProxySettings } from '../config/config.js';
import type { Colour } from './colours.js';
import { colourAlias } from './colour-override.js';

/** The response header (and access log field) that names the upstream which answered. */
export const UPSTREAM_HEADER = 'Gangway-Upstream';

export const canaryMarker = (app: string, colour: Colour, share: number) => `${app}.canary-${colour}-${share}`;
export const canaryCookie = (app: string) => `gangway-${app}`;

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** How many entries of each colour make `share` percent for the new one: 25 → 1 new, 3 old. */
export function shareEntries(share: number): { newer: number; older: number } {
  const g = gcd(share, 100);
  return { newer: share / g, older: (100 - share) / g };
}

export function canaryRoutes(app: string, proxy: ProxySettings): object[] {
  const canary = proxy.canary;
  if (!canary) return [];
  const upstream = (c: Colour) => ({ dial: `${colourAlias(app, c)}:${proxy.port}` });
  return (['blue', 'green'] as const).flatMap((colour) => {
    const old: Colour = colour === 'blue' ? 'green' : 'blue';
    return canary.steps.map((share) => {
      const { newer, older } = shareEntries(share);
      return {
        match: [{ file: { root: '/gangway/live', try_files: [canaryMarker(app, colour, share)] } }],
        handle: [
          {
            handler: 'reverse_proxy',
            upstreams: [...Array<Colour>(newer).fill(colour), ...Array<Colour>(older).fill(old)].map(upstream),
            load_balancing: {
              selection_policy: { policy: 'cookie', name: canaryCookie(app), secret: app },
              try_duration: '5s',
              try_interval: '100ms',
            },
            headers: { response: { set: { [UPSTREAM_HEADER]: ['{http.reverse_proxy.upstream.hostport}'] } } },
          },
        ],
      };
    });
  });
}
