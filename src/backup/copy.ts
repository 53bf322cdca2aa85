/**
 * Off-site copies (`backups[].copy_to.sftp`), run from this machine after a backup and its retention: every backup
 * file the server holds that the copy does not is streamed server → here → copy host (SFTP, a temporary name 0600,
 * renamed when whole; its sha256 checked against the record on the way), and every file retention pruned on the
 * server is deleted on the copy too. A file the server lost without a prune record stays on the copy: that is what a
 * restore takes back (fetchFromCopy). Copies into S3 (`copy_to.s3`) are the server's own work: copy-s3.ts.
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { PassThrough, Transform } from 'node:stream';
import type { BackupCopyTo, SftpCopyTo, Target } from '../config/config.js';
import { execOk, type Host } from '../hosts/host.js';
import { openHost } from '../hosts/open-host.js';
import type { ConnectOptions } from '../hosts/ssh/connect.js';
import { BackupError } from './errors.js';
import { backupEntries, type BackupEntry, type BackupRecord } from './records.js';
import type { BackupHost } from './session.js';

/** The copy host is reached with the target's SSH settings (key, known_hosts, ssh_config), its own pin or none. */
export function openCopyHost(target: Target, copyTo: SftpCopyTo, options: ConnectOptions = {}): Promise<Host> {
  const { jump: _jump, ...ssh } = target.ssh;
  return openHost(copyTo.host, { ...ssh, fingerprints: copyTo.fingerprint ? [copyTo.fingerprint] : [] }, options);
}

/** The backup files of `name` in a directory listing (gangway's own names; partial uploads are dot files). */
export function backupFilesIn(listing: string, name: string): string[] {
  const own = new RegExp(`^${name}-\\d{8}-\\d{6}\\.(dump|tar\\.gz)(\\.age)?$`);
  return listing
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => own.test(l));
}

/** The copy directory's backup files of `name` (the directory is made, 0700, when missing). */
export async function listCopy(copy: Host, copyTo: SftpCopyTo, name: string): Promise<string[]> {
  const r = await execOk(copy, ['sh', '-c', 'umask 077 && mkdir -p "$1" && ls -1a "$1"', 'sh', copyTo.dir]);
  return backupFilesIn(r.stdout, name);
}

/** The server's backup files of `name` in `dir` (what the directory holds now). */
export async function listServer(host: Host, dir: string, name: string): Promise<string[]> {
  const r = await execOk(host, ['sh', '-c', '[ ! -d "$1" ] || ls -1a "$1"', 'sh', dir]);
  return backupFilesIn(r.stdout, name);
}

export interface CopyPlan {
  upload: BackupEntry[];
  remove: string[];
}

/** What a copy run does: good backups on the server missing from the copy go up; files retention pruned go. */
export function planCopy(
  records: readonly BackupRecord[],
  name: string,
  onServer: readonly string[],
  onCopy: readonly string[],
): CopyPlan {
  const entries = backupEntries(records, name);
  const server = new Set(onServer);
  const copy = new Set(onCopy);
  const pruned = new Set(entries.filter((e) => e.pruned).map((e) => e.file));
  return {
    upload: entries.filter((e) => !e.pruned && server.has(e.file) && !copy.has(e.file)).reverse(),
    remove: onCopy.filter((f) => pruned.has(f)),
  };
}

/** Streams `from`'s `cat PATH` into `to` at `dest` (atomic, 0600), checking the bytes' sha256 on the way. */
export async function streamFile(
  from: Host,
  fromPath: string,
  to: Host,
  dest: string,
  sha256: string | undefined,
): Promise<void> {
  const hash = createHash('sha256');
  const source = new PassThrough();
  const hashing = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  const stop = new AbortController();
  source.pipe(hashing);
  const written = to.writeFileAtomic(dest, hashing, { mode: 0o600 });
  try {
    const [r] = await Promise.all([from.exec(['cat', fromPath], { stdout: source, signal: stop.signal }), written]);
    if (r.code !== 0) throw new BackupError('E_COPY_FAILED', `cannot read ${fromPath} on ${from.label}`);
  } catch (e) {
    stop.abort();
    hashing.destroy();
    await written.catch(() => undefined);
    throw e instanceof BackupError ? e : new BackupError('E_COPY_FAILED', `${from.label} → ${to.label}: ${String(e)}`);
  }
  const sha = hash.digest('hex');
  if (sha256 && sha !== sha256) {
    await to.exec(['rm', '-f', dest]);
    throw new BackupError('E_COPY_FAILED', `${posix.basename(dest)}: sha256 ${sha} on the way, ${sha256} recorded`);
  }
}

export interface CopyResult {
  to: string;
  copied: string[];
  removed: string[];
  /** Every backup file of the job on the copy after the run. */
  present: string[];
}

export async function copyBackups(
  bh: BackupHost,
  copy: Host,
  copyTo: SftpCopyTo,
  records: readonly BackupRecord[],
  onLine?: (line: string) => void,
): Promise<CopyResult> {
  const name = bh.job.config.name;
  const serverDir = posix.join(bh.layout.dir, bh.job.config.dir);
  const [onServer, onCopy] = [await listServer(bh.host, serverDir, name), await listCopy(copy, copyTo, name)];
  const plan = planCopy(records, name, onServer, onCopy);
  const copied: string[] = [];
  for (const e of plan.upload) {
    onLine?.(`copy ${e.file} to ${copyTo.label}`);
    await streamFile(bh.host, posix.join(serverDir, e.file), copy, posix.join(copyTo.dir, e.file), e.sha256);
    copied.push(e.file);
  }
  for (const f of plan.remove) onLine?.(`pruned ${f} on ${copyTo.label}`);
  if (plan.remove.length > 0)
    await execOk(copy, ['sh', '-c', 'cd "$1" && shift && rm -f -- "$@"', 'sh', copyTo.dir, ...plan.remove]);
  const removed = new Set(plan.remove);
  const present = [...onCopy.filter((f) => !removed.has(f)), ...copied].sort().reverse();
  return { to: copyTo.label, copied, removed: plan.remove, present };
}

/** The copy run's outcome as a line of the server's backups.jsonl (what the off-site rpo rule reads). */
export async function recordCopy(
  bh: BackupHost,
  copyTo: BackupCopyTo,
  outcome: { present: string[] } | { reason: string },
): Promise<void> {
  const line: BackupRecord = {
    op: 'copy',
    name: bh.job.config.name,
    outcome: 'reason' in outcome ? 'failed' : 'succeeded',
    finished: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    to: copyTo.label,
    ...('present' in outcome && outcome.present[0] !== undefined && { newest: outcome.present[0] }),
    ...('reason' in outcome && { reason: outcome.reason }),
  };
  await execOk(bh.host, ['sh', '-c', 'umask 077 && cat >> "$1"', 'sh', bh.layout.backupsLog], {
    stdin: `${JSON.stringify(line)}\n`,
  });
}

/** A backup the server lost, put back from the copy (into the server's backup directory, 0600) before a restore. */
export async function fetchFromCopy(bh: BackupHost, copy: Host, copyTo: SftpCopyTo, entry: BackupEntry) {
  const onCopy = await listCopy(copy, copyTo, bh.job.config.name);
  if (!onCopy.includes(entry.file))
    throw new BackupError('E_NO_BACKUP', `${entry.file} is neither on ${bh.host.label} nor on ${copyTo.label}`);
  const serverDir = posix.join(bh.layout.dir, bh.job.config.dir);
  await execOk(bh.host, ['sh', '-c', 'umask 077 && mkdir -p "$1"', 'sh', serverDir]);
  await streamFile(copy, posix.join(copyTo.dir, entry.file), bh.host, posix.join(serverDir, entry.file), entry.sha256);
}
