/**
 * `gangway backup --download DIR`: the dump streamed over the SSH connection into DIR (a temporary name, 0600,
 * renamed when its sha256 matches the record), with progress. Nothing is decrypted: an .age file stays one.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { PassThrough, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { TransferProgress } from '../hosts/host.js';
import { BackupError } from './errors.js';
import type { BackupRecord } from './records.js';
import type { BackupHost } from './session.js';

export async function downloadBackup(
  bh: BackupHost,
  record: BackupRecord,
  localDir: string,
  onProgress?: (p: TransferProgress) => void,
): Promise<string> {
  const file = record.file!;
  await mkdir(localDir, { recursive: true });
  const final = join(localDir, file);
  const partial = `${final}.partial`;
  const hash = createHash('sha256');
  let bytes = 0;
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      bytes += chunk.length;
      onProgress?.({ bytes, ...(record.size !== undefined && { total: record.size }) });
      done(null, chunk);
    },
  });
  const source = new PassThrough();
  const stop = new AbortController();
  // The disk's pace is the download's: pipeline's backpressure reaches the SSH channel (the exec's piped stdout).
  const written = pipeline(source, count, createWriteStream(partial, { mode: 0o600 }));
  try {
    const [r] = await Promise.all([
      bh.host.exec(['cat', posix.join(bh.layout.dir, bh.job.config.dir, file)], {
        stdout: source,
        signal: stop.signal,
      }),
      written,
    ]);
    if (r.code !== 0) throw new BackupError('E_DOWNLOAD_FAILED', `cannot read ${file}: ${r.stderr.trim()}`);
    const sha = hash.digest('hex');
    if (record.sha256 && sha !== record.sha256)
      throw new BackupError('E_DOWNLOAD_FAILED', `${file}: downloaded sha256 ${sha} differs from the recorded one`);
    await rename(partial, final);
    return final;
  } catch (e) {
    stop.abort(); // a failed write (a full disk) must not leave the server's cat waiting on a full channel
    source.destroy();
    await written.catch(() => undefined);
    await rm(partial, { force: true });
    throw e;
  }
}
