/**
 * The server's Compose, in one round trip: which one it has (v2 plugin, else v1), then `config -q` on the real
 * files in a private temporary directory that the same shell removes. The script, file contents included, goes
 * on stdin (`sh -s`): secrets never reach argv, and there is no SFTP session, mktemp or rm to wait for apart.
 */
import { randomBytes } from 'node:crypto';
import type { Config } from '../config/config.js';
import type { ComposeCli } from '../docker/compose-cli.js';
import type { Host } from '../hosts/host.js';
import { quote, quoteArgv } from '../shell/quote.js';
import { fail, type CheckItem } from '../checklist.js';
import { composeConfigArgv, composeConfigItem, type ComposeInputs } from './compose-config.js';

const TITLE = 'compose config';
const FLAVOURS: ComposeCli[] = [
  { flavour: 'v2', version: '', argv: ['docker', 'compose'] },
  { flavour: 'v1', version: '', argv: ['docker-compose'] },
];

export interface ServerCompose {
  cli?: ComposeCli;
  /** The `config -q` result; undefined when there is no Compose or nothing to check. */
  config?: CheckItem;
}

/** `inputs` undefined: only find the Compose (a compose file is missing locally, which is reported there). */
export async function composeOnServer(
  host: Host,
  config: Config,
  inputs: ComposeInputs | undefined,
): Promise<ServerCompose> {
  const script = composeScript(config, inputs);
  const r = await host.exec(['sh', '-s'], { stdin: script, timeoutMs: 60_000 });
  const lines = r.stdout.split('\n');
  const found = /^compose (v1|v2) (.*)$/.exec(lines.find((l) => l.startsWith('compose ')) ?? '');
  if (!found) return {};
  const cli = { ...FLAVOURS.find((f) => f.flavour === found[1])!, version: found[2]!.trim() };
  if (!inputs) return { cli };
  const code = /^config (\d+)$/.exec(lines.find((l) => l.startsWith('config ')) ?? '');
  if (!code) {
    const why = r.stderr.trim() || `exit ${r.code}`;
    return { cli, config: fail(TITLE, `could not create a temporary directory: ${why}`) };
  }
  return { cli, config: composeConfigItem(TITLE, cli, Number(code[1]), r.stderr) };
}

function composeScript(config: Config, inputs: ComposeInputs | undefined): Buffer {
  const detect = FLAVOURS.map((f, i) => {
    const version = quoteArgv([...f.argv, 'version', '--short']);
    const found = `echo "compose ${f.flavour} $v"; c=${f.flavour}`;
    return `${i === 0 ? 'if' : 'elif'} v=$(${version} 2>/dev/null </dev/null); then ${found}`;
  });
  const head = ['set -u', ...detect, 'else echo "compose none"; exit 0; fi'];
  if (!inputs) return Buffer.from(`${head.join('\n')}\n`);
  head.push(
    'd=$(mktemp -d /tmp/gangway-check.XXXXXXXX) || exit 0',
    `trap 'rm -rf "$d"' EXIT`,
    "trap 'exit 129' HUP INT TERM PIPE",
    'cd "$d" || exit 0',
    'umask 077',
  );
  const files = inputs.files.map((f) => hereDoc(f.name, f.content));
  if (inputs.envText !== undefined) files.push(hereDoc('.env', Buffer.from(inputs.envText)));
  const run = FLAVOURS.map((f, i) => {
    const argv = quoteArgv(composeConfigArgv(f, config, inputs, '.'));
    return `${i === 0 ? 'if' : 'elif'} [ "$c" = ${f.flavour} ]; then ${argv} </dev/null; echo "config $?"`;
  });
  return Buffer.concat([Buffer.from(`${head.join('\n')}\n`), ...files, Buffer.from(`${run.join('\n')}\nfi\n`)]);
}

/**
 * `cat > name` of `content`, byte for byte, through a quoted here-document (nothing in it is expanded). A last
 * line without a newline gets one: harmless for YAML and env files.
 */
function hereDoc(name: string, content: Buffer): Buffer {
  let end: string;
  do end = `GANGWAY_EOF_${randomBytes(8).toString('hex')}`;
  while (content.includes(end));
  const newline = content.length === 0 || content.at(-1) === 0x0a ? '' : '\n';
  return Buffer.concat([Buffer.from(`cat > ${quote(name)} <<'${end}'\n`), content, Buffer.from(`${newline}${end}\n`)]);
}
