/**
 * The server's `compose config -q`, as the tail of the host-facts script (server-facts.ts): after host-facts.sh
 * said which Compose there is (`$c`), the real files go into a private temporary directory that the same shell
 * removes, and that Compose checks them. File contents travel in the script on stdin (`sh -s`): secrets never
 * reach argv, and there is no SFTP session, mktemp or rm to wait for apart.
 */
import type { Config } from '../config/config.js';
import type { ComposeCli } from '../docker/compose-cli.js';
import { quote, quoteArgv } from '../shell/quote.js';
import { fail, type CheckItem } from '../checklist.js';
import { composeConfigArgv, composeConfigItem, type ComposeInputs } from './compose-config.js';

const TITLE = 'compose config';
const FLAVOURS: ComposeCli[] = [
  { flavour: 'v2', version: '', argv: ['docker', 'compose'] },
  { flavour: 'v1', version: '', argv: ['docker-compose'] },
];
/** Written to stderr before `config -q` runs: what comes before it is Docker's, what follows Compose's. */
export const COMPOSE_STDERR = '@@gangway-compose-config';

export interface ServerCompose {
  cli?: ComposeCli;
  /** The `config -q` result; undefined when there is no Compose or nothing to check. */
  config?: CheckItem;
}

/** `inputs` undefined: Compose is only found (a compose file is missing locally, which is reported there). */
export function composeConfigTail(config: Config, inputs: ComposeInputs | undefined): Buffer {
  if (!inputs) return Buffer.alloc(0);
  const head = [
    'set -u',
    '[ "$c" = none ] && exit 0',
    `echo ${COMPOSE_STDERR} >&2`,
    'd=$(mktemp -d /tmp/gangway-check.XXXXXXXX) || exit 0',
    `trap 'rm -rf "$d"' EXIT`,
    "trap 'exit 129' HUP INT TERM PIPE",
    'cd "$d" || exit 0',
    'umask 077',
  ];
  const files = inputs.files.map((f) => writeFile(f.name, f.content));
  if (inputs.envText !== undefined) files.push(writeFile('.env', Buffer.from(inputs.envText)));
  const run = FLAVOURS.map((f, i) => {
    const argv = quoteArgv(composeConfigArgv(f, config, inputs, '.'));
    return `${i === 0 ? 'if' : 'elif'} [ "$c" = ${f.flavour} ]; then ${argv} </dev/null; echo "config $?"`;
  });
  return Buffer.concat([Buffer.from(`${head.join('\n')}\n`), ...files, Buffer.from(`${run.join('\n')}\nfi\n`)]);
}

/**
 * The `compose` line of host-facts.sh and the tail's `config` line; `stderr`: Compose's (after COMPOSE_STDERR),
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
 * `name` written with `content`, byte for byte, by the shell's own printf (no `cat` process per file): the
 * content is one single-quoted word, in which nothing is expanded.
 */
function writeFile(name: string, content: Buffer): Buffer {
  const parts: Buffer[] = [];
  let from = 0;
  for (let at = content.indexOf(0x27); at !== -1; at = content.indexOf(0x27, from)) {
    parts.push(content.subarray(from, at), QUOTE_IN_QUOTES);
    from = at + 1;
  }
  parts.push(content.subarray(from));
  return Buffer.concat([Buffer.from(`printf '%s' '`), ...parts, Buffer.from(`' > ${quote(name)}\n`)]);
}

/** A `'` inside a single-quoted word: end the quotes, an escaped quote, quote again. */
const QUOTE_IN_QUOTES = Buffer.from(`'\\''`);
