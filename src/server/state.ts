/** Reading what gangway keeps on a server: release records, the release in place, last good tag, the lock. */
import type { Host } from '../hosts/host.js';
import type { RemoteLayout } from './layout.js';
import { parseInfo, type LockInfo } from './lock.js';
import type { ReleaseRecord } from './records.js';
import { runScript, serverScript } from './scripts.js';

export interface ServerLock {
  info?: Partial<LockInfo>;
  applyPid?: string;
  /** Why the lock is stale (its holder is gone), by lock.sh's one rule; absent while its holder lives. */
  stale?: string;
}

export interface ServerState {
  current?: { id: string; tag?: string };
  lastGoodTag?: string;
  /** Release directories kept on the server, newest first, with their tags. */
  retained: { id: string; tag: string }[];
  records: ReleaseRecord[];
  lock?: ServerLock;
  /** A release whose apply died before recording its outcome (recovered by the next deploy or rollback). */
  unfinished?: string;
}

export async function readServerState(host: Host, layout: RemoteLayout): Promise<ServerState> {
  const r = await host.exec(runScript('state.sh', [layout.state, serverScript('lock.sh')]), { timeoutMs: 20_000 });
  return parseServerState(r.stdout);
}

export function parseServerState(stdout: string): ServerState {
  const sections = new Map<string, string[]>();
  let name = '';
  for (const line of stdout.split('\n')) {
    if (line.startsWith('@@')) {
      name = line.slice(2);
      sections.set(name, []);
    } else sections.get(name)?.push(line);
  }
  const text = (k: string) => (sections.get(k) ?? []).join('\n').trim();
  const lines = (k: string) => text(k).split('\n').filter(Boolean);
  const retained = lines('retained')
    .map((l) => {
      const [id = '', tag = ''] = l.split(' ');
      return { id, tag };
    })
    .sort((a, b) => b.id.localeCompare(a.id));
  const records = lines('records').flatMap((l) => {
    try {
      return [JSON.parse(l) as ReleaseRecord];
    } catch {
      return [];
    }
  });
  const currentId = text('current');
  const currentTag = retained.find((x) => x.id === currentId)?.tag;
  const probe = lines('probe');
  const unfinished = probe.find((l) => l.startsWith('unfinished '))?.slice('unfinished '.length);
  const stale = probe.find((l) => l.startsWith('stale '))?.slice('stale '.length);
  const state: ServerState = {
    ...(currentId && { current: { id: currentId, ...(currentTag !== undefined && { tag: currentTag }) } }),
    ...(text('last_good') && { lastGoodTag: text('last_good') }),
    retained,
    records,
    ...(unfinished && { unfinished }),
  };
  if (sections.has('lock')) {
    const info = parseInfo(text('lock'));
    const applyPid = text('apply');
    state.lock = { ...(info && { info }), ...(applyPid && { applyPid }), ...(stale && { stale }) };
  }
  return state;
}
