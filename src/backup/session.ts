/**
 * One host made ready for a backup command: connected, its deploy dir resolved, every env value (local and
 * the server's `.env`) registered as a secret before anything is printed, the job resolved and installed.
 */
import { posix } from 'node:path';
import type { BackupConfig, Config, Target } from '../config/config.js';
import type { HostSpec } from '../config/hosts.js';
import { loadEnvFile } from '../env/env-file.js';
import { envMap, parseEnv } from '../env/parse.js';
import type { Host } from '../hosts/host.js';
import { registerEnvSecrets } from '../redact/register.js';
import type { Scrubber } from '../redact/scrubber.js';
import { remoteLayout, type RemoteLayout } from '../server/layout.js';
import { resolveJob, type BackupJob } from './job.js';
import { installJob } from './remote.js';

export interface BackupDeps {
  scrubber: Scrubber;
  openHost(target: Target, spec: HostSpec): Promise<Host>;
}

export interface BackupHost {
  host: Host;
  layout: RemoteLayout;
  job: BackupJob;
  jobDir: string;
}

export async function openBackupHost(
  deps: BackupDeps,
  config: Config,
  target: Target,
  spec: HostSpec,
  backup: BackupConfig,
): Promise<BackupHost> {
  const local = config.env ? await loadEnvFile(config.env.file, deps.scrubber) : undefined;
  const host = await deps.openHost(target, spec);
  const layout = remoteLayout(await host.resolvePath(target.dir));
  const serverText = await host
    .readFile(posix.join(layout.dir, '.env'))
    .then((b) => b.toString('utf8'))
    .catch(() => '');
  const server = parseEnv(serverText).entries;
  registerEnvSecrets(deps.scrubber, server);
  const job = resolveJob(config, backup, envMap(local?.entries ?? []), envMap(server));
  if (job.password) deps.scrubber.add(job.password);
  const jobDir = await installJob(host, layout, config.app, job, config.metrics?.textfile !== false);
  return { host, layout, job, jobDir };
}
