/**
 * Running backup.sh on a host: the job directory is (re)written first — the script, vars.sh, the password
 * (0600) — so `gangway backup` and the schedule always run the same, current job. The script's outcome is its
 * last `@@result` line (the record it appended to backups.jsonl).
 */
import { posix } from 'node:path';
import { execOk, type Host, type ExecOptions } from '../hosts/host.js';
import type { RemoteLayout } from '../server/layout.js';
import type { BackupJob } from './job.js';
import { jobFiles } from './job-files.js';
import { parseBackupLog, type BackupRecord } from './records.js';

export async function installJob(
  host: Host,
  layout: RemoteLayout,
  app: string,
  job: BackupJob,
  metrics = true,
): Promise<string> {
  const dir = layout.backupJob(job.config.name);
  // umask 077: the job directory holds the password; files no longer configured (a removed password) go.
  await execOk(host, ['sh', '-c', 'umask 077 && mkdir -p "$1" && rm -f "$1/password" "$1/recipients"', 'sh', dir]);
  for (const f of jobFiles(layout.dir, app, job, metrics))
    await host.writeFileAtomic(posix.join(dir, f.name), f.content, { mode: f.mode });
  return dir;
}

export interface ScriptOutcome {
  ok: boolean;
  record?: BackupRecord;
  /** The script's progress lines (stderr), for -v and for errors. */
  log: string;
}

/** `sh backup.sh JOB ACTION args…`; progress lines go to `onLine` as they come. */
export async function runBackupScript(
  host: Host,
  jobDir: string,
  args: readonly string[],
  options: { onLine?: (line: string) => void; stdin?: ExecOptions['stdin']; timeoutMs?: number } = {},
): Promise<ScriptOutcome> {
  let partial = '';
  const onStderr = (chunk: Buffer) => {
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) options.onLine?.(l);
  };
  const r = await host.exec(['sh', posix.join(jobDir, 'backup.sh'), jobDir, ...args], {
    onStderr,
    timeoutMs: options.timeoutMs ?? 6 * 3_600_000,
    ...(options.stdin !== undefined && { stdin: options.stdin }),
  });
  if (partial) options.onLine?.(partial);
  const results = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('@@result '))
    .map((l) => l.slice('@@result '.length));
  const record = parseBackupLog(results.join('\n')).at(-1);
  return { ok: r.code === 0 && record?.outcome === 'succeeded', ...(record && { record }), log: r.stderr };
}

export async function readBackupLog(host: Host, layout: RemoteLayout): Promise<BackupRecord[]> {
  const text = await host
    .readFile(layout.backupsLog)
    .then((b) => b.toString('utf8'))
    .catch(() => '');
  return parseBackupLog(text);
}

/** Why a run failed: the reason it recorded, else its last progress line. */
export function failureReason(r: ScriptOutcome): string {
  return r.record?.reason ?? (r.log.trim().split('\n').at(-1) || 'no output');
}
