/**
 * A scheduled backup's notifications, shaped here like every notice of the CLI (notice.ts, formats.ts) and
 * rendered as templates (src/shell/json-template.ts) that `gangway backup schedule` writes into <job>/notify;
 * notify.sh, run by cron without gangway, only fills in what it knows then. One template per destination kind,
 * event and variant: `r` when there is a reason, `f` when there is a backup file (record_id), `-` when not.
 *
 * Slots: app, result, record_id, who, time (strings; notify.sh escapes them for Slack first), duration_s (whole
 * seconds), reason (raw: it comes JSON-escaped out of the backup's record, and Slack-escaped for Slack).
 */
import type { NotifyEvent } from '../config/config.js';
import { renderTemplate, type Slots } from '../shell/json-template.js';
import { slackPayload } from './formats.js';
import type { Notice } from './notice.js';

export const SCHEDULED_EVENTS: readonly NotifyEvent[] = ['backup_succeeded', 'backup_failed'];
const VARIANTS = ['--', 'r-', '-f', 'rf'] as const;

/** What notify.sh knows when a scheduled backup ends; the template's slots are filled with these. */
export interface ScheduledFacts {
  app: string;
  result: string;
  reason: string | null;
  duration_s: number;
  record_id: string | null;
  who: string;
  time: string;
}

/** The notice of a scheduled run: the same document the CLI sends for `gangway backup`. */
export function scheduledNotice(event: NotifyEvent, target: string, host: string, f: ScheduledFacts): Notice {
  return {
    version: 1,
    event,
    app: f.app,
    target,
    tag: null,
    result: f.result,
    reason: f.reason,
    duration_s: f.duration_s,
    record_id: f.record_id,
    hosts: [{ host, result: f.result }],
    who: f.who,
    time: f.time,
  };
}

/** The `template<TAB>KIND<TAB>EVENT<TAB>VARIANT<TAB>JSON` lines of <job>/notify (JSON holds no tab or newline). */
export function scheduledTemplateLines(events: readonly NotifyEvent[], target: string, host: string): string[] {
  const lines: string[] = [];
  for (const event of events)
    for (const variant of VARIANTS) {
      const notice = (s: Slots) =>
        scheduledNotice(event, target, host, {
          app: s.str('app'),
          result: s.str('result'),
          reason: variant[0] === 'r' ? s.raw('reason') : null,
          duration_s: s.num('duration_s'),
          record_id: variant[1] === 'f' ? s.str('record_id') : null,
          who: s.str('who'),
          time: s.str('time'),
        });
      lines.push(`template\twebhook\t${event}\t${variant}\t${renderTemplate(notice)}`);
      lines.push(`template\tslack\t${event}\t${variant}\t${renderTemplate((s) => slackPayload(notice(s)))}`);
    }
  return lines;
}
