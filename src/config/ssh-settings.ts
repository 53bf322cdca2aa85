/**
 * A target's SSH settings as the connection uses it: the top-level `ssh:` with the target's own `ssh:` over it key by
 * key, defaults filled in, local paths resolved. Apart from the schema (no zod here), so that a command's early
 * connections (cli/early-connect.ts) compute exactly what the validated configuration will.
 */
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { parseDuration } from '../util/duration.js';
import type { SshSettings } from './config.js';
import type { ParsedSsh } from './schema.js';

/** Long enough for a loaded server or CI runner; OpenSSH itself waits for TCP without a handshake limit. */
export const DEFAULT_CONNECT_TIMEOUT = '30s';
export const DEFAULT_KEEPALIVE = '15s';
export const DEFAULT_MAX_CHANNELS = 8;

/** The keys written in `ssh`, without those that are absent (an undefined value overrides nothing). */
function written(ssh: ParsedSsh | undefined): ParsedSsh {
  return Object.fromEntries(Object.entries(ssh ?? {}).filter(([, v]) => v !== undefined)) as ParsedSsh;
}

/** `own` (targets.<target>.ssh) over `shared` (the top-level ssh), resolved. */
export function resolveSsh(
  own: ParsedSsh | undefined,
  local: (p: string) => string,
  target: string,
  shared?: ParsedSsh,
): SshSettings {
  const ssh = { ...written(shared), ...written(own) };
  const fingerprints =
    ssh.fingerprint === undefined ? [] : Array.isArray(ssh.fingerprint) ? ssh.fingerprint : [ssh.fingerprint];
  const configFile = ssh.config === false ? false : local(ssh.config ?? '~/.ssh/config');
  const timeoutKey =
    own?.connect_timeout !== undefined ? `targets.${target}.ssh.connect_timeout` : 'ssh.connect_timeout';
  return {
    ...(ssh.key !== undefined && { key: local(ssh.key) }),
    passphraseEnv: ssh.passphrase_env ?? 'GANGWAY_SSH_PASSPHRASE',
    knownHosts: local(ssh.known_hosts ?? resolve(homedir(), '.ssh', 'known_hosts')),
    fingerprints,
    ...(ssh.jump !== undefined && { jump: ssh.jump }),
    configFile,
    connectTimeoutMs: parseDuration(ssh.connect_timeout ?? DEFAULT_CONNECT_TIMEOUT),
    connectTimeoutFrom:
      ssh.connect_timeout === undefined
        ? `the default ssh.connect_timeout; raise it with targets.${target}.ssh.connect_timeout`
        : `${timeoutKey} in gangway.yml`,
    keepaliveMs: parseDuration(ssh.keepalive ?? DEFAULT_KEEPALIVE),
    maxChannels: ssh.max_channels ?? DEFAULT_MAX_CHANNELS,
  };
}
