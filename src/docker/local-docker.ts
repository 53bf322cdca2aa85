/**
 * The local `docker` CLI for the build and the push, with an environment of their own: build secrets' values
 * (named by `--secret id=NAME,env=NAME`) and a private DOCKER_CONFIG for registry credentials go in the child's
 * environment, never in argv. Output lines are handed on as they come.
 */
import { spawn } from 'node:child_process';
import { LineSplitter } from '../util/lines.js';

export interface DockerRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface DockerRunOptions {
  env?: Record<string, string>;
  stdin?: string;
  onLine?: (line: string) => void;
  signal?: AbortSignal;
  /** Kill the command after this long (a probe must not hang a preflight); it then resolves with code null. */
  timeoutMs?: number;
}

export function runDocker(args: readonly string[], options: DockerRunOptions = {}): Promise<DockerRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env },
      ...(options.signal && { signal: options.signal }),
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    // One splitter per stream: a line is never cut in two by the other stream's output.
    const outLines = new LineSplitter(options.onLine);
    const errLines = new LineSplitter(options.onLine);
    child.stdout.on('data', (c: Buffer) => (out.push(c), outLines.push(c)));
    child.stderr.on('data', (c: Buffer) => (err.push(c), errLines.push(c)));
    child.stdin.on('error', () => {});
    const timer =
      options.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      outLines.flush();
      errLines.flush();
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin.end(options.stdin ?? '');
  });
}
