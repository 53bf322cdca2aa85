/**
 * registry delivery: which platforms the image in the registry is for, read from this machine before any host
 * changes — `docker manifest inspect --verbose` (a manifest list names each entry's platform; a single manifest's
 * platform comes from its config). It uses this machine's Docker credentials; when the registry cannot be read from
 * here (a private network, no login), the check is left to the host, right after its pull (pulled-platform.ts).
 */
import { runDocker } from '../docker/local-docker.js';
import { imagePlatform, type Platform } from './platform.js';

export async function registryPlatforms(ref: string): Promise<Platform[]> {
  const host = ref.split('/')[0]!;
  // Docker itself talks plain HTTP to a registry on loopback; so does this read.
  const insecure = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/.test(host) ? ['--insecure'] : [];
  // A registry that does not answer (a private network) must not hold up the preflight: the host checks later.
  const result = await runDocker(['manifest', 'inspect', '--verbose', ...insecure, ref], { timeoutMs: 30_000 });
  if (result.code === null) throw new Error('no answer within 30 s');
  if (result.code !== 0) throw new Error(result.stderr.trim().split('\n').at(-1) || `exit ${result.code}`);
  return parseVerboseManifest(result.stdout);
}

/** One entry (a single manifest) or an array of them (a manifest list); attestation entries name no platform. */
export function parseVerboseManifest(json: string): Platform[] {
  const parsed = JSON.parse(json) as unknown;
  const entries = Array.isArray(parsed) ? parsed : [parsed];
  const platforms = entries.flatMap((e) => {
    const p = (e as { Descriptor?: { platform?: object } }).Descriptor?.platform;
    const platform = p && imagePlatform(p);
    return platform && platform.os !== 'unknown' ? [platform] : [];
  });
  if (!platforms.length) throw new Error('the manifest names no platform');
  return platforms;
}
