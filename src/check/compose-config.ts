/**
 * `docker compose config -q` with the real env file: locally when Compose is installed, and on each host
 * (where the server's Compose is what will read it). Quiet mode, because plain `config` prints every value.
 * On a host the files go to a private temporary directory that is removed afterwards, whatever happens.
 */
import { posix } from 'node:path';
import type { Config } from '../config/config.js';
import { detectCompose, type ComposeCli } from '../docker/compose-cli.js';
import type { Host } from '../hosts/host.js';
import { fail, ok, type CheckItem } from './checklist.js';

/** The IMAGE_TAG used while checking: the literal tag of gangway.yml, else a placeholder (the real one is computed at deploy). */
export function checkImageTag(config: Config): string {
  const rule = config.image?.tag ?? 'git';
  return ['git', 'date', 'timestamp'].includes(rule) ? 'gangway-check' : rule;
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

export async function composeConfigOnHost(host: Host, config: Config, inputs: ComposeInputs, compose?: ComposeCli): Promise<CheckItem> {
  const title = host.kind === 'local' ? 'compose config (local Compose)' : 'compose config';
  const cli = compose ?? (await detectCompose(host));
  if (!cli) return fail(title, 'no Compose to run `config -q` with');
  const made = await host.exec(['mktemp', '-d', `${host.kind === 'local' ? (process.env.TMPDIR ?? '/tmp') : '/tmp'}/gangway-check.XXXXXXXX`], { timeoutMs: 10_000 });
  const dir = made.stdout.trim();
  if (made.code !== 0 || dir === '') return fail(title, `could not create a temporary directory: ${made.stderr.trim()}`);
  try {
    for (const f of inputs.files) await host.writeFileAtomic(posix.join(dir, f.name), f.content);
    const args = [...cli.argv, '--project-name', config.app, '--project-directory', dir];
    for (const f of inputs.files) args.push('-f', posix.join(dir, f.name));
    if (inputs.envText !== undefined) {
      await host.writeFileAtomic(posix.join(dir, '.env'), inputs.envText);
      args.push('--env-file', posix.join(dir, '.env'));
    }
    args.push('config', '-q');
    const r = await host.exec(['env', `IMAGE_TAG=${inputs.tag}`, ...args], { timeoutMs: 60_000 });
    if (r.code === 0) return ok(title, `valid for ${cli.flavour === 'v2' ? 'docker compose' : 'docker-compose'} ${cli.version}`);
    const first = r.stderr.split('\n').find((l) => l.trim() !== '') ?? `exit ${r.code}`;
    return fail(title, first.trim());
  } finally {
    await host.exec(['rm', '-rf', dir], { timeoutMs: 10_000 }).catch(() => {});
  }
}
