/**
 * One host's run against a fake host, after its lock: the steps in plan order, the outcome made of the apply's
 * result, and each way it ends without moving (a step failing, a rollback to the tag in place, a host the
 * unfinished rollout never moved), with the lock handed back. Also putting a moved host back (revertHost), and
 * handing the lock back after a failure over a new connection when the old one dropped (releaseAfterFailure).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LockedHost } from '../../src/deploy/host-run.js';
import { lockHost, releaseAfterFailure, revertHost, runHost, type HostOutcome } from '../../src/deploy/host-run.js';
import type { HostSpec } from '../../src/config/hosts.js';
import type { ComposeCli } from '../../src/docker/compose-cli.js';
import { parseServerState } from '../../src/server/state.js';
import { HostSession } from '../../src/deploy/session.js';
import type { DeliverStep, DeployPlan, DirsStep, ReleaseStep } from '../../src/plan/plan-types.js';
import { dirsCommand } from '../../src/deploy/steps/dirs.js';
import { remoteLayout } from '../../src/server/layout.js';
import { runScript } from '../../src/server/scripts.js';
import {
  applyOf,
  configOf,
  DIR,
  fakeLock,
  FilesHost,
  ID,
  LABEL,
  planWith,
  REL,
  RUN_LOG,
  scriptOf,
  stepContext,
} from './steps/step-context.js';

const layout = remoteLayout(DIR);
const IMAGE = 'ghcr.io/acme/shop:v2';
const IMAGE_ID = `sha256:${'ab'.repeat(32)}`;
const INSPECTED = { Id: IMAGE_ID, Os: 'linux', Architecture: 'amd64', Variant: '' };
const PLATFORMS = `linux|x86_64\n${JSON.stringify(INSPECTED)}\n`;
const DIRS: DirsStep = { kind: 'dirs', title: 'dirs', does: [], dirs: [] };
const DELIVER: DeliverStep = {
  kind: 'deliver',
  title: 'deliver',
  does: [],
  delivery: { mode: 'registry', image: IMAGE },
};
const UPLOAD: ReleaseStep = { kind: 'release', title: 'release', does: [], source: { kind: 'upload' } };
const config = configOf('recreate');
const APPLY = applyOf(config);
const OLD = '20261120-000000-0001';

const event = (e: object) => `::gangway:: ${JSON.stringify(e)}\n`;
const SUCCEEDED = { event: 'result', status: 'succeeded', outcome: 'succeeded', serving: 'v2' };

/** A server: a registry pull that works (or `pullFails`), start.sh, and one run-log read giving `result`. */
function server(
  options: { result?: object; pullFails?: boolean; copied?: string; platforms?: string } = {},
): FilesHost {
  let pulled = false;
  const host = new FilesHost((argv) => {
    const script = scriptOf(argv);
    if (argv[1] === 'pull')
      return options.pullFails ? { code: 1, stderr: 'manifest unknown\n' } : ((pulled = true), { stdout: '' });
    if (argv[1] === 'image') return pulled ? { stdout: `${IMAGE_ID}\n` } : { code: 1, stderr: 'No such image\n' };
    if (script === 'sh') return { stdout: options.platforms ?? PLATFORMS };
    if (argv[1] === 'tag') return { stdout: '' };
    if (script === 'start.sh') return { stdout: '4242 0\n' };
    if (script === 'follow') return { stdout: event(options.result ?? SUCCEEDED) };
    if (script === 'state.sh') return { stdout: `@@current\n${OLD}\n@@retained\n${OLD} v1\n` };
    if (script === 'copy-release.sh') return { stdout: options.copied ?? 'v1\n' };
    return { code: 127, stderr: `unexpected ${argv.join(' ')}` };
  });
  host.files.set(`${REL}/files`, 'docker-compose.yml\n');
  return host;
}

/** A host locked for `plan` (the dirs made in the lock's round trip), v1 (release OLD) in place. */
async function locked(host: FilesHost, plan: DeployPlan, over: Partial<LockedHost> = {}) {
  const lock = fakeLock('tok-1', { argv: dirsCommand(layout, [], ID), code: 0, stdout: '' });
  const r = await stepContext(host, plan, { lock });
  const l: LockedHost = {
    spec: { label: LABEL } as LockedHost['spec'],
    ctx: r.ctx,
    steps: [],
    started: 0,
    before: { id: OLD, tag: 'v1', rollout: 'rollout-0' },
    ...over,
  };
  return { ...r, locked: l, lock };
}

const names = (o: HostOutcome) => o.steps.map((s) => `${s.step} ${s.status}`);

test('runHost: dirs, deliver, upload, then the apply; the outcome: its result, what the steps recorded', async () => {
  const host = server();
  const { locked: l, lock, steps } = await locked(host, planWith([DIRS, DELIVER, UPLOAD, APPLY]));
  const o = await runHost(l, false);
  assert.deepEqual(names(o), ['dirs ok', 'deliver ok', 'upload ok']);
  assert.deepEqual(
    steps.map((s) => s.step),
    ['dirs', 'deliver', 'upload', 'start apply'],
  );
  assert.equal(o.steps[0]!.detail, 'made with the lock', 'no command for dirs');
  assert.deepEqual(
    host.calls.map((c) => scriptOf(c.argv) ?? c.argv.slice(0, 2).join(' ')),
    ['docker image', 'docker pull', 'sh', 'docker image', 'start.sh', 'follow'],
  );
  assert.ok(host.written.has(`${REL}/vars.sh`));
  assert.equal(o.host, LABEL);
  assert.equal(o.result, 'succeeded');
  assert.equal(o.status, 'succeeded');
  assert.equal(o.from, 'v1');
  assert.equal(o.tag, 'v2');
  assert.equal(o.serving, 'v2');
  assert.equal(o.imageId, IMAGE_ID);
  assert.equal(o.bytesSent, 0);
  assert.equal(o.runLog, RUN_LOG);
  assert.ok(o.movedAt && !Number.isNaN(Date.parse(o.movedAt)));
  assert.equal(o.failingStep, undefined);
  assert.deepEqual(lock.calls, ['stopHeartbeat'], 'the apply released the lock itself');
});

test("runHost: a release rolled back by its gate is the outcome, with the failing release's first error", async () => {
  const failed = { ...SUCCEEDED, status: 'failed', outcome: 'rolled_back', serving: 'v1', failing_step: 'health' };
  const host = server({ result: { ...failed, reason: 'web unhealthy' } });
  host.files.set(`${REL}/failure.log`, 'web-1 | starting\nweb-1 | Error: cannot connect to db\n');
  const { locked: l, logs } = await locked(host, planWith([UPLOAD, APPLY]));
  const o = await runHost(l, false);
  assert.equal(o.result, 'rolled_back');
  assert.equal(o.serving, 'v1');
  assert.equal(o.failingStep, 'health');
  assert.equal(o.reason, 'web unhealthy');
  assert.equal(o.movedAt, undefined);
  assert.equal(o.firstErrorLine, 'web-1 | Error: cannot connect to db');
  assert.ok(logs.includes('first error line: web-1 | Error: cannot connect to db'));
});

test('runHost: a step failing before the apply leaves the host unchanged and hands the lock back', async () => {
  const host = server({ pullFails: true });
  const { locked: l, lock, logs } = await locked(host, planWith([DELIVER, UPLOAD, APPLY]));
  const o = await runHost(l, false);
  assert.equal(o.result, 'unchanged');
  assert.equal(o.serving, 'unchanged');
  assert.equal(o.failingStep, 'before apply');
  assert.match(o.reason!, /docker pull ghcr\.io\/acme\/shop:v2 failed/);
  assert.deepEqual(names(o), ['deliver fail']);
  assert.equal(host.written.size, 0, 'no release written');
  assert.ok(!host.calls.some((c) => scriptOf(c.argv) === 'start.sh'));
  assert.deepEqual(lock.calls, ['release']);
  assert.match(logs.at(-1)!, /^FAILED before the apply: /);
});

test('runHost: an image pulled for another platform is refused (E_IMAGE_PLATFORM), the lock handed back', async () => {
  const arm = JSON.stringify({ ...INSPECTED, Architecture: 'arm64', Variant: 'v8' });
  const host = server({ platforms: `linux|x86_64\n${arm}\n` });
  const { locked: l, lock } = await locked(host, planWith([DELIVER, UPLOAD, APPLY]));
  const o = await runHost(l, false);
  assert.equal(o.result, 'unchanged');
  assert.equal(o.refused, 'E_IMAGE_PLATFORM', 'a refusal: the run exits 3 when no host changed');
  assert.match(o.reason!, /is linux\/arm64\/v8, host \S+ is linux\/amd64/);
  assert.equal(host.written.size, 0, 'no release written');
  assert.deepEqual(lock.calls, ['release']);
});

test('runHost: a failure that is no refusal carries no refused code', async () => {
  const { locked: l } = await locked(server({ pullFails: true }), planWith([DELIVER, UPLOAD, APPLY]));
  assert.equal((await runHost(l, false)).refused, undefined);
});

test("runHost with hold (a fleet's rollout): a failure keeps the lock for the rollout to decide", async () => {
  const { locked: l, lock } = await locked(server({ pullFails: true }), planWith([DELIVER, UPLOAD, APPLY]));
  assert.equal((await runHost(l, true)).result, 'unchanged');
  assert.deepEqual(lock.calls, []);
});

test('runHost: rollback --to the tag in place is skipped without a command, the lock handed back', async () => {
  const host = server();
  const plan = planWith([UPLOAD, APPLY], { operation: 'rollback', tag: { kind: 'rollback', to: 'v1' } });
  const { locked: l, lock, logs } = await locked(host, plan);
  const o = await runHost(l, false);
  assert.equal(o.result, 'skipped');
  assert.equal(o.serving, 'v1');
  assert.equal(o.reason, 'tag v1 is the release in place: nothing to do');
  assert.deepEqual(host.calls, []);
  assert.deepEqual(lock.calls, ['release']);
  assert.deepEqual(logs, ['tag v1 is the release in place: nothing to do']);
});

test('runHost: a rollback after an unfinished rollout leaves a host that rollout never moved', async () => {
  const host = server();
  const plan = planWith([UPLOAD, APPLY], { operation: 'rollback', tag: { kind: 'rollback' } });
  const marker = { id: 'rollout-9' } as LockedHost['unfinishedRollout'];
  const { locked: l } = await locked(host, plan, { unfinishedRollout: marker });
  const o = await runHost(l, true);
  assert.equal(o.result, 'skipped');
  assert.equal(o.reason, 'not moved by the unfinished rollout rollout-9: left on v1');
  assert.deepEqual(host.calls, []);
});

test('runHost: losing sight of the apply (its recovery without an outcome) is unknown, never a rejection', async () => {
  const host = new FilesHost((argv) => {
    const script = scriptOf(argv);
    if (script === 'start.sh') return { stdout: '4242 0\n' };
    if (script === 'follow') return { stdout: '' }; // not alive, no result: the apply died
    if (script === 'lock.sh') return { stdout: argv[4] === 'acquire' ? 'acquired\n' : 'released\n' };
    return { code: 127 };
  });
  const { locked: l, logs } = await locked(host, planWith([APPLY]));
  const o = await runHost(l, false);
  assert.equal(o.result, 'unknown');
  assert.equal(o.serving, 'unknown');
  assert.equal(o.failingStep, 'follow apply');
  assert.match(o.reason!, /ended without an outcome/);
  assert.match(logs.at(-1)!, /^FAILED while following the apply: /);
});

test('revertHost: the exact release from before the run, copied with its env, applied holding the lock', async () => {
  const host = server();
  const { locked: l, lock } = await locked(host, planWith([UPLOAD, APPLY]));
  const moved: HostOutcome = { ...(await runHost(l, true)) };
  host.calls.length = 0;
  const revert = planWith([APPLY], { operation: 'rollback', tag: { kind: 'rollback' } });
  const o = await revertHost(l, moved, revert, 'web-2 failed its gate');
  assert.equal(o.result, 'reverted');
  assert.equal(o.reason, 'put back: web-2 failed its gate');
  assert.equal(scriptOf(host.calls[0]!.argv), 'state.sh');
  assert.deepEqual(host.calls[1]!.argv, runScript('copy-release.sh', [layout.state, OLD, REL, 'with-env']));
  assert.deepEqual(host.calls[2]!.argv, runScript('start.sh', [DIR, REL, RUN_LOG, 'apply-hold', 'tok-1']));
  assert.ok(lock.calls.includes('resumeHeartbeat'));
  assert.deepEqual(names(o).at(-1), 'revert: choose release ok');
});

test('revertHost: the state read under the lock before the apply is not used: read afresh', async () => {
  const host = server();
  const { locked: l } = await locked(host, planWith([APPLY]));
  l.ctx.state = parseServerState('@@current\n'); // what the lock's round trip saw: no longer true after the apply
  const moved = { host: LABEL, result: 'succeeded', serving: 'v2', steps: [] } as unknown as HostOutcome;
  const o = await revertHost(l, moved, planWith([APPLY], { operation: 'rollback' }), 'web-2 failed');
  assert.equal(o.result, 'reverted');
  assert.equal(scriptOf(host.calls[0]!.argv), 'state.sh');
});

test('revertHost: a host with no release before the run is left as it is, and says so', async () => {
  const host = server();
  const { locked: l } = await locked(host, planWith([UPLOAD, APPLY]), { before: undefined });
  const moved = { host: LABEL, result: 'succeeded', serving: 'v2' } as HostOutcome;
  const o = await revertHost(l, moved, planWith([APPLY]), 'web-2 failed');
  assert.equal(o.reason, 'put back: web-2 failed, but it had no release before this run: left serving v2');
  assert.equal(o.result, 'succeeded');
  assert.deepEqual(host.calls, []);
});

test('revertHost: going back failing its gate is a failed host, saying both why and what failed', async () => {
  const result = { ...SUCCEEDED, status: 'failed', outcome: 'rolled_back', serving: 'v2', failing_step: 'health' };
  const host = server({ result: { ...result, reason: 'web unhealthy' } });
  const { locked: l } = await locked(host, planWith([APPLY]));
  const moved = { host: LABEL, result: 'succeeded', serving: 'v2', steps: [] } as unknown as HostOutcome;
  const o = await revertHost(l, moved, planWith([APPLY], { operation: 'rollback' }), 'web-2 failed');
  assert.equal(o.result, 'failed');
  assert.equal(o.serving, 'v2');
  assert.equal(o.failingStep, 'revert: health');
  assert.equal(o.reason, 'put back: web-2 failed; going back failed: web unhealthy');
});

/** A session on `first` whose reconnect opens `second` (after the session's own first pause, 0.5 s). */
async function droppingSession(first: FilesHost, second: FilesHost, logs: string[]) {
  const session = new HostSession(
    LABEL,
    async () => first,
    async () => second,
    { onLog: (l) => void logs.push(l) },
  );
  await session.open();
  return session;
}

/** A lock whose release fails on the hosts in `fails` (the connection under it dropped), recording where. */
function lockReleasedOn(fails: Set<FilesHost>) {
  const releasedOn: FilesHost[] = [];
  const lock = {
    ...fakeLock(),
    release: async (h: unknown) => {
      if (fails.has(h as FilesHost)) throw new Error('Channel open failure: connection lost');
      releasedOn.push(h as FilesHost);
    },
  };
  return { lock, releasedOn };
}

const events = (logs: string[]) => ({
  onStep: () => {},
  onLog: (l: string) => void logs.push(l),
  mask: (t: string) => t,
});

test('releaseAfterFailure: a lock whose release fails with the connection is released over a new one', async () => {
  const [first, second] = [server(), server()];
  const logs: string[] = [];
  const session = await droppingSession(first, second, logs);
  const { lock, releasedOn } = lockReleasedOn(new Set([first]));
  await releaseAfterFailure({ lock, session, events: events(logs) });
  assert.deepEqual(releasedOn, [second]);
  assert.equal(session.host, second, 'the run goes on with the new connection');
  assert.deepEqual(logs, ['connection lost (Channel open failure: connection lost); reconnecting', 'reconnected']);
});

test('releaseAfterFailure: the release failing on the new connection too: it goes stale, no throw', async () => {
  const [first, second] = [server(), server()];
  const logs: string[] = [];
  const session = await droppingSession(first, second, logs);
  const { lock, releasedOn } = lockReleasedOn(new Set([first, second]));
  await releaseAfterFailure({ lock, session, events: events(logs) });
  assert.deepEqual(releasedOn, []);
  assert.equal(logs.at(-1), 'could not release the lock; it becomes stale within a minute');
});

test('releaseAfterFailure: released on the first try, no reconnect', async () => {
  const first = server();
  const logs: string[] = [];
  const session = await droppingSession(first, server(), logs);
  const { lock, releasedOn } = lockReleasedOn(new Set());
  await releaseAfterFailure({ lock, session, events: events(logs) });
  assert.deepEqual(releasedOn, [first]);
  assert.deepEqual(logs, []);
});

// lockHost: what the run reads under the lock comes in the lock's own round trip (after-lock.sh); Compose, when
// the run does not know it, is asked beside it.
const V2: ComposeCli = { flavour: 'v2', version: '2.29.0', argv: ['docker', 'compose'] };
const AFTER_LOCK =
  `@@@state\n@@current\n${OLD}\n@@retained\n${OLD} v1\n@@records\n` +
  `${JSON.stringify({ id: OLD, tag: 'v1', status: 'succeeded', rollout: 'rollout-0' })}\n@@@rollout\n`;

/** A server whose lock is free; its lock round trip answers `then` (exit `code`) after the lock. */
function lockServer(then: string, code = 0): FilesHost {
  return new FilesHost((argv) => {
    const script = scriptOf(argv);
    if (script === 'lock-then.sh') return { stdout: `acquired\n@@then ${code}\n${then}` };
    if (script === 'lock.sh' && argv[4] === 'release') return { stdout: 'released\n' };
    if (script === 'state.sh') return { stdout: `@@current\n${OLD}\n@@retained\n${OLD} v1\n` };
    return { code: 127, stderr: `unexpected ${argv.join(' ')}` };
  });
}

/** `compose`: what the host's Compose is found to be, once asked (a promise of the test's making). */
function lockDeps(host: FilesHost, compose: () => Promise<ComposeCli | undefined>, known?: ComposeCli) {
  const remembered: (ComposeCli | undefined)[] = [];
  const asked: string[] = [];
  const deps = {
    config,
    target: config.targets['prod']!,
    open: async () => host,
    reopen: async () => {
      throw new Error('no reconnect in a unit test');
    },
    lockWaitMs: 0,
    compose: () => (asked.push('compose'), compose()),
    composes: {
      known: () => (known ? Promise.resolve(known) : undefined),
      remember: (_: string, cli: ComposeCli | undefined) => void remembered.push(cli),
    },
  };
  return { deps, remembered, asked };
}

const noEvents = { onStep: () => {}, onLog: () => {}, mask: (t: string) => t };
const spec: HostSpec = { kind: 'ssh', label: LABEL, host: 'fake-host' };

test('lockHost: the lock, dirs, release in place and marker in one round trip; Compose asked beside it', async () => {
  const host = lockServer(AFTER_LOCK);
  // Compose answers only once the lock's round trip is under way: asked before it, the run would never lock.
  const locking = () => host.calls.some((c) => scriptOf(c.argv) === 'lock-then.sh');
  const beside = async () => {
    for (let i = 0; i < 500 && !locking(); i++) await new Promise((r) => setTimeout(r, 10));
    if (!locking()) throw new Error('Compose was asked before the lock, not beside it');
    return V2;
  };
  const { deps, remembered, asked } = lockDeps(host, beside);
  const l = await lockHost(planWith([DIRS, UPLOAD, APPLY]), deps, spec, noEvents);
  l.ctx.lock.stopHeartbeat();
  assert.deepEqual(
    host.calls.map((c) => scriptOf(c.argv)),
    ['lock-then.sh'],
  );
  assert.deepEqual(asked, ['compose']);
  assert.deepEqual(l.ctx.compose, V2);
  assert.deepEqual(remembered, [V2], 'the run knows it from now on');
  assert.deepEqual(l.before, { id: OLD, tag: 'v1', rollout: 'rollout-0' });
  assert.equal(l.ctx.state?.current?.id, OLD, 'kept for the release step');
  assert.equal(l.unfinishedRollout, undefined);
  assert.deepEqual(host.reads, [], 'no marker read of its own');
});

test('lockHost: Compose known to the run is not asked again', async () => {
  const host = lockServer(AFTER_LOCK);
  const { deps, asked } = lockDeps(host, async () => V2, V2);
  const l = await lockHost(planWith([DIRS, UPLOAD, APPLY]), deps, spec, noEvents);
  l.ctx.lock.stopHeartbeat();
  assert.deepEqual(asked, []);
  assert.deepEqual(l.ctx.compose, V2);
});

test('lockHost: no Compose on the host: E_NO_COMPOSE, and the lock taken meanwhile is handed back', async () => {
  const host = lockServer(AFTER_LOCK);
  const { deps, remembered } = lockDeps(host, async () => undefined);
  await assert.rejects(lockHost(planWith([DIRS, UPLOAD, APPLY]), deps, spec, noEvents), { code: 'E_NO_COMPOSE' });
  assert.deepEqual(remembered, [undefined]);
  assert.deepEqual(
    host.calls.map((c) => `${scriptOf(c.argv)}${scriptOf(c.argv) === 'lock.sh' ? ` ${c.argv[4]}` : ''}`),
    ['lock-then.sh', 'lock.sh release'],
  );
});

test('lockHost: a round trip that brought nothing (its dirs failed): state and marker read on their own', async () => {
  const host = lockServer('', 1);
  const { deps } = lockDeps(host, async () => V2);
  const l = await lockHost(planWith([DIRS, UPLOAD, APPLY]), deps, spec, noEvents);
  l.ctx.lock.stopHeartbeat();
  assert.deepEqual(
    host.calls.map((c) => scriptOf(c.argv)),
    ['lock-then.sh', 'state.sh'],
  );
  assert.deepEqual(host.reads, [layout.rollout]);
  assert.deepEqual(l.before, { id: OLD, tag: 'v1' });
  assert.equal(l.ctx.state, undefined);
});
