/**
 * `docker compose config -q` with the real env file: locally when Compose is installed, and on each host
 * (where the server's Compose is what will read it: compose-remote.ts). Quiet mode, because plain `config`
 * prints every value. The files go to a private temporary directory that is removed afterwards, whatever happens.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import type { Config } from '../config/config.js';
import type { ComposeCli } from '../docker/compose-cli.js';
import { LocalHost } from '../hosts/local-host.js';
import { fail, ok, type CheckItem } from '../checklist.js';

/** The tag `check` uses when gangway.yml's tag is computed at deploy (git, date, timestamp). */
export const PLACEHOLDER_TAG = 'gangway-check';

/**
 * The IMAGE_TAG used while checking: the literal tag of gangway.yml, else a placeholder (the real one is computed at
 * deploy).
 */
export function checkImageTag(config: Config): string {
  const rule = config.image?.tag ?? 'git';
  return ['git', 'date', 'timestamp'].includes(rule) ? PLACEHOLDER_TAG : rule;
}

export interface ComposeInputs {
  /** Compose files in order: name to use and content. */
  files: { name: string; content: Buffer }[];
  envText?: string;
  /** IMAGE_TAG for the check. */
  tag: string;
}

/** Unique plain file names for the compose files (they are uploaded side by side). */
export function composeUploadNames(paths: string[]): string[] {
  const seen = new Set<string>();
  return paths.map((p, i) => {
    const base = posix.basename(p.replaceAll('\\', '/'));
    const name = seen.has(base) ? `${i}-${base}` : base;
    seen.add(name);
    return name;
  });
}

/** `env IMAGE_TAG=… <compose> … config -q` for the inputs written into `dir` (`.` when run from inside it). */
export function composeConfigArgv(cli: ComposeCli, config: Config, inputs: ComposeInputs, dir: string): string[] {
  const at = (name: string) => (dir === '.' ? name : join(dir, name));
  const args = ['env', `IMAGE_TAG=${inputs.tag}`, ...cli.argv, '--project-name', config.app];
  args.push('--project-directory', dir);
  for (const f of inputs.files) args.push('-f', at(f.name));
  if (inputs.envText !== undefined) args.push('--env-file', at('.env'));
  return [...args, 'config', '-q'];
}

/**
 * The checklist item for a `config -q` run: its exit code and the cause Compose printed on stderr — the first
 * line that is not one of its warnings (`level=warning msg="…version is obsolete"` comes before the error).
 */
export function composeConfigItem(title: string, cli: ComposeCli, code: number | null, stderr: string): CheckItem {
  const name = cli.flavour === 'v2' ? 'docker compose' : 'docker-compose';
  if (code === 0) return ok(title, `valid for ${name} ${cli.version}`);
  const lines = stderr.split('\n').filter((l) => l.trim() !== '');
  const cause = lines.find((l) => !COMPOSE_WARNING.test(l)) ?? lines.at(-1) ?? `exit ${code}`;
  return fail(title, cause.trim());
}

/** Compose v2's logrus warnings (`time="…" level=warning msg="…"`) and v1's `WARNING: …` lines. */
const COMPOSE_WARNING = /^\s*(?:time="[^"]*"\s+)?level=(?:warning|info|debug)\b|^\s*WARN(?:ING)?\b/;

/** The local Compose: files written with fs into a private temporary directory (also on Windows, without sh). */
export async function composeConfigLocal(config: Config, inputs: ComposeInputs, cli: ComposeCli): Promise<CheckItem> {
  const title = 'compose config (local Compose)';
  let dir: string;
  try {
    dir = await mkdtemp(join(tmpdir(), 'gangway-check.'));
  } catch (e) {
    return fail(title, `could not create a temporary directory: ${(e as Error).message}`);
  }
  try {
    for (const f of inputs.files) await writeFile(join(dir, f.name), f.content, { mode: 0o600 });
    if (inputs.envText !== undefined) await writeFile(join(dir, '.env'), inputs.envText, { mode: 0o600 });
    const r = await new LocalHost().exec(composeConfigArgv(cli, config, inputs, dir), { timeoutMs: 60_000 });
    return composeConfigItem(title, cli, r.code, r.stderr);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
