/**
 * What `gangway status` says about backups (pure): NO-GO when the newest good backup is older than `rpo` (or
 * there is none), when the last scheduled backup failed or the last verification failed; a warning when no
 * verification succeeded in the last 7 days; with `copy_to`, NO-GO when the newest off-site copy is older than `rpo`.
 */
import type { BackupConfig } from '../config/config.js';
import { offsiteCopyProblem } from './offsite-rpo.js';
import { newestGood, type BackupRecord } from './records.js';

const VERIFY_WARN_MS = 7 * 24 * 3_600_000;

export interface BackupHealth {
  reasons: string[];
  warnings: string[];
  summary: { name: string; newest?: string; at?: string; lastVerified?: string }[];
}

export function backupHealth(
  records: readonly BackupRecord[],
  backups: readonly BackupConfig[],
  now: Date,
): BackupHealth {
  const out: BackupHealth = { reasons: [], warnings: [], summary: [] };
  const age = (iso: string | undefined) => (iso ? now.getTime() - Date.parse(iso) : Infinity);
  for (const b of backups) {
    const mine = records.filter((r) => r.name === b.name);
    const newest = newestGood(mine, b.name);
    const lastScheduled = mine.filter((r) => r.op === 'backup' && r.trigger === 'schedule').at(-1);
    const verifies = mine.filter((r) => r.op === 'verify');
    const lastGoodVerify = verifies.filter((r) => r.outcome === 'succeeded').at(-1);
    out.summary.push({
      name: b.name,
      ...(newest && { newest: newest.file, ...(newest.time && { at: newest.time }) }),
      ...(lastGoodVerify?.finished && { lastVerified: lastGoodVerify.finished }),
    });
    if (!newest) out.reasons.push(`backup ${b.name}: no good backup yet`);
    else if (age(newest.time) > b.rpoMs)
      out.reasons.push(`backup ${b.name}: newest good backup ${newest.file} is older than rpo ${b.rpoMs / 3_600_000}h`);
    if (lastScheduled?.outcome === 'failed')
      out.reasons.push(`backup ${b.name}: the last scheduled backup failed: ${lastScheduled.reason ?? '?'}`);
    if (verifies.at(-1)?.outcome === 'failed')
      out.reasons.push(`backup ${b.name}: the last restore test failed: ${verifies.at(-1)?.reason ?? '?'}`);
    const offsite = offsiteCopyProblem(mine, b, now);
    if (offsite) out.reasons.push(offsite);
    if (age(lastGoodVerify?.finished) > VERIFY_WARN_MS)
      out.warnings.push(`backup ${b.name}: no successful restore test in the last 7 days`);
  }
  return out;
}
