/**
 * What a host check needs to know about a server, gathered by one `sh -c` (one round trip, whatever the
 * latency): the deploy dir's state and filesystem, the Docker engine's version and data root, and the data
 * root's filesystem — where images land, often not the deploy dir's. Read-only.
 */
import type { Host } from '../hosts/host.js';
import { hostPlatform, type Platform } from '../delivery/platform.js';
import { parseDfLine, type DiskSpace } from './disk.js';

/**
 * $1 = the deploy dir (`~/…` resolved here, against the SSH user's home). Only Docker's stderr reaches the
 * channel's stderr, so that it can be quoted when Docker fails.
 */
const PROBE = `d=$1
case $d in "~") d=$HOME ;; "~/"*) d=$HOME/\${d#"~/"} ;; esac
echo "path $d"
p=$d
while [ ! -e "$p" ]; do p=$(dirname "$p"); done
if [ -d "$d" ]; then
  if [ -w "$d" ]; then echo "dir writable"; else echo "dir readonly"; fi
elif [ -d "$p" ] && [ -w "$p" ]; then echo "dir creatable $p"; else echo "dir blocked $p"; fi
echo "df-dir $(df -Pk "$p" 2>/dev/null | tail -n 1)"
info=$(docker info --format '{{.ServerVersion}}|{{.DockerRootDir}}|{{.OSType}}|{{.Architecture}}' </dev/null)
rc=$?
echo "docker $rc $info"
root=\${info#*|}
root=\${root%%|*}
if [ "$rc" = 0 ] && [ -e "$root" ]; then echo "df-root $(df -Pk "$root" 2>/dev/null | tail -n 1)"; fi
tools=
for t in age crontab systemctl; do command -v "$t" >/dev/null 2>&1 && tools="$tools $t"; done
[ -d /etc/cron.d ] && [ -w /etc/cron.d ] && tools="$tools cron.d"
[ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1 && tools="$tools systemd"
echo "tools$tools"`;

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
  const r = await host.exec(['sh', '-c', PROBE, 'sh', dir], { timeoutMs: 20_000 });
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
