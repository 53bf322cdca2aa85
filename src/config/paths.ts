import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';

/** Expand a leading `~` to the local home directory. */
export function expandHome(p: string, home = homedir()): string {
  if (p === '~') return home;
  if (p.startsWith('~/') || p.startsWith('~\\')) return resolve(home, p.slice(2));
  return p;
}

/** A local path from gangway.yml: `~` expanded, then resolved relative to the config file's directory. */
export function resolveLocalPath(p: string, configDir: string): string {
  const expanded = expandHome(p);
  return isAbsolute(expanded) ? expanded : resolve(configDir, expanded);
}
