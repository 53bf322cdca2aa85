/**
 * A notification's content: the one document every destination is built from. The generic webhook receives it
 * as it is (README "Notifications" documents it); Slack and email render it as text. Never a secret value: the
 * sender scrubs every string of it before anything leaves this machine.
 */
import type { NotifyEvent } from '../config/config.js';

export interface NoticeHost {
  host: string;
  result: string;
  /** The tag before the run, the tag it moved to, and what serves now (deploys and rollbacks). */
  from?: string;
  to?: string;
  serving?: string;
  failing_step?: string;
  reason?: string;
}

export interface Notice {
  /** The document's version: fields are only ever added. */
  version: 1;
  event: NotifyEvent;
  app: string;
  target: string;
  tag: string | null;
  /** succeeded | rolled_back | failed | … for runs; NO-GO; drifted; the backup's outcome. */
  result: string;
  reason: string | null;
  duration_s: number | null;
  /** The release id of a run, the backup file, or null. */
  record_id: string | null;
  hosts: NoticeHost[];
  who: string | null;
  time: string;
}

/** The first of `candidates` (most specific first) that `on` asks for, or undefined: nothing to send. */
export function chooseEvent(candidates: readonly NotifyEvent[], on: readonly NotifyEvent[]): NotifyEvent | undefined {
  return candidates.find((e) => on.includes(e));
}

/** One line for humans: `observer prod: deploy of v1.2 rolled back (health web: unhealthy)`. */
export function headline(n: Notice): string {
  const what: Record<NotifyEvent, string> = {
    deploy_succeeded: `deploy of ${n.tag ?? '?'} succeeded`,
    deploy_failed: `deploy of ${n.tag ?? '?'} failed (${n.result})`,
    rolled_back: `deploy of ${n.tag ?? '?'} failed and was rolled back`,
    rollback: `rollback${n.tag ? ` to ${n.tag}` : ''} ${n.result === 'succeeded' ? 'succeeded' : `ended ${n.result}`}`,
    no_go: 'status is NO-GO',
    backup_succeeded: `backup ${n.record_id ?? ''} succeeded`.replace('  ', ' '),
    backup_failed: 'backup failed',
    drift: 'the server changed outside gangway (drift)',
  };
  return `${n.app} ${n.target}: ${what[n.event]}${n.reason ? ` — ${n.reason}` : ''}`;
}

/** The notice as plain text lines (email body, Slack's detail). */
export function detailLines(n: Notice): string[] {
  const lines = n.hosts.map((h) => {
    const move = h.from !== undefined || h.to !== undefined ? ` ${h.from ?? '?'} → ${h.to ?? '?'}` : '';
    const serving = h.serving !== undefined ? `, serving ${h.serving}` : '';
    const why = h.reason ? ` (${h.failing_step ? `${h.failing_step}: ` : ''}${h.reason})` : '';
    return `${h.host}: ${h.result}${move}${serving}${why}`;
  });
  const facts = [
    n.record_id && `record ${n.record_id}`,
    typeof n.duration_s === 'number' && `${n.duration_s.toFixed(1)} s`,
    n.who && `by ${n.who}`,
    n.time,
  ].filter((x): x is string => typeof x === 'string');
  return [...lines, facts.join(', ')];
}
