/**
 * The dashboard runs the gangway CLI itself for every read and every action: the same code as a terminal user
 * runs, with its locks, gates, records, notifications and scrubbing. `--json` keeps stdout one document; stderr
 * carries the progress lines the dashboard streams as the step log.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/gangway.js', import.meta.url));

export interface CliRun {
  code: number;
  /** The `--json` document, when stdout held one. */
  document?: Record<string, unknown>;
  /** The last progress line: what went wrong when there is no document. */
  lastLine: string;
}

export interface CliOptions {
  /** Each progress line as it comes (stderr, without colours). */
  onLine?: (line: string) => void;
  timeoutMs?: number;
}

export type CliRunner = (args: readonly string[], options?: CliOptions) => Promise<CliRun>;

/** A runner bound to one gangway.yml: `-c CONFIG --json --no-color` come first. */
export function cliRunner(configPath: string, env: NodeJS.ProcessEnv = process.env): CliRunner {
  return (args, options = {}) =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [BIN, '-c', configPath, '--json', '--no-color', ...args], {
        env: { ...env, NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let partial = '';
      let lastLine = '';
      const line = (l: string) => {
        if (!l.trim()) return;
        lastLine = l;
        options.onLine?.(l);
      };
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        const lines = (partial + d).split('\n');
        partial = lines.pop() ?? '';
        lines.forEach(line);
      });
      const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGTERM'), options.timeoutMs) : undefined;
      let finished = false;
      const done = (code: number) => {
        if (finished) return;
        finished = true;
        if (timer) clearTimeout(timer);
        line(partial);
        resolve({ code, ...parseDocument(stdout), lastLine });
      };
      child.on('error', (e) => {
        lastLine = e.message;
        done(-1);
      });
      child.on('close', (code) => done(code ?? -1));
    });
}

function parseDocument(stdout: string): { document?: Record<string, unknown> } {
  try {
    const value = JSON.parse(stdout) as unknown;
    return typeof value === 'object' && value !== null ? { document: value as Record<string, unknown> } : {};
  } catch {
    return {};
  }
}
