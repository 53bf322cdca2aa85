/**
 * `gangway backup schedule`: one schedule per scheduled backup, running the uploaded backup.sh (`scheduled`:
 * backup, retention, the restore test `verify` asks for). As root it is /etc/cron.d/gangway-<app>_<name>;
 * otherwise a line of the user's crontab, marked so that re-running replaces it instead of adding another; on a
 * server without cron, a systemd timer of that name (schedule.sh decides, on the server).
 */
import { posix } from 'node:path';
import type { Host } from '../hosts/host.js';
import { serverScript } from '../server/scripts.js';
import { quote } from '../shell/quote.js';
import { cronToOnCalendar } from './oncalendar.js';
import { BackupError } from './errors.js';

/**
 * `gangway-<app>_<name>`, each `_` of app and name doubled: app and name both allow `-` and `_`, so a plain
 * `gangway-<app>-<name>` was the same file for `shop` + `db-x` and `shop-db` + `x`. A lone `_` is the separator (a
 * name never starts with `_`), and `gangway-<app>_` followed by a letter or digit is exactly this app's schedules.
 */
export function cronMarker(app: string, name: string): string {
  return `${appMarkerPrefix(app)}${name.replace(/_/g, '__')}`;
}

export function appMarkerPrefix(app: string): string {
  return `gangway-${app.replace(/_/g, '__')}_`;
}

/** What schedules were called before the separator: removed only where they run this very job (its command). */
export function legacyMarker(app: string, name: string): string {
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
  const marker = cronMarker(app, name);
  const args = [schedule ?? '', cronCommand(jobDir), marker, calendar, unitCommand(jobDir), calendarError];
  const r = await host.exec(['sh', '-c', serverScript('schedule.sh'), 'sh', ...args, legacyMarker(app, name)]);
  if (r.code !== 0)
    throw new BackupError('E_SCHEDULE_FAILED', `${host.label}: ${r.stderr.trim() || 'cron refused the entry'}`, {
      hints: [
        'install cron on the server (Debian: apt-get install cron), or use a schedule systemd can follow, then run ' +
          '`gangway backup schedule` again',
      ],
    });
  return r.stdout.trim();
}

/**
 * The app's schedules whose backup is no longer in gangway.yml, removed (cron.d, crontab, systemd timers): the
 * markers removed, one each. `configured` are the names of every backup still configured.
 */
export async function pruneSchedules(host: Host, app: string, configured: readonly string[]): Promise<string[]> {
  const keep = configured.map((n) => cronMarker(app, n));
  const r = await host.exec(['sh', '-c', serverScript('schedule.sh'), 'sh', '--prune', appMarkerPrefix(app), ...keep]);
  if (r.code !== 0)
    throw new BackupError('E_SCHEDULE_FAILED', `${host.label}: removing old schedules failed: ${r.stderr.trim()}`);
  return r.stdout.split('\n').filter((l) => l.trim() !== '');
}
