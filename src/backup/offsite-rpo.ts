/**
 * The plan's "last off-site copy older than RPO" rule (pure), for `gangway status` to call: with `copy_to`, NO-GO
 * when no copy run succeeded yet, or when the newest backup on the copy (as the last successful copy run recorded it)
 * was made longer than `rpo` ago.
 */
import type { BackupConfig } from '../config/config.js';
import type { BackupRecord } from './records.js';

export function offsiteCopyProblem(
  records: readonly BackupRecord[],
  backup: BackupConfig,
  now: Date,
): string | undefined {
  if (!backup.copyTo) return undefined;
  const mine = records.filter((r) => r.name === backup.name);
  const last = mine.filter((r) => r.op === 'copy' && r.outcome === 'succeeded').at(-1);
  const where = backup.copyTo.label;
  if (!last?.newest) return `backup ${backup.name}: no off-site copy on ${where} yet`;
  const made = mine.find((r) => r.op === 'backup' && r.outcome === 'succeeded' && r.file === last.newest)?.finished;
  const age = made ? now.getTime() - Date.parse(made) : Infinity;
  if (age > backup.rpoMs)
    return (
      `backup ${backup.name}: the newest off-site copy (${last.newest} on ${where}) is older than rpo ` +
      `${backup.rpoMs / 3_600_000}h`
    );
  return undefined;
}
