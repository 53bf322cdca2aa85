/**
 * Everything gangway prints goes through a Reporter: a step list with colours on a terminal, plain
 * `[ok] …` lines in CI (not a TTY), and with --json one JSON document on stdout while progress goes to stderr.
 * Every line passes through `scrub` — the redaction layer's hook — before it is written.
 */
import { scrubDeep } from '../redact/scrubber.js';
import { formatMs } from '../util/duration.js';
import type { TransferProgress } from '../hosts/host.js';
import { END_GROUP, errorCommand, groupCommand, summaryMarkdown, writeStepSummary } from './github-actions.js';
import type { HostRow } from './host-table.js';
import { makeStyler, type Style, type Styler } from './style.js';

export type Status = 'ok' | 'warn' | 'fail' | 'skip' | 'info';

export interface ReporterOptions {
  json: boolean;
  color: boolean;
  /** Whether progress lines may be rewritten in place (stderr/stdout is a TTY). */
  interactive: boolean;
  verbose: number;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  scrub?: (text: string) => string;
  /** GitHub Actions: headings open `::group::`s, errors become `::error::` annotations, summaries are written. */
  githubActions?: boolean;
}

const SYMBOL: Record<Status, { tty: string; plain: string; style: Style }> = {
  ok: { tty: '✓', plain: '[ok]', style: 'green' },
  warn: { tty: '⚠', plain: '[warn]', style: 'yellow' },
  fail: { tty: '✗', plain: '[fail]', style: 'red' },
  skip: { tty: '-', plain: '[skip]', style: 'gray' },
  info: { tty: '•', plain: '[info]', style: 'cyan' },
};

export class Reporter {
  readonly json: boolean;
  readonly verbose: number;
  private readonly style: Styler;
  private readonly interactive: boolean;
  private readonly out: NodeJS.WritableStream;
  private readonly err: NodeJS.WritableStream;
  private readonly scrub: (text: string) => string;
  private progressShown = false;
  private readonly githubActions: boolean;
  private groupOpen = false;
  private readonly resultExtras = new Map<string, () => unknown>();

  constructor(options: ReporterOptions) {
    this.json = options.json;
    this.verbose = options.verbose;
    this.style = makeStyler(options.color);
    this.interactive = options.interactive;
    this.out = options.stdout ?? process.stdout;
    this.err = options.stderr ?? process.stderr;
    this.scrub = options.scrub ?? ((t) => t);
    this.githubActions = options.githubActions === true;
  }

  /** Human-readable lines: stdout normally, stderr under --json (stdout then holds only the JSON document). */
  private get human(): NodeJS.WritableStream {
    return this.json ? this.err : this.out;
  }

  private write(stream: NodeJS.WritableStream, text: string): void {
    this.clearProgress();
    stream.write(`${this.scrub(text)}\n`);
  }

  heading(text: string): void {
    if (this.githubActions) {
      this.endGroup();
      this.write(this.human, groupCommand(text.trim()));
      this.groupOpen = true;
      return;
    }
    this.write(this.human, this.style.paint('bold', text));
  }

  private endGroup(): void {
    if (this.groupOpen) this.write(this.human, END_GROUP);
    this.groupOpen = false;
  }

  /** The per-host table in the GitHub Actions job summary (nothing elsewhere). */
  stepSummary(title: string, rows: readonly HostRow[]): void {
    if (this.githubActions) writeStepSummary(summaryMarkdown(title, rows, this.scrub));
  }

  /** One checklist / step line: `✓ title — detail (1.2s)`. */
  item(status: Status, title: string, detail?: string, durationMs?: number): void {
    const symbol = SYMBOL[status];
    const mark = this.style.enabled ? this.style.paint(symbol.style, symbol.tty) : symbol.plain;
    const tail = [
      detail ? ` — ${detail}` : '',
      durationMs === undefined ? '' : this.style.paint('gray', ` (${formatMs(durationMs)})`),
    ].join('');
    this.write(this.human, `  ${mark} ${title}${tail}`);
  }

  /** Time a step and print its outcome line; a thrown error marks it failed and propagates. */
  async step<T>(title: string, work: () => Promise<T>, describe?: (value: T) => string | undefined): Promise<T> {
    const started = performance.now();
    try {
      const value = await work();
      this.item('ok', title, describe?.(value), performance.now() - started);
      return value;
    } catch (e) {
      this.item('fail', title, (e as Error).message, performance.now() - started);
      throw e;
    }
  }

  info(text: string): void {
    this.write(this.human, text);
  }

  debug(text: string): void {
    if (this.verbose > 0) this.write(this.err, this.style.paint('gray', text));
  }

  warn(text: string): void {
    this.write(this.err, `${this.style.paint('yellow', 'warning:')} ${text}`);
  }

  error(text: string, hints: string[] = [], code?: string): void {
    this.endGroup();
    // stdout as @actions/core writes it, stderr under --json (stdout holds only the document; the runner reads both).
    if (this.githubActions) this.write(this.human, errorCommand(text, code && `gangway ${code}`));
    // The code is what docs/errors.md lists (what it means, what to do).
    this.write(this.err, `${this.style.paint('red', 'error:')} ${text}${code ? ` [${code}]` : ''}`);
    for (const hint of hints) this.write(this.err, `  ${hint}`);
  }

  /**
   * The command's result: under --json the one document on stdout; otherwise nothing (commands print their own
   * lines). Each string is scrubbed before serialising (JSON would escape a `"` in a value past the scrubber), and
   * the text once more after.
   */
  result(document: unknown): void {
    this.endGroup();
    if (!this.json) return;
    const whole = isRecord(document) && this.resultExtras.size > 0 ? { ...document, ...this.extras() } : document;
    this.out.write(`${this.scrub(JSON.stringify(scrubDeep(whole, this.scrub), null, 2))}\n`);
  }

  /** A key added to the --json document, its value taken when the document is written (e.g. the run's counts). */
  addToResult(key: string, value: () => unknown): void {
    this.resultExtras.set(key, value);
  }

  private extras(): Record<string, unknown> {
    return Object.fromEntries([...this.resultExtras].map(([key, value]) => [key, value()]));
  }

  /** A progress callback for a transfer: rewritten in place on a terminal, a line every 10% otherwise. */
  transfer(label: string): (p: TransferProgress) => void {
    const started = performance.now();
    let lastDecile = -1;
    return ({ bytes, total, sent, note }) => {
      const seconds = Math.max((performance.now() - started) / 1000, 0.001);
      const rate = `${formatBytes(bytes / seconds)}/s`;
      const amount = total ? `${formatBytes(bytes)} / ${formatBytes(total)}` : formatBytes(bytes);
      const compressed = sent === undefined ? '' : `, ${formatBytes(sent)} sent`;
      const line = `  ${label}: ${note ? `${note}: ` : ''}${amount} ${rate}${compressed}`;
      if (this.interactive) {
        this.err.write(`\r${this.scrub(line)}\x1b[K`);
        this.progressShown = true;
        return;
      }
      const decile = total ? Math.floor((bytes / total) * 10) : Math.floor(bytes / (10 * 1024 * 1024));
      // Before the compressor's first output a line would read "…, 0 B sent": the next one says more.
      if (decile !== lastDecile && sent !== 0) {
        lastDecile = decile;
        this.err.write(`${this.scrub(line)}\n`);
      }
    };
  }

  private clearProgress(): void {
    if (this.progressShown) {
      this.err.write('\r\x1b[K');
      this.progressShown = false;
    }
  }
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
