/**
 * Commands that show what runs on a server (logs, status) register the env values as secrets first: the
 * local env file's, and the server's own `<dir>/.env` (which may differ) — so app output that echoes them is masked.
 */
import { posix } from 'node:path';
import type { Config } from '../config/config.js';
import { loadEnvFile } from '../env/env-file.js';
import { parseEnv } from '../env/parse.js';
import type { Host } from '../hosts/host.js';
import { registerEnvSecrets } from '../redact/register.js';
import type { Scrubber } from '../redact/scrubber.js';

export async function registerLocalEnvSecrets(config: Config, scrubber: Scrubber): Promise<void> {
  if (config.env) await loadEnvFile(config.env.file, scrubber);
}

export async function registerServerEnvSecrets(host: Host, dir: string, scrubber: Scrubber): Promise<void> {
  const text = await host
    .readFile(posix.join(dir, '.env'))
    .then((b) => b.toString('utf8'))
    .catch(() => undefined);
  if (text !== undefined) registerEnvSecrets(scrubber, parseEnv(text).entries);
}
