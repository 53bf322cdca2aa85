import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { varsScript, type ApplyVars } from '../../../src/server/release-files.js';
import { serverScript } from '../../../src/server/scripts.js';
import { envExport, swarmRelease } from '../../../src/strategy/swarm/release.js';
import { defaultsFile, planStack } from '../../../src/swarm/stack-plan.js';
import { composeText } from '../../compose/helpers.js';
import { HOSTILE } from '../../helpers/hostile.js';

const tmp = mkdtempSync(join(tmpdir(), 'gangway-swarm-release-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** The values of `names` after sourcing `text` in a real sh with nothing but PATH in its environment. */
function sourcedFile(text: string, names: string[]): Record<string, string> {
  const file = join(tmp, 'sourced.sh');
  writeFileSync(file, text);
  const script = `. "$1"; printf '%s\\0' ${names.map((n) => `"\${${n}-unset}"`).join(' ')}`;
  const r = spawnSync('sh', ['-c', script, 'sh', file], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  assert.equal(r.status, 0, r.stderr);
  const values = r.stdout.split('\0');
  return Object.fromEntries(names.map((n, i) => [n, values[i]!]));
}

test('envExport: every hostile value comes back exactly from a real sh; shell-own and odd keys are left out', () => {
  const env = new Map<string, string>(HOSTILE.map((v, i) => [`V${i}`, v]));
  for (const k of ['PATH', 'IFS', 'DOCKER_HOST', 'a.b', '1X']) env.set(k, 'steer');
  const text = envExport(env);
  const got = sourcedFile(text, [...HOSTILE.map((_, i) => `V${i}`), 'PATH', 'DOCKER_HOST']);
  HOSTILE.forEach((v, i) => assert.equal(got[`V${i}`], v, JSON.stringify(v)));
  assert.equal(got.PATH, process.env.PATH);
  assert.equal(got.DOCKER_HOST, 'unset');
  assert.doesNotMatch(text, /a\.b|1X|PATH=|IFS=|DOCKER_HOST=/);
});

test('swarmRelease: swarm.sh and its data beside apply.sh, the env values only in 0600 files', () => {
  const stack = planStack('shop', [
    composeText(`version: "3.8"
services: { web: { image: web }, worker: { image: worker, deploy: { update_config: {} } } }
secrets: { token: { file: ./token.txt } }
`),
  ]);
  const swarm = { stack, defaultsFile: defaultsFile(stack), registryAuth: true, resolveImage: 'always' as const };
  const env = new Map([['DB_PASSWORD', 'hunter2-password']]);
  const release = swarmRelease(swarm, env);
  const files = Object.fromEntries(release.files.map((f) => [f.name, f]));
  assert.equal(files['swarm.sh']?.content, serverScript('swarm.sh'));
  assert.equal(files['swarm-defaults.yml']?.content, defaultsFile(stack));
  assert.match(files['swarm-defaults-added']!.content, /^no update_config in the compose files, .*: web start-first;/);
  assert.equal(files['swarm-services']?.content, 'web\nworker\n');
  assert.equal(files['swarm-objects']?.content, 'secret\ttoken\tserver\t./token.txt\n');
  assert.equal(files['.env.export']?.mode, 0o600);
  for (const [name, f] of Object.entries(files))
    if (f.mode !== 0o600) assert.doesNotMatch(f.content, /hunter2/, `${name} is readable by others`);
  const names = ['STRATEGY', 'SWARM_REGISTRY_AUTH', 'SWARM_VERSION', 'SWARM_RESOLVE'];
  assert.deepEqual(sourcedFile(varsScript({ ...VARS, strategy: release }), names), {
    STRATEGY: 'swarm',
    SWARM_REGISTRY_AUTH: '1',
    SWARM_VERSION: '3.8',
    SWARM_RESOLVE: 'always',
  });
});

/** Only what varsScript reads. */
const VARS = {
  dir: '/srv/shop',
  app: 'shop',
  releaseId: 'r1',
  tag: 'v1',
  operation: 'deploy',
  keep: 3,
  health: { services: [], http: [], smoke: [], timeoutMs: 60_000 },
  composeArgv: ['docker', 'compose'],
  record: {},
} satisfies Omit<ApplyVars, 'strategy'>;
