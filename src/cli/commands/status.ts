/**
 * `gangway status [TARGET]`: the Go/No-Go checklist of seed 002 per host — every service running and healthy,
 * health endpoints answering, no fatal log lines, CPU and memory within thresholds — plus tags, restarts, disk,
 * the lock and the outcome of the last run. Exit 0 on GO, 1 on NO-GO. The facts are read by status/facts.ts and
 * judged by status/verdict.ts; this file prints them.
 */
import { narrowTarget } from '../../config/narrow-hosts.js';
import type { Config } from '../../config/config.js';
import { ExitCode, GangwayError, UsageError } from '../../errors.js';
import { formatExposition } from '../../metrics/exposition.js';
import { statusFamilies } from '../../status/prometheus-gauges.js';
import { notifyNoGo } from '../../notify/status-notice.js';
import { registerLocalEnvSecrets } from '../../operate/server-secrets.js';
import { formatCanary } from '../../proxy/canary-state.js';
import type { ProxyStatus } from '../../proxy/status.js';
import { formatBytes } from '../../output/reporter.js';
import { gatherHostFacts } from '../../status/facts.js';
import { judgeHost, serviceUp, UNREACHABLE, type HostStatus } from '../../status/verdict.js';
import { describeNodes, type SwarmStatus } from '../../swarm/status.js';
import type { CommandContext } from '../context.js';
import { managerTarget } from '../swarm-target.js';

export async function runStatus(
  ctx: CommandContext,
  targetName: string | undefined,
  onlyHosts: string[] = [],
  format: 'text' | 'prometheus' = 'text',
  notifyNoGoRuns = true,
): Promise<void> {
  const { reporter } = ctx;
  if (format === 'prometheus' && reporter.json) throw new UsageError('--format prometheus and --json: choose one');
  const config = await ctx.loadConfig();
  const target = await managerTarget(ctx, config, narrowTarget(ctx.target(config, targetName), onlyHosts)).catch(
    (e) => {
      // No manager answers: that is a NO-GO, not a failed preflight.
      throw new GangwayError('E_NO_GO', ExitCode.failed, `NO-GO: ${(e as Error).message}`, {
        ...((e as GangwayError).hints && { hints: (e as GangwayError).hints }),
      });
    },
  );
  await registerLocalEnvSecrets(config, ctx.scrubber);
  const now = new Date();
  const hosts = await Promise.all(
    target.hosts.map(async (spec) => judgeHost(await gatherHostFacts(ctx, config, target, spec), config, now)),
  );
  if (format === 'prometheus')
    process.stdout.write(ctx.scrubber.scrub(formatExposition(statusFamilies(config.app, target.name, hosts))));
  else printHosts(ctx, config, hosts);
  const go = hosts.every((h) => h.verdict === 'GO');
  const document = { target: target.name, verdict: go ? 'GO' : 'NO-GO', hosts };
  if (format === 'text') reporter.info(`\n${go ? 'GO' : 'NO-GO'}`);
  if (!go) {
    if (notifyNoGoRuns) await notifyNoGo(ctx, config, target.name, hosts);
    throw new GangwayError(
      'E_NO_GO',
      ExitCode.failed,
      `NO-GO: ${hosts.flatMap((h) => h.reasons.map((r) => `${h.host}: ${r}`)).join('; ')}`,
      { details: document },
    );
  }
  reporter.result({ ok: true, ...document });
}

function printHosts(ctx: CommandContext, config: Config, hosts: HostStatus[]): void {
  const { reporter } = ctx;
  for (const h of hosts) {
    reporter.heading(`host ${h.host}: ${h.verdict}`);
    if (!h.reachable) {
      reporter.item('warn', 'tags', UNREACHABLE);
      reporter.item('warn', 'lock', UNREACHABLE);
      for (const r of h.reasons) reporter.item('fail', 'NO-GO', r);
      continue;
    }
    reporter.item('info', 'tags', `current ${h.currentTag ?? 'none'}, last good ${h.lastGoodTag ?? 'none'}`);
    for (const s of h.services) {
      const usage =
        s.cpuPercent === undefined ? '' : `, CPU ${s.cpuPercent.toFixed(1)}%, memory ${s.memoryPercent?.toFixed(1)}%`;
      reporter.item(
        serviceUp(s) ? 'ok' : 'fail',
        `service ${s.service}`,
        `${s.state}, health ${s.health}, ${s.restarts} ` +
          `restarts${usage}${s.fatalLines ? `, ${s.fatalLines} fatal log lines` : ''}` +
          (s.image ? `, image ${s.image}` : ''),
      );
    }
    if (h.proxy) printProxy(ctx, h.proxy);
    if (h.swarm) printSwarm(ctx, h.swarm);
    for (const e of h.endpoints) reporter.item(e.ok ? 'ok' : 'fail', e.url, e.detail);
    if (h.disk)
      reporter.item(
        h.disk.freePercent < config.status.diskFreePercent ? 'warn' : 'ok',
        'disk',
        `${formatBytes(h.disk.freeBytes)} free (${h.disk.freePercent.toFixed(0)}%) on ${h.disk.mount}`,
      );
    reporter.item(h.lock ? 'warn' : 'ok', 'lock', h.lock ?? 'not locked');
    if (h.lastRun)
      reporter.item(
        h.lastRun.status === 'succeeded' || h.lastRun.status === 'rollback' ? 'ok' : 'warn',
        'last run',
        `${h.lastRun.tag} ${h.lastRun.status} at ${h.lastRun.finished ?? '?'}` +
          (h.lastRun.failing_step ? ` (${h.lastRun.failing_step}: ${h.lastRun.reason})` : ''),
      );
    for (const b of h.backups ?? [])
      reporter.item(
        'info',
        `backup ${b.name}`,
        `newest ${b.newest ?? 'none'}${b.at ? ` at ${b.at}` : ''}, verified ${b.lastVerified ?? 'never'}`,
      );
    for (const r of h.reasons) reporter.item('fail', 'NO-GO', r);
    for (const w of h.warnings) reporter.item('warn', 'note', w);
  }
  const serving = new Set(hosts.flatMap((h) => (h.currentTag ? [h.currentTag] : [])));
  if (serving.size > 1)
    reporter.item(
      'warn',
      'fleet',
      `hosts serve different tags: ${hosts.map((h) => `${h.host} ${tagOf(h)}`).join(', ')}`,
    );
}

const tagOf = (h: HostStatus) => (h.reachable ? (h.currentTag ?? 'none') : 'unknown');

function printProxy(ctx: CommandContext, p: ProxyStatus): void {
  const colours = p.colours
    .map((c) => `${c.colour} ${c.tag} (release ${c.releaseId})${colourRole(p, c.colour)}`)
    .join('; ');
  ctx.reporter.item(p.serving ? 'ok' : 'fail', 'colours', colours || 'none yet');
  if (p.canary) ctx.reporter.item('warn', 'canary', `rollout in progress: ${formatCanary(p.canary)}`);
  const upstreams = p.upstreams.map((u) => `${u.address} ${u.numRequests} in flight, ${u.fails} failed`).join('; ');
  ctx.reporter.item(
    p.proxy === 'running' ? 'ok' : 'fail',
    'proxy',
    `gangway-proxy ${p.proxy}${upstreams ? `; ${upstreams}` : ''}`,
  );
  if (p.maintenance) ctx.reporter.item('warn', 'maintenance', describeMaintenance(p.maintenance));
}

function describeMaintenance(m: NonNullable<ProxyStatus['maintenance']>): string {
  const since = m.since ? ` since ${m.since}` : '';
  const by = m.by ? ` (by ${m.by})` : '';
  const message = m.message ? `: "${m.message.replace(/\s+/g, ' ')}"` : '';
  return `on${since}${by}: the proxy answers 503 with the maintenance page${message}`;
}

const colourRole = (p: ProxyStatus, colour: string) =>
  colour === p.serving ? ' in service' : p.canary?.colour === colour ? `, canary (${p.canary.share}%)` : ', standby';

/** `name:tag (sha256:<12 hex>)`: the digest the spec pins, shortened (the tag alone may name another image now). */
const shortDigest = (image: string) => image.replace(/@(sha256:[0-9a-f]{12})[0-9a-f]*$/, ' ($1)').replace(/@.*/, '');

function printSwarm(ctx: CommandContext, s: SwarmStatus): void {
  for (const svc of s.services) {
    const ok = svc.running >= svc.desired && !['paused', 'rollback_paused', 'updating'].includes(svc.update);
    ctx.reporter.item(
      ok ? 'ok' : 'fail',
      `service ${svc.service}`,
      `${svc.running}/${svc.desired} tasks running (${svc.mode}), update ${svc.update}, ` +
        `${shortDigest(svc.image)}` +
        `${svc.fatalLines ? `, ${svc.fatalLines} fatal log lines` : ''}`,
    );
  }
  const down = s.nodes.some((n) => n.status !== 'Ready');
  ctx.reporter.item(down ? 'warn' : 'ok', 'nodes', describeNodes(s.nodes));
}
