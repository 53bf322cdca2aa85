/**
 * `gangway restore --verify`: backup.sh restores the dump into a throwaway container of the service's image
 * (no ports, no network, no volume of the live stack), counts every table's rows, records the verification and
 * removes the container. An encrypted dump is decrypted here (`age -d -i IDENTITY`) and streamed to it: the
 * identity never leaves this machine.
 */
import { spawn } from 'node:child_process';
import { posix } from 'node:path';
import { BackupError } from './errors.js';
import type { BackupEntry, BackupRecord } from './records.js';
import { failureReason, runBackupScript } from './remote.js';
import type { BackupHost } from './session.js';

export async function verifyBackup(
  bh: BackupHost,
  entry: BackupEntry,
  options: { identity?: string; onLine?: (line: string) => void } = {},
): Promise<BackupRecord> {
  const onLine = options.onLine;
  let r;
  if (entry.encrypted) {
    if (!options.identity)
      throw new BackupError('E_VERIFY_FAILED', `${entry.file} is encrypted: pass --identity FILE (an age identity)`);
    r = await verifyDecrypted(bh, entry, options.identity, onLine);
  } else r = await runBackupScript(bh.host, bh.jobDir, ['verify', entry.file], { ...(onLine && { onLine }) });
  if (!r.ok || !r.record)
    throw new BackupError('E_VERIFY_FAILED', `${bh.host.label}: verify of ${entry.file} FAILED: ${failureReason(r)}`, {
      hints: ['the failed verification is recorded in .gangway/backups.jsonl'],
    });
  return r.record;
}

/** Server `cat` → local `age -d` → the verify's stdin; the sha256 of the encrypted file is checked there first. */
async function verifyDecrypted(bh: BackupHost, entry: BackupEntry, identity: string, onLine?: (l: string) => void) {
  const age = spawn('age', ['-d', '-i', identity], { stdio: ['pipe', 'pipe', 'pipe'] });
  let ageErr = '';
  age.stderr.on('data', (c: Buffer) => (ageErr += c.toString('utf8')));
  const ageDone = new Promise<number | null>((resolve, reject) => {
    age.on('error', (e) => reject(new BackupError('E_VERIFY_FAILED', `cannot run age here: ${e.message}`)));
    age.on('close', resolve);
  });
  age.stdin.on('error', () => {}); // age may exit early on a bad identity; its exit code says so
  const path = posix.join(bh.layout.dir, bh.job.config.dir, entry.file);
  const sent = bh.host
    .exec(['cat', path], { keepStdout: false, onStdout: (c) => age.stdin.write(c) })
    .finally(() => age.stdin.end());
  const [r, code] = await Promise.all([
    runBackupScript(bh.host, bh.jobDir, ['verify', entry.file, '-'], { stdin: age.stdout, ...(onLine && { onLine }) }),
    ageDone,
    sent,
  ]);
  if (code !== 0)
    throw new BackupError('E_VERIFY_FAILED', `age could not decrypt ${entry.file}: ${ageErr.trim().split('\n')[0]}`);
  return r;
}
