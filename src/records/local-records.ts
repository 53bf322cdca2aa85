/**
 * Local run records (SPEC "Locally"): `<records>/deploy_YYYYMMDD-HHMMSS.log` with every step, its result and
 * timing, and one `release.log` entry per release with the Minimum Failure Record of seed 003 on failure.
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
  result: string;
  time: Date;
  target: string;
  who: string;
  durationMs: number;
  delivery: string;
  hosts: {
    host: string;
    status: string;
    serving: string;
    failingStep?: string;
    reason?: string;
    firstErrorLine?: string;
    bytesSent: number;
  }[];
}

export async function appendReleaseLog(dir: string, entry: ReleaseLogEntry, scrub: (text: string) => string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'release.log');
  const lines = [
    `## ${entry.time.toISOString()}  TAG ${entry.tag}  target ${entry.target}  result: ${entry.result}`,
    `by: ${entry.who}   duration: ${Math.round(entry.durationMs / 1000)}s   delivery: ${entry.delivery}`,
    `hosts: ${entry.hosts.map((h) => `${h.host} ${h.status} (serving ${h.serving}, ${h.bytesSent} bytes sent)`).join('; ')}`,
  ];
  for (const h of entry.hosts.filter((x) => x.status !== 'succeeded' && x.status !== 'rollback')) {
    lines.push(
      `Minimum Failure Record (${h.host}):`,
      `  what failed: ${h.failingStep ?? 'unknown step'}${h.reason ? ` — ${h.reason}` : ''}`,
      `  first error line: ${h.firstErrorLine ?? '(none captured)'}`,
      `  rolled back: ${h.status === 'rolled_back' ? `yes, to ${h.serving}` : h.serving === 'none' ? 'nothing to roll back to; new containers stopped' : `no (serving ${h.serving})`}`,
    );
  }
  await appendFile(file, scrub(`${lines.join('\n')}\n\n`), { mode: 0o600 });
  return file;
}

function stamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}
