import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Config } from '../../../src/config/config.js';
import type { DeployPlan, SwarmApply } from '../../../src/plan/plan-types.js';
import { Scrubber } from '../../../src/redact/scrubber.js';
import { registerSwarmSecrets, swarmDoes } from '../../../src/strategy/swarm/plan-lines.js';
import { defaultsFile, planStack } from '../../../src/swarm/stack-plan.js';
import { composeText } from '../../compose/helpers.js';

const stack = planStack('shop', [
  composeText(`version: "3.8"
services:
  web: { image: web, ports: [{ target: 80, published: 80, mode: host }] }
  worker: { image: worker, deploy: { update_config: { order: start-first } } }
secrets: { token: { file: ./token.txt } }
configs: { caddy: { file: ./Caddyfile } }
`),
]);
const swarm: SwarmApply = { stack, defaultsFile: defaultsFile(stack), registryAuth: true, resolveImage: 'always' };
/** Only what swarmDoes reads of a config. */
const config = { health: { timeoutMs: 90_000 }, keep: 4 } as Config;

test('swarmDoes: the objects, the defaults, the exact stack deploy, convergence, gate, pass, fail and record', () => {
  const lines = swarmDoes(config, swarm, 'v2', 'GET /health', 'r1');
  assert.deepEqual(
    lines.filter((l) => /^(secret|config) /.test(l)),
    [
      'secret token: <dir>/token.txt on the manager → shop_token_<sha256 of it, 12 hex> ' +
        '(the old one kept until the update completes)',
      'config caddy: <dir>/Caddyfile on the manager → shop_caddy_<sha256 of it, 12 hex> ' +
        '(the old one kept until the update completes)',
    ],
  );
  const defaults = lines.filter((l) => l.startsWith('defaults added'));
  assert.equal(defaults.length, 1, 'worker has its own update_config');
  assert.match(defaults[0]!, /^defaults added \(no update_config in the compose files\): web: update_config \{/);
  assert.match(defaults[0]!, /order: "stop-first" \}.*\(publishes port 80 in mode host/);
  assert.ok(
    lines.includes(
      'IMAGE_TAG=v2 docker stack deploy -c <compose files> -c swarm-defaults.yml -c swarm-names.yml ' +
        '--resolve-image always --with-registry-auth shop (env values in its environment only)',
    ),
  );
  assert.ok(lines.some((l) => /^images: .*a rollback or env-only deploy runs the digests its release ran/.test(l)));
  assert.ok(lines.some((l) => l.startsWith('converge within 90s: ')));
  assert.ok(lines.includes('health gate within 90s, from the manager: GET /health'));
  assert.ok(lines.some((l) => l.endsWith('keep 4 good tags')));
  assert.ok(lines.at(-1)!.endsWith('<dir>/.gangway/runs/r1.log'));
});

test('swarmDoes: every service with its own update_config, an image on the manager only', () => {
  const own = planStack('shop', [composeText('services: { web: { image: w, deploy: { update_config: {} } } }\n')]);
  const lines = swarmDoes(
    config,
    { stack: own, defaultsFile: defaultsFile(own), registryAuth: false, resolveImage: 'never' },
    'v1',
    'containers up',
    'r2',
  );
  assert.ok(lines.includes('no update defaults added: every service sets its own update_config'));
  // No file: secrets or configs: no names file (current CLIs refuse an empty compose file).
  assert.ok(
    lines.includes(
      'IMAGE_TAG=v1 docker stack deploy -c <compose files> -c swarm-defaults.yml ' +
        '--resolve-image never shop (env values in its environment only)',
    ),
  );
  assert.ok(!lines.some((l) => l.includes('--with-registry-auth')));
  assert.ok(!lines.some((l) => l.startsWith('images: ')), 'never resolved: no digest to pin');
});

test('registerSwarmSecrets: the secrets read from this machine are masked everywhere; configs are not secrets', () => {
  const scrubber = new Scrubber();
  const payload = {
    swarmObjects: new Map([
      ['secret-token', Buffer.from('s3cr3t-token-value')],
      ['config-caddy', Buffer.from(':80 { respond "plain config" }')],
    ]),
  };
  registerSwarmSecrets(scrubber, { payload } as unknown as DeployPlan);
  assert.equal(scrubber.scrub('token=s3cr3t-token-value'), 'token=***');
  assert.equal(scrubber.scrub(':80 { respond "plain config" }'), ':80 { respond "plain config" }');
});
