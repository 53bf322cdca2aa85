/** Per-host preflight over one connection: SSH, Docker, Compose, the deploy directory. Read-only. */
import type { Target } from '../config/config.js';
import type { HostSpec } from '../config/hosts.js';
import type { Host } from '../hosts/host.js';
import { SshHost } from '../hosts/ssh/ssh-host.js';
import { detectCompose } from '../docker/compose-cli.js';
import { fail, ok, warn, type CheckItem } from './checklist.js';

/** Reports whether `dir` exists and is writable, or else whether it could be created (nearest existing parent). */
const DIR_PROBE = `d=$1
if [ -d "$d" ]; then
  if [ -w "$d" ]; then echo writable; else echo readonly; fi
else
  p=$d
  while [ ! -e "$p" ]; do p=$(dirname "$p"); done
  if [ -d "$p" ] && [ -w "$p" ]; then echo "creatable $p"; else echo "blocked $p"; fi
fi`;

export async function hostChecks(
  target: Target,
  spec: HostSpec,
  open: (target: Target, spec: HostSpec) => Promise<Host>,
): Promise<CheckItem[]> {
  let host: Host;
  try {
    host = await open(target, spec);
  } catch (e) {
    return [fail('SSH', (e as Error).message)];
  }
  try {
    const items: CheckItem[] = [];
    if (host instanceof SshHost) {
      const k = host.hostKey;
      items.push(ok('SSH', `connected; host key ${k.type} ${k.fingerprint} (${k.trustedBy})`));
    }
    const [docker, compose, dir] = await Promise.all([dockerCheck(host), composeCheck(host), dirCheck(host, target.dir)]);
    items.push(docker, compose, dir);
    return items;
  } finally {
    await host.close();
  }
}

async function dockerCheck(host: Host): Promise<CheckItem> {
  const r = await host.exec(['docker', 'version', '--format', '{{.Server.Version}}'], { timeoutMs: 20_000 }).catch((e: Error) => ({ code: 127, stdout: '', stderr: e.message }));
  if (r.code === 0) return ok('Docker', `Engine ${r.stdout.trim()}`);
  const first = r.stderr.split('\n').find((l) => l.trim()) ?? `exit ${r.code}`;
  const hint = /permission denied/i.test(r.stderr) ? ' (add the SSH user to the docker group)' : r.code === 127 ? ' (is Docker installed?)' : '';
  return fail('Docker', `${first.trim()}${hint}`);
}

async function composeCheck(host: Host): Promise<CheckItem> {
  const compose = await detectCompose(host);
  if (!compose) return fail('Compose', 'neither `docker compose` (v2) nor `docker-compose` (v1) found');
  if (compose.flavour === 'v1') return warn('Compose', `docker-compose ${compose.version} (v1, end of life; falling back to it — install the v2 plugin)`);
  return ok('Compose', `docker compose ${compose.version}`);
}

async function dirCheck(host: Host, dir: string): Promise<CheckItem> {
  const path = await host.resolvePath(dir);
  const r = await host.exec(['sh', '-c', DIR_PROBE, 'sh', path], { timeoutMs: 10_000 });
  const [state, parent] = r.stdout.trim().split(' ');
  switch (state) {
    case 'writable': return ok('deploy dir', `${path} exists and is writable`);
    case 'creatable': return ok('deploy dir', `${path} will be created (${parent} is writable)`);
    case 'readonly': return fail('deploy dir', `${path} exists but is not writable by this user`);
    case 'blocked': return fail('deploy dir', `${path} cannot be created: ${parent} is not a writable directory`);
    default: return fail('deploy dir', `could not inspect ${path}: ${r.stderr.trim() || `exit ${r.code}`}`);
  }
}
