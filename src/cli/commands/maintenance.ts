/**
 * `gangway maintenance on|off [TARGET] [--message TEXT]`: the proxy answers the app's requests with 503, a
 * page and Retry-After (on), or passes them to the colour in service again (off). One file per host changes
 * (proxy/maintenance.ts), never the proxy's config, so no client connection is closed; the colours' health
 * stays reachable to gangway (probed from the proxy's network), so a deploy during maintenance still works.
 */
import { createInterface } from 'node:readline/promises';
import { narrowTarget } from '../../config/narrow-hosts.js';
import type { Config, Target } from '../../config/config.js';
import { ExitCode, GangwayError, UsageError } from '../../errors.js';
import { maintenancePage, messageProblem } from '../../proxy/maintenance-page.js';
import { type MaintenanceChange, MaintenanceRefused, setMaintenance } from '../../proxy/maintenance.js';
import { remoteLayout } from '../../server/layout.js';
import { strategyFor } from '../../strategy/index.js';
import { whoAmI } from '../../util/who.js';
import type { CommandContext } from '../context.js';

export interface MaintenanceOptions {
  message?: string;
  yes?: boolean;
  hosts?: string[];
}

type HostResult =
  | { host: string; ok: true; was: MaintenanceChange['was']; now: MaintenanceChange['now'] }
  | {
      host: string;
      ok: false;
      error: string;
    };

export async function runMaintenance(
  ctx: CommandContext,
  action: string,
  targetName: string | undefined,
  options: MaintenanceOptions,
): Promise<void> {
  const { reporter } = ctx;
  if (action !== 'on' && action !== 'off') throw new UsageError(`maintenance takes on or off, not "${action}"`);
  const on = action === 'on';
  if (!on && options.message !== undefined) throw new UsageError('--message is for maintenance on');
  const problem = options.message === undefined ? undefined : messageProblem(options.message);
  if (problem) throw new UsageError(`--message ${problem}`);
  const config = await ctx.loadConfig();
  const target = narrowTarget(ctx.target(config, targetName), options.hosts ?? []);
  requireProxy(config, target, 'gangway maintenance');
  reporter.heading(`gangway maintenance ${action} ${target.name} (${config.app})`);
  if (on && !options.yes)
    await confirm(ctx, `put ${config.app} on ${target.name} into maintenance (503 for every request)`);
  const info = { since: new Date().toISOString(), by: whoAmI(), ...(options.message && { message: options.message }) };
  const page = maintenancePage(options.message);
  const results = await Promise.all(
    target.hosts.map(async (spec): Promise<HostResult> => {
      try {
        const host = await ctx.openHost(target, spec);
        const layout = remoteLayout(await host.resolvePath(target.dir));
        const change = on ? ({ on: true, page, info } as const) : ({ on: false } as const);
        return { host: spec.label, ok: true, ...(await setMaintenance(host, layout.state, config.app, change)) };
      } catch (e) {
        if (e instanceof MaintenanceRefused) return { host: spec.label, ok: false, error: e.message };
        return { host: spec.label, ok: false, error: (e as Error).message };
      }
    }),
  );
  for (const r of results) {
    if (!r.ok) reporter.item('fail', r.host, r.error);
    else if (r.now === 'on')
      reporter.item(
        'ok',
        r.host,
        `maintenance on${r.was === 'on' ? ' (it was already; page updated)' : ''}: 503 with the page`,
      );
    else reporter.item('ok', r.host, r.was === 'on' ? 'maintenance off: the app answers again' : 'maintenance was off');
  }
  const failed = results.filter((r) => !r.ok);
  const document = { target: target.name, app: config.app, maintenance: action, hosts: results };
  if (failed.length)
    throw new GangwayError(
      'E_MAINTENANCE',
      ExitCode.failed,
      `maintenance ${action} failed on ${failed.map((r) => r.host).join(', ')}` +
        (failed.length < results.length ? ' (the other hosts were switched)' : ''),
      { details: document },
    );
  reporter.result({ ok: true, ...document });
}

/** Maintenance mode and --end-maintenance are the proxy's: an app without `proxy:` gets a clear error. */
export function requireProxy(config: Config, target: Target, what: string): void {
  if (!strategyFor(config, target).maintenancePage)
    throw new GangwayError(
      'E_NO_PROXY',
      ExitCode.usage,
      `${what} is for apps behind the proxy, and ${config.app} has no proxy: in gangway.yml`,
      { hints: ['maintenance mode is the proxy answering 503 with a page; add proxy: (blue/green) to use it'] },
    );
}

async function confirm(ctx: CommandContext, question: string): Promise<void> {
  if (!process.stdin.isTTY || ctx.reporter.json) return;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await rl.question(`${question}? [y/N] `);
  rl.close();
  if (!/^y(es)?$/i.test(answer.trim()))
    throw new GangwayError('E_ABORTED', ExitCode.failed, 'maintenance on cancelled; nothing was changed');
}
