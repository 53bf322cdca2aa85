/** The local Docker engine: commands run as child processes (no shell), files are written with fs. */
import { spawn } from 'node:child_process';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ExecTimeoutError } from '../errors.js';
import { expandHome } from '../config/paths.js';
import type { ExecOptions, ExecResult, Host, WriteOptions } from './host.js';
import { feedStdin, OutputCollector } from './output-collector.js';
import { AtomicWriter, tempNameFor } from './atomic-writer.js';

export class LocalHost extends AtomicWriter implements Host {
  readonly label = 'local';
  readonly kind = 'local' as const;

  exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const [command, ...args] = argv;
    if (command === undefined) throw new TypeError('empty argv');
    return new Promise((resolvePromise, reject) => {
      const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], signal: options.signal });
      const output = new OutputCollector(options.onStdout, options.onStderr, options.keepStdout);
      if (options.stdout) child.stdout.pipe(options.stdout);
      else child.stdout.on('data', output.stdout);
      child.stderr.on('data', output.stderr);
      child.stdin.on('error', () => {}); // the command may exit without reading its stdin
      let timedOut = false;
      const timer =
        options.timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              timedOut = true;
              child.kill('SIGKILL');
            }, options.timeoutMs);
      child.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (timedOut) return reject(new ExecTimeoutError(this.label, command, options.timeoutMs!));
        resolvePromise({ code, ...(signal && { signal }), ...output.text });
      });
      feedStdin(child.stdin, options.stdin);
    });
  }

  protected async writeStreamAtomic(path: string, source: AsyncIterable<Buffer>, options: WriteOptions): Promise<void> {
    const dir = dirname(path);
    await mkdir(dir, { recursive: true });
    const temp = join(dir, tempNameFor(basename(path)));
    // 'wx' + 0600: the temp file is created exclusively and never readable by others, whatever the umask.
    const handle = await open(temp, 'wx', 0o600);
    try {
      for await (const chunk of source) await handle.write(chunk);
      await handle.sync();
      if (options.mode !== undefined && options.mode !== 0o600) await handle.chmod(options.mode);
    } catch (e) {
      await handle.close();
      await rm(temp, { force: true });
      throw e;
    }
    await handle.close();
    await rename(temp, path);
    await fsyncDir(dir);
  }

  readFile(path: string): Promise<Buffer> {
    return readFile(path);
  }

  async resolvePath(path: string): Promise<string> {
    return expandHome(path);
  }

  async close(): Promise<void> {}
}

/** Make the rename durable; not possible on Windows, where directories cannot be opened. */
async function fsyncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
