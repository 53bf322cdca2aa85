/**
 * `gangway backup schedule`: one schedule per scheduled backup, running the uploaded backup.sh (`scheduled`:
 * backup, retention, the restore test `verify` asks for). As root it is /etc/cron.d/gangway-<app>-<name>;
 * otherwise a line of the user's crontab, marked so that re-running replaces it instead of adding another; on a
 * server without cron, a systemd timer of that name (schedule.sh decides, on the server).
 */
import { posix } from 'node:path';
import type { Host } from '../hosts/host.js';
import { serverScript } from '../server/scripts.js';
import { quote } from '../shell/quote.js';
import { cronToOnCalendar } from './oncalendar.js';
import { BackupError } from './errors.js';

export function cronMarker(app: string, name: string): string {
  return `gangway-${app}-${name}`;
}

/** The command cron runs: output appended to schedule.log (0600); `%` is special to cron, so it is escaped. */
export function cronCommand(jobDir: string): string {
  return plainCommand(jobDir).replace(/%/g, '\\%');
}

function plainCommand(jobDir: string): string {
  const script = posix.join(jobDir, 'backup.sh');
  const log = posix.join(jobDir, 'schedule.log');
  return `umask 077; sh ${quote(script)} ${quote(jobDir)} scheduled >> ${quote(log)} 2>&1`;
}

/** The command in a systemd unit's `ExecStart=/bin/sh -c "…"`: C-style escapes, `%` specifiers, `$` variables. */
export function unitCommand(jobDir: string): string {
  return plainCommand(jobDir).replace(/[\\"]/g, '\\$&').replace(/%/g, '%%').replace(/\$/g, '$$$$');
}

export async function installCron(
  host: Host,
  app: string,
  name: string,
  schedule: string | undefined,
  jobDir: string,
): Promise<string> {
  let calendar = '';
  let calendarError = '';
  try {
    calendar = schedule ? cronToOnCalendar(schedule) : '';
  } catch (e) {
    calendarError = (e as Error).message;
  }
  const args = [schedule ?? '', cronCommand(jobDir), cronMarker(app, name), calendar, unitCommand(jobDir)];
  const r = await host.exec(['sh', '-c', serverScript('schedule.sh'), 'sh', ...args, calendarError]);
  if (r.code !== 0)
    throw new BackupError('E_SCHEDULE_FAILED', `${host.label}: ${r.stderr.trim() || 'cron refused the entry'}`, {
      hints: [
        'install cron on the server (Debian: apt-get install cron), or use a schedule systemd can follow, then run ' +
          '`gangway backup schedule` again',
      ],
    });
  return r.stdout.trim();
}
