/**
 * What the steps' unit tests run against: a FakeHost that also records the files written (path, text, mode)
 * and serves the files read, a connected HostSession on it, a plan around one strategy's apply step, and a
 * StepContext whose events are recorded.
 */
import type { Readable } from 'node:stream';
import type { Config } from '../../../src/config/config.js';
import type { HostEvents, StepContext, StepReport } from '../../../src/deploy/steps/context.js';
import { PlanPayload, type ApplyStep, type DeployPlan, type PlanStep } from '../../../src/plan/plan-types.js';
import { HostSession } from '../../../src/deploy/session.js';
import type { ExecOptions, ExecResult, WriteOptions } from '../../../src/hosts/host.js';
import { remoteLayout } from '../../../src/server/layout.js';
import type { LockHandle } from '../../../src/server/lock.js';
import { strategyFor } from '../../../src/strategy/index.js';
import { FakeHost, type Responder } from '../../delivery/fake-host.js';
import { COMPOSE, config as strategyConfig, planInput } from '../../strategy/helpers.js';

export const DIR = '/srv/shop';
export const ID = '20261122-043012-1a2b';
export const REL = `${DIR}/.gangway/releases/${ID}`;
export const RUN_LOG = `${DIR}/.gangway/runs/${ID}.log`;
export const LABEL = 'deploy@fake-host';

export interface Written {
  content: string;
  mode: number | undefined;
}

/** FakeHost with files: writes are recorded (never run), reads come from `files` (else ENOENT). */
export class FilesHost extends FakeHost {
  readonly written = new Map<string, Written>();
  readonly reads: string[] = [];

  constructor(
    respond: Responder,
    readonly files = new Map<string, string>(),
  ) {
    super(respond);
  }

  /** The session's liveness probe (`true`) answers 0 unrecorded: a failing command is a real failure, no reconnect. */
  override async exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    if (argv.length === 1 && argv[0] === 'true') return { code: 0, stdout: '', stderr: '' };
    return super.exec(argv, options);
  }

  override async writeFileAtomic(path: string, content: string | Buffer | Readable, options?: WriteOptions) {
    if (typeof content !== 'string' && !Buffer.isBuffer(content)) throw new Error('a stream was not expected');
    this.written.set(path, { content: content.toString(), mode: options?.mode });
  }

  override async readFile(path: string): Promise<Buffer> {
    this.reads.push(path);
    const text = this.files.get(path);
    if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    return Buffer.from(text);
  }
}

/** A parsed gangway.yml of each strategy (tests/strategy's shop: web and db, health on web, keep 4). */
export function configOf(strategy: ApplyStep['strategy'], extra = ''): Config {
  if (strategy === 'swarm') return strategyConfig(extra, 'swarm');
  if (strategy === 'blue-green') return strategyConfig(`proxy: { service: web, port: 8000 }\n${extra}`);
  return strategyConfig(extra);
}

/** The apply step the config's strategy plans for release ID and tag v2. */
export function applyOf(config: Config): ApplyStep {
  const input = { ...planInput(config), releaseId: ID };
  return strategyFor(config, { engine: config.targets['prod']!.engine }).planApply(input);
}

/** A one-host plan of deploy v2 (release ID) with these steps; the compose and env file as uploaded. */
export function planWith(steps: PlanStep[], over: Partial<DeployPlan> = {}): DeployPlan {
  return {
    app: 'shop',
    target: 'prod',
    operation: 'deploy',
    tag: { kind: 'given', value: 'v2' },
    imageName: 'ghcr.io/acme/shop',
    releaseId: ID,
    rolloutId: 'rollout-1',
    who: 'ana@laptop',
    composeFiles: [{ name: 'docker-compose.yml', localPath: '/x/docker-compose.yml', sha256: 'c0ffee', bytes: 1 }],
    env: { name: '.env', localPath: '/x/.env.prod', sha256: 'e0e0', bytes: 1 },
    hosts: [{ host: LABEL, dir: DIR, steps }],
    metricsTextfile: true,
    payload: new PlanPayload(new Map([['docker-compose.yml', Buffer.from(COMPOSE)]]), 'API_KEY=s3cret-value-1\n'),
    ...over,
  };
}

/** A lock handle that records what the apply step does with its heartbeat and release. */
export interface FakeLock extends LockHandle {
  calls: string[];
}

export function fakeLock(token = 'tok-1', then?: LockHandle['then']): FakeLock {
  const calls: string[] = [];
  return {
    token,
    calls,
    ...(then && { then }),
    stopHeartbeat: () => void calls.push('stopHeartbeat'),
    resumeHeartbeat: () => void calls.push('resumeHeartbeat'),
    release: async () => void calls.push('release'),
  };
}

export interface Recorded {
  ctx: StepContext;
  host: FilesHost;
  steps: StepReport[];
  logs: string[];
  lockWaits: string[];
  secrets: string[];
  progress: string[];
}

/** A StepContext on a connected session to `host`, its events recorded. */
export async function stepContext(
  host: FilesHost,
  plan: DeployPlan,
  over: Partial<StepContext> = {},
): Promise<Recorded> {
  const steps: StepReport[] = [];
  const logs: string[] = [];
  const lockWaits: string[] = [];
  const secrets: string[] = [];
  const progress: string[] = [];
  const events: HostEvents = {
    onStep: (s) => void steps.push(s),
    onLog: (l) => void logs.push(l),
    onLockWait: (holder) => void lockWaits.push(holder),
    onProgress: (label) => (progress.push(label), undefined),
    mask: (t) => t,
    registerSecrets: (t) => void secrets.push(t),
  };
  const session = new HostSession(
    LABEL,
    async () => host,
    async () => {
      throw new Error('no reconnect in a unit test');
    },
    { onLog: (l) => logs.push(l) },
  );
  await session.open();
  const ctx: StepContext = {
    label: LABEL,
    plan,
    session,
    layout: remoteLayout(DIR),
    compose: { flavour: 'v2', version: '2.29.0', argv: ['docker', 'compose'] },
    lock: fakeLock(),
    lockWaitMs: 0,
    events,
    results: { bytesSent: 0 },
    ...over,
  };
  return { ctx, host, steps, logs, lockWaits, secrets, progress };
}

/** A responder that fails the test's expectations loudly: every command not named answers exit 127. */
export function answers(table: [(argv: readonly string[]) => boolean, ReturnType<Responder>][]): Responder {
  return (argv) => table.find(([match]) => match(argv))?.[1] ?? { code: 127, stderr: `unexpected ${argv[0]}` };
}

/** The name of a server script an argv runs (`sh -c <script> <name> args…`), else undefined. */
export const scriptOf = (argv: readonly string[]) => (argv[0] === 'sh' && argv[1] === '-c' ? argv[3] : undefined);
