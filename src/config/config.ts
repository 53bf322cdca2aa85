/** The loaded configuration: validated, defaults applied, local paths absolute, hosts parsed. */
import type { HostSpec } from './hosts.js';
import type { ParsedMonitoring } from './monitoring-schema.js';
import type { ParsedConfig } from './schema.js';

export interface SshSettings {
  /** Absolute path of the private key file, when gangway.yml names one. */
  key?: string;
  passphraseEnv: string;
  /** Absolute path of the known_hosts file. */
  knownHosts: string;
  /** Pinned fingerprints (`SHA256:…`); when present they decide alone. */
  fingerprints: string[];
  jump?: string;
  /** ssh_config file to read, or false to ignore ssh_config. */
  configFile: string | false;
  connectTimeoutMs: number;
  /** Where the timeout came from, for the message when a handshake takes longer (absent: set in code). */
  connectTimeoutFrom?: string;
  keepaliveMs: number;
  maxChannels: number;
}

export interface Target {
  name: string;
  hosts: HostSpec[];
  /** Local target: absolute local path. SSH target: absolute, or `~/…` relative to the remote user's home. */
  dir: string;
  ssh: SshSettings;
  /** compose: Compose on every host; swarm: `docker stack deploy` on the first reachable manager of `hosts`. */
  engine: 'compose' | 'swarm';
  rollout: RolloutSettings;
}

/** `targets.*.rollout`: how a release moves across a target's hosts. */
export interface RolloutSettings {
  canary: number;
  /** Hosts per batch after the canaries: a count, or a percentage of the target's hosts; absent: all at once. */
  batch?: { count: number } | { percent: number };
  pauseMs: number;
  onFailure: 'rollback_all' | 'stop';
}

export type HookEvent = 'before_deploy' | 'after_deploy' | 'on_failure';
export interface Hook {
  run: string;
  on: 'local' | 'server' | 'service';
  service?: string;
  timeoutMs: number;
}

export interface HealthSettings {
  services: string[];
  http: { url: string; retries: number; intervalMs: number }[];
  smoke: string[];
  fatalLogs?: { patterns: string[]; tail: number };
  timeoutMs: number;
}

/** `proxy:` — blue/green behind Caddy (durations in ms, the tls default applied). */
export interface ProxySettings {
  service: string;
  port: number;
  domains: string[];
  tls: 'auto' | 'internal' | 'off';
  /** `address`: the host address the ports are published on (absent: every address). */
  listen: { http: number; https: number; address?: string };
  health: { path: string; intervalMs: number; passes: number; timeoutMs: number };
  drainMs: number;
  standby: 'stopped' | 'running';
  image: string;
  /** `proxy.headers` as written: `Name: value` sets a response header, `-Name` removes one. */
  headers: Record<string, string>;
  /** `proxy.max_body`: larger request bodies are refused (413). */
  maxBodyBytes: number;
  /** host:port where the proxy serves its Prometheus metrics (absent: not served). */
  metrics?: string;
  /** `proxy.canary` (absent: off, one switch after the gate). */
  canary?: CanarySettings;
}

/** `proxy.canary`: shares in percent, durations in ms, the error rate in percent. */
export interface CanarySettings {
  steps: number[];
  intervalMs: number;
  maxErrorRate: number;
  maxP99Ms: number;
  minRequests: number;
}

/** One `backups:` entry, defaults applied; database and user may still hold `${VAR}` (see backup/job.ts). */
/** `backups[].copy_to`: where every backup file is copied after a backup (off-site). */
export type BackupCopyTo = SftpCopyTo | S3CopyTo;

/** `copy_to.sftp`: this machine streams the files from the server to the copy host. */
export interface SftpCopyTo {
  kind: 'sftp';
  /** `sftp://user@host[:port]/dir`, as shown in listings and records. */
  label: string;
  host: { kind: 'ssh'; label: string; host: string; user?: string; port?: number };
  dir: string;
  /** Pinned fingerprint of the copy host; absent: the target's known_hosts. */
  fingerprint?: string;
}

/** `copy_to.s3`: the server writes the files into the bucket with rclone (credentials by env NAME). */
export interface S3CopyTo {
  kind: 's3';
  /** `s3://bucket/prefix` (the endpoint's host first when not AWS), as shown in listings and records. */
  label: string;
  bucket: string;
  /** '' or `a/b` (no leading or trailing slash). */
  prefix: string;
  endpoint?: string;
  region?: string;
  accessKeyEnv: string;
  secretKeyEnv: string;
}

export interface BackupConfig {
  name: string;
  kind: 'postgres' | 'files';
  /** postgres: the service, database and user ('' for files). */
  service: string;
  database: string;
  user: string;
  /** files: `data/uploads` (under the deploy dir) or `volume:NAME`; absent for postgres. */
  paths?: string[];
  copyTo?: BackupCopyTo;
  /** The env-file key holding the password (from `password: ${KEY}`). */
  passwordKey?: string;
  /** Relative to the deploy directory. */
  dir: string;
  schedule?: string;
  keep: { daily: number; weekly: number };
  verify: 'never' | 'each' | 'daily' | 'weekly';
  rpoMs: number;
  ageRecipients: string[];
}

export type NotifyEvent =
  | 'deploy_succeeded'
  | 'deploy_failed'
  | 'rolled_back'
  | 'rollback'
  | 'no_go'
  | 'backup_succeeded'
  | 'backup_failed'
  | 'drift';

/** One `notify.to` entry: the names of local environment variables, never their values. */
export type NotifyDestination =
  { type: 'slack' | 'webhook'; urlEnv: string } | { type: 'email'; smtpUrlEnv: string; to: string[]; from?: string };

export interface NotifySettings {
  on: NotifyEvent[];
  to: NotifyDestination[];
  timeoutMs: number;
  retries: number;
}

export interface Config {
  /** Absolute path of gangway.yml and its directory (the base of relative paths). */
  file: string;
  baseDir: string;
  app: string;
  compose: string[];
  env?: { file: string; template?: string; required?: string[]; forbidden: Record<string, string>; strict: boolean };
  image?: Omit<NonNullable<ParsedConfig['image']>, 'archive'> & { archive?: string };
  dirs: string[];
  health: HealthSettings;
  proxy?: ProxySettings;
  keep: number;
  status: { cpuPercent: number; memoryPercent: number; diskFreePercent: number };
  backups: BackupConfig[];
  hooks: Record<HookEvent, Hook[]>;
  notify?: NotifySettings;
  metrics: { textfile: boolean };
  /** `monitoring:` as written, defaults applied (durations stay text: Prometheus reads them). */
  monitoring: ParsedMonitoring;
  records: string;
  targets: Record<string, Target>;
}
