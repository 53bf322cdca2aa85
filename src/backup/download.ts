/**
 * `gangway backup --download DIR`: the dump streamed over the SSH connection into DIR (a temporary name, 0600,
 * renamed when its sha256 matches the record), with progress. Nothing is decrypted: an .age file stays one.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
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
  const out = createWriteStream(partial, { mode: 0o600 });
  const hash = createHash('sha256');
  let bytes = 0;
  const closed = new Promise<void>((resolve, reject) => out.on('close', resolve).on('error', reject));
  try {
    const r = await bh.host.exec(['cat', posix.join(bh.layout.dir, bh.job.config.dir, file)], {
      keepStdout: false,
      onStdout: (chunk) => {
        out.write(chunk);
        hash.update(chunk);
        bytes += chunk.length;
        onProgress?.({ bytes, ...(record.size !== undefined && { total: record.size }) });
      },
    });
    out.end();
    await closed;
    if (r.code !== 0) throw new BackupError('E_DOWNLOAD_FAILED', `cannot read ${file}: ${r.stderr.trim()}`);
    const sha = hash.digest('hex');
    if (record.sha256 && sha !== record.sha256)
      throw new BackupError('E_DOWNLOAD_FAILED', `${file}: downloaded sha256 ${sha} differs from the recorded one`);
    await rename(partial, final);
    return final;
  } catch (e) {
    out.destroy();
    await rm(partial, { force: true });
    throw e;
  }
}
