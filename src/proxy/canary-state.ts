/**
 * A canary rollout in progress on a host, as canary.sh keeps it in <dir>/.gangway/proxy/canary: read for
 * `gangway status`, and ended by `gangway rollback` (every canary marker goes, so the serving colour takes all
 * requests from the next one on; canary.end tells the deploy, which records the release rolled_back).
 */
import type { Host } from '../hosts/host.js';
import { remoteLayout } from '../server/layout.js';

export interface CanaryState {
  /** The new colour, and the one serving before it. */
  colour: string;
  from: string;
  /** The new colour's share of new clients now (percent), and every step's. */
  share: number;
  steps: string;
  release: string;
  /** When this step's figures were last judged (or the step began). */
  since: string;
  /** The step's figures so far, as the judge put them. */
  figures: string;
}

export function parseCanaryState(text: string): CanaryState | undefined {
  try {
    const s = JSON.parse(text) as Partial<CanaryState>;
    return typeof s.share === 'number' && s.colour && s.release ? (s as CanaryState) : undefined;
  } catch {
    return undefined;
  }
}

export const formatCanary = (c: CanaryState) =>
  `release ${c.release} on ${c.colour}: ${c.share}% of new clients (steps ${c.steps.trim()}), the rest on ` +
  `${c.from}; ${c.figures} (${c.since})`;

// $1: the state dir, $2: the app. The markers are in the proxy's home, which the state file names.
const END = `f="$1/proxy/canary"
[ -f "$f" ] || exit 0
cat "$f"
conf=$(sed -n 's/.*"conf":"\\([^"]*\\)".*/\\1/p' "$f")
: > "$1/proxy/canary.end"
for m in "$conf/live/$2.canary-"*; do rm -f "$m"; done`;

const RECORD = `grep -F "\\"id\\":\\"$2\\"" "$1" 2>/dev/null | tail -n 1`;

/**
 * Ends the canary in progress on `host`, if any (all traffic to the old colour at once), then waits up to
 * `waitMs` for the deploy's record of it. Returns the canary as it stood and that record's status.
 */
export async function endCanary(
  host: Host,
  dir: string,
  app: string,
  waitMs: number,
): Promise<{ canary: CanaryState; status?: string } | undefined> {
  const layout = remoteLayout(dir);
  const r = await host.exec(['sh', '-c', END, 'sh', layout.state, app], { timeoutMs: 20_000 });
  const canary = parseCanaryState(r.stdout.trim());
  if (!canary) return undefined;
  const end = Date.now() + waitMs;
  for (;;) {
    const rec = await host.exec(['sh', '-c', RECORD, 'sh', layout.releasesLog, canary.release], { timeoutMs: 20_000 });
    const status = /"status":"([a-z_]+)"/.exec(rec.stdout)?.[1];
    if (status || Date.now() > end) return { canary, ...(status && { status }) };
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
