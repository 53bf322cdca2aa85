/** Reading what gangway keeps on a server: release records, the release in place, last good tag, the lock. */
import type { Host } from '../hosts/host.js';
import type { RemoteLayout } from '../deploy/layout.js';
import { parseInfo, type LockInfo } from '../deploy/lock.js';

export interface ReleaseRecord {
  id: string;
  tag: string;
  status: 'succeeded' | 'failed' | 'rolled_back' | 'rollback' | string;
  started?: string;
  finished?: string;
  duration_s?: number;
  who?: string;
  operation?: string;
  serving?: string;
  failing_step?: string;
  reason?: string;
  [field: string]: unknown;
}

export interface ServerState {
  current?: { id: string; tag?: string };
  lastGoodTag?: string;
  /** Release directories kept on the server, newest first, with their tags. */
  retained: { id: string; tag: string }[];
  records: ReleaseRecord[];
  lock?: { info?: Partial<LockInfo>; applyPid?: string; applyAlive: boolean; heartbeatFresh: boolean };
}

/** One round trip: every small state file, separated by markers (no file content is ever a secret here). */
const READ_STATE = `g=$1
echo "@@current"; cat "$g/current" 2>/dev/null
echo "@@last_good"; cat "$g/last_good_tag" 2>/dev/null
echo "@@retained"; for d in "$g"/releases/*/; do [ -d "$d" ] || continue; id=$(basename "$d"); printf '%s %s\\n' "$id" "$(cat "$d/tag" 2>/dev/null)"; done
echo "@@records"; cat "$g/releases.jsonl" 2>/dev/null
if [ -d "$g/lock" ]; then
  echo "@@lock"; cat "$g/lock/info" 2>/dev/null; echo
  echo "@@apply"; if [ -f "$g/lock/apply.pid" ]; then p=$(cat "$g/lock/apply.pid"); if kill -0 "$p" 2>/dev/null; then echo "$p alive"; else echo "$p dead"; fi; fi
  echo "@@heartbeat"; find "$g/lock/heartbeat" "$g/lock" -maxdepth 0 -mmin -1 2>/dev/null | head -n 1
fi
true`;

export async function readServerState(host: Host, layout: RemoteLayout): Promise<ServerState> {
  const r = await host.exec(['sh', '-c', READ_STATE, 'sh', layout.state], { timeoutMs: 20_000 });
  const sections = new Map<string, string[]>();
  let name = '';
  for (const line of r.stdout.split('\n')) {
    if (line.startsWith('@@')) {
      name = line.slice(2);
      sections.set(name, []);
    } else sections.get(name)?.push(line);
  }
  const text = (k: string) => (sections.get(k) ?? []).join('\n').trim();
  const retained = text('retained')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [id, tag] = l.split(' ');
      return { id: id!, tag: tag ?? '' };
    })
    .sort((a, b) => b.id.localeCompare(a.id));
  const records = text('records')
    .split('\n')
    .filter(Boolean)
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as ReleaseRecord];
      } catch {
        return [];
      }
    });
  const currentId = text('current');
  const state: ServerState = {
    ...(currentId && { current: { id: currentId, ...(retained.find((x) => x.id === currentId) && { tag: retained.find((x) => x.id === currentId)!.tag }) } }),
    ...(text('last_good') && { lastGoodTag: text('last_good') }),
    retained,
    records,
  };
  if (sections.has('lock')) {
    const info = parseInfo(text('lock'));
    const apply = text('apply').split(' ');
    state.lock = {
      ...(info && { info }),
      ...(apply[0] && { applyPid: apply[0] }),
      applyAlive: apply[1] === 'alive',
      heartbeatFresh: text('heartbeat') !== '',
    };
  }
  return state;
}
