/** `gangway check [TARGET]`: the preflight checklist; changes nothing anywhere. Exit 3 when something failed. */
import { countFailures, type CheckItem, type Checklist } from '../../check/checklist.js';
import { hostChecks } from '../../check/host-checks.js';
import { localChecks } from '../../check/local-checks.js';
import { PreflightError } from '../../errors.js';
import type { Reporter } from '../../output/reporter.js';
import type { CommandContext } from '../context.js';

export async function runCheck(ctx: CommandContext, targetName: string | undefined): Promise<void> {
  const { reporter } = ctx;
  const config = await ctx.loadConfig();
  const target = ctx.target(config, targetName);
  reporter.heading(`gangway check ${target.name} (${config.app})`);
  const list: Checklist = { local: [], hosts: [] };
  list.local = await localChecks(config, target);
  printGroup(reporter, 'local files', list.local);
  // Hosts are checked concurrently; each group prints as soon as that host is done.
  await Promise.all(
    target.hosts.map(async (spec) => {
      const items = await hostChecks(target, spec, ctx.openHost);
      list.hosts.push({ host: spec.label, items });
      printGroup(reporter, `host ${spec.label}`, items);
    }),
  );
  list.hosts.sort((a, b) => target.hosts.findIndex((h) => h.label === a.host) - target.hosts.findIndex((h) => h.label === b.host));
  const failures = countFailures(list);
  const document = { target: target.name, app: config.app, ...list };
  if (failures > 0) {
    throw new PreflightError(`preflight failed: ${failures} check${failures === 1 ? '' : 's'} failed`, { details: document });
  }
  reporter.info('\npreflight passed');
  reporter.result({ ok: true, ...document });
}

function printGroup(reporter: Reporter, name: string, items: CheckItem[]): void {
  reporter.heading(name);
  for (const item of items) reporter.item(item.status, item.title, item.detail);
}
