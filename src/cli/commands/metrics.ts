/**
 * `gangway metrics [TARGET]`: every host's <dir>/.gangway/metrics.prom (written by each apply and backup), each
 * sample labelled with its host, as one Prometheus exposition on stdout (for a scrape job or a textfile).
 */
import { ExitCode, GangwayError } from '../../errors.js';
import { formatExposition, mergeFamilies, parseExposition, withLabel, type Family } from '../../metrics/exposition.js';
import { remoteLayout } from '../../server/layout.js';
import type { CommandContext } from '../context.js';

interface HostMetrics {
  host: string;
  families: Family[];
  /** Why there is nothing from this host. */
  problem?: string;
  unreachable?: boolean;
}

export const metricsFile = (dir: string) => `${remoteLayout(dir).state}/metrics.prom`;

export async function runMetrics(ctx: CommandContext, targetName: string | undefined): Promise<void> {
  const config = await ctx.loadConfig();
  const target = ctx.target(config, targetName);
  const hosts = await Promise.all(
    target.hosts.map(async (spec): Promise<HostMetrics> => {
      let host;
      try {
        host = await ctx.openHost(target, spec);
      } catch (e) {
        return { host: spec.label, families: [], problem: (e as Error).message, unreachable: true };
      }
      const file = metricsFile(await host.resolvePath(target.dir));
      const text = await host
        .readFile(file)
        .then((b) => b.toString('utf8'))
        .catch(() => undefined);
      if (text === undefined)
        return { host: spec.label, families: [], problem: `no ${file} yet (it is written by each deploy and backup)` };
      const { families, skipped } = parseExposition(text);
      return {
        host: spec.label,
        families: withLabel(families, 'host', spec.label),
        ...(skipped > 0 && { problem: `${skipped} unreadable line(s) in ${file} skipped` }),
      };
    }),
  );
  for (const h of hosts) if (h.problem) ctx.reporter.warn(`${h.host}: ${h.problem}`);
  const exposition = formatExposition(mergeFamilies(hosts.map((h) => h.families)));
  const document = {
    target: target.name,
    hosts: hosts.map((h) => ({ host: h.host, samples: h.families.reduce((n, f) => n + f.samples.length, 0) })),
    exposition,
  };
  if (!ctx.reporter.json && exposition) process.stdout.write(ctx.scrubber.scrub(exposition));
  const unreachable = hosts.filter((h) => h.unreachable);
  if (unreachable.length > 0)
    throw new GangwayError(
      'E_METRICS',
      ExitCode.failed,
      `could not read the metrics of ${unreachable.map((h) => h.host).join(', ')}`,
      { details: document },
    );
  ctx.reporter.result({ ok: true, ...document });
}
