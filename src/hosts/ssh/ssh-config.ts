/** What ~/.ssh/config says about a host (HostName, User, Port, IdentityFile, ProxyJump), via `ssh-config`. */
import { readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import SSHConfig from 'ssh-config';
import { expandHome } from '../../config/paths.js';

export interface SshConfigEntry {
  hostName?: string;
  user?: string;
  port?: number;
  identityFiles: string[];
  proxyJump?: string;
}

export function readSshConfig(file: string | false, alias: string): SshConfigEntry {
  if (file === false) return { identityFiles: [] };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { identityFiles: [] }; // no ssh_config is the common case
  }
  // matchExec false: gangway never runs commands named in ssh_config `Match exec`.
  const computed = SSHConfig.parse(text).compute(alias, { ignoreCase: true, matchExec: false });
  const one = (k: string) => {
    const v = computed[k];
    return Array.isArray(v) ? v[0] : v;
  };
  const rawHostName = one('hostname');
  // As ssh: HostName's %h is the alias; every later %h (IdentityFile) is the host name it gave.
  const hostName = rawHostName ? expandTokens(rawHostName, { h: alias }) : undefined;
  const user = one('user');
  const port = one('port');
  const proxyJump = one('proxyjump');
  const identity = computed.identityfile;
  const identityFiles = (Array.isArray(identity) ? identity : identity ? [identity] : []).map((f) =>
    expandHome(expandTokens(f, { h: hostName ?? alias, r: user ?? userInfo().username })),
  );
  return {
    ...(hostName && { hostName }),
    ...(user && { user }),
    ...(port && Number.isInteger(Number(port)) && { port: Number(port) }),
    identityFiles,
    ...(proxyJump && proxyJump.toLowerCase() !== 'none' && { proxyJump }),
  };
}

/** The ssh_config TOKENS gangway supports in HostName and IdentityFile: %h %r %u %d %%. */
function expandTokens(value: string, tokens: { h: string; r?: string }): string {
  return value.replace(/%([hrud%])/g, (_, t: string) => {
    switch (t) {
      case 'h':
        return tokens.h;
      case 'r':
        return tokens.r ?? userInfo().username;
      case 'u':
        return userInfo().username;
      case 'd':
        return homedir();
      default:
        return '%';
    }
  });
}
