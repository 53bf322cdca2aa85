/** Collects a command's stdout/stderr while forwarding chunks to the caller's listeners. */
export class OutputCollector {
  private readonly out: Buffer[] = [];
  private readonly err: Buffer[] = [];

  constructor(
    private readonly onStdout?: (chunk: Buffer) => void,
    private readonly onStderr?: (chunk: Buffer) => void,
    private readonly keepStdout = true,
  ) {}

  stdout = (chunk: Buffer): void => {
    if (this.keepStdout) this.out.push(chunk);
    this.onStdout?.(chunk);
  };

  stderr = (chunk: Buffer): void => {
    this.err.push(chunk);
    this.onStderr?.(chunk);
  };

  get text(): { stdout: string; stderr: string } {
    return { stdout: Buffer.concat(this.out).toString('utf8'), stderr: Buffer.concat(this.err).toString('utf8') };
  }
}

/** Feed stdin from a string, buffer or stream, then close it. */
export function feedStdin(
  stdin: NodeJS.WritableStream,
  input: string | Buffer | NodeJS.ReadableStream | undefined,
): void {
  if (input === undefined) {
    stdin.end();
  } else if (typeof input === 'string' || Buffer.isBuffer(input)) {
    stdin.end(input);
  } else {
    input.pipe(stdin);
  }
}
