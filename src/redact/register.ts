/** Which values are secrets: every value of the env file, and the registry password. */
import type { Config } from '../config/config.js';
import type { Scrubber } from './scrubber.js';
import { Secret } from './secret.js';

/** `entries`: an env file's (env/parse.ts's EnvEntry), or any other key/value pairs that are all secret. */
export function registerEnvSecrets(scrubber: Scrubber, entries: readonly { key: string; value: string }[]): void {
  for (const e of entries) scrubber.add(new Secret(e.value, e.key));
}

/** The registry password, read from the variable gangway.yml names (never from the file itself). */
export function registryPassword(config: Config, env: NodeJS.ProcessEnv = process.env): Secret | undefined {
  return secretFromEnv(config.image?.registry?.password_env, env);
}

/** The value of the environment variable `name` as a secret named after it (unset: undefined). */
export function secretFromEnv(name: string | undefined, env: NodeJS.ProcessEnv = process.env): Secret | undefined {
  const value = name ? env[name] : undefined;
  return name && value !== undefined ? new Secret(value, name) : undefined;
}

export function registerConfigSecrets(scrubber: Scrubber, config: Config, env: NodeJS.ProcessEnv = process.env): void {
  const password = registryPassword(config, env);
  if (password) scrubber.add(password);
}
