/**
 * Preflight: the image a deploy sends must run on each host's engine. An arm64 image (an Apple Silicon laptop's
 * default) loads fine on an amd64 server and fails only when its container starts, after the switch; here it
 * fails the preflight instead, before anything changes. Registry mode is checked after the pull instead
 * (deliver step, before the release is put in place): the host's registry access is only set up there.
 */
import type { Config } from '../config/config.js';
import { archivePlatform, localImagePlatform, savedImagePlatform } from '../delivery/image-platform.js';
import { formatPlatform, parsePlatform, platformMismatch, runsOn, type Platform } from '../delivery/platform.js';
import { once } from '../util/once.js';
import { fail, ok, warn, type CheckItem } from './checklist.js';
import type { HostFacts } from './host-probe.js';

export type ImagePlatform = { ref: string } & ({ platform: Platform } | { error: string });

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
    return platform && (() => Promise.resolve({ ref, platform }));
  }
  if (image.delivery !== 'archive' && image.delivery !== 'sync') return undefined;
  const read =
    image.delivery === 'sync'
      ? () => savedImagePlatform(ref)
      : image.archive
        ? () => archivePlatform(image.archive!, ref)
        : () => localImagePlatform(ref);
  return once(() =>
    read().then(
      (platform): ImagePlatform => ({ ref, platform }),
      (e: unknown): ImagePlatform => ({ ref, error: (e as Error).message }),
    ),
  );
}

export function platformCheck(image: ImagePlatform, facts: Pick<HostFacts, 'docker'>, hostLabel: string): CheckItem {
  const title = 'image platform';
  if ('error' in image) return warn(title, `cannot tell which platform ${image.ref} is for: ${image.error}`);
  const host = 'platform' in facts.docker ? facts.docker.platform : undefined;
  if (!host) return warn(title, `${image.ref} is ${formatPlatform(image.platform)}; the engine did not say its own`);
  if (runsOn(image.platform, host))
    return ok(title, `${image.ref} is ${formatPlatform(image.platform)}, the engine is ${formatPlatform(host)}`);
  const { reason, fix } = platformMismatch(image.ref, image.platform, hostLabel, host);
  return fail(title, `${reason}: ${fix}, then deploy again`);
}
