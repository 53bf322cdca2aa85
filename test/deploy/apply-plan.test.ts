/**
 * The executor over fake hosts: the lock on every host before any host changes (a lock held anywhere leaves
 * every host unchanged and hands the others' locks back), one host run to its outcome, and the local records
 * every run writes. Also the run's overall result from its hosts' outcomes.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Config, Target } from '../../src/config/config.js';
import { applyPlan, overallResult, type ApplyDeps, type HostOutcome } from '../../src/deploy/apply-plan.js';
import type { ReleaseStep } from '../../src/plan/plan-types.js';
import { LockHeldError } from '../../src/server/lock.js';
import { applyOf, configOf, DIR, FilesHost, planWith, REL, scriptOf } from './steps/step-context.js';

const records = mkdtempSync(join(tmpdir(), 'gangway-apply-plan-'));
after(() => rmSync(records, { recursive: true, force: true }));

const base = configOf('recreate');
const config: Config = { ...base, records };
const prod = config.targets['prod']!;
const [A, B] = prod.hosts.map((h) => h.label) as [string, string];
const UPLOAD: ReleaseStep = { kind: 'release', title: 'release', does: [], source: { kind: 'upload' } };
const OLD = '20261120-000000-0001';
const HOLDER = { who: 'bo@ci', since: '2026-11-22T04:00:00Z', tag: 'v1', token: 'theirs' };
const event = (e: object) => `::gangway:: ${JSON.stringify(e)}\n`;

/** A server with v1 in place whose lock is free (or `held`), whose apply succeeds serving v2. */
function server(options: { held?: boolean } = {}): FilesHost {
  const host = new FilesHost((argv) => {
    const script = scriptOf(argv);
    if (script === 'lock.sh' && argv[4] === 'acquire')
      return { stdout: options.held ? `held\n${JSON.stringify(HOLDER)}\n` : 'acquired\n' };
    if (script === 'lock.sh' && argv[4] === 'release') return { stdout: 'released\n' };
    if (script === 'state.sh') return { stdout: `@@current\n${OLD}\n@@retained\n${OLD} v1\n` };
    if (script === 'start.sh') return { stdout: '4242 0\n' };
    if (script === 'follow')
      return { stdout: event({ event: 'result', status: 'succeeded', outcome: 'succeeded', serving: 'v2' }) };
    return { code: 127, stderr: `unexpected ${argv.join(' ')}` };
  });
  host.files.set(`${REL}/files`, 'docker-compose.yml\n');
  return host;
}

function deps(target: Target, hosts: Record<string, FilesHost>, said: string[] = []): ApplyDeps {
  return {
    config,
    target,
    open: async (spec) => hosts[spec.label]!,
    reopen: async () => {
      throw new Error('no reconnect in a unit test');
    },
    compose: async () => ({ flavour: 'v2', version: '2.29.0', argv: ['docker', 'compose'] }),
    lockWaitMs: 0,
    events: () => ({ onStep: () => {}, onLog: () => {}, mask: (t) => t }),
    say: (line) => void said.push(line),
    scrub: (t) => t,
  };
}

const planFor = (target: Target) => {
  const plan = planWith([UPLOAD, applyOf(config)]);
  return { ...plan, hosts: target.hosts.map((h) => ({ ...plan.hosts[0]!, host: h.label })) };
};

test('a lock held on one host: every host unchanged, the other locks handed back', async () => {
  const hosts = { [A]: server(), [B]: server({ held: true }) };
  const summary = await applyPlan(planFor(prod), deps(prod, hosts));
  assert.ok(summary.lockHeld instanceof LockHeldError);
  assert.deepEqual(
    summary.outcomes.map((o) => [o.host, o.result, o.failingStep]),
    [
      [A, 'unchanged', 'lock (other hosts)'],
      [B, 'unchanged', 'lock'],
    ],
  );
  assert.match(summary.outcomes[0]!.reason!, new RegExp(`^not started: ${B} could not be locked$`));
  const scripts = (h: FilesHost) => h.calls.map((c) => `${scriptOf(c.argv)} ${c.argv[4] ?? ''}`.trim());
  assert.ok(scripts(hosts[A]!).includes('lock.sh release'), 'the lock taken on A is released');
  for (const h of Object.values(hosts)) {
    assert.ok(!scripts(h).includes(`start.sh ${DIR}`), 'no apply started anywhere');
    assert.equal(h.written.size, 0, 'no release written anywhere');
  }
  assert.equal(overallResult(summary.outcomes), 'unchanged');
});

test('one host: locked, its release written and applied; the run and the release log recorded', async () => {
  const one: Target = { ...prod, hosts: [prod.hosts[0]!] };
  const host = server();
  const plan = planFor(one);
  const summary = await applyPlan(plan, deps(one, { [A]: host }));
  assert.equal(summary.lockHeld, undefined);
  assert.deepEqual(
    summary.outcomes.map((o) => [o.host, o.result, o.from, o.serving]),
    [[A, 'succeeded', 'v1', 'v2']],
  );
  assert.deepEqual(summary.unfinished, []);
  assert.ok(host.written.has(`${REL}/vars.sh`));
  assert.ok(existsSync(summary.recordFile), 'the run record');
  assert.match(readFileSync(summary.recordFile, 'utf8'), /OK/);
});

test('overallResult: success only when every host succeeded or was left as it was; else the worst outcome', () => {
  const o = (result: HostOutcome['result']) => ({ result }) as HostOutcome;
  assert.equal(overallResult([o('succeeded'), o('skipped')]), 'succeeded');
  assert.equal(overallResult([o('succeeded'), o('rolled_back'), o('unknown')]), 'unknown');
  assert.equal(overallResult([o('reverted'), o('failed')]), 'failed');
  assert.equal(overallResult([o('reverted'), o('rolled_back')]), 'rolled_back');
  assert.equal(overallResult([o('succeeded'), o('unchanged')]), 'unchanged');
});
