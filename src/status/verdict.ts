/**
 * GO or NO-GO for one host, from the facts `gatherHostFacts` read (pure, like drift/judge.ts): seed 002's
 * checklist — deployed, every service running and healthy, health endpoints answering, no fatal log lines, CPU
 * and memory within thresholds, no deploy in progress or left unfinished, backups within their rpo. Anything
 * else worth knowing (restarts, low disk, drift, a failed last run) is a warning, never NO-GO by itself.
 */
import { backupHealth, type BackupHealth } from '../backup/status.js';
import type { BackupConfig, Config } from '../config/config.js';
import type { EndpointResult } from '../operate/endpoints.js';
import type { ServiceState } from '../operate/inspect.js';
import type { ProxyStatus } from '../proxy/status.js';
import { describeHolder } from '../server/lock.js';
import { isGood } from '../server/records.js';
import { describeUnfinished } from '../server/rollout-marker.js';
import type { ServerLock } from '../server/state.js';
import { swarmVerdict, type SwarmStatus } from '../swarm/status.js';
import type { HostFacts, ReachedHost } from './facts.js';

/** What is shown for a fact of a host that could not be read: never "free", "none" or "clean". */
export const UNREACHABLE = 'unknown (host unreachable)';

export interface HostStatus {
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
  endpoints: EndpointResult[];
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

/** The parts of the config the rules read (a Config is one). */
export interface StatusPolicy {
  status: Config['status'];
  health: { fatalLogs?: { tail: number } | undefined };
  backups: readonly BackupConfig[];
}

interface Findings {
  reasons: string[];
  warnings: string[];
}

type Rule = (facts: ReachedHost, policy: StatusPolicy, now: Date) => Partial<Findings>;

/** Running, and healthy or without a healthcheck. */
export const serviceUp = (s: ServiceState): boolean =>
  s.state === 'running' && s.health !== 'unhealthy' && s.health !== 'starting';

export function judgeHost(facts: HostFacts, policy: StatusPolicy, now: Date): HostStatus {
  if ('unreachable' in facts)
    return {
      host: facts.host,
      verdict: 'NO-GO',
      reachable: false,
      reasons: [`unreachable: ${facts.unreachable}`],
      warnings: [],
      services: [],
      endpoints: [],
      locked: null,
      currentTag: null,
      lastGoodTag: null,
      drifted: null,
    };
  const { state } = facts;
  const reasons: string[] = [];
  const warnings: string[] = [];
  for (const rule of RULES) {
    const found = rule(facts, policy, now);
    reasons.push(...(found.reasons ?? []));
    warnings.push(...(found.warnings ?? []));
  }
  const last = state.records.at(-1);
  const disk = diskFree(facts);
  const backups = policy.backups.length > 0 ? backupHealth(facts.backupLog, policy.backups, now) : undefined;
  // The keys in the order `--json` has always printed them.
  return {
    host: facts.host,
    verdict: reasons.length === 0 ? 'GO' : 'NO-GO',
    reachable: true,
    reasons,
    warnings,
    services: facts.services,
    endpoints: facts.endpoints,
    locked: state.lock !== undefined,
    ...(facts.swarm && { swarm: facts.swarm }),
    ...(facts.proxy && { proxy: facts.proxy }),
    ...(state.current?.tag && { currentTag: state.current.tag }),
    ...(state.lastGoodTag && { lastGoodTag: state.lastGoodTag }),
    ...(last && {
      lastRun: {
        id: last.id,
        tag: last.tag,
        status: last.status,
        ...(last.finished && { finished: last.finished }),
        ...(last.failing_step && { failing_step: last.failing_step, reason: last.reason ?? '' }),
      },
    }),
    ...(disk && { disk }),
    ...(state.lock && { lock: describeLock(state.lock) }),
    ...(state.current && facts.drift && { drifted: facts.drift.findings.length > 0 }),
    ...(backups && { backups: backups.summary }),
  };
}

function diskFree(facts: ReachedHost): HostStatus['disk'] {
  const { disk } = facts;
  if ('error' in disk) return undefined;
  return {
    freeBytes: disk.availableBytes,
    freePercent: (disk.availableBytes / Math.max(1, disk.totalBytes)) * 100,
    mount: disk.mount,
  };
}

function describeLock(lock: ServerLock): string {
  const running = !lock.stale && lock.applyPid !== undefined;
  const how = lock.stale
    ? ` — stale: ${lock.stale} (\`gangway lock release\`)`
    : running
      ? ` — an apply is running (pid ${lock.applyPid})`
      : '';
  return `held by ${describeHolder(lock.info)}${how}`;
}

/** No live lock: a stale one's holder is gone, so what it left is nobody's work in progress. */
const noLiveLock = (f: ReachedHost) => !f.state.lock || f.state.lock.stale !== undefined;

const swarmRule: Rule = (f) => (f.swarm ? swarmVerdict(f.swarm, f.state.current !== undefined) : {});

const proxyRule: Rule = (f) => ({
  reasons: [
    ...(f.proxy && f.proxy.proxy !== 'running' ? [`the proxy gangway-proxy is ${f.proxy.proxy}`] : []),
    ...(f.proxy && !f.proxy.serving && f.state.current ? ['no colour is serving behind the proxy'] : []),
  ],
});

const deployedRule: Rule = (f) => ({
  reasons: [
    ...(f.state.current ? [] : ['nothing deployed here']),
    ...(f.services.length === 0 && f.state.current && !f.swarm ? ['no containers of this app'] : []),
  ],
});

const servicesRule: Rule = (f, policy) => {
  const t = policy.status;
  const out: Findings = { reasons: [], warnings: [] };
  for (const s of f.services) {
    if (s.state !== 'running') out.reasons.push(`${s.service} is ${s.state}`);
    else if (!serviceUp(s)) out.reasons.push(`${s.service} is ${s.health}`);
    if (s.fatalLines > 0)
      out.reasons.push(
        `${s.service}: ${s.fatalLines} fatal log line(s) in the last ${policy.health.fatalLogs?.tail ?? 0}`,
      );
    if (s.cpuPercent !== undefined && s.cpuPercent > t.cpuPercent)
      out.reasons.push(`${s.service}: CPU ${s.cpuPercent.toFixed(1)}% over ${t.cpuPercent}%`);
    if (s.memoryPercent !== undefined && s.memoryPercent > t.memoryPercent)
      out.reasons.push(`${s.service}: memory ${s.memoryPercent.toFixed(1)}% over ${t.memoryPercent}%`);
    if (s.restarts > 0) out.warnings.push(`${s.service} restarted ${s.restarts} time(s)`);
  }
  return out;
};

const endpointsRule: Rule = (f) => ({ reasons: f.endpoints.filter((e) => !e.ok).map((e) => `${e.url}: ${e.detail}`) });

const diskRule: Rule = (f, policy) => {
  const disk = diskFree(f);
  const floor = policy.status.diskFreePercent;
  return disk && disk.freePercent < floor
    ? { warnings: [`only ${disk.freePercent.toFixed(0)}% disk free (under ${floor}%)`] }
    : {};
};

const lockRule: Rule = (f) => ({ reasons: f.state.lock && !f.state.lock.stale ? ['a deploy is in progress'] : [] });

const unfinishedRule: Rule = (f) => ({
  reasons: [
    ...(f.state.unfinished && noLiveLock(f)
      ? [
          `release ${f.state.unfinished} was left unfinished by an apply that died: \`gangway deploy\` or \`gangway ` +
            `rollback\` recovers it`,
        ]
      : []),
    ...(f.rollout && noLiveLock(f)
      ? [
          `${describeUnfinished(f.rollout)}: \`gangway deploy\` finishes it on every host, \`gangway rollback\` ` +
            'takes every host back',
        ]
      : []),
  ],
});

const driftRule: Rule = (f) => {
  const findings = f.state.current ? (f.drift?.findings ?? []) : [];
  return findings.length > 0
    ? { warnings: [`drift: ${findings.map((d) => `${d.kind} ${d.name}`).join(', ')} (gangway drift)`] }
    : {};
};

const lastRunRule: Rule = (f) => {
  const last = f.state.records.at(-1);
  return last && !isGood(last) ? { warnings: [`the last run (${last.tag}) ended ${last.status}`] } : {};
};

const backupsRule: Rule = (f, policy, now) =>
  policy.backups.length > 0 ? backupHealth(f.backupLog, policy.backups, now) : {};

/** In the order their reasons and warnings are listed. */
const RULES: readonly Rule[] = [
  swarmRule,
  proxyRule,
  deployedRule,
  servicesRule,
  endpointsRule,
  diskRule,
  lockRule,
  unfinishedRule,
  driftRule,
  lastRunRule,
  backupsRule,
];
