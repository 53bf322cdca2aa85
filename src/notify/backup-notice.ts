/** `gangway backup`'s notice: backup_succeeded with each host's file, or backup_failed with the reason. */
import type { BackupRecord } from '../backup/records.js';
import type { Config } from '../config/config.js';
import { whoAmI } from '../util/who.js';
import { ExitCode, isGangwayError } from '../errors.js';
import { notify, type NotifyContext } from './notify.js';

interface BackupRun {
  config: Config;
  target: { name: string };
  results: { host: string; record: BackupRecord }[];
}

/** Runs `work` (the backups) and notifies either way; a failure is rethrown unchanged after its notice. */
export async function withBackupNotice<T extends BackupRun>(
  ctx: NotifyContext & { loadConfig(): Promise<Config> },
  targetName: string | undefined,
  work: () => Promise<T>,
): Promise<T> {
  const started = performance.now();
  const seconds = () => Math.round((performance.now() - started) / 100) / 10;
  let run: T;
  try {
    run = await work();
  } catch (e) {
    if (isGangwayError(e) && e.exitCode === ExitCode.usage) throw e; // a mistyped command is no failed backup
    const config = await ctx.loadConfig().catch(() => undefined);
    if (config) {
      const names = Object.keys(config.targets);
      const target = targetName !== undefined && targetName in config.targets ? targetName : names.join(', ');
      await notify(ctx, config, ['backup_failed'], {
        app: config.app,
        target,
        tag: null,
        result: 'failed',
        reason: (e as Error).message,
        duration_s: seconds(),
        record_id: null,
        hosts: [],
        who: whoAmI(),
      });
    }
    throw e;
  }
  await notify(ctx, run.config, ['backup_succeeded'], {
    app: run.config.app,
    target: run.target.name,
    tag: null,
    result: 'succeeded',
    reason: null,
    duration_s: seconds(),
    record_id: run.results.map((r) => r.record.file).join(', ') || null,
    hosts: run.results.map((r) => ({ host: r.host, result: r.record.outcome ?? 'succeeded' })),
    who: whoAmI(),
  });
  return run;
}
