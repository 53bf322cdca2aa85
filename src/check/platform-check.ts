/**
 * Preflight: the image a deploy sends must run on each host's engine. An arm64 image (an Apple Silicon laptop's
 * default) loads fine on an amd64 server and fails only when its container starts, after the switch; here it
 * fails the preflight instead, before anything changes. Registry mode is checked after the pull instead
 * (deliver step, before the release is put in place): the host's registry access is only set up there.
 */
import type { Config } from '../config/config.js';
import { formatPlatform, parsePlatform, platformMismatch, runsOn, type Platform } from '../delivery/platform.js';
import { once } from '../util/once.js';
import { fail, ok, warn, type CheckItem } from '../checklist.js';
import type { HostFacts } from './host-probe.js';

/** A manifest list is for several platforms; a single image for one. */
export type ImagePlatform = { ref: string } & (
  | { platforms: Platform[]; /** image.build fixed to this platform (--platform, image.build.platform) */ fixed?: true }
  | { error: string; registry?: true }
);

/**
 * What the run's image is built for, looked up once for all hosts; undefined when the image comes from a
 * registry (checked after the pull) or is built on the server (always its platform).
 */
export function imagePlatformSource(
  config: Config,
  tag: string,
  /** image.build in this run: the image is built for the hosts, or for the platform named here. */
  build?: { platform?: string },
): (() => Promise<ImagePlatform>) | undefined {
  const image = config.image;
  if (!image) return undefined;
  const ref = `${image.name}:${tag}`;
  if (build) {
    const platform = build.platform === undefined ? undefined : parsePlatform(build.platform);
    return platform && (() => Promise.resolve({ ref, platforms: [platform], fixed: true as const }));
  }
  const read = readerFor(image, ref);
  if (!read) return undefined;
  return once(() =>
    read().then(
      (platforms): ImagePlatform => ({ ref, platforms }),
      (e: unknown): ImagePlatform => ({
        ref,
        error: (e as Error).message,
        ...(image.delivery === 'registry' && { registry: true as const }),
      }),
    ),
  );
}

/** The readers are loaded only when an image is to be read (they bring the archive and registry code along). */
function readerFor(image: NonNullable<Config['image']>, ref: string): (() => Promise<Platform[]>) | undefined {
  const local = () => import('../delivery/image-platform.js');
  const one = (read: () => Promise<Platform>) => () => read().then((p) => [p]);
  const archive = image.archive;
  switch (image.delivery) {
    case 'sync':
      return one(async () => (await local()).savedImagePlatform(ref));
    case 'archive':
      return one(async () =>
        archive ? (await local()).archivePlatform(archive, ref) : (await local()).localImagePlatform(ref),
      );
    case 'registry':
      return async () => (await import('../delivery/registry-platform.js')).registryPlatforms(ref);
    case 'build':
      return undefined; // built on the server: its own platform
  }
}

export function platformCheck(image: ImagePlatform, facts: Pick<HostFacts, 'docker'>, hostLabel: string): CheckItem {
  const title = 'image platform';
  if ('error' in image)
    return warn(
      title,
      image.registry
        ? `cannot read ${image.ref} from the registry here (${image.error}); ${hostLabel} checks it after its pull`
        : `cannot tell which platform ${image.ref} is for: ${image.error}`,
    );
  const platforms = image.platforms.map(formatPlatform).join(', ');
  const host = 'platform' in facts.docker ? facts.docker.platform : undefined;
  if (!host) return warn(title, `${image.ref} is ${platforms}; the engine did not say its own`);
  if (image.platforms.some((p) => runsOn(p, host)))
    return ok(title, `${image.ref} is ${platforms}, the engine is ${formatPlatform(host)}`);
  const { reason, fix } = platformMismatch(image.ref, image.platforms, hostLabel, host);
  if (image.fixed)
    return fail(
      title,
      `${reason}: the build is set to ${platforms} (--platform or image.build.platform); leave it out to build for ` +
        `the hosts' platform, or set ${formatPlatform(host)}`,
    );
  return fail(title, `${reason}: ${fix}, then deploy again`);
}
