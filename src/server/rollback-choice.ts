/**
 * Which retained release a rollback goes back to: a pure function of the server's state.
 * `--to TAG`: the newest retained release with that tag that passed its gate. Otherwise: the newest retained
 * good release older than the one in place (retention keeps it: after an env-only change it is the same tag
 * with the env before). Failed releases are never offered.
 */
import { isGood } from './records.js';
import type { ServerState } from './state.js';

export type RollbackChoice =
  { ok: true; id: string; tag: string } | { ok: false; message: string; retainedTags: string[] };

/** `--to TAG` names the tag in place: nothing to do (the caller leaves the host as it is). */
export function alreadyInPlace(current: { tag?: string } | undefined, want: string | undefined): string | undefined {
  if (want === undefined || current?.tag !== want) return undefined;
  return `tag ${want} is the release in place: nothing to do`;
}

export function chooseRollback(
  state: Pick<ServerState, 'current' | 'retained' | 'records'>,
  want?: string,
): RollbackChoice {
  const good = new Set(state.records.filter(isGood).map((r) => r.id));
  const candidates = state.retained.filter((r) => good.has(r.id) && r.id !== state.current?.id);
  const retainedTags = [...new Set(candidates.map((r) => r.tag))];
  const inPlace = alreadyInPlace(state.current, want);
  if (inPlace) return { ok: false, message: inPlace, retainedTags };
  const pick =
    want !== undefined
      ? candidates.find((r) => r.tag === want)
      : candidates.find((r) => state.current === undefined || r.id < state.current.id);
  if (pick) return { ok: true, id: pick.id, tag: pick.tag };
  const list = retainedTags.length ? retainedTags.join(', ') : 'none';
  const message =
    want !== undefined
      ? `tag ${want} is not retained as a good release (retained good tags: ${list})`
      : `no earlier release that passed its health gate is retained (retained good tags: ${list})`;
  return { ok: false, message, retainedTags };
}
