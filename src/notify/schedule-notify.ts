/**
 * What a scheduled backup needs to notify from the server (cron runs it without gangway): `<job>/notify`, read by
 * notify.sh. The URLs are credentials, so the file is 0600 and only the names of their variables are ever printed.
 * Slack and the generic webhook only: email needs an SMTP client with STARTTLS on the server, which a plain
 * POSIX server lacks — the schedule says so instead of failing silently at 02:00.
 */
import type { NotifySettings } from '../config/config.js';
import { SCHEDULED_EVENTS, scheduledTemplateLines } from './scheduled-templates.js';

export interface ScheduleNotify {
  /** The file's content, or undefined: no notification from this schedule (remove any old file). */
  content?: string;
  /** The URL values written (the caller registers them as secrets). */
  secrets: string[];
  /** One line each: what will notify (ok), and what will not and why (not ok). */
  said: { ok: boolean; text: string }[];
}

export function scheduleNotify(
  notify: NotifySettings | undefined,
  target: string,
  host: string,
  env: NodeJS.ProcessEnv,
): ScheduleNotify {
  const events = SCHEDULED_EVENTS.filter((e) => notify?.on.includes(e));
  if (!notify || events.length === 0) return { secrets: [], said: [] };
  const said: ScheduleNotify['said'] = [];
  const lines: string[] = [];
  const secrets: string[] = [];
  for (const d of notify.to) {
    if (d.type === 'email') {
      said.push({
        ok: false,
        text: `email to ${d.to.join(', ')}: not sent by scheduled runs (no SMTP client on the server)`,
      });
      continue;
    }
    const url = env[d.urlEnv];
    if (!url) {
      said.push({
        ok: false,
        text: `${d.type} (${d.urlEnv}): not set in this environment, so scheduled runs will not post to it`,
      });
      continue;
    }
    if (/[\t\n\r]/.test(url)) {
      said.push({ ok: false, text: `${d.type} (${d.urlEnv}): the URL holds a tab or a line break, so it is not used` });
      continue;
    }
    lines.push(`${d.type}\t${url}`);
    secrets.push(url);
    said.push({ ok: true, text: `${d.type} (${d.urlEnv}) on ${events.join(', ')}` });
  }
  if (lines.length === 0) return { secrets, said };
  const clean = (s: string) => s.replace(/[\t\n\r]/g, ' ');
  const content = [`on\t${events.join(' ')}`, `target\t${clean(target)}`, `host\t${clean(host)}`, ...lines];
  // The bodies, shaped as the CLI's own notices: notify.sh only fills them in (an older file has none).
  content.push(...scheduledTemplateLines(events, target, host));
  return { content: `${content.join('\n')}\n`, secrets, said };
}
