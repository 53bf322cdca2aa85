/** Promise wrappers over ssh2's callback SFTP API, for the few calls gangway makes. */
import type { SFTPWrapper } from 'ssh2';

export function sftpCall<T>(call: (cb: (err: Error | null | undefined, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => call((err, value) => (err ? reject(err) : resolve(value))));
}

/** Writes in flight at once: enough to keep a high-latency link busy without buffering the whole file. */
const MAX_PENDING_WRITES = 16;

export interface SftpFile {
  writeAll(source: AsyncIterable<Buffer>): Promise<number>;
  fsync(): Promise<void>;
  chmod(mode: number): Promise<void>;
  close(): Promise<void>;
}

export async function openSftpFile(
  sftp: SFTPWrapper,
  path: string,
  flags: 'wx' | 'w',
  mode: number,
): Promise<SftpFile> {
  const handle = await sftpCall<Buffer>((cb) => sftp.open(path, flags, { mode }, cb));
  let closed = false;
  return {
    async writeAll(source) {
      let position = 0;
      const pending = new Set<Promise<void>>();
      for await (const chunk of source) {
        const at = position;
        position += chunk.length;
        const write: Promise<void> = sftpCall<void>((cb) => sftp.write(handle, chunk, 0, chunk.length, at, cb)).finally(
          () => pending.delete(write),
        );
        pending.add(write);
        if (pending.size >= MAX_PENDING_WRITES) await Promise.race(pending);
      }
      await Promise.all(pending);
      return position;
    },
    fsync: () => sftpCall<void>((cb) => sftp.ext_openssh_fsync(handle, cb)),
    chmod: (m) => sftpCall<void>((cb) => sftp.fchmod(handle, m, cb)),
    async close() {
      if (closed) return;
      closed = true;
      await sftpCall<void>((cb) => sftp.close(handle, cb));
    },
  };
}
