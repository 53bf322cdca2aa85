/**
 * Which platform `image.build` builds for: `--platform`, else `image.build.platform`, else the one platform the
 * target's hosts run (from `docker info`, gathered by the preflight). gangway builds one platform per run: hosts of
 * different architectures in one target are refused before anything is built, with what to do instead.
 */
import { formatPlatform, type Platform } from '../delivery/platform.js';

export interface HostPlatform {
  host: string;
  /** Undefined when the engine did not say (very old engines): the build is then for this machine's platform. */
  platform?: Platform;
}

export type PlatformChoice = { platform?: string; why: string } | { error: string; hints: string[] };

export function chooseBuildPlatform(
  explicit: { value: string; source: string } | undefined,
  hosts: readonly HostPlatform[],
): PlatformChoice {
  if (explicit) return { platform: explicit.value, why: explicit.source };
  const byPlatform = new Map<string, string[]>();
  for (const h of hosts) {
    if (!h.platform) continue;
    const name = formatPlatform(h.platform);
    byPlatform.set(name, [...(byPlatform.get(name) ?? []), h.host]);
  }
  if (byPlatform.size === 0) return { why: "the hosts did not say their platform: this machine's" };
  const [first] = byPlatform.keys();
  if (byPlatform.size === 1)
    return { platform: first!, why: `the platform of ${hosts.length === 1 ? 'the host' : 'every host'}` };
  const list = [...byPlatform].map(([p, names]) => `${p} (${names.join(', ')})`).join(', ');
  return {
    error: `the target's hosts run different platforms: ${list}; gangway builds one platform per target`,
    hints: [
      'split the target into one target per architecture (each gets an image built for its hosts)',
      'or build a multi-platform image yourself (docker buildx build --platform … --push) and deploy it without ' +
        'image.build',
    ],
  };
}
