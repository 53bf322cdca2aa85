/**
 * An encrypted dump decrypted here and streamed to backup.sh (`verify FILE -`, `restore FILE -`): the server's
 * `cat` → local `age -d -i IDENTITY` → backup.sh's stdin. Every hop has backpressure (stream.pipeline, and the
 * exec's piped stdout): a slow pg_restore slows the download instead of filling this process's memory. The identity
 * never leaves this machine; backup.sh checks the encrypted file's sha256 on the server first.
 */
import { spawn } from 'node:child_process';
import { access } from 'node:fs/promises';
import { posix } from 'node:path';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BackupError, type BackupErrorCode } from './errors.js';
import type { BackupEntry } from './records.js';
import { runBackupScript, type ScriptOutcome } from './remote.js';
import type { BackupHost } from './session.js';

/** Refuses, before anything is done, an encrypted backup without a readable identity or a local `age`. */
export async function requireIdentity(
  entry: BackupEntry,
  identity: string | undefined,
  code: BackupErrorCode,
): Promise<void> {
  if (!entry.encrypted) return;
  if (!identity) throw new BackupError(code, `${entry.file} is encrypted: pass --identity FILE (an age identity)`);
  await access(identity).catch((e: NodeJS.ErrnoException) => {
    throw new BackupError(code, `cannot read the identity ${identity}: ${e.code ?? e.message}`);
  });
  const found = await new Promise<boolean>((done) => {
    const age = spawn('age', ['--version'], { stdio: 'ignore' });
    age.on('error', () => done(false));
    age.on('close', (status) => done(status === 0));
  });
  if (!found)
    throw new BackupError(
      code,
      `${entry.file} is encrypted and decrypted here, but \`age\` is not installed on this machine`,
      {
        hints: [
          'install age (Debian/Ubuntu: apt-get install age; macOS: brew install age), then run the restore again',
        ],
      },
    );
}

export async function runDecrypted(
  bh: BackupHost,
  entry: BackupEntry,
  identity: string,
  action: 'verify' | 'restore',
  code: BackupErrorCode,
  onLine?: (line: string) => void,
): Promise<ScriptOutcome> {
  const age = spawn('age', ['-d', '-i', identity], { stdio: ['pipe', 'pipe', 'pipe'] });
  const ageErrChunks: Buffer[] = [];
  age.stderr.on('data', (c: Buffer) => ageErrChunks.push(c));
  const ageDone = new Promise<number | null>((resolve, reject) => {
    age.on('error', (e) => reject(new BackupError(code, `cannot run age here: ${e.message}`)));
    age.on('close', resolve);
  });
  const download = new AbortController();
  let stopped = false;
  // backup.sh is done (or gave up early: a wrong checksum) while age still runs: nothing reads any more, so stop the
  // download and age rather than wait on a full pipe; age's exit is then ours, not a decryption failure.
  const stop = () => {
    download.abort();
    if (age.exitCode === null && age.signalCode === null) {
      stopped = true;
      age.kill();
    }
  };
  const source = new PassThrough();
  const path = posix.join(bh.layout.dir, bh.job.config.dir, entry.file);
  const sent = bh.host.exec(['cat', path], { stdout: source, signal: download.signal }).catch(() => undefined);
  // age may exit early (a wrong identity): its exit code says so, not the broken pipe.
  const piped = pipeline(source, age.stdin).catch(() => download.abort());
  const script = runBackupScript(bh.host, bh.jobDir, [action, entry.file, '-'], {
    stdin: age.stdout,
    ...(onLine && { onLine }),
  }).finally(stop);
  const [r, exit] = await Promise.all([script, ageDone, sent, piped]);
  if (exit !== 0 && !stopped) {
    const why = Buffer.concat(ageErrChunks).toString('utf8').trim().split('\n')[0] ?? '';
    throw new BackupError(code, `age could not decrypt ${entry.file}: ${why}`);
  }
  return r;
}
