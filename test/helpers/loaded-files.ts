/** Which files a run of the built CLI loads: a module loader hook (its own thread) writes each URL to a file. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gangway, type CliResult } from './cli.js';
import { tempDir } from './testenv.js';

export function gangwayLoading(args: string[], cwd?: string): CliResult & { loaded: string[] } {
  const log = join(tempDir('gangway-loaded-'), 'loaded.txt');
  writeFileSync(log, '');
  const hooks = `import{appendFileSync}from'node:fs';export async function load(u,c,n){appendFileSync(${JSON.stringify(
    log,
  )},u+'\\n');return n(u,c)}`;
  const register = `import{register}from'node:module';register(${JSON.stringify(
    `data:text/javascript,${encodeURIComponent(hooks)}`,
  )})`;
  const env = { NODE_OPTIONS: `--import=data:text/javascript,${encodeURIComponent(register)}` };
  const r = gangway(args, { env, cwd });
  return { ...r, loaded: readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}
