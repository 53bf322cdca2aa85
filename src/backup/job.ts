/**
 * A `backups:` entry made concrete for one run: `${VAR}` in database and user resolved from the env file,
 * and the password looked up by its key — from the server's `.env` first (what the running database was
 * given), else the local env file. The password is a Secret from the moment it is read.
 */
import type { BackupConfig, Config } from '../config/config.js';
import { ConfigError, UsageError } from '../errors.js';
import { interpolate } from '../env/interpolate.js';
import { Secret } from '../redact/secret.js';

export interface BackupJob {
  config: BackupConfig;
  database: string;
  user: string;
  password?: Secret;
}

/** The named backup, or the only one; a clear usage error otherwise. */
export function selectBackup(config: Config, name: string | undefined): BackupConfig {
  const names = config.backups.map((b) => b.name);
  if (names.length === 0)
    throw new UsageError(`${config.file}: no backups configured`, { hints: ['add a `backups:` entry to gangway.yml'] });
  if (name === undefined) {
    if (names.length === 1) return config.backups[0]!;
    throw new UsageError(`name the backup: one of ${names.join(', ')}`);
  }
  const found = config.backups.find((b) => b.name === name);
  if (!found) throw new UsageError(`no backup named "${name}" (configured: ${names.join(', ')})`);
  return found;
}

/** `lookup` reads the local env file, then the server's `.env`. */
export function resolveJob(
  config: Config,
  backup: BackupConfig,
  local: ReadonlyMap<string, string>,
  server: ReadonlyMap<string, string>,
): BackupJob {
  const index = config.backups.indexOf(backup);
  const lookup = (key: string) => local.get(key) ?? server.get(key);
  const resolve = (key: 'database' | 'user') => {
    const r = interpolate(backup[key], lookup);
    const missing = r.error ? [r.error.message] : r.unset.map((v) => `\${${v}} is not set in the env file`);
    if (missing.length > 0 || !r.value)
      throw new ConfigError([
        { file: config.file, key: `backups[${index}].${key}`, message: missing[0] ?? 'is empty' },
      ]);
    return r.value;
  };
  if (backup.kind === 'files') return { config: backup, database: '', user: '' };
  const job: BackupJob = { config: backup, database: resolve('database'), user: resolve('user') };
  if (backup.passwordKey !== undefined) {
    const value = server.get(backup.passwordKey) ?? local.get(backup.passwordKey);
    if (value === undefined)
      throw new ConfigError([
        {
          file: config.file,
          key: `backups[${index}].password`,
          message: `${backup.passwordKey} is in neither the server's .env nor the local env file`,
        },
      ]);
    job.password = new Secret(value, backup.passwordKey);
  }
  return job;
}
