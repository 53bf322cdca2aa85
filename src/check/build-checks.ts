/**
 * Local preflight of image.build: build arguments stay in the image's history for anyone who pulls it, so one
 * named like a key of the env file (whose values are secrets) is most likely a secret in the wrong place.
 */
import type { Config } from '../config/config.js';
import { warn, type CheckItem } from '../checklist.js';

export function buildArgChecks(config: Config, envKeys: readonly string[]): CheckItem[] {
  const args = Object.keys(config.image?.build?.args ?? {});
  const secretLike = args.filter((a) => envKeys.includes(a));
  if (!secretLike.length) return [];
  return [
    warn(
      'build args',
      `${secretLike.join(', ')} ${secretLike.length === 1 ? 'is a key' : 'are keys'} of the env file: build args ` +
        'stay in the image history; pass secrets as image.build.secrets (RUN --mount=type=secret,id=NAME)',
    ),
  ];
}
