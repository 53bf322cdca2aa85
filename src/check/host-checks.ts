/** Per-host preflight over one connection: SSH, Docker, Compose, the deploy directory. Read-only. */
import type { Config, Target } from '../config/config.js';
import type { HostSpec } from '../config/hosts.js';
import type { Host } from '../hosts/host.js';
import { detectCompose, type ComposeCli } from '../docker/compose-cli.js';
import { formatBytes } from '../output/reporter.js';
import { composeConfigOnHost, type ComposeInputs } from './compose-config.js';
import { diskSpace } from './disk.js';
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

export interface HostCheckInputs {
  config: Config;
  compose: ComposeInputs;
  /** Free space the deploy needs on the deploy directory's filesystem. */
  requiredBytes: number;
  requiredReason: string;
}

export async function hostChecks(
  target: Target,
  spec: HostSpec,
  open: (target: Target, spec: HostSpec) => Promise<Host>,
  inputs: HostCheckInputs,
): Promise<CheckItem[]> {
  let host: Host;
  try {
    host = await open(target, spec);
  } catch (e) {
    return [fail('SSH', (e as Error).message)];
  }
  try {
    const items: CheckItem[] = [];
    if (host.hostKey) {
      const k = host.hostKey;
      items.push(ok('SSH', `connected; host key ${k.type} ${k.fingerprint} (${k.trustedBy})`));
    }
    const path = await host.resolvePath(target.dir);
    const cli = await detectCompose(host);
    const [docker, dir, disk] = await Promise.all([dockerCheck(host), dirCheck(host, path), diskCheck(host, path, inputs)]);
    items.push(docker, composeCheck(cli), dir, disk);
    // On the local engine the local checks already ran `compose config`; on a server it is the server's Compose that counts.
    if (host.kind === 'ssh' && cli) items.push(await composeConfigOnHost(host, inputs.config, inputs.compose, cli));
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

function composeCheck(compose: ComposeCli | undefined): CheckItem {
  if (!compose) return fail('Compose', 'neither `docker compose` (v2) nor `docker-compose` (v1) found');
  if (compose.flavour === 'v1') return warn('Compose', `docker-compose ${compose.version} (v1, end of life; falling back to it — install the v2 plugin)`);
  return ok('Compose', `docker compose ${compose.version}`);
}

async function dirCheck(host: Host, path: string): Promise<CheckItem> {
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

async function diskCheck(host: Host, path: string, inputs: HostCheckInputs): Promise<CheckItem> {
  const space = await diskSpace(host, path);
  if ('error' in space) return warn('disk space', `could not measure: ${space.error}`);
  const free = `${formatBytes(space.availableBytes)} free on ${space.mount}`;
  if (space.availableBytes < inputs.requiredBytes) {
    return fail('disk space', `${free}; the deploy needs ${formatBytes(inputs.requiredBytes)} (${inputs.requiredReason})`);
  }
  const share = space.totalBytes > 0 ? space.availableBytes / space.totalBytes : 1;
  if (share < 0.1) return warn('disk space', `${free} — under 10% of the filesystem`);
  return ok('disk space', `${free} (needs ${formatBytes(inputs.requiredBytes)}: ${inputs.requiredReason})`);
}
