/**
 * A target's `ssh:` section as the connection uses it: defaults filled in, local paths resolved. Apart from the
 * schema (no zod here), so that a command's early connections (cli/early-connect.ts) compute exactly what the
 * validated configuration will.
 */
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { parseDuration } from '../util/duration.js';
import type { SshSettings } from './config.js';
import type { ParsedSsh } from './schema.js';

/** Long enough for a loaded server or CI runner; OpenSSH itself waits for TCP without a handshake limit. */
export const DEFAULT_CONNECT_TIMEOUT = '30s';

export function resolveSsh(ssh: ParsedSsh | undefined, local: (p: string) => string, target: string): SshSettings {
  const fingerprints =
    ssh?.fingerprint === undefined ? [] : Array.isArray(ssh.fingerprint) ? ssh.fingerprint : [ssh.fingerprint];
  const configFile = ssh?.config === false ? false : local(ssh?.config ?? '~/.ssh/config');
  return {
    ...(ssh?.key !== undefined && { key: local(ssh.key) }),
    passphraseEnv: ssh?.passphrase_env ?? 'GANGWAY_SSH_PASSPHRASE',
    knownHosts: local(ssh?.known_hosts ?? resolve(homedir(), '.ssh', 'known_hosts')),
    fingerprints,
    ...(ssh?.jump !== undefined && { jump: ssh.jump }),
    configFile,
    connectTimeoutMs: parseDuration(ssh?.connect_timeout ?? DEFAULT_CONNECT_TIMEOUT),
    connectTimeoutFrom:
      ssh?.connect_timeout === undefined
        ? `the default ssh.connect_timeout; raise it with targets.${target}.ssh.connect_timeout`
        : `targets.${target}.ssh.connect_timeout in gangway.yml`,
    keepaliveMs: parseDuration(ssh?.keepalive ?? '15s'),
    maxChannels: ssh?.max_channels ?? 8,
  };
}
