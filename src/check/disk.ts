/** Free disk space on the filesystem that holds (or will hold) the deploy directory. */
import type { Host } from '../hosts/host.js';

/** Needed space when there is no archive to measure: an image pull or build of typical size, with room to spare. */
export const DEFAULT_REQUIRED_BYTES = 2 * 1024 ** 3;

/** `df -Pk` on the nearest existing ancestor of `dir` (POSIX output: one line, 4th column = available KiB). */
const DF_PROBE = `p=$1
while [ ! -e "$p" ]; do p=$(dirname "$p"); done
df -Pk "$p" | tail -n 1`;

export interface DiskSpace {
  availableBytes: number;
  totalBytes: number;
  mount: string;
}

export async function diskSpace(host: Host, dir: string): Promise<DiskSpace | { error: string }> {
  const r = await host.exec(['sh', '-c', DF_PROBE, 'sh', dir], { timeoutMs: 10_000 });
  const fields = r.stdout.trim().split(/\s+/);
  const total = Number(fields[1]);
  const available = Number(fields[3]);
  if (r.code !== 0 || !Number.isFinite(available) || !Number.isFinite(total)) return { error: r.stderr.trim() || 'df gave no usable output' };
  return { availableBytes: available * 1024, totalBytes: total * 1024, mount: fields[5] ?? '?' };
}
