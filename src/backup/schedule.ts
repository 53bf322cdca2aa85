/**
 * `gangway backup schedule`: one cron entry per scheduled backup, running the uploaded backup.sh (`scheduled`:
 * backup, retention, the restore test `verify` asks for). As root it is /etc/cron.d/gangway-<app>-<name>;
 * otherwise a line of the user's crontab, marked so that re-running replaces it instead of adding another.
 */
import { posix } from 'node:path';
import type { Host } from '../hosts/host.js';
import { quote } from '../shell/quote.js';
import { BackupError } from './errors.js';

export function cronMarker(app: string, name: string): string {
  return `gangway-${app}-${name}`;
}

/** The command cron runs: output appended to schedule.log (0600); `%` is special to cron, so it is escaped. */
export function cronCommand(jobDir: string): string {
  const script = posix.join(jobDir, 'backup.sh');
  const log = posix.join(jobDir, 'schedule.log');
  const command = `umask 077; sh ${quote(script)} ${quote(jobDir)} scheduled >> ${quote(log)} 2>&1`;
  return command.replace(/%/g, '\\%');
}

// $1 schedule, $2 command, $3 marker ('' schedule: remove the entry). Prints where it went.
const INSTALL = `schedule=$1 command=$2 marker=$3
if [ -d /etc/cron.d ] && [ -w /etc/cron.d ]; then
  f=/etc/cron.d/$marker
  if [ -z "$schedule" ]; then rm -f "$f"; echo "removed $f"; exit 0; fi
  printf '# %s: written by gangway backup schedule; replaced when it runs again\\n%s %s %s\\n' \\
    "$marker" "$schedule" "$(id -un)" "$command" > "$f.tmp" && chmod 644 "$f.tmp" && mv -f "$f.tmp" "$f" || exit 1
  echo "$f"
elif command -v crontab >/dev/null 2>&1; then
  { crontab -l 2>/dev/null | grep -vF "# $marker"
    [ -n "$schedule" ] && printf '%s %s # %s\\n' "$schedule" "$command" "$marker"; } | crontab - || exit 1
  echo "crontab of $(id -un)"
else
  echo "no cron on this server: neither /etc/cron.d (as root) nor crontab" >&2
  exit 1
fi`;

export async function installCron(
  host: Host,
  app: string,
  name: string,
  schedule: string | undefined,
  jobDir: string,
): Promise<string> {
  const r = await host.exec(['sh', '-c', INSTALL, 'sh', schedule ?? '', cronCommand(jobDir), cronMarker(app, name)]);
  if (r.code !== 0)
    throw new BackupError('E_SCHEDULE_FAILED', `${host.label}: ${r.stderr.trim() || 'cron refused the entry'}`, {
      hints: ['install cron on the server (Debian: apt-get install cron), then run `gangway backup schedule` again'],
    });
  return r.stdout.trim();
}
