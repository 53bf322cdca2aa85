/**
 * The file-writing half of a Host, shared by the local and SSH hosts: both only differ in how one stream
 * is written atomically to a path (`writeStreamAtomic`).
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline, Readable } from 'node:stream';
import type { WriteOptions } from './host.js';
import { progressCounter } from './progress.js';

export abstract class AtomicWriter {
  /** Write `source` to a temporary file beside `path` (created 0600), fsync it, then rename it over `path`. */
  protected abstract writeStreamAtomic(
    path: string,
    source: AsyncIterable<Buffer>,
    options: WriteOptions,
  ): Promise<void>;

  async writeFileAtomic(path: string, content: string | Buffer | Readable, options: WriteOptions = {}): Promise<void> {
    const source =
      typeof content === 'string' || Buffer.isBuffer(content) ? Readable.from([Buffer.from(content)]) : content;
    await this.writeStreamAtomic(path, counted(source, options), options);
  }

  async uploadFile(localPath: string, remotePath: string, options: WriteOptions = {}): Promise<void> {
    const { size } = await stat(localPath);
    await this.writeStreamAtomic(remotePath, counted(createReadStream(localPath), options, size), options);
  }
}

/**
 * The source with progress reporting; pipeline (not pipe) so that a failing source fails the write instead of hanging
 * it.
 */
function counted(source: Readable, options: WriteOptions, total?: number): AsyncIterable<Buffer> {
  return pipeline(source, progressCounter(options.onProgress, total), () => {});
}

/** `.name.gangway-<random>` beside the destination: same filesystem, so the rename is atomic. */
export function tempNameFor(basename: string): string {
  return `.${basename}.gangway-${randomBytes(6).toString('hex')}`;
}
