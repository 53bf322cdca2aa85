/**
 * The server-side shell scripts: real `.sh` files in `src/server/sh/` (shellcheck reads them in the test
 * command), shipped in the package and copied into dist/ by the build. Values never enter their text: they
 * take arguments (quoted by the one quoting function) or read data files gangway writes beside them.
 */
import { readFileSync } from 'node:fs';
import { withoutComments } from './script-text.js';

export type ServerScript =
  | 'after-lock.sh'
  | 'apply.sh'
  | 'backup.sh'
  | 'backup-files.sh'
  | 'bluegreen.sh'
  | 'canary.sh'
  | 'clean-env.sh'
  | 'common.sh'
  | 'compose.sh'
  | 'compose-check.sh'
  | 'copy-release.sh'
  | 'copy-s3.sh'
  | 'drift.sh'
  | 'gate.sh'
  | 'host-facts.sh'
  | 'image-pin.sh'
  | 'json.sh'
  | 'layout.sh'
  | 'lock.sh'
  | 'lock-then.sh'
  | 'maintenance.sh'
  | 'metrics.sh'
  | 'notify.sh'
  | 'proxy-metrics.sh'
  | 'recreate.sh'
  | 'releases.sh'
  | 'schedule.sh'
  | 'service-container.sh'
  | 'standby.sh'
  | 'start.sh'
  | 'state.sh'
  | 'swarm.sh'
  | 'swarm-status.sh';

const cache = new Map<ServerScript, string>();

/**
 * A script run as `sh -c` has no file beside it on the server to source: a line `. ./NAME.sh` in it (shellcheck
 * follows it, by its `source=` directive) is replaced by that script's text when it is read.
 */
const INCLUDE = /^\. \.\/([a-z-]+\.sh)(?: +#.*)?$/gm;

export function serverScript(name: ServerScript): string {
  let text = cache.get(name);
  if (text === undefined) {
    const source = readFileSync(new URL(`./sh/${name}`, import.meta.url), 'utf8');
    text = withoutComments(source.replace(INCLUDE, (_, file: ServerScript) => serverScript(file).trimEnd()));
    cache.set(name, text);
  }
  return text;
}

/** argv that runs a script on a host without uploading it: `sh -c <script> <name> args…`. */
export function runScript(name: ServerScript, args: readonly string[]): string[] {
  return ['sh', '-c', serverScript(name), name, ...args];
}
