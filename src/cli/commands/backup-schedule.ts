/**
 * `gangway backup schedule [TARGET]`: install (or replace) the cron entry of every backup with a `schedule`, and
 * remove the app's entries of backups no longer configured.
 */
import { posix } from 'node:path';
import { installCron, pruneSchedules } from '../../backup/cron-schedule.js';
import { scheduleCopy } from '../../backup/schedule-copy.js';
import { scheduleNotify } from '../../notify/schedule-notify.js';
import { openBackupHost } from '../../backup/session.js';
import { UsageError } from '../../errors.js';
import { execOk } from '../../hosts/host.js';
import { Secret } from '../../redact/secret.js';
import type { CommandContext } from '../context.js';
import { composeOnly } from '../swarm-target.js';

export async function runBackupSchedule(ctx: CommandContext, targetName: string | undefined): Promise<void> {
  const config = await ctx.loadConfig();
  const target = composeOnly(config, ctx.target(config, targetName), 'gangway backup schedule');
  if (!config.backups.some((b) => b.schedule))
    throw new UsageError('no backup has a `schedule` in gangway.yml (e.g. schedule: "0 2 * * *")');
  const hosts = [];
  for (const spec of target.hosts) {
    ctx.reporter.heading(`host ${spec.label}`);
    const notice = scheduleNotify(config.notify, target.name, spec.label, process.env);
    for (const url of notice.secrets) ctx.scrubber.add(new Secret(url, 'notification destination'));
    const entries = [];
    let bh0;
    for (const backup of config.backups) {
      const bh = await openBackupHost(ctx, config, target, spec, backup);
      bh0 = bh.host;
      // The notification settings go first: a cron run starting between the two steps finds them.
      const notifyFile = posix.join(bh.jobDir, 'notify');
      if (notice.content && backup.schedule) await bh.host.writeFileAtomic(notifyFile, notice.content, { mode: 0o600 });
      else await execOk(bh.host, ['rm', '-f', notifyFile]);
      const copy = await scheduleCopy(bh, backup, process.env, ctx.scrubber);
      const where = await installCron(bh.host, config.app, backup.name, backup.schedule, bh.jobDir);
      const what = backup.schedule ? `"${backup.schedule}" in ${where}` : `not scheduled (${where})`;
      ctx.reporter.item(
        'ok',
        `backup ${backup.name}`,
        `${what}; verify ${backup.verify}; log ${bh.jobDir}/schedule.log`,
      );
      if (backup.schedule)
        for (const line of notice.said) ctx.reporter.item(line.ok ? 'ok' : 'warn', 'notify', line.text);
      if (copy) ctx.reporter.item(copy.ok ? 'ok' : 'warn', 'off-site', copy.text);
      entries.push({
        name: backup.name,
        schedule: backup.schedule ?? null,
        installed: where,
        job: bh.jobDir,
        notify: backup.schedule ? notice.said : [],
        ...(copy && { copy }),
      });
    }
    // A backup taken out of gangway.yml keeps no schedule (it would run a job nothing updates any more).
    const removed = bh0
      ? await pruneSchedules(
          bh0,
          config.app,
          config.backups.map((b) => b.name),
        )
      : [];
    for (const marker of removed)
      ctx.reporter.item('ok', 'removed', `${marker}: its backup is no longer in ${config.file}`);
    hosts.push({ host: spec.label, backups: entries, removed });
  }
  ctx.reporter.result({ ok: true, target: target.name, hosts });
}
