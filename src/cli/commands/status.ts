/**
 * `gangway status [TARGET]`: the Go/No-Go checklist of seed 002 per host — every service running and healthy,
 * health endpoints answering, no fatal log lines, CPU and memory within thresholds — plus tags, restarts, disk,
 * the lock and the outcome of the last run. Exit 0 on GO, 1 on NO-GO.
 */
import { backupHealth, type BackupHealth } from '../../backup/status.js';
import { readBackupLog } from '../../backup/remote.js';
import { narrowTarget } from '../../config/narrow-hosts.js';
import { diskSpace } from '../../check/disk.js';
import type { Config, Target } from '../../config/config.js';
import type { HostSpec } from '../../config/hosts.js';
import { remoteLayout } from '../../server/layout.js';
import { describeHolder } from '../../server/lock.js';
import { ExitCode, GangwayError, UsageError } from '../../errors.js';
import { hostDrift } from '../../drift/host-drift.js';
import { formatExposition } from '../../metrics/exposition.js';
import { statusFamilies } from '../../metrics/status-gauges.js';
import { notifyNoGo } from '../../notify/status-notice.js';
import type { Host } from '../../hosts/host.js';
import { inspectServices, type ServiceState } from '../../operate/inspect.js';
import { registerLocalEnvSecrets, registerServerEnvSecrets } from '../../operate/server-secrets.js';
import { isGood } from '../../server/records.js';
import { describeUnfinished, readRolloutMarker } from '../../server/rollout-marker.js';
import { readServerState } from '../../server/state.js';
import { checkEndpoints } from '../../operate/endpoints.js';
import { readProxyStatus, type ProxyStatus } from '../../proxy/status.js';
import { formatBytes } from '../../output/reporter.js';
import type { CommandContext } from '../context.js';
import { managerTarget } from '../swarm-target.js';
import { describeNodes, readSwarmStatus, swarmVerdict, type SwarmStatus } from '../../swarm/status.js';

/** What is shown for a fact of a host that could not be read: never "free", "none" or "clean". */
export const UNREACHABLE = 'unknown (host unreachable)';

interface HostStatus {
  host: string;
  verdict: 'GO' | 'NO-GO';
  /** false: nothing below was read; the facts that would need the host are null (unknown), not false or none. */
  reachable: boolean;
  reasons: string[];
  warnings: string[];
  currentTag?: string | null;
  lastGoodTag?: string | null;
  /** Whether the deploy lock is held; null when the host could not be read. */
  locked: boolean | null;
  services: ServiceState[];
  endpoints: { url: string; ok: boolean; detail: string }[];
  disk?: { freeBytes: number; freePercent: number; mount: string };
  backups?: BackupHealth['summary'];
  lock?: string;
  lastRun?: { id: string; tag: string; status: string; finished?: string; failing_step?: string; reason?: string };
  /** Blue/green: the colour in service, the colours kept, the proxy and its upstreams. */
  proxy?: ProxyStatus;
  /** Swarm: the stack's services (tasks, image, last update) and the nodes, as the manager sees them. */
  swarm?: SwarmStatus;
  /** The server changed outside gangway (`gangway drift` lists what); a warning, never NO-GO by itself. */
  drifted?: boolean | null;
}

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
  const target = await managerTarget(ctx, narrowTarget(ctx.target(config, targetName), onlyHosts)).catch((e) => {
    // No manager answers: that is a NO-GO, not a failed preflight.
    throw new GangwayError('E_NO_GO', ExitCode.failed, `NO-GO: ${(e as Error).message}`, {
      ...((e as GangwayError).hints && { hints: (e as GangwayError).hints }),
    });
  });
  await registerLocalEnvSecrets(config, ctx.scrubber);
  const hosts = await Promise.all(target.hosts.map((spec) => hostStatus(ctx, config, target, spec)));
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
      const ok = s.state === 'running' && s.health !== 'unhealthy' && s.health !== 'starting';
      const usage =
        s.cpuPercent === undefined ? '' : `, CPU ${s.cpuPercent.toFixed(1)}%, memory ${s.memoryPercent?.toFixed(1)}%`;
      reporter.item(
        ok ? 'ok' : 'fail',
        `service ${s.service}`,
        `${s.state}, health ${s.health}, ${s.restarts} ` +
          `restarts${usage}${s.fatalLines ? `, ${s.fatalLines} fatal log lines` : ''}`,
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

async function hostStatus(ctx: CommandContext, config: Config, target: Target, spec: HostSpec): Promise<HostStatus> {
  const status: HostStatus = {
    host: spec.label,
    verdict: 'GO',
    reachable: true,
    reasons: [],
    warnings: [],
    services: [],
    endpoints: [],
    locked: false,
  };
  let host: Host;
  try {
    host = await ctx.openHost(target, spec);
  } catch (e) {
    return {
      ...status,
      verdict: 'NO-GO',
      reachable: false,
      currentTag: null,
      lastGoodTag: null,
      locked: null,
      drifted: null,
      reasons: [`unreachable: ${(e as Error).message}`],
    };
  }
  const dir = await host.resolvePath(target.dir);
  await registerServerEnvSecrets(host, dir, ctx.scrubber);
  const layout = remoteLayout(dir);
  const proxy = config.proxy ? await readProxyStatus(host, layout.state, config.app) : undefined;
  const projects = [config.app, ...(proxy?.serving ? [`${config.app}-${proxy.serving}`] : [])];
  const swarm = target.engine === 'swarm';
  const [state, services, disk, endpoints, backupLog, rollout, stack, drift] = await Promise.all([
    readServerState(host, layout),
    swarm ? [] : inspectServices(host, projects, config.health.fatalLogs),
    diskSpace(host, dir),
    checkEndpoints(host, [...config.health.http.map((h) => h.url), ...config.health.smoke]),
    config.backups.length > 0 ? readBackupLog(host, layout) : [],
    readRolloutMarker(host, layout),
    swarm ? readSwarmStatus(host, config.app, config.health.fatalLogs) : undefined,
    // Drift compares Compose's containers with the release: a swarm stack has none.
    swarm ? undefined : hostDrift(host, config, target.dir, ctx.scrubber).catch(() => undefined), // a warning at most
  ]);
  if (stack) {
    status.swarm = stack;
    const verdict = swarmVerdict(stack, state.current !== undefined);
    status.reasons.push(...verdict.reasons);
    status.warnings.push(...verdict.warnings);
  }
  status.services = services;
  if (proxy) {
    status.proxy = proxy;
    if (proxy.proxy !== 'running') status.reasons.push(`the proxy gangway-proxy is ${proxy.proxy}`);
    if (!proxy.serving && state.current) status.reasons.push('no colour is serving behind the proxy');
  }
  status.endpoints = endpoints;
  if (state.current?.tag) status.currentTag = state.current.tag;
  if (state.lastGoodTag) status.lastGoodTag = state.lastGoodTag;
  const last = state.records.at(-1);
  if (last)
    status.lastRun = {
      id: last.id,
      tag: last.tag,
      status: last.status,
      ...(last.finished && { finished: last.finished }),
      ...(last.failing_step && { failing_step: last.failing_step, reason: last.reason ?? '' }),
    };
  if (!('error' in disk))
    status.disk = {
      freeBytes: disk.availableBytes,
      freePercent: (disk.availableBytes / Math.max(1, disk.totalBytes)) * 100,
      mount: disk.mount,
    };

  const t = config.status;
  if (!state.current) status.reasons.push('nothing deployed here');
  if (services.length === 0 && state.current && !stack) status.reasons.push('no containers of this app');
  for (const s of services) {
    if (s.state !== 'running') status.reasons.push(`${s.service} is ${s.state}`);
    else if (s.health === 'unhealthy' || s.health === 'starting') status.reasons.push(`${s.service} is ${s.health}`);
    if (s.fatalLines > 0)
      status.reasons.push(
        `${s.service}: ${s.fatalLines} fatal log line(s) in the last ${config.health.fatalLogs?.tail ?? 0}`,
      );
    if (s.cpuPercent !== undefined && s.cpuPercent > t.cpuPercent)
      status.reasons.push(`${s.service}: CPU ${s.cpuPercent.toFixed(1)}% over ${t.cpuPercent}%`);
    if (s.memoryPercent !== undefined && s.memoryPercent > t.memoryPercent)
      status.reasons.push(`${s.service}: memory ${s.memoryPercent.toFixed(1)}% over ${t.memoryPercent}%`);
    if (s.restarts > 0) status.warnings.push(`${s.service} restarted ${s.restarts} time(s)`);
  }
  for (const e of endpoints.filter((x) => !x.ok)) status.reasons.push(`${e.url}: ${e.detail}`);
  if (status.disk && status.disk.freePercent < t.diskFreePercent)
    status.warnings.push(`only ${status.disk.freePercent.toFixed(0)}% disk free (under ${t.diskFreePercent}%)`);
  if (state.lock) {
    const { lock } = state;
    const running = !lock.stale && lock.applyPid !== undefined;
    const how = lock.stale
      ? ` — stale: ${lock.stale} (\`gangway lock release\`)`
      : running
        ? ` — an apply is running (pid ${lock.applyPid})`
        : '';
    status.lock = `held by ${describeHolder(lock.info)}${how}`;
    status.locked = true;
    if (!lock.stale) status.reasons.push('a deploy is in progress');
  }
  if (state.unfinished && (!state.lock || state.lock.stale)) {
    status.reasons.push(
      `release ${state.unfinished} was left unfinished by an apply that died: \`gangway deploy\` or \`gangway ` +
        `rollback\` recovers it`,
    );
  }
  if (rollout && (!state.lock || state.lock.stale))
    status.reasons.push(
      `${describeUnfinished(rollout)}: \`gangway deploy\` finishes it on every host, \`gangway rollback\` ` +
        'takes every host back',
    );
  if (state.current && drift) {
    status.drifted = drift.findings.length > 0;
    if (status.drifted)
      status.warnings.push(`drift: ${drift.findings.map((f) => `${f.kind} ${f.name}`).join(', ')} (gangway drift)`);
  }
  if (last && !isGood(last)) status.warnings.push(`the last run (${last.tag}) ended ${last.status}`);
  if (config.backups.length > 0) {
    const backups = backupHealth(backupLog, config.backups, new Date());
    status.backups = backups.summary;
    status.reasons.push(...backups.reasons);
    status.warnings.push(...backups.warnings);
  }
  status.verdict = status.reasons.length === 0 ? 'GO' : 'NO-GO';
  return status;
}

function printProxy(ctx: CommandContext, p: ProxyStatus): void {
  const colours = p.colours
    .map((c) => `${c.colour} ${c.tag} (release ${c.releaseId})${c.colour === p.serving ? ' in service' : ', standby'}`)
    .join('; ');
  ctx.reporter.item(p.serving ? 'ok' : 'fail', 'colours', colours || 'none yet');
  const upstreams = p.upstreams.map((u) => `${u.address} ${u.numRequests} in flight, ${u.fails} failed`).join('; ');
  ctx.reporter.item(
    p.proxy === 'running' ? 'ok' : 'fail',
    'proxy',
    `gangway-proxy ${p.proxy}${upstreams ? `; ${upstreams}` : ''}`,
  );
}

function printSwarm(ctx: CommandContext, s: SwarmStatus): void {
  for (const svc of s.services) {
    const ok = svc.running >= svc.desired && !['paused', 'rollback_paused', 'updating'].includes(svc.update);
    ctx.reporter.item(
      ok ? 'ok' : 'fail',
      `service ${svc.service}`,
      `${svc.running}/${svc.desired} tasks running (${svc.mode}), update ${svc.update}, ` +
        `${svc.image.replace(/@.*/, '')}` +
        `${svc.fatalLines ? `, ${svc.fatalLines} fatal log lines` : ''}`,
    );
  }
  const down = s.nodes.some((n) => n.status !== 'Ready');
  ctx.reporter.item(down ? 'warn' : 'ok', 'nodes', describeNodes(s.nodes));
}

/** One attempt per URL, from the server itself (localhost means the server, as in the health gate). */
