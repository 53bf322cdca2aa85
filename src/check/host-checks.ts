/**
 * Per-host preflight over one connection: SSH, Docker, Compose, the deploy directory, disk space. Read-only.
 * One round trip on a server: its facts, its Compose and `config -q` come from one script (server-facts.ts).
 */
import { cronToOnCalendar } from '../backup/oncalendar.js';
import type { BackupConfig, Config, Target } from '../config/config.js';
import type { HostSpec } from '../config/hosts.js';
import type { ComposeCli } from '../docker/compose-cli.js';
import type { Host } from '../hosts/host.js';
import { fail, ok, warn, type CheckItem } from '../checklist.js';
import type { ComposeInputs } from './compose-config.js';
import { diskItems, type SpaceNeed } from './disk-checks.js';
import { probeHost, type HostFacts } from './host-probe.js';
import { serverFacts, type ServerFacts } from './server-facts.js';
import { platformCheck, type ImagePlatform } from './platform-check.js';
import { formatBytes } from '../output/reporter.js';
import type { Platform } from '../delivery/platform.js';
import { strategyFor } from '../strategy/index.js';

export interface HostCheckInputs {
  config: Config;
  compose: ComposeInputs;
  /** Free space the images need in Docker's data root. */
  images: SpaceNeed;
  /** The local Compose (found once per command): the local engine's host uses it. */
  localCompose: () => Promise<ComposeCli | undefined>;
  /** Told which Compose each host has, so that the deploy that follows need not ask again. */
  rememberCompose?: (label: string, cli: ComposeCli | undefined) => void;
  /** `image.delivery: sync`: the image being deployed, to say what a sync to each host would move. */
  syncImage?: string;
  /** archive and sync: the platform the image is for, which every host's engine must run (platform-check.ts). */
  imagePlatform?: () => Promise<ImagePlatform>;
  /** Told each host's platform (image.build builds for it). */
  onPlatform?: (host: string, platform: Platform | undefined) => void;
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
    // On the local engine the local checks already ran `compose config` (and found its Compose); on a server it
    // is the server's Compose that counts.
    const complete = inputs.compose.files.length === inputs.config.compose.length; // else reported locally
    const strategy = strategyFor(inputs.config, target);
    // Its own engine's checks (a Swarm manager's) replace the server's Compose, which is then not probed.
    const own = strategy.hostChecks?.(host, inputs.config, target.dir) ?? {};
    const [{ facts, compose }, engineItems] = await Promise.all([
      factsOf(host, target.dir, inputs, own.engine ? 'none' : complete ? 'config' : 'find'),
      own.engine ?? [],
    ]);
    inputs.onPlatform?.(spec.label, 'platform' in facts.docker ? facts.docker.platform : undefined);
    if (!own.engine) inputs.rememberCompose?.(host.label, compose.cli);
    items.push(
      dockerCheck(facts),
      ...(own.engine ? engineItems : [composeCheck(compose.cli, strategy.needsComposeV2)]),
      dirCheck(facts),
      ...diskItems(facts, inputs.images),
    );
    if (compose.config) items.push(compose.config);
    if (own.after) items.push(...(await own.after));
    items.push(...backupToolChecks(inputs.config.backups, facts));
    if (inputs.imagePlatform && !('error' in facts.docker))
      items.push(platformCheck(await inputs.imagePlatform(), facts, spec.label));
    if (inputs.syncImage && host.kind === 'ssh') items.push(await syncCheck(host, inputs.syncImage));
    return items;
  } finally {
    await host.close();
  }
}

/**
 * The host's facts and its Compose: on a server one round trip, with `config -q` when the compose files are all
 * here (`config`); on the local engine the Compose the local checks found. `none`: the strategy's own engine
 * replaces Compose (a Swarm manager's), which is then not looked for.
 */
async function factsOf(
  host: Host,
  dir: string,
  inputs: HostCheckInputs,
  compose: 'config' | 'find' | 'none',
): Promise<ServerFacts> {
  if (compose === 'none') return { facts: await probeHost(host, dir), compose: {} };
  if (host.kind === 'ssh')
    return serverFacts(host, dir, inputs.config, compose === 'config' ? inputs.compose : undefined);
  const [facts, cli] = await Promise.all([probeHost(host, dir), inputs.localCompose()]);
  return { facts, compose: cli ? { cli } : {} };
}

/**
 * What a sync would move to this host (the local `docker save` is reused by the deploy that follows). The sync
 * code (tar reading) is loaded only here.
 */
async function syncCheck(host: Host, image: string): Promise<CheckItem> {
  try {
    const { syncEstimate } = await import('../delivery/sync.js');
    const e = await syncEstimate(host, image);
    const size = `${formatBytes(e.compressed)} gzip-compressed, ${formatBytes(e.bytes)} as saved`;
    return ok('image sync', `${e.layers} of ${e.of} layers of ${image} to send: ${size}`);
  } catch (error) {
    return warn('image sync', `cannot tell what a sync would send: ${(error as Error).message}`);
  }
}

/** Encryption needs `age` on the server; a schedule needs cron or systemd (`gangway backup schedule`). */
export function backupToolChecks(backups: BackupConfig[], { tools }: Pick<HostFacts, 'tools'>): CheckItem[] {
  const items: CheckItem[] = [];
  backups.forEach((b, i) => {
    if (b.ageRecipients.length === 0) return;
    const key = `backups[${i}].encrypt.age_recipients ("${b.name}")`;
    items.push(
      tools.includes('age')
        ? ok('backup encryption', `age found for ${key}`)
        : fail('backup encryption', `${key} needs the age binary on this server (Debian: apt-get install age)`),
    );
  });
  const scheduled = backups.filter((b) => b.schedule !== undefined);
  if (scheduled.length > 0) items.push(scheduleCheck(scheduled, tools));
  return items;
}

function dockerCheck({ docker }: HostFacts): CheckItem {
  if (!('error' in docker)) return ok('Docker', `Engine ${docker.version}, data root ${docker.rootDir}`);
  const first = docker.error.split('\n').find((l) => l.trim()) ?? `exit ${docker.code}`;
  const hint = /permission denied/i.test(docker.error)
    ? ' (add the SSH user to the docker group)'
    : docker.code === 127
      ? ' (is Docker installed?)'
      : '';
  return fail('Docker', `${first.trim()}${hint}`);
}

/** `needsV2`: what of the strategy needs the v2 plugin (v1 then fails instead of warning). */
function composeCheck(compose: ComposeCli | undefined, needsV2: string | undefined): CheckItem {
  if (!compose) return fail('Compose', 'neither `docker compose` (v2) nor `docker-compose` (v1) found');
  if (compose.flavour === 'v1' && needsV2)
    return fail('Compose', `docker-compose ${compose.version} (v1): ${needsV2} needs the Compose v2 plugin`);
  if (compose.flavour === 'v1')
    return warn(
      'Compose',
      `docker-compose ${compose.version} (v1, end of life; falling back to it — install the v2 plugin)`,
    );
  return ok('Compose', `docker compose ${compose.version}`);
}

function dirCheck({ path, dir }: HostFacts): CheckItem {
  switch (dir?.state) {
    case 'writable':
      return ok('deploy dir', `${path} exists and is writable`);
    case 'creatable':
      return ok('deploy dir', `${path} will be created (${dir.parent} is writable)`);
    case 'readonly':
      return fail('deploy dir', `${path} exists but is not writable by this user`);
    case 'blocked':
      return fail('deploy dir', `${path} cannot be created: ${dir.parent} is not a writable directory`);
    default:
      return fail('deploy dir', `could not inspect ${path}`);
  }
}

/** Where `gangway backup schedule` would install (schedule.sh's order), or why it could not. */
function scheduleCheck(scheduled: BackupConfig[], tools: string[]): CheckItem {
  if (tools.includes('cron.d')) return ok('backup schedule', '`gangway backup schedule` installs into /etc/cron.d');
  if (tools.includes('crontab'))
    return ok('backup schedule', "`gangway backup schedule` installs into the user's crontab");
  if (!tools.includes('systemd'))
    return warn(
      'backup schedule',
      'no cron and no systemd here: `gangway backup schedule` needs one (apt-get install cron)',
    );
  for (const b of scheduled) {
    try {
      cronToOnCalendar(b.schedule!);
    } catch (e) {
      return warn(
        'backup schedule',
        `no cron here, and a systemd timer cannot follow "${b.name}": ${(e as Error).message}`,
      );
    }
  }
  return ok('backup schedule', 'no cron here: `gangway backup schedule` installs systemd timers');
}
