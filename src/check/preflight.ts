/**
 * The whole preflight, run by `gangway check` and before every deploy: the local checks (config, env file,
 * compose files) and each host's (SSH, Docker, Compose, disk, deploy dir), each group printed as it is done.
 */
import { readFile, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config, Target } from '../config/config.js';
import type { HostSpec } from '../config/hosts.js';
import { detectCompose, type ComposeCli } from '../docker/compose-cli.js';
import type { LoadedEnvFile } from '../env/env-file.js';
import type { Host } from '../hosts/host.js';
import { LocalHost } from '../hosts/local-host.js';
import { formatBytes, type Reporter } from '../output/reporter.js';
import { once } from '../util/once.js';
import type { CheckItem, Checklist } from '../checklist.js';
import { composeChecks } from './compose-checks.js';
import { strategyFor } from '../strategy/index.js';
import { checkImageTag, composeConfigLocal, composeUploadNames, PLACEHOLDER_TAG } from './compose-config.js';
import type { ComposeInputs } from './compose-config.js';
import { DEFAULT_REQUIRED_BYTES } from './disk.js';
import type { SpaceNeed } from './disk-checks.js';
import { envChecks } from './env-checks.js';
import { hostChecks, type HostCheckInputs } from './host-checks.js';
import { buildArgChecks } from './build-checks.js';
import { backupCopyChecks } from './backup-checks.js';
import { localChecks } from './local-checks.js';
import { imagePlatformSource } from './platform-check.js';

/** What of a command's context the preflight needs (a CommandContext is one). */
export interface PreflightContext {
  reporter: Reporter;
  /** The command's pooled connection to a host: the checks open it, and the deploy after them reuses it. */
  openHost(target: Target, spec: HostSpec): Promise<Host>;
  /** The Compose each host's checks found, kept for the deploy that follows (asked once per run). */
  compose: { remember(host: string, cli: ComposeCli | undefined): void };
}

/**
 * Local checks, then every host concurrently. `show: 'all'` prints every item
 * (gangway check); `'problems'` prints only warnings and failures (before a deploy).
 */
export async function preflight(
  ctx: PreflightContext,
  config: Config,
  target: Target,
  env: LoadedEnvFile | undefined,
  show: 'all' | 'problems',
  /** The tag being deployed; `gangway check` uses the literal tag of gangway.yml or a placeholder. */
  tag = checkImageTag(config),
  /** image.build in this run: the image is built after the preflight, for the hosts' platform (told here). */
  build?: { platform?: string; onPlatform: HostCheckInputs['onPlatform'] },
): Promise<Checklist> {
  const { reporter } = ctx;
  const list: Checklist = { local: [], hosts: [] };
  const inputs = { ...(await composeInputs(config, env?.text)), tag };
  const localCompose = once(() => detectCompose(new LocalHost()));
  // Built after the preflight: no local image to look at yet.
  const syncImage = config.image?.delivery === 'sync' && !build ? `${config.image.name}:${tag}` : undefined;
  // `check` without a tag (and deploy --env-only) has no image to look at, unless a prebuilt archive or a build
  // fixed to a platform says what it will be.
  const noImage = tag === PLACEHOLDER_TAG && !config.image?.archive && build?.platform === undefined;
  const imagePlatform = noImage ? undefined : imagePlatformSource(config, tag, build);
  const hostInputs: HostCheckInputs = {
    ...(build?.onPlatform && { onPlatform: build.onPlatform }),
    ...(imagePlatform && { imagePlatform }),
    config,
    compose: inputs,
    images: await imageSpace(config),
    localCompose,
    ...(syncImage && { syncImage }),
    rememberCompose: (label: string, cli: ComposeCli | undefined) => ctx.compose.remember(label, cli),
  };
  // Hosts are connected to and probed while the local checks run; each group prints, after the local one,
  // as soon as that host is done. Settled here so that a host's error waits for its turn to be thrown.
  const hostRuns = target.hosts.map((spec) =>
    hostChecks(target, spec, ctx.openHost, hostInputs).then(
      (items) => ({ items }),
      (error: unknown) => ({ error }),
    ),
  );
  // The local checks' CPU work (compiling the compose schema) would hold up the SSH handshakes: give them a
  // short head start. Connections are pooled, so this waits for the ones the host checks are opening.
  const opened = target.hosts.map((spec) => ctx.openHost(target, spec).then(noop, noop));
  await Promise.race([Promise.all(opened), sleep(HANDSHAKE_HEAD_START_MS, undefined, { ref: false })]);
  const local = await Promise.all([
    localChecks(config, target),
    envChecks(config, env),
    composeChecks(config, strategyFor(config, target), env?.entries, tag),
    // On SSH hosts the server's own Compose checks the same files (host checks): not asked twice.
    target.hosts.some((h) => h.kind === 'local') ? localComposeConfig(config, inputs, localCompose) : [],
    buildArgChecks(config, env?.entries.map((e) => e.key) ?? []),
    // What a backup schedule will not do: said by `gangway check`, not before every deploy.
    show === 'all' ? backupCopyChecks(config.backups) : [],
  ]);
  list.local = local.flat();
  printGroup(reporter, 'local', list.local, show);
  await Promise.all(
    target.hosts.map(async (spec, i) => {
      const run = await hostRuns[i]!;
      if ('error' in run) throw run.error;
      list.hosts.push({ host: spec.label, items: run.items });
      printGroup(reporter, `host ${spec.label}`, run.items, show);
    }),
  );
  list.hosts.sort(
    (a, b) => target.hosts.findIndex((h) => h.label === a.host) - target.hosts.findIndex((h) => h.label === b.host),
  );
  return list;
}

/** Long enough for an SSH handshake on a near network; the local checks overlap slower ones. */
const HANDSHAKE_HEAD_START_MS = 250;
const noop = () => {};

function printGroup(reporter: Reporter, name: string, items: CheckItem[], show: 'all' | 'problems'): void {
  const shown = show === 'all' ? items : items.filter((i) => i.status !== 'ok');
  if (shown.length === 0) return;
  reporter.heading(name);
  for (const item of shown) reporter.item(item.status, item.title, item.detail);
}

async function composeInputs(config: Config, envText: string | undefined): Promise<Omit<ComposeInputs, 'tag'>> {
  const names = composeUploadNames(config.compose);
  const files: ComposeInputs['files'] = [];
  for (const [i, path] of config.compose.entries()) {
    const content = await readFile(path).catch(() => undefined);
    if (content) files.push({ name: names[i]!, content });
  }
  return { files, ...(envText !== undefined && { envText }) };
}

/** `docker compose config -q` with the local Compose, when there is one (a laptop may have none). */
async function localComposeConfig(
  config: Config,
  inputs: ComposeInputs,
  compose: () => Promise<ComposeCli | undefined>,
): Promise<CheckItem[]> {
  if (inputs.files.length !== config.compose.length) return []; // a missing file is already reported
  const cli = await compose();
  if (!cli)
    return [{ title: 'compose config (local Compose)', status: 'ok', detail: 'skipped: no Compose on this machine' }];
  return [await composeConfigLocal(config, inputs, cli)];
}

/** Archive mode: twice the archive (the tar plus the loaded layers); otherwise the documented default. */
async function imageSpace(config: Config): Promise<SpaceNeed> {
  const archive = config.image?.delivery === 'archive' ? config.image.archive : undefined;
  const size = archive
    ? await stat(archive)
        .then((s) => s.size)
        .catch(() => undefined)
    : undefined;
  if (size !== undefined) return { bytes: size * 2, reason: `2 × the ${formatBytes(size)} image archive` };
  return { bytes: DEFAULT_REQUIRED_BYTES, reason: 'default for an image pull or build' };
}
