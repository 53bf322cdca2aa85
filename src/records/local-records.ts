/**
 * Local run records (docs/guides/deploy.md, Records): `<records>/deploy_YYYYMMDD-HHMMSS.log` with every step, its
 * result and timing, and one `release.log` entry per release with, on failure, the Minimum Failure Record (what
 * failed, the failing release's first error line, what was rolled back).
 * Everything written passes through the scrubber.
 */
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export class RunRecord {
  private readonly lines: string[] = [];
  readonly started = new Date();

  constructor(private readonly scrub: (text: string) => string) {}

  add(host: string, text: string): void {
    this.lines.push(`${new Date().toISOString()} [${host}] ${text}`);
  }

  async write(dir: string, kind = 'deploy'): Promise<string> {
    await mkdir(dir, { recursive: true });
    const file = join(dir, `${kind}_${stamp(this.started)}.log`);
    await writeFile(file, this.scrub(`${this.lines.join('\n')}\n`), { mode: 0o600 });
    return file;
  }
}

export interface ReleaseLogEntry {
  tag: string;
  /** The run's id, shared by every host (and by the releases that put hosts back). */
  rollout?: string;
  operation: string;
  result: string;
  time: Date;
  target: string;
  who: string;
  durationMs: number;
  delivery: string;
  hosts: {
    host: string;
    result: string;
    from?: string;
    tag?: string;
    serving: string;
    durationMs?: number;
    failingStep?: string;
    reason?: string;
    firstErrorLine?: string;
    bytesSent: number;
  }[];
}

export async function appendReleaseLog(
  dir: string,
  entry: ReleaseLogEntry,
  scrub: (text: string) => string,
): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'release.log');
  const head = `## ${entry.time.toISOString()}  TAG ${entry.tag}  target ${entry.target}  result: ${entry.result}`;
  const hosts = entry.hosts.map(
    (h) =>
      `${h.host} ${h.result} (${h.from ? `${h.from} → ` : ''}${h.tag ? `tag ${h.tag}, ` : ''}serving ${h.serving}, ` +
      `${h.bytesSent} bytes sent${h.durationMs ? `, ${Math.round(h.durationMs / 1000)}s` : ''})`,
  );
  const lines = [
    head,
    `by: ${entry.who}   ${entry.operation}   duration: ${Math.round(entry.durationMs / 1000)}s   delivery: ` +
      `${entry.delivery}${entry.rollout ? `   rollout: ${entry.rollout}` : ''}`,
    `hosts: ${hosts.join('; ')}`,
  ];
  for (const h of entry.hosts.filter((x) => x.result !== 'succeeded')) {
    lines.push(
      `Minimum Failure Record (${h.host}):`,
      `  what failed: ${h.failingStep ?? 'unknown step'}${h.reason ? ` — ${h.reason}` : ''}`,
      `  first error line: ${h.firstErrorLine ?? '(none captured)'}`,
      `  rolled back: ${rolledBack(h)}`,
    );
  }
  await appendFile(file, scrub(`${lines.join('\n')}\n\n`), { mode: 0o600 });
  return file;
}

function rolledBack(h: ReleaseLogEntry['hosts'][number]): string {
  if (h.result === 'rolled_back') return `yes, to ${h.serving}`;
  if (h.result === 'reverted') {
    const interrupted = /^put back: (the run was interrupted.*)$/.exec(h.reason ?? '')?.[1];
    return `yes, put back on ${h.serving} because ${interrupted ?? 'another host failed'}`;
  }
  if (h.result === 'unchanged') return 'nothing to roll back: nothing was changed';
  if (h.serving === 'none') return 'nothing to roll back to; new containers stopped';
  return `no (serving ${h.serving})`;
}

function stamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const date = `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}`;
  return `${date}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}
