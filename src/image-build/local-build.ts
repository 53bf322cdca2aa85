/**
 * `image.build`: the image built on this machine before any host is locked — planned (the builder probed, the
 * platform chosen, the exact command line fixed: `--dry-run` prints it), then run: `docker buildx build` (or
 * `docker build`) with build secrets in its environment only, and for registry delivery a push whose digest the
 * hosts pull by. A failure here changes nothing on any host.
 */
import { buildSource } from '../compose/build-context.js';
import type { Config } from '../config/config.js';
import { registryPassword } from '../redact/register.js';
import type { Scrubber } from '../redact/scrubber.js';
import { ExitCode, GangwayError } from '../errors.js';
import type { EnvEntry } from '../env/parse.js';
import { buildCommand, CACHE_TAG, type BuildSettings } from './build-command.js';
import { buildSecretEnv } from './build-secrets.js';
import { cannotBuild, emulationNote, probeBuilder, type LocalBuilder } from './builder.js';
import { runDocker } from '../docker/local-docker.js';
import { chooseBuildPlatform, type HostPlatform } from './platform-choice.js';
import { pushImage } from './push.js';
import { loggedInConfig, type DockerConfigDir } from './registry-auth.js';

/** What the plan shows and the run does; plain data (no secret in it). */
export interface BuildPlan {
  image: string;
  argv: string[];
  builder: string;
  platform?: string;
  /** Why this platform (`--platform`, image.build.platform, the hosts'). */
  platformWhy: string;
  /** Registry delivery: pushed, and the hosts pull the digest. */
  push: boolean;
  /** Also pushed: `<name>:buildcache` (cache: registry with a builder that keeps the cache inline). */
  cacheTag?: string;
  secrets: string[];
  notes: string[];
}

export interface BuildResult {
  image: string;
  digest?: string;
  durationMs: number;
  pushed?: { layers: number; present: number };
}

export interface PlanBuildInput {
  config: Config;
  tag: string;
  /** `--platform` of this run. */
  platformFlag?: string;
  hosts: readonly HostPlatform[];
}

export async function planLocalBuild(input: PlanBuildInput): Promise<BuildPlan> {
  const { config, tag } = input;
  const image = config.image!;
  const build = image.build!;
  const ref = `${image.name}:${tag}`;
  const explicit = input.platformFlag
    ? { value: input.platformFlag, source: '--platform' }
    : build.platform
      ? { value: build.platform, source: 'image.build.platform' }
      : undefined;
  const choice = chooseBuildPlatform(explicit, input.hosts);
  if ('error' in choice)
    throw new GangwayError('E_BUILD_UNSUPPORTED', ExitCode.preflight, choice.error, { hints: choice.hints });
  const builder = await probeBuilder();
  const why = cannotBuild(builder, choice.platform, build.secrets);
  if (why) throw new GangwayError('E_BUILD_UNSUPPORTED', ExitCode.preflight, `cannot build ${ref}: ${why}`);
  const settings = await buildSettings(config, ref);
  const push = image.delivery === 'registry';
  const argv = buildCommand({
    settings,
    builder,
    image: ref,
    imageName: image.name,
    ...(choice.platform && { platform: choice.platform }),
    baseDir: config.baseDir,
  });
  const note = emulationNote(builder, choice.platform);
  const inlineCache = settings.cache === 'registry' && !builder.exportsCache;
  return {
    image: ref,
    argv,
    builder: describeBuilder(builder),
    ...(choice.platform && { platform: choice.platform }),
    platformWhy: choice.why,
    push,
    ...(inlineCache && { cacheTag: `${image.name}:${CACHE_TAG}` }),
    secrets: settings.secrets,
    notes: [...(note ? [note] : []), ...cacheNotes(settings, builder)],
  };
}

async function buildSettings(config: Config, ref: string): Promise<BuildSettings> {
  const build = config.image!.build!;
  const source = build.context === undefined ? await buildSource(config, ref) : undefined;
  const dockerfile = build.dockerfile ?? source?.dockerfile;
  return {
    context: build.context ?? source!.context,
    ...(dockerfile && { dockerfile }),
    ...(build.target && { target: build.target }),
    args: build.args,
    secrets: build.secrets,
    cache: build.cache,
  };
}

function describeBuilder(b: LocalBuilder): string {
  return b.kind === 'buildx' ? `docker buildx (driver ${b.driver ?? 'docker'})` : 'docker build (classic builder)';
}

function cacheNotes(settings: BuildSettings, builder: LocalBuilder): string[] {
  if (settings.cache !== 'local' || builder.exportsCache) return [];
  return ["cache: the local engine's build cache (this builder cannot export one to .gangway/cache)"];
}

export interface RunBuildOptions {
  config: Config;
  envFile?: { path: string; entries: readonly EnvEntry[] };
  scrubber: Scrubber;
  /** Every output line of the build and push, masked (shown with -v). */
  onLine(line: string): void;
  /** The build's steps (`#5 [2/4] COPY …`) and the push's summary, masked. */
  onStep(line: string): void;
}

export async function runLocalBuild(plan: BuildPlan, options: RunBuildOptions): Promise<BuildResult> {
  const started = Date.now();
  const { config, scrubber } = options;
  const secretEnv = buildSecretEnv(plan.secrets, options.envFile, scrubber);
  const mask = (text: string) => scrubber.scrub(text);
  let docker: DockerConfigDir | undefined;
  const login = plan.push ? registryLogin(config) : undefined;
  try {
    if (login) docker = await loggedInConfig(login, mask);
    const tail: string[] = [];
    const [, ...args] = plan.argv;
    const result = await runDocker(args, {
      env: { ...docker?.env, ...secretEnv },
      onLine: (raw) => {
        const line = mask(raw);
        tail.push(line);
        if (tail.length > 40) tail.shift();
        options.onLine(line);
        if (/^#\d+ \[(\S+ )?\d+\/\d+\] /.test(line) || /^Step \d+\/\d+ :/.test(line)) options.onStep(line);
      },
    });
    if (result.code !== 0) throw buildFailed(plan, tail);
    if (!plan.push) return { image: plan.image, durationMs: Date.now() - started };
    const env = docker?.env;
    const pushed = await pushImage(plan.image, { ...(env && { env }), onLine: (l) => options.onLine(mask(l)), mask });
    if (plan.cacheTag) await pushCacheTag(plan, env, options, mask);
    return {
      image: plan.image,
      digest: pushed.digest,
      durationMs: Date.now() - started,
      pushed: { layers: pushed.pushed, present: pushed.present },
    };
  } finally {
    await docker?.remove();
  }
}

function registryLogin(config: Config) {
  const registry = config.image?.registry;
  const password = registryPassword(config);
  if (!registry?.username || !password) return undefined;
  return { server: registry.server ?? config.image!.name.split('/')[0]!, username: registry.username, password };
}

/** The image with its inline cache under <name>:buildcache, for the next build on an empty runner. */
async function pushCacheTag(
  plan: BuildPlan,
  env: Record<string, string> | undefined,
  options: RunBuildOptions,
  mask: (text: string) => string,
): Promise<void> {
  const tagged = await runDocker(['tag', plan.image, plan.cacheTag!]);
  if (tagged.code !== 0) return options.onStep(`cache tag not written: ${mask(tagged.stderr.trim())}`);
  await pushImage(plan.cacheTag!, { ...(env && { env }), onLine: (l) => options.onLine(mask(l)), mask });
}

/** The build's own error lines: BuildKit's `ERROR:` / `error:` line, else the last lines it printed. */
function buildFailed(plan: BuildPlan, tail: string[]): GangwayError {
  const error = [...tail].reverse().find((l) => /^(ERROR|error)[: ]/.test(l) || /^#\d+ ERROR/.test(l));
  const shown = error ?? tail.at(-1) ?? 'no output';
  return new GangwayError(
    'E_LOCAL_BUILD',
    ExitCode.failed,
    `local: building ${plan.image} failed: ${shown.slice(0, 500)}; nothing was changed on any host`,
    { details: { last_lines: tail.slice(-10) } },
  );
}
