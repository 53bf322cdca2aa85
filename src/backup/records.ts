/**
 * `<dir>/.gangway/backups.jsonl`: one line per backup, verify, restore and pruned file, as backup.sh writes them, and
 * one per off-site copy run (written by gangway after an SFTP copy, copy.ts; by backup.sh after an S3 copy).
 */
export interface TableCount {
  table: string;
  rows: number;
}

export interface BackupRecord {
  op: 'backup' | 'verify' | 'restore' | 'prune' | 'copy';
  name: string;
  outcome?: 'succeeded' | 'failed';
  file?: string;
  trigger?: 'cli' | 'schedule' | 'safety';
  started?: string;
  finished?: string;
  duration_s?: number;
  size?: number;
  sha256?: string;
  encrypted?: boolean;
  tables?: TableCount[];
  /** kind files: regular files in the tar, their bytes, the manifest's sha256; a restore's stopped services. */
  files?: number;
  bytes?: number;
  manifest_sha256?: string;
  services?: string;
  /** op copy: where to (copy_to's label) and the newest backup file on the copy after the run. */
  to?: string;
  newest?: string;
  reason?: string;
}

/** Lines that are not JSON (a torn write) are skipped: the log is append-only and read as best it can be. */
export function parseBackupLog(text: string): BackupRecord[] {
  const out: BackupRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line) as BackupRecord;
      if (r && typeof r.op === 'string' && typeof r.name === 'string') out.push(r);
    } catch {
      // skipped
    }
  }
  return out;
}

/** A backup file as `gangway backups` shows it: its record, its newest verification, whether it still exists. */
export interface BackupEntry {
  file: string;
  time?: string;
  size?: number;
  sha256?: string;
  encrypted: boolean;
  trigger?: string;
  /** kind files: regular files in the tar and their bytes. */
  files?: number;
  bytes?: number;
  pruned: boolean;
  verified?: { at?: string; outcome: string; tables?: TableCount[]; reason?: string };
}

/** Good backups of `name`, newest first, with their verifications; pruned ones are kept but marked. */
export function backupEntries(records: readonly BackupRecord[], name: string): BackupEntry[] {
  const entries = new Map<string, BackupEntry>();
  for (const r of records) {
    if (r.name !== name || !r.file) continue;
    if (r.op === 'backup' && r.outcome === 'succeeded')
      entries.set(r.file, {
        file: r.file,
        ...(r.finished && { time: r.finished }),
        ...(r.size !== undefined && { size: r.size }),
        ...(r.sha256 && { sha256: r.sha256 }),
        encrypted: r.encrypted === true,
        ...(r.trigger && { trigger: r.trigger }),
        ...(r.files !== undefined && { files: r.files }),
        ...(r.bytes !== undefined && { bytes: r.bytes }),
        pruned: false,
      });
    const entry = entries.get(r.file);
    if (!entry) continue;
    if (r.op === 'prune') entry.pruned = true;
    if (r.op === 'verify')
      entry.verified = {
        ...(r.finished && { at: r.finished }),
        outcome: r.outcome ?? 'failed',
        ...(r.tables && { tables: r.tables }),
        ...(r.reason && { reason: r.reason }),
      };
  }
  return [...entries.values()].reverse();
}

/** The newest good backup still on disk (what a restore takes by default, and what rpo is measured on). */
export function newestGood(records: readonly BackupRecord[], name: string): BackupEntry | undefined {
  return backupEntries(records, name).find((e) => !e.pruned);
}
