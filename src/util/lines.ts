import { StringDecoder } from 'node:string_decoder';

/** Turns output chunks into lines for `onLog` (`\n`, `\r\n` and bare `\r` — progress redraws — end a line). */
export class LineSplitter {
  private rest = '';
  /** A character whose UTF-8 bytes two chunks share is decoded whole (else a secret holding it escapes the mask). */
  private readonly decoder = new StringDecoder('utf8');

  constructor(private readonly onLine: ((line: string) => void) | undefined) {}

  push = (chunk: Buffer | string): void => {
    if (!this.onLine) return;
    const text = this.rest + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
    const parts = text.split(/\r\n|\n|\r/);
    this.rest = parts.pop() ?? '';
    // A \r\n split across chunks yields an empty line, which emit() drops like every blank line.
    for (const line of parts) this.emit(line);
  };

  flush(): void {
    this.rest += this.decoder.end();
    if (this.rest !== '') this.emit(this.rest);
    this.rest = '';
  }

  private emit(line: string): void {
    const trimmed = line.trimEnd();
    if (trimmed !== '') this.onLine?.(trimmed);
  }
}
