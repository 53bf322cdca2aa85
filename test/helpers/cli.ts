/** Run the built CLI (bin/gangway.js) as a user would, capturing everything it prints. */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tracked } from './children.js';
import { tempDir } from './testenv.js';

const BIN = fileURLToPath(new URL('../../bin/gangway.js', import.meta.url));
/** Where runs without `cwd` start: never the checkout, whose ./gangway.yml or .gangway/ a run could read or write. */
let emptyCwd: string | undefined;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A run without a cwd starts in an empty temp dir, never in the checkout. */
function emptyDir(): string {
  emptyCwd ??= tempDir('gangway-cwd-');
  return emptyCwd;
}

/**
 * A backstop on every CLI run, never what a test waits for: a deploy whose gate may wait 90 s, on a loaded machine,
 * takes minutes; a hung run is still ended.
 */
const BACKSTOP_MS = 600_000;

export function gangway(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {},
): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? emptyDir(),
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env },
    input: options.input ?? '',
    encoding: 'utf8',
    timeout: BACKSTOP_MS,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A run of gangwayAsync: also `out`, stdout and stderr interleaved as the CLI wrote them. */
export interface AsyncCliResult extends CliResult {
  out: string;
}

/**
 * The same, without blocking this process: for tests whose own servers (an HTTP receiver, an SMTP server) or load
 * generators must work while the CLI runs. The child is tracked (./children.ts): `killChildren` ends it.
 */
export function gangwayAsync(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<AsyncCliResult> {
  return new Promise((resolve, reject) => {
    const child = tracked(
      spawn(process.execPath, [BIN, ...args], {
        cwd: options.cwd ?? emptyDir(),
        env: { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    let stdout = '';
    let stderr = '';
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      out += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      out += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? BACKSTOP_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr, out });
    });
  });
}
