/**
 * One host's drift against a fake host: drift.sh's arguments (the coloured service the strategy names), and the
 * .env keys that differ named from both copies, their values registered as secrets.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostDrift } from '../../src/drift/host-drift.js';
import { Scrubber } from '../../src/redact/scrubber.js';
import { FilesHost, scriptOf } from '../deploy/steps/step-context.js';
import { config } from '../strategy/helpers.js';

const DIR = '/srv/shop';
const ID = '20261120-000000-0001';
const TARGET = { dir: DIR, engine: 'compose' as const };

/** A server with Compose v2 whose drift.sh prints `facts`; `files` are what it can read. */
function server(facts: string, files: Record<string, string> = {}): FilesHost {
  return new FilesHost(
    (argv) => {
      if (argv[1] === 'compose' && argv[2] === 'version') return { stdout: '2.29.0\n' };
      if (scriptOf(argv) === 'drift.sh') return { stdout: facts };
      return { code: 127, stderr: `unexpected ${argv.join(' ')}` };
    },
    new Map(Object.entries(files)),
  );
}

/** drift.sh's arguments after its name: dir, app, compose argv, dirs, backup dirs, the coloured service. */
const driftArgs = (host: FilesHost) => host.calls.find((c) => scriptOf(c.argv) === 'drift.sh')!.argv.slice(4);

test("drift.sh is told the blue/green strategy's coloured service; recreate has none", async () => {
  const blueGreen = server(`current\t${ID}\tv2\n`);
  await hostDrift(blueGreen, config('proxy: { service: web, port: 8000 }'), TARGET, new Scrubber());
  assert.deepEqual(driftArgs(blueGreen), [DIR, 'shop', 'docker\ncompose', '', '', 'web']);
  const recreate = server(`current\t${ID}\tv2\n`);
  const r = await hostDrift(recreate, config(''), TARGET, new Scrubber());
  assert.equal(driftArgs(recreate).at(-1), '');
  assert.equal(r.release, `${ID} (v2)`);
});

test('a changed .env: both copies read, the differing keys named, every value masked from then on', async () => {
  const host = server(`current\t${ID}\tv2\nenv\tchanged\n`, {
    [`${DIR}/.env`]: 'API_KEY=live-value-123456\nMODE=a\n',
    [`${DIR}/.gangway/releases/${ID}/.env`]: 'API_KEY=released-value-654321\nMODE=a\n',
  });
  const scrubber = new Scrubber();
  const r = await hostDrift(host, config(''), TARGET, scrubber);
  assert.ok(host.reads.includes(`${DIR}/.gangway/releases/${ID}/.env`));
  const text = JSON.stringify(r.findings);
  assert.match(text, /API_KEY/);
  assert.doesNotMatch(text, /MODE/, 'a key with the same value is no finding');
  assert.ok(!text.includes('live-value-123456') && !text.includes('released-value-654321'), 'no value in a finding');
  assert.equal(scrubber.scrub('x live-value-123456 released-value-654321'), 'x *** ***');
});
