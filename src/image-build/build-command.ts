/**
 * The local build's command line, from `image.build` and what the probe found (builder.ts). Pure: `--dry-run`
 * prints exactly this argv, and the build runs exactly it. Secret values never appear here: `--secret
 * id=NAME,env=NAME` names a variable of the build's environment (build-secrets.ts fills it).
 */
import { join } from 'node:path';
import type { LocalBuilder } from './builder.js';

export interface BuildSettings {
  context: string;
  dockerfile?: string;
  target?: string;
  args: Record<string, string>;
  secrets: string[];
  cache: 'local' | 'registry' | 'none';
}

export interface BuildCommandInput {
  settings: BuildSettings;
  builder: LocalBuilder;
  /** `name:tag` */
  image: string;
  /** The image name without tag (the registry cache's ref is `<name>:buildcache`). */
  imageName: string;
  platform?: string;
  /** The project's directory: the local cache lives in `<baseDir>/.gangway/cache`. */
  baseDir: string;
}

/** The registry tag that holds the build cache with `cache: registry`. */
export const CACHE_TAG = 'buildcache';

export function buildCommand(input: BuildCommandInput): string[] {
  const { settings, builder, image, platform } = input;
  const argv = builder.kind === 'buildx' ? ['docker', 'buildx', 'build', '--progress=plain'] : ['docker', 'build'];
  argv.push('--tag', image);
  if (settings.dockerfile) argv.push('--file', join(settings.context, settings.dockerfile));
  if (settings.target) argv.push('--target', settings.target);
  // The classic builder cannot build for another platform; it is only chosen when none is needed (builder.ts).
  if (platform && builder.kind === 'buildx') argv.push('--platform', platform);
  for (const [key, value] of Object.entries(settings.args)) argv.push('--build-arg', `${key}=${value}`);
  for (const name of settings.secrets) argv.push('--secret', `id=${name},env=${name}`);
  argv.push(...cacheFlags(input));
  // A builder that keeps its results to itself (docker-container driver) must hand the image to the engine.
  if (builder.kind === 'buildx' && !builder.loadsIntoEngine) argv.push('--load');
  argv.push(settings.context);
  return argv;
}

function cacheFlags({ settings, builder, imageName, baseDir }: BuildCommandInput): string[] {
  if (settings.cache === 'none') return ['--no-cache'];
  if (builder.kind !== 'buildx') return []; // the engine's own build cache
  if (settings.cache === 'registry') {
    const ref = `${imageName}:${CACHE_TAG}`;
    // The docker driver cannot export a cache: it embeds it in the image (inline), pushed as <name>:buildcache.
    const to = builder.exportsCache ? `type=registry,ref=${ref},mode=max` : 'type=inline';
    return ['--cache-from', `type=registry,ref=${ref}`, '--cache-to', to];
  }
  // local: a builder that can export its cache keeps it in .gangway/cache; the docker driver's engine keeps its own.
  if (!builder.exportsCache) return [];
  const dir = join(baseDir, '.gangway', 'cache');
  return ['--cache-from', `type=local,src=${dir}`, '--cache-to', `type=local,dest=${dir},mode=max`];
}
