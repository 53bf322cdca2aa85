/** SSH authentication: an explicit key, ssh-agent, then ssh_config / default identity files. */
import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { AgentAuthMethod, PublicKeyAuthMethod } from 'ssh2';
import { ConnectionError } from '../../errors.js';
import { pathExists } from '../../util/fs.js';
import { loadSsh2 } from './ssh2-module.js';

export interface AuthSources {
  username: string;
  /** Key named in gangway.yml: must exist. */
  explicitKey?: string;
  /** From ssh_config IdentityFile, used when they exist. */
  configKeys: string[];
  passphraseEnv: string;
  env?: NodeJS.ProcessEnv;
  warn?: (message: string) => void;
  /** Ask for a passphrase on the terminal; absent when there is none (CI). */
  promptPassphrase?: (keyFile: string) => Promise<string>;
}

export type AuthStep = PublicKeyAuthMethod | AgentAuthMethod;

const DEFAULT_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa'];
const WINDOWS_AGENT_PIPE = '\\\\.\\pipe\\openssh-ssh-agent';

/** The agent to use: SSH_AUTH_SOCK, or the Windows OpenSSH agent's named pipe. */
export function agentPath(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string | undefined {
  if (env.SSH_AUTH_SOCK) return env.SSH_AUTH_SOCK;
  return platform === 'win32' ? WINDOWS_AGENT_PIPE : undefined;
}

export async function authMethods(sources: AuthSources): Promise<AuthStep[]> {
  const env = sources.env ?? process.env;
  const methods: AuthStep[] = [];
  if (sources.explicitKey) methods.push(await keyMethod(sources.explicitKey, sources, env));
  const agent = agentPath(env);
  if (agent) methods.push({ type: 'agent', username: sources.username, agent });
  if (!sources.explicitKey) {
    const candidates =
      sources.configKeys.length > 0 ? sources.configKeys : DEFAULT_KEYS.map((k) => join(homedir(), '.ssh', k));
    for (const file of candidates) {
      if (await pathExists(file)) methods.push(await keyMethod(file, sources, env));
    }
  }
  if (methods.length === 0) {
    throw new ConnectionError('E_SSH_NO_KEY', 'no SSH key to authenticate with', {
      hints: ['set targets.<name>.ssh.key in gangway.yml, load a key into ssh-agent, or create ~/.ssh/id_ed25519'],
    });
  }
  return methods;
}

async function keyMethod(file: string, sources: AuthSources, env: NodeJS.ProcessEnv): Promise<AuthStep> {
  let data: Buffer;
  let mode: number;
  try {
    [data, { mode }] = await Promise.all([readFile(file), stat(file)]);
  } catch (cause) {
    throw new ConnectionError(
      'E_SSH_KEY_UNREADABLE',
      `SSH key ${file} cannot be read (${(cause as NodeJS.ErrnoException).code ?? cause})`,
      { cause },
    );
  }
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    sources.warn?.(
      `SSH key ${file} is readable by group or others (mode ${(mode & 0o777).toString(8)}); run: chmod 600 ${file}`,
    );
  }
  const ssh2 = await loadSsh2();
  const plain = ssh2.utils.parseKey(data);
  if (!(plain instanceof Error)) return { type: 'publickey', username: sources.username, key: data };
  if (!/passphrase|encrypted/i.test(plain.message)) {
    throw new ConnectionError(
      'E_SSH_KEY_INVALID',
      `SSH key ${file} is not a private key ssh2 can read: ${plain.message}`,
    );
  }
  const passphrase = env[sources.passphraseEnv] ?? (await sources.promptPassphrase?.(file));
  if (passphrase === undefined) {
    throw new ConnectionError('E_SSH_KEY_PASSPHRASE', `SSH key ${file} is protected by a passphrase`, {
      hints: [
        `set ${sources.passphraseEnv} in the environment, run in a terminal to be asked, or load the key into ` +
          `ssh-agent`,
      ],
    });
  }
  const unlocked = ssh2.utils.parseKey(data, passphrase);
  if (unlocked instanceof Error) {
    throw new ConnectionError('E_SSH_KEY_PASSPHRASE', `SSH key ${file}: the passphrase is wrong`);
  }
  return { type: 'publickey', username: sources.username, key: data, passphrase };
}
