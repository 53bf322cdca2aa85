/** A Host that records every command (argv and the stdin it was given) and answers from a script. */
import { Readable } from 'node:stream';
import type { ExecOptions, ExecResult, Host, WriteOptions } from '../../src/hosts/host.js';

export interface RecordedCall {
  argv: string[];
  stdin: string | undefined;
}

export type Responder = (argv: readonly string[]) => Partial<ExecResult> & { stdoutChunks?: string[] };

export class FakeHost implements Host {
  readonly label = 'deploy@fake-host';
  readonly kind = 'ssh' as const;
  readonly calls: RecordedCall[] = [];

  constructor(private readonly respond: Responder) {}

  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    let stdin: string | undefined;
    if (typeof options.stdin === 'string' || Buffer.isBuffer(options.stdin)) stdin = options.stdin.toString();
    else if (options.stdin instanceof Readable) {
      const chunks: Buffer[] = [];
      for await (const c of options.stdin) chunks.push(Buffer.from(c as Buffer));
      stdin = Buffer.concat(chunks).toString('latin1');
    }
    this.calls.push({ argv: [...argv], stdin });
    const r = this.respond(argv);
    for (const chunk of r.stdoutChunks ?? (r.stdout ? [r.stdout] : [])) options.onStdout?.(Buffer.from(chunk));
    if (r.stderr) options.onStderr?.(Buffer.from(r.stderr));
    return { code: r.code ?? 0, stdout: r.stdout ?? r.stdoutChunks?.join('') ?? '', stderr: r.stderr ?? '' };
  }

  async writeFileAtomic(_path: string, _content: string | Buffer | Readable, _options?: WriteOptions): Promise<void> {
    throw new Error('not used');
  }

  async uploadFile(): Promise<void> {
    throw new Error('not used');
  }

  async readFile(_path: string): Promise<Buffer> {
    throw new Error('not used');
  }

  async resolvePath(path: string): Promise<string> {
    return path;
  }

  async close(): Promise<void> {}
}
