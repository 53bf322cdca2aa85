/**
 * `gangway backup | backups | restore`: parse, run the backup/ functions on each host of the target, print.
 * Every env value (local and the server's) is a secret before the first line is printed (backup/session.ts).
 */
import { posix } from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { BackupConfig, BackupCopyTo, Config, SftpCopyTo, Target } from '../../config/config.js';
import type { Host } from '../../hosts/host.js';
import type { HostSpec } from '../../config/hosts.js';
import { chooseBackup } from '../../backup/choose.js';
import { copyBackups, fetchFromCopy, listCopy, listServer, openCopyHost, recordCopy } from '../../backup/copy.js';
import { copyToS3, fetchFromS3, listS3, s3Credentials } from '../../backup/s3-copy.js';
import { downloadBackup } from '../../backup/download.js';
import { selectBackup } from '../../backup/job.js';
import { backupEntries, type BackupEntry, type BackupRecord } from '../../backup/records.js';
import { readBackupLog } from '../../backup/remote.js';
import { restoreIntoLive } from '../../backup/restore.js';
import { openBackupHost, type BackupHost } from '../../backup/session.js';
import { takeBackup } from '../../backup/take.js';
import { verifyBackup } from '../../backup/verify.js';
import { ExitCode, GangwayError, UsageError } from '../../errors.js';
import { withBackupNotice } from '../../notify/backup-notice.js';
import { remoteLayout } from '../../server/layout.js';
import { formatBytes } from '../../output/reporter.js';
import type { CommandContext } from '../context.js';
import { composeOnly } from '../swarm-target.js';

/** Each host of the target, one after another (a database lives on one host; several means several copies). */
async function eachHost<T>(
  ctx: CommandContext,
  targetName: string | undefined,
  name: string | undefined,
  work: (bh: BackupHost, spec: HostSpec, config: Config, target: Target) => Promise<T>,
): Promise<{ config: Config; target: Target; results: (T & { host: string })[] }> {
  const config = await ctx.loadConfig();
  const args = targetAndName(config, targetName, name);
  const target = composeOnly(config, ctx.target(config, args.target), 'backups and restores');
  const backup = selectBackup(config, args.name);
  const results: (T & { host: string })[] = [];
  for (const spec of target.hosts) {
    const bh = await openBackupHost(ctx, config, target, spec, backup);
    results.push({ host: spec.label, ...(await work(bh, spec, config, target)) });
  }
  return { config, target, results };
}

const progressLine = (ctx: CommandContext) => (line: string) => ctx.reporter.debug(line);

function describe(r: BackupRecord): string {
  const files = r.files === undefined ? '' : `, ${r.files} files (${formatBytes(r.bytes ?? 0)})`;
  return `${r.size === undefined ? '?' : formatBytes(r.size)}${files}, sha256 ${r.sha256?.slice(0, 16) ?? '?'}…`;
}

/** The copy host of `copy_to`, open for `work` alone (closed after it). */
async function withCopyHost<T>(
  ctx: CommandContext,
  target: Target,
  copyTo: SftpCopyTo,
  work: (copy: Host) => Promise<T>,
): Promise<T> {
  const copy = await openCopyHost(target, copyTo, {
    acceptNewHostKey: ctx.options.acceptNewHostKey === true,
    warn: (m) => ctx.reporter.warn(m),
  });
  try {
    return await work(copy);
  } finally {
    await copy.close();
  }
}

export async function runBackup(
  ctx: CommandContext,
  targetName: string | undefined,
  name: string | undefined,
  options: { download?: string },
): Promise<void> {
  const backups = () =>
    eachHost(ctx, targetName, name, async (bh, _spec, _config, target) => {
      ctx.reporter.heading(`host ${bh.host.label}`);
      const record = await ctx.reporter.step(`backup ${bh.job.config.name}`, () =>
        takeBackup(bh, 'cli', progressLine(ctx)),
      );
      ctx.reporter.item('ok', record.file!, describe(record));
      const copyTo = bh.job.config.copyTo;
      const copy =
        copyTo && (await ctx.reporter.step(`copy to ${copyTo.label}`, () => copyAfterBackup(ctx, bh, target, copyTo)));
      if (copy) ctx.reporter.item('ok', 'off-site', `${copy.copied.length} copied, ${copy.removed.length} pruned`);
      if (!options.download) return { record, ...(copy && { copy }) };
      const local = await downloadBackup(
        bh,
        record,
        options.download,
        ctx.reporter.transfer(`download ${record.file}`),
      );
      ctx.reporter.item('ok', 'downloaded', local);
      return { record, ...(copy && { copy }), downloaded: local };
    });
  const { target, results } = await withBackupNotice(ctx, targetName, backups); // notifies either way
  ctx.reporter.result({ ok: true, target: target.name, hosts: results });
}

export async function runBackups(
  ctx: CommandContext,
  targetName: string | undefined,
  name: string | undefined,
): Promise<void> {
  const config = await ctx.loadConfig();
  const args = targetAndName(config, targetName, name);
  const target = composeOnly(config, ctx.target(config, args.target), 'backups and restores');
  const chosen = args.name === undefined ? config.backups : [selectBackup(config, args.name)];
  const hosts = [];
  // Each copy host's listing, read once (every host of the target copies to the same place).
  const copies = new Map<string, string[]>();
  for (const b of chosen) if (b.copyTo) copies.set(b.name, await listOffsite(ctx, config, target, b, b.copyTo));
  for (const spec of target.hosts) {
    const host = await ctx.openHost(target, spec);
    const layout = remoteLayout(await host.resolvePath(target.dir));
    const records = await readBackupLog(host, layout);
    ctx.reporter.heading(`host ${spec.label}`);
    const backups = [];
    for (const b of chosen) {
      const onServer = new Set(await listServer(host, posix.join(layout.dir, b.dir), b.name));
      const onCopy = new Set(copies.get(b.name) ?? []);
      const entries = backupEntries(records, b.name)
        .map((e) => ({ ...e, where: [...(onServer.has(e.file) ? ['server'] : []), ...whereCopy(b, onCopy, e.file)] }))
        .filter((e) => e.where.length > 0 || !e.pruned);
      backups.push({ name: b.name, entries });
      if (entries.length === 0) ctx.reporter.info(`  ${b.name}: no backups yet`);
      for (const e of entries) {
        const v = e.verified;
        const verified = v ? `verified ${v.outcome} ${v.at ?? ''}`.trim() : 'not verified';
        const files = e.files === undefined ? '' : `${e.files} files, `;
        ctx.reporter.item(
          v?.outcome === 'failed' || e.where.length === 0 ? 'fail' : 'ok',
          e.file,
          `${e.time ?? '?'}, ${e.size === undefined ? '?' : formatBytes(e.size)}, ${files}sha256 ${e.sha256 ?? '?'}, ` +
            `${verified}${e.encrypted ? ', encrypted' : ''}; on ${e.where.join(' and ') || 'no host (lost)'}`,
        );
      }
    }
    hosts.push({ host: spec.label, backups });
  }
  ctx.reporter.result({ ok: true, target: target.name, hosts });
}

export interface RestoreOptions {
  verify: boolean;
  intoLive: boolean;
  yes: boolean;
  identity?: string;
}

export async function runRestore(ctx: CommandContext, args: string[], options: RestoreOptions): Promise<void> {
  if (options.verify === options.intoLive)
    throw new UsageError('restore needs exactly one of --verify and --into-live');
  const { targetName, name, file } = await restoreArgs(ctx, args);
  if (options.intoLive) await confirmIntoLive(ctx, name, options.yes);
  const { target, results } = await eachHost(ctx, targetName, name, async (bh, _spec, config, t) => {
    ctx.reporter.heading(`host ${bh.host.label}`);
    const entry = chooseBackup(await readBackupLog(bh.host, bh.layout), bh.job.config.name, file);
    const fetched = await fetchIfLost(ctx, bh, t, entry);
    const files = bh.job.config.kind === 'files';
    if (options.intoLive) {
      const what = files ? `its paths (${(bh.job.config.paths ?? []).join(', ')})` : 'the live database';
      const done = await ctx.reporter.step(`restore ${entry.file} into ${what}`, () =>
        restoreIntoLive(bh, entry, config.app, config.health, t.name, {
          ...(options.identity && { identity: options.identity }),
          onLine: progressLine(ctx),
        }),
      );
      ctx.reporter.item('ok', 'safety backup', `${done.safety.file} (${describe(done.safety)})`);
      if (done.restore.services) ctx.reporter.item('ok', 'restarted', done.restore.services.trim());
      ctx.reporter.item('ok', 'health gate', 'passed');
      return { file: entry.file, ...fetched, safety: done.safety.file, restore: done.restore };
    }
    const where = files ? 'a temp dir, against its manifest' : 'a throwaway container';
    const record = await ctx.reporter.step(`verify ${entry.file} in ${where}`, () =>
      verifyBackup(bh, entry, { ...(options.identity && { identity: options.identity }), onLine: progressLine(ctx) }),
    );
    for (const t of record.tables ?? []) ctx.reporter.item('info', t.table, `${t.rows} rows`);
    if (record.files !== undefined)
      ctx.reporter.item(
        'info',
        `${record.files} files`,
        `${formatBytes(record.bytes ?? 0)}, each as the manifest says`,
      );
    return { file: entry.file, ...fetched, verify: record };
  });
  ctx.reporter.result({ ok: true, target: target.name, hosts: results });
}

/** What the off-site copy holds of backup `b` (S3: listed by the target's first host, which holds rclone). */
async function listOffsite(ctx: CommandContext, config: Config, target: Target, b: BackupConfig, to: BackupCopyTo) {
  if (to.kind === 'sftp') return withCopyHost(ctx, target, to, (c) => listCopy(c, to, b.name));
  const creds = s3Credentials(to, process.env, ctx.scrubber);
  const bh = await openBackupHost(ctx, config, target, target.hosts[0]!, b);
  return listS3(bh, to, creds);
}

/** The off-site copy after a backup and its retention, its outcome recorded in the server's backups.jsonl. */
async function copyAfterBackup(ctx: CommandContext, bh: BackupHost, target: Target, copyTo: BackupCopyTo) {
  if (copyTo.kind === 's3') {
    let creds;
    try {
      creds = s3Credentials(copyTo, process.env, ctx.scrubber);
    } catch (e) {
      await recordCopy(bh, copyTo, { reason: (e as Error).message }).catch(() => undefined);
      throw e;
    }
    return copyToS3(bh, copyTo, creds, progressLine(ctx)); // the server records the run, failed or not
  }
  try {
    const done = await withCopyHost(ctx, target, copyTo, async (host) =>
      copyBackups(bh, host, copyTo, await readBackupLog(bh.host, bh.layout), progressLine(ctx)),
    );
    await recordCopy(bh, copyTo, done);
    return done;
  } catch (e) {
    const reason = ctx.scrubber.scrub(e instanceof Error ? e.message : String(e));
    await recordCopy(bh, copyTo, { reason }).catch(() => undefined);
    throw e;
  }
}

/** A backup the server lost (not pruned by retention) is put back from the off-site copy first. */
async function fetchIfLost(ctx: CommandContext, bh: BackupHost, target: Target, entry: BackupEntry) {
  const copyTo = bh.job.config.copyTo;
  const dir = posix.join(bh.layout.dir, bh.job.config.dir);
  if (!copyTo || (await listServer(bh.host, dir, bh.job.config.name)).includes(entry.file)) return {};
  await ctx.reporter.step(`fetch ${entry.file} from ${copyTo.label} (not on the server any more)`, () =>
    copyTo.kind === 's3'
      ? fetchFromS3(bh, copyTo, s3Credentials(copyTo, process.env, ctx.scrubber), entry)
      : withCopyHost(ctx, target, copyTo, (copy) => fetchFromCopy(bh, copy, copyTo, entry)),
  );
  return { fetchedFrom: copyTo.label };
}

function whereCopy(b: BackupConfig, onCopy: ReadonlySet<string>, file: string): string[] {
  return b.copyTo && onCopy.has(file) ? [b.copyTo.label] : [];
}

/** `[TARGET] [NAME]`: a lone word that is a backup's name and no target's is the name. */
function targetAndName(config: Config, first: string | undefined, second: string | undefined) {
  if (second === undefined && first !== undefined && !(first in config.targets))
    if (config.backups.some((b) => b.name === first)) return { target: undefined, name: first };
  return { target: first, name: second };
}

/** `restore [TARGET] NAME [BACKUP]`: TARGET may be left out when gangway.yml has one target. */
async function restoreArgs(ctx: CommandContext, args: string[]) {
  const config = await ctx.loadConfig();
  const [a, b, c] = args;
  const isBackupName = (x: string | undefined) => config.backups.some((k) => k.name === x);
  if (args.length === 3 || (a !== undefined && a in config.targets && !isBackupName(a)))
    return { targetName: a, name: b, file: c };
  return { targetName: undefined, name: a, file: b };
}

async function confirmIntoLive(ctx: CommandContext, name: string | undefined, yes: boolean): Promise<void> {
  if (yes) return;
  if (!process.stdin.isTTY || ctx.reporter.json)
    throw new UsageError('restore --into-live replaces the live data: pass --yes to confirm');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await rl.question(`replace the live data of ${name ?? 'the backup'} (a safety backup first)? [y/N] `);
  rl.close();
  if (!/^y(es)?$/i.test(answer.trim()))
    throw new GangwayError('E_ABORTED', ExitCode.failed, 'restore cancelled; nothing was changed');
}
