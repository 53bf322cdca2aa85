/**
 * The server's `compose config -q`, around host-facts.sh in the host checks' one script (server-facts.ts): the
 * real files go into a private temporary directory that the same shell removes, and Compose checks them there —
 * v2 side by side with host-facts.sh's `docker info` (compose-check.sh). File contents travel in the script on
 * stdin (`sh -s`): secrets never reach argv, and there is no SFTP session, mktemp or rm to wait for apart.
 */
import type { Config } from '../config/config.js';
import type { ComposeCli } from '../docker/compose-cli.js';
import { serverScript } from '../server/scripts.js';
import { quote, quoteArgv } from '../shell/quote.js';
import { fail, type CheckItem } from '../checklist.js';
import { composeConfigArgv, composeConfigItem, type ComposeInputs } from './compose-config.js';

const TITLE = 'compose config';
const FLAVOURS: ComposeCli[] = [
  { flavour: 'v2', version: '', argv: ['docker', 'compose'] },
  { flavour: 'v1', version: '', argv: ['docker-compose'] },
];
/** compose-check.sh's line on stderr before Compose's output: what comes before it is Docker's. */
export const COMPOSE_STDERR = '@@gangway-compose-config';

export interface ServerCompose {
  cli?: ComposeCli;
  /** The `config -q` result; undefined when there is no Compose or nothing to check. */
  config?: CheckItem;
}

/** What comes before and after host-facts.sh in the script; both empty without `inputs` (Compose is only found). */
export interface ComposeCheckScript {
  head: Buffer;
  tail: Buffer;
}

/** `inputs` undefined: Compose is only found (a compose file is missing locally, which is reported there). */
export function composeCheckScript(config: Config, inputs: ComposeInputs | undefined): ComposeCheckScript {
  if (!inputs) return { head: Buffer.alloc(0), tail: Buffer.alloc(0) };
  const files = inputs.files.map((f) => writeFile(f.name, f.content));
  if (inputs.envText !== undefined) files.push(writeFile('.env', Buffer.from(inputs.envText)));
  const configs = FLAVOURS.map(
    (f) => `config_${f.flavour}() { ${quoteArgv(composeConfigArgv(f, config, inputs, '.'))}; }`,
  );
  const head = Buffer.concat([
    Buffer.from('compose_files() {\n:\n'), // (a body even without files)
    ...files,
    Buffer.from(`}\n${configs.join('\n')}\n${serverScript('compose-check.sh')}compose_check_start\n`),
  ]);
  return { head, tail: Buffer.from('compose_check_finish\n') };
}

/**
 * The `compose` line of host-facts.sh and compose-check.sh's `config` line; `stderr`: Compose's (after COMPOSE_STDERR),
 * `code`: the script's exit code.
 */
export function parseServerCompose(
  stdout: string,
  stderr: string,
  code: number | null,
  inputs: ComposeInputs | undefined,
): ServerCompose {
  const lines = stdout.split('\n');
  const found = /^compose (v1|v2) (.*)$/.exec(lines.find((l) => l.startsWith('compose ')) ?? '');
  if (!found) return {};
  const cli = { ...FLAVOURS.find((f) => f.flavour === found[1])!, version: found[2]!.trim() };
  if (!inputs) return { cli };
  const ran = /^config (\d+)$/.exec(lines.find((l) => l.startsWith('config ')) ?? '');
  if (!ran) {
    const why = stderr.trim() || `exit ${code}`;
    return { cli, config: fail(TITLE, `could not create a temporary directory: ${why}`) };
  }
  return { cli, config: composeConfigItem(TITLE, cli, Number(ran[1]), stderr) };
}

/**
 * `name` written into "$cc" with `content`, byte for byte, by the shell's own printf (no `cat` process per file):
 * the content is one single-quoted word, in which nothing is expanded.
 */
function writeFile(name: string, content: Buffer): Buffer {
  const parts: Buffer[] = [];
  let from = 0;
  for (let at = content.indexOf(0x27); at !== -1; at = content.indexOf(0x27, from)) {
    parts.push(content.subarray(from, at), QUOTE_IN_QUOTES);
    from = at + 1;
  }
  parts.push(content.subarray(from));
  return Buffer.concat([Buffer.from(`printf '%s' '`), ...parts, Buffer.from(`' > "$cc"/${quote(name)}\n`)]);
}

/** A `'` inside a single-quoted word: end the quotes, an escaped quote, quote again. */
const QUOTE_IN_QUOTES = Buffer.from(`'\\''`);
