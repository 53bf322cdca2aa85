/**
 * Build secrets' values: each name in `image.build.secrets` is read from gangway's own environment (a CI job's
 * secrets), else from the env file. The values reach `docker buildx build` only through its environment (the
 * build mounts them at /run/secrets/NAME for the RUN steps that ask); they are registered with the run's scrubber
 * first, so no form of them is printed.
 */
import type { EnvEntry } from '../env/parse.js';
import { UsageError } from '../errors.js';
import type { Scrubber } from '../redact/scrubber.js';
import { Secret } from '../redact/secret.js';

export function buildSecretEnv(
  names: readonly string[],
  envFile: { path: string; entries: readonly EnvEntry[] } | undefined,
  scrubber: Scrubber,
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const values: Record<string, string> = {};
  const missing: string[] = [];
  for (const name of names) {
    const value = env[name] ?? envFile?.entries.filter((e) => e.key === name).at(-1)?.value;
    if (value === undefined) missing.push(name);
    else {
      scrubber.add(new Secret(value, name));
      values[name] = value;
    }
  }
  if (missing.length)
    throw new UsageError(
      `image.build.secrets: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} set neither in the ` +
        `environment nor in ${envFile ? envFile.path : 'an env file'}; set ${missing.length === 1 ? 'it' : 'them'} ` +
        'before the build (in CI: from the job’s secrets)',
    );
  return values;
}
