/**
 * What `gangway status` reads on one host, in as few round trips as it can: the release state and lock, the
 * running services (or the Swarm stack), disk, health endpoints, backups, a rollout left behind, blue/green's
 * proxy and drift. Only reading here; `judgeHost` (verdict.ts) decides GO or NO-GO from these facts.
 */
import { readBackupLog } from '../backup/remote.js';
import type { BackupRecord } from '../backup/records.js';
import { diskSpace, type DiskSpace } from '../check/disk.js';
import type { Config, Target } from '../config/config.js';
import type { HostSpec } from '../config/hosts.js';
import { hostDrift } from '../drift/host-drift.js';
import type { DriftFinding } from '../drift/judge.js';
import type { Host } from '../hosts/host.js';
import { checkEndpoints, type EndpointResult } from '../operate/endpoints.js';
import { inspectServices, type ServiceState } from '../operate/inspect.js';
import { registerServerEnvSecrets } from '../operate/server-secrets.js';
import type { ProxyStatus } from '../proxy/status.js';
import type { Scrubber } from '../redact/scrubber.js';
import { remoteLayout } from '../server/layout.js';
import { readRolloutMarker, type RolloutMarker } from '../server/rollout-marker.js';
import { readServerState, type ServerState } from '../server/state.js';
import { strategyFor } from '../strategy/index.js';
import type { SwarmStatus } from '../swarm/status.js';

/** A host that could not be opened: nothing about it is known. */
export interface UnreachedHost {
  host: string;
  unreachable: string;
}

export interface ReachedHost {
  host: string;
  state: ServerState;
  /** Compose's containers of the app (and of the colour in service); none on a Swarm. */
  services: ServiceState[];
  disk: DiskSpace | { error: string };
  endpoints: EndpointResult[];
  /** Empty when the config has no backups. */
  backupLog: BackupRecord[];
  rollout?: RolloutMarker;
  /** Blue/green only. */
  proxy?: ProxyStatus;
  /** Swarm only: the stack as the manager sees it. */
  swarm?: SwarmStatus;
  /** Absent when drift was not read (a Swarm) or could not be. */
  drift?: { findings: DriftFinding[] };
}

export type HostFacts = ReachedHost | UnreachedHost;

/** What of a command's context reading a host needs (a CommandContext is one). */
export interface HostReach {
  scrubber: Scrubber;
  openHost(target: Target, spec: HostSpec): Promise<Host>;
}

export async function gatherHostFacts(
  reach: HostReach,
  config: Config,
  target: Target,
  spec: HostSpec,
): Promise<HostFacts> {
  let host: Host;
  try {
    host = await reach.openHost(target, spec);
  } catch (e) {
    return { host: spec.label, unreachable: (e as Error).message };
  }
  const dir = await host.resolvePath(target.dir);
  await registerServerEnvSecrets(host, dir, reach.scrubber);
  const layout = remoteLayout(dir);
  const { projects, proxy, swarm } = await strategyFor(config, target).readStatus(host, layout.state, config);
  const [state, services, disk, endpoints, backupLog, rollout, drift] = await Promise.all([
    readServerState(host, layout),
    projects ? inspectServices(host, projects, config.health.fatalLogs) : [],
    diskSpace(host, dir),
    checkEndpoints(host, [...config.health.http.map((h) => h.url), ...config.health.smoke]),
    config.backups.length > 0 ? readBackupLog(host, layout) : [],
    readRolloutMarker(host, layout),
    // Drift compares Compose's containers with the release: without Compose (a swarm stack) there are none.
    projects ? hostDrift(host, config, target, reach.scrubber).catch(() => undefined) : undefined, // a warning
  ]);
  return {
    host: spec.label,
    state,
    services,
    disk,
    endpoints,
    backupLog,
    ...(rollout && { rollout }),
    ...(proxy && { proxy }),
    ...(swarm && { swarm }),
    ...(drift && { drift }),
  };
}
