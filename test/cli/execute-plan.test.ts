/**
 * The tail deploy and rollback share (executePlan), with a fake confirm, run and notify: what a dry run prints
 * and never does, the order confirm → prepare → run → notify → summary, --yes, the prepared plan being the one
 * run, a failed run's error after its notice, and the plan's swarm secrets masked before anything prints.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { executePlan, type PlanExecutor } from '../../src/cli/execute-plan.js';
import type { HostOutcome, RunSummary } from '../../src/deploy/apply-plan.js';
import { GangwayError } from '../../src/errors.js';
import { type DeployPlan, PlanPayload } from '../../src/plan/plan-types.js';
import { Scrubber } from '../../src/redact/scrubber.js';
import { capturedReporter } from '../helpers/reporter.js';

const SECRET = 'hunter2-swarm-secret';

function planOf(over: Partial<DeployPlan> = {}): DeployPlan {
  return {
    app: 'shop',
    target: 'production',
    operation: 'deploy',
    tag: { kind: 'given', value: 'v2' },
    releaseId: '20261207-000000-0001',
    rolloutId: 'rollout-1',
    who: 'ci@runner',
    composeFiles: [],
    metricsTextfile: true,
    hosts: [
      {
        host: 'web-1',
        dir: '/srv/shop',
        steps: [{ kind: 'lock', title: `take the lock (${SECRET})`, does: ['flock'] }],
      },
    ],
    payload: new PlanPayload(new Map(), undefined, new Map([['secret-db_password', Buffer.from(SECRET)]])),
    ...over,
  };
}

function outcome(result: HostOutcome['result']): HostOutcome {
  return { host: 'web-1', result, from: 'v1', serving: 'v2', tag: 'v2', bytesSent: 0, durationMs: 5, steps: [] };
}

function summaryOf(result: HostOutcome['result']): RunSummary {
  return { outcomes: [outcome(result)], unfinished: [], durationMs: 5, recordFile: '/tmp/run.log' };
}

/** A real reporter writing into strings (--json, so stdout holds the result document alone). */
function fakeExecutor(result: HostOutcome['result'] = 'succeeded') {
  const calls: string[] = [];
  const ran: DeployPlan[] = [];
  const scrubber = new Scrubber();
  const { reporter, text } = capturedReporter({ json: true, scrub: scrubber.scrub });
  const executor: PlanExecutor = {
    reporter,
    scrubber,
    confirm: async () => void calls.push('confirm'),
    run: async (plan) => {
      calls.push('run');
      ran.push(plan);
      return summaryOf(result);
    },
    notify: async () => void calls.push('notify'),
  };
  return { executor, calls, ran, text };
}

test('a dry run prints the plan and its result, and never confirms, runs or notifies', async () => {
  const { executor, calls, text } = fakeExecutor();
  await executePlan({ plan: planOf(), dryRun: true, yes: false }, executor);
  assert.deepEqual(calls, []);
  const { stdout, stderr } = text();
  assert.match(stderr, /plan: release 20261207-000000-0001, deploy, tag v2/);
  assert.match(stderr, /1\. take the lock/);
  assert.match(stderr, /dry run: nothing was changed/);
  const document = JSON.parse(stdout) as { ok: boolean; dryRun: boolean; plan: { releaseId: string } };
  assert.equal(document.ok, true);
  assert.equal(document.dryRun, true);
  assert.equal(document.plan.releaseId, '20261207-000000-0001');
});

test("a dry run's secrets from the plan are masked in what it prints", async () => {
  const { executor, text } = fakeExecutor();
  await executePlan({ plan: planOf(), dryRun: true, yes: true }, executor);
  const { stdout, stderr } = text();
  assert.ok(!stderr.includes(SECRET) && !stdout.includes(SECRET), 'the swarm secret leaked');
  assert.match(stderr, /take the lock \(\*\*\*\)/);
});

test('a dry run without a plan (preflight failed) prints no plan and throws what afterDryRun throws', async () => {
  const { executor, text } = fakeExecutor();
  const failed = new Error('preflight failed: 1 check failed; nothing was changed');
  await assert.rejects(
    executePlan(
      {
        plan: undefined,
        dryRun: true,
        yes: false,
        afterDryRun: () => {
          throw failed;
        },
      },
      executor,
    ),
    (e) => e === failed,
  );
  assert.match(text().stderr, /dry run: nothing was changed/);
  assert.doesNotMatch(text().stderr, /plan: release/);
  assert.equal(text().stdout, '', 'no result document after a failed dry run');
});

test('a run: confirm, prepare, run, notify, then the summary; the prepared plan is the one run', async () => {
  const { executor, calls, ran, text } = fakeExecutor();
  const pinned = planOf({ imageName: 'ghcr.io/acme/shop@sha256:1' });
  await executePlan(
    {
      plan: planOf(),
      dryRun: false,
      yes: false,
      prepare: async () => {
        calls.push('prepare');
        return pinned;
      },
    },
    executor,
  );
  assert.deepEqual(calls, ['confirm', 'prepare', 'run', 'notify']);
  assert.equal(ran[0], pinned);
  const document = JSON.parse(text().stdout) as { ok: boolean; operation: string; release: string };
  assert.equal(document.ok, true);
  assert.equal(document.operation, 'deploy');
  assert.match(text().stderr, /summary/);
});

test('--yes asks nothing', async () => {
  const { executor, calls } = fakeExecutor();
  await executePlan(
    { plan: planOf({ operation: 'rollback', tag: { kind: 'rollback' } }), dryRun: false, yes: true },
    executor,
  );
  assert.deepEqual(calls, ['run', 'notify']);
});

test('a cancelled confirmation runs nothing', async () => {
  const { executor, calls } = fakeExecutor();
  executor.confirm = async () => {
    throw new Error('deploy cancelled; nothing was changed');
  };
  await assert.rejects(executePlan({ plan: planOf(), dryRun: false, yes: false }, executor), /cancelled/);
  assert.deepEqual(calls, []);
});

test('a failed run is notified first, then its summary throws the failure', async () => {
  const { executor, calls } = fakeExecutor('failed');
  await assert.rejects(
    executePlan(
      { plan: planOf({ operation: 'rollback', tag: { kind: 'rollback' } }), dryRun: false, yes: true },
      executor,
    ),
    (e) => e instanceof GangwayError && e.code === 'E_ROLLBACK_FAILED',
  );
  assert.deepEqual(calls, ['run', 'notify']);
});
