/** Free disk space: `df -Pk` output, and what a deploy needs where. */
import type { Host } from '../hosts/host.js';

/** Needed in Docker's data root when there is no archive to measure: an image pull or build, with room to spare. */
export const DEFAULT_REQUIRED_BYTES = 2 * 1024 ** 3;
/** Needed next to the deploy dir: a release's compose files, env file, apply script, run log and records. */
export const RELEASE_REQUIRED_BYTES = 50 * 1024 ** 2;

/** `df -Pk` on the nearest existing ancestor of `dir` (POSIX output: one line, 4th column = available KiB). */
const DF_PROBE = `p=$1
while [ ! -e "$p" ]; do p=$(dirname "$p"); done
df -Pk "$p" | tail -n 1`;

export interface DiskSpace {
  availableBytes: number;
  totalBytes: number;
  mount: string;
  /** The device or filesystem name df shows (`/dev/sda1`, `overlay`, `tmpfs`). */
  filesystem: string;
}

export async function diskSpace(host: Host, dir: string): Promise<DiskSpace | { error: string }> {
  const r = await host.exec(['sh', '-c', DF_PROBE, 'sh', dir], { timeoutMs: 10_000 });
  const space = r.code === 0 ? parseDfLine(r.stdout.trim()) : undefined;
  return space ?? { error: r.stderr.trim() || 'df gave no usable output' };
}

/** One data line of `df -Pk`: filesystem, 1024-blocks, used, available, capacity, mount point (may hold spaces). */
export function parseDfLine(line: string): DiskSpace | undefined {
  const fields = line.trim().split(/\s+/);
  const total = Number(fields[1]);
  const available = Number(fields[3]);
  if (fields.length < 6 || !Number.isFinite(total) || !Number.isFinite(available)) return undefined;
  const mount = fields.slice(5).join(' ');
  return { availableBytes: available * 1024, totalBytes: total * 1024, mount, filesystem: fields[0]! };
}

/** Whether two df results are one filesystem: the same mount, or the same block device (a bind mount). */
export function sameFilesystem(a: DiskSpace, b: DiskSpace): boolean {
  return a.mount === b.mount || (a.filesystem.startsWith('/') && a.filesystem === b.filesystem);
}
