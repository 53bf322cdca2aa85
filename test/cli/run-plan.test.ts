/**
 * A run's summary as printed and as the command's outcome: the --json document of a success, and each way a run
 * ends in an error (a held lock: exit 4; Ctrl-C: 130; a hook; hosts that failed), with the hosts named.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { printPlan, printSummary } from '../../src/cli/run-plan.js';
import type { HostOutcome, RunSummary } from '../../src/deploy/apply-plan.js';
import { GangwayError } from '../../src/errors.js';
import { type DeployPlan, PlanPayload } from '../../src/plan/plan-types.js';
import { LockHeldError } from '../../src/server/lock.js';
import { capturedReporter } from '../helpers/reporter.js';

const plan: DeployPlan = {
  app: 'shop',
  target: 'prod',
  operation: 'deploy',
  tag: { kind: 'given', value: 'v2' },
  imageName: 'ghcr.io/acme/shop',
  releaseId: '20261207-000000-0001',
  rolloutId: 'rollout-1',
  who: 'ana@laptop',
  composeFiles: [],
  hosts: [{ host: 'web-1', dir: '/srv/shop', steps: [{ kind: 'lock', title: 'take the lock', does: ['mkdir lock'] }] }],
  metricsTextfile: true,
  payload: new PlanPayload(new Map(), undefined),
};

const capture = () => capturedReporter({ json: true });

const outcome = (host: string, result: HostOutcome['result'], over: Partial<HostOutcome> = {}): HostOutcome => ({
  host,
  result,
  from: 'v1',
  serving: result === 'succeeded' ? 'v2' : 'v1',
  tag: 'v2',
  bytesSent: 0,
  durationMs: 10,
  steps: [],
  ...over,
});

const summary = (outcomes: HostOutcome[], over: Partial<RunSummary> = {}): RunSummary => ({
  outcomes,
  unfinished: [],
  durationMs: 10,
  recordFile: '/tmp/run.log',
  ...over,
});

const rejects = (s: RunSummary, code: string, exit: number, message: RegExp) => {
  const { reporter } = capture();
  assert.throws(
    () => printSummary(reporter, plan, s),
    (e: unknown) => e instanceof GangwayError && e.code === code && e.exitCode === exit && message.test(e.message),
  );
};

test('every host served: the result document, ok, with each host', () => {
  const { reporter, text } = capture();
  printSummary(reporter, plan, summary([outcome('web-1', 'succeeded'), outcome('web-2', 'succeeded')]));
  const doc = JSON.parse(text().stdout) as { ok: boolean; hosts: HostOutcome[]; release: string };
  assert.equal(doc.ok, true);
  assert.equal(doc.release, plan.releaseId);
  assert.deepEqual(
    doc.hosts.map((h) => h.host),
    ['web-1', 'web-2'],
  );
  assert.match(text().stderr, /web-1 +v1 → v2 +ok/, 'the host table of a fleet');
  assert.match(text().stderr, /\[ok\] web-2 — serving v2/);
});

test('a held lock: E_LOCK_HELD, exit 4, nothing changed on any host', () => {
  const lockHeld = new LockHeldError('web-2', { who: 'bo@ci', since: 'then', tag: 'v1' });
  rejects(
    summary([outcome('web-1', 'unchanged'), outcome('web-2', 'unchanged')], { lockHeld }),
    'E_LOCK_HELD',
    4,
    /^web-2: the deploy lock is held by bo@ci since then \(deploying v1\); nothing was changed on any host$/,
  );
});

test('interrupted: E_INTERRUPTED, exit 130, each host and what it serves', () => {
  rejects(
    summary([outcome('web-1', 'succeeded'), outcome('web-2', 'unchanged')], { interrupted: 'SIGINT' }),
    'E_INTERRUPTED',
    130,
    /^deploy interrupted \(SIGINT\): web-1 serving v2; web-2 unchanged/,
  );
});

test('a hook failing: E_HOOK_FAILED with its message', () => {
  const hookFailure = 'after_deploy hook `notify` failed (the release passed its gate on every host and stays)';
  rejects(summary([outcome('web-1', 'succeeded')], { hookFailure }), 'E_HOOK_FAILED', 1, /^after_deploy hook/);
});

test('hosts failing: E_DEPLOY_FAILED naming each failed host and what it serves', () => {
  rejects(
    summary([outcome('web-1', 'succeeded'), outcome('web-2', 'rolled_back', { failingStep: 'health' })]),
    'E_DEPLOY_FAILED',
    1,
    /^deploy of v2 failed: web-2 rolled back to v1$/,
  );
});

test('a host refusing the image before any change (E_IMAGE_PLATFORM): exit 3 with its code, when no host moved', () => {
  const reason = 'image ghcr.io/acme/shop:v2 is linux/arm64, host web-1 is linux/amd64 (…): build for linux/amd64';
  const refused = outcome('web-1', 'unchanged', { refused: 'E_IMAGE_PLATFORM', failingStep: 'before apply', reason });
  const notStarted = outcome('web-2', 'unchanged', { failingStep: 'not started', reason: 'not started: web-1' });
  rejects(
    summary([refused, notStarted]),
    'E_IMAGE_PLATFORM',
    3,
    /^deploy of v2 refused: image \S+ is linux\/arm64, host web-1 is .*; nothing was changed on any host$/,
  );
  // Another host moved (and went back): the run changed something, so it is a failed deploy.
  const reverted = outcome('web-2', 'reverted', { serving: 'v1' });
  rejects(summary([reverted, refused]), 'E_DEPLOY_FAILED', 1, /^deploy of v2 failed: web-2 put back on v1; web-1/);
});

test('printPlan: the heading, then each host and its numbered steps with what they do', () => {
  const { reporter, text } = capture();
  printPlan(reporter, plan);
  assert.match(text().stderr, /plan: release 20261207-000000-0001, deploy, tag v2, image ghcr\.io\/acme\/shop\n/);
  assert.match(text().stderr, /host web-1 \(\/srv\/shop\)\n {2}1\. take the lock\n {7}mkdir lock\n/);
});
