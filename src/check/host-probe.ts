/**
 * What a host check needs to know about a host, gathered by host-facts.sh in one round trip: the deploy dir's
 * state and filesystem, the Docker engine's version, data root and platform, the data root's filesystem — where
 * images land, often not the deploy dir's — and the backup tools. Read-only. (On a server the host checks run
 * the same script with Compose's checks in one go: server-facts.ts.)
 */
import type { Host } from '../hosts/host.js';
import { runScript } from '../server/scripts.js';
import { hostPlatform, type Platform } from '../delivery/platform.js';
import { parseDfLine, type DiskSpace } from './disk.js';

export type DirState = { state: 'writable' | 'readonly' } | { state: 'creatable' | 'blocked'; parent: string };

export interface HostFacts {
  /** The deploy dir, absolute. */
  path: string;
  dir?: DirState;
  /** The filesystem of the deploy dir (or of its nearest existing ancestor). */
  dirDisk?: DiskSpace;
  /** `platform`: the engine's os/architecture (what images must be built for); absent from very old engines. */
  docker: { version: string; rootDir: string; platform?: Platform } | { error: string; code: number | null };
  /** The filesystem of Docker's data root; undefined when Docker failed or the path is not visible here. */
  rootDisk?: DiskSpace;
  /**
   * Which of the programs backups use are there: age, crontab, systemctl, cron.d (a writable /etc/cron.d) and
   * systemd (systemd is running).
   */
  tools: string[];
}

export async function probeHost(host: Host, dir: string): Promise<HostFacts> {
  const r = await host.exec(runScript('host-facts.sh', [dir]), { timeoutMs: 20_000 });
  return parseProbe(r.stdout, r.stderr, dir);
}

export function parseProbe(stdout: string, stderr: string, dir: string): HostFacts {
  const lines = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const space = line.indexOf(' ');
    if (space > 0) lines.set(line.slice(0, space), line.slice(space + 1));
  }
  const [state, ...parent] = (lines.get('dir') ?? '').split(' ');
  const dirState: DirState | undefined =
    state === 'writable' || state === 'readonly'
      ? { state }
      : state === 'creatable' || state === 'blocked'
        ? { state, parent: parent.join(' ') }
        : undefined;
  const [rc, ...info] = (lines.get('docker') ?? '').split(' ');
  // (a fifth field, the Compose plugin's version, is server-facts.ts's)
  const [version = '', rootDir = '', os = '', arch = ''] = info.join(' ').split('|');
  const platform = hostPlatform(os, arch);
  const docker: HostFacts['docker'] =
    rc === '0' && version !== ''
      ? { version, rootDir, ...(platform && { platform }) }
      : { error: stderr.trim() || `docker info exited ${rc || 'without output'}`, code: rc ? Number(rc) : null };
  const dirDisk = parseDfLine(lines.get('df-dir') ?? '');
  const rootDisk = parseDfLine(lines.get('df-root') ?? '');
  const path = lines.get('path') ?? dir;
  const disks = { ...(dirDisk && { dirDisk }), ...(rootDisk && { rootDisk }) };
  const tools = (lines.get('tools') ?? '').split(' ').filter(Boolean);
  return { path, docker, ...(dirState && { dir: dirState }), ...disks, tools };
}
