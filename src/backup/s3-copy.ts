/**
 * Off-site copies into S3 (`backups[].copy_to.s3`): the server does the work (backup.sh's copy actions, copy-s3.sh,
 * with rclone), so `gangway backup` and scheduled runs copy the same way. The credentials are read here from the
 * variables copy_to names, made secrets at once, and reach the server on the script's stdin — never an argument.
 */
import { posix } from 'node:path';
import type { S3CopyTo } from '../config/config.js';
import { UsageError } from '../errors.js';
import { Secret } from '../redact/secret.js';
import type { Scrubber } from '../redact/scrubber.js';
import { BackupError } from './errors.js';
import type { BackupEntry } from './records.js';
import type { CopyResult } from './copy.js';
import type { BackupHost } from './session.js';
import { LineSplitter } from '../util/lines.js';

export interface S3Credentials {
  accessKey: Secret;
  secretKey: Secret;
}

/** The two values from `env`, registered with the scrubber; a usage error names a variable that is unset or bad. */
export function s3Credentials(copyTo: S3CopyTo, env: NodeJS.ProcessEnv, scrubber?: Scrubber): S3Credentials {
  const read = (name: string) => {
    const value = env[name];
    if (!value)
      throw new UsageError(`copy_to.s3 (${copyTo.label}): ${name} is not set in this environment`, {
        hints: [`export ${name}=… before running gangway (the value is never printed)`],
      });
    if (/[\n\r\0]/.test(value))
      throw new UsageError(`copy_to.s3 (${copyTo.label}): ${name} holds a line break or a NUL, which no S3 key does`);
    const secret = new Secret(value, name);
    scrubber?.add(secret);
    return secret;
  };
  return { accessKey: read(copyTo.accessKeyEnv), secretKey: read(copyTo.secretKeyEnv) };
}

/** What backup.sh reads on stdin (`-`) or from <job>/s3-credentials: the access key ID, then the secret key. */
export function credentialsText(c: S3Credentials): string {
  return `${c.accessKey.reveal()}\n${c.secretKey.reveal()}\n`;
}

interface S3Run {
  code: number;
  /** `@@copied|removed|present|error VALUE` lines, by kind. */
  said: Record<string, string[]>;
  reason?: string;
  log: string;
}

async function runS3(bh: BackupHost, args: string[], c: S3Credentials, onLine?: (l: string) => void): Promise<S3Run> {
  const lines = new LineSplitter(onLine);
  const r = await bh.host.exec(['sh', posix.join(bh.jobDir, 'backup.sh'), bh.jobDir, ...args], {
    stdin: credentialsText(c),
    timeoutMs: 6 * 3_600_000,
    onStderr: lines.push,
  });
  lines.flush();
  const said: Record<string, string[]> = {};
  let reason: string | undefined;
  for (const line of r.stdout.split('\n')) {
    const m = /^@@(copied|removed|present|error) (.*)$/.exec(line);
    if (m) (said[m[1]!] ??= []).push(m[2]!);
    const result = /^@@result (.*)$/.exec(line);
    if (result) reason = (JSON.parse(result[1]!) as { reason?: string }).reason ?? reason;
  }
  reason ??= said.error?.at(-1);
  return { code: r.code ?? -1, said, ...(reason !== undefined && { reason }), log: r.stderr };
}

function failed(bh: BackupHost, what: string, r: S3Run): BackupError {
  const why = r.reason ?? (r.log.trim().split('\n').at(-1) || `exit ${r.code}`);
  return new BackupError('E_COPY_FAILED', `${bh.host.label}: ${what}: ${why}`);
}

/** The copy after a backup and its retention (the server records it in backups.jsonl, as scheduled runs do). */
export async function copyToS3(
  bh: BackupHost,
  copyTo: S3CopyTo,
  c: S3Credentials,
  onLine?: (l: string) => void,
): Promise<CopyResult> {
  const r = await runS3(bh, ['copy', '-'], c, onLine);
  if (r.code !== 0) throw failed(bh, `copy to ${copyTo.label}`, r);
  const present = [...(r.said.present ?? [])].sort().reverse();
  return { to: copyTo.label, copied: r.said.copied ?? [], removed: r.said.removed ?? [], present };
}

/** The job's backup files in the bucket. */
export async function listS3(bh: BackupHost, copyTo: S3CopyTo, c: S3Credentials): Promise<string[]> {
  const r = await runS3(bh, ['copy-list', '-'], c);
  if (r.code !== 0) throw failed(bh, `listing ${copyTo.label}`, r);
  return r.said.present ?? [];
}

/** A backup the server lost, put back from the bucket (0600, its sha256 checked) before a restore. */
export async function fetchFromS3(bh: BackupHost, copyTo: S3CopyTo, c: S3Credentials, entry: BackupEntry) {
  if (!(await listS3(bh, copyTo, c)).includes(entry.file))
    throw new BackupError('E_NO_BACKUP', `${entry.file} is neither on ${bh.host.label} nor on ${copyTo.label}`);
  const r = await runS3(bh, ['copy-fetch', entry.file, '-'], c);
  if (r.code !== 0) throw failed(bh, `fetching from ${copyTo.label}`, r);
}
