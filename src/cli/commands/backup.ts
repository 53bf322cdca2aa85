/**
 * `gangway backup | backups | restore`: parse, run the backup/ functions on each host of the target, print.
 * Every env value (local and the server's) is a secret before the first line is printed (backup/session.ts).
 */
import { createInterface } from 'node:readline/promises';
import type { Config, Target } from '../../config/config.js';
import type { HostSpec } from '../../config/hosts.js';
import { chooseBackup } from '../../backup/choose.js';
import { downloadBackup } from '../../backup/download.js';
import { selectBackup } from '../../backup/job.js';
import { backupEntries, type BackupRecord } from '../../backup/records.js';
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
  const target = composeOnly(ctx.target(config, args.target), 'backups and restores');
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
  return `${r.size === undefined ? '?' : formatBytes(r.size)}, sha256 ${r.sha256?.slice(0, 16) ?? '?'}…`;
}

export async function runBackup(
  ctx: CommandContext,
  targetName: string | undefined,
  name: string | undefined,
  options: { download?: string },
): Promise<void> {
  const backups = () =>
    eachHost(ctx, targetName, name, async (bh) => {
      ctx.reporter.heading(`host ${bh.host.label}`);
      const record = await ctx.reporter.step(`backup ${bh.job.config.name}`, () =>
        takeBackup(bh, 'cli', progressLine(ctx)),
      );
      ctx.reporter.item('ok', record.file!, describe(record));
      if (!options.download) return { record };
      const local = await downloadBackup(
        bh,
        record,
        options.download,
        ctx.reporter.transfer(`download ${record.file}`),
      );
      ctx.reporter.item('ok', 'downloaded', local);
      return { record, downloaded: local };
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
  const target = composeOnly(ctx.target(config, args.target), 'backups and restores');
  const names = args.name === undefined ? config.backups.map((b) => b.name) : [selectBackup(config, args.name).name];
  const hosts = [];
  for (const spec of target.hosts) {
    const host = await ctx.openHost(target, spec);
    const records = await readBackupLog(host, remoteLayout(await host.resolvePath(target.dir)));
    ctx.reporter.heading(`host ${spec.label}`);
    const backups = names.map((n) => ({ name: n, entries: backupEntries(records, n).filter((e) => !e.pruned) }));
    for (const b of backups) {
      if (b.entries.length === 0) ctx.reporter.info(`  ${b.name}: no backups yet`);
      for (const e of b.entries) {
        const v = e.verified;
        const verified = v ? `verified ${v.outcome} ${v.at ?? ''}`.trim() : 'not verified';
        ctx.reporter.item(
          v?.outcome === 'failed' ? 'fail' : 'ok',
          e.file,
          `${e.time ?? '?'}, ${e.size === undefined ? '?' : formatBytes(e.size)}, sha256 ${e.sha256 ?? '?'}, ` +
            `${verified}${e.encrypted ? ', encrypted' : ''}`,
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
    if (options.intoLive) {
      const done = await ctx.reporter.step(`restore ${entry.file} into the live database`, () =>
        restoreIntoLive(bh, entry, config.app, config.health, t.name, {
          ...(options.identity && { identity: options.identity }),
          onLine: progressLine(ctx),
        }),
      );
      ctx.reporter.item('ok', 'safety backup', `${done.safety.file} (${describe(done.safety)})`);
      ctx.reporter.item('ok', 'health gate', 'passed');
      return { file: entry.file, safety: done.safety.file, restore: done.restore };
    }
    const record = await ctx.reporter.step(`verify ${entry.file} in a throwaway container`, () =>
      verifyBackup(bh, entry, { ...(options.identity && { identity: options.identity }), onLine: progressLine(ctx) }),
    );
    for (const t of record.tables ?? []) ctx.reporter.item('info', t.table, `${t.rows} rows`);
    return { file: entry.file, verify: record };
  });
  ctx.reporter.result({ ok: true, target: target.name, hosts: results });
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
    throw new UsageError('restore --into-live replaces the live database: pass --yes to confirm');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await rl.question(
    `replace the live database of ${name ?? 'the backup'} (a safety backup first)? [y/N] `,
  );
  rl.close();
  if (!/^y(es)?$/i.test(answer.trim()))
    throw new GangwayError('E_ABORTED', ExitCode.failed, 'restore cancelled; nothing was changed');
}
