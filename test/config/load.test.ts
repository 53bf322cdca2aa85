import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '../../src/errors.js';
import { parseConfig, selectTarget } from '../../src/config/load.js';
import { billionLaughs } from '../helpers/yaml-bomb.js';

const FILE = '/project/deploy/gangway.yml';

function problems(text: string): string[] {
  try {
    parseConfig(text, FILE);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${e}`);
    assert.equal(e.exitCode, 2);
    return e.problems.map((p) => `${p.file}:${p.line}:${p.col} ${p.key ?? ''}: ${p.message}`);
  }
  assert.fail('expected the config to be rejected');
}

const MINIMAL = `app: observer
compose: docker-compose.yml
targets:
  prod:
    hosts: ["azureuser@203.0.113.10"]
    dir: /home/azureuser/observer-deploy
`;

test('the SPEC example loads, with defaults and resolved paths', () => {
  // A \ at the end of a line in the template below is a JS line continuation: the text has no line break there.
  const config = parseConfig(
    `app: observer
compose: [deploy/docker-compose.server.yml]
env:
  file: deploy/.env.server
  template: deploy/env.template
  required: [KIS_APP_KEY]
  forbidden: { OBSERVER_STANDALONE: QTS_OBSERVER_STANDALONE }
image: { name: ghcr.io/acme/observer, delivery: archive, archive: deploy/observer-image.tar, \
registry: { username: acme, password_env: GHCR_TOKEN } }
dirs: [data/observer, logs/system]
health:
  services: [db, observer]
  http: [{ url: "http://localhost:8000/health", retries: 5, interval: 3s }]
  fatal_logs: { patterns: [FATAL, "panic:"], tail: 100 }
  timeout: 2m
records: ~/ops/run_records
targets:
  prod:
    hosts: ["azureuser@203.0.113.10", "ops@[2001:db8::1]:2222"]
    dir: /home/azureuser/observer-deploy
    ssh: { key: ~/.ssh/id_rsa, known_hosts: ./kh, fingerprint: "SHA256:${'A'.repeat(43)}", jump: "ops@bastion" }
  local: { hosts: [local], dir: ./.gangway/local }
`,
    FILE,
  );
  assert.deepEqual(config.compose, ['/project/deploy/deploy/docker-compose.server.yml']);
  assert.equal(config.env?.file, '/project/deploy/deploy/.env.server');
  assert.equal(config.image?.archive, '/project/deploy/deploy/observer-image.tar');
  assert.equal(config.image?.tag, 'git');
  assert.equal(config.records, join(homedir(), 'ops/run_records'));
  assert.equal(config.health.timeoutMs, 120_000);
  assert.equal(config.health.http[0]?.intervalMs, 3000);
  assert.equal(config.keep, 5);
  const prod = config.targets.prod!;
  assert.deepEqual(prod.hosts[1], {
    kind: 'ssh',
    label: 'ops@[2001:db8::1]:2222',
    host: '2001:db8::1',
    user: 'ops',
    port: 2222,
  });
  assert.equal(prod.ssh.key, join(homedir(), '.ssh/id_rsa'));
  assert.equal(prod.ssh.knownHosts, '/project/deploy/kh');
  assert.equal(prod.ssh.connectTimeoutMs, 30_000);
  assert.deepEqual(prod.ssh.fingerprints, [`SHA256:${'A'.repeat(43)}`]);
  assert.equal(config.targets.local!.dir, '/project/deploy/.gangway/local');
});

test('unknown keys are rejected at their line:column with a did-you-mean', () => {
  assert.deepEqual(problems(`${MINIMAL}    ssh:\n      kye: ~/.ssh/id\nimgae: { name: x }\n`), [
    'gangway.yml:8:7 targets.prod.ssh.kye: unknown key; did you mean "key"?',
    'gangway.yml:9:1 imgae: unknown key; did you mean "image"?',
  ]);
});

test('an unknown key far from any allowed one lists the allowed keys', () => {
  const [p] = problems(`${MINIMAL}    ssh: { zzzzzzzz: 1 }\n`);
  assert.match(p!, /targets\.prod\.ssh\.zzzzzzzz: unknown key; allowed: key, passphrase_env, known_hosts/);
});

test('wrong values name file, line, column and key — never the value', () => {
  const out = problems(`app: Observer_App
compose: docker-compose.yml
health: { timeout: soon }
targets:
  prod:
    hosts: ["root@bad host"]
    dir: /srv/app
`);
  assert.equal(out[0], 'gangway.yml:1:6 app: must match [a-z0-9][a-z0-9_-]* (it becomes the compose project name)');
  assert.equal(out[1], 'gangway.yml:3:20 health.timeout: must be a duration such as 500ms, 3s, 2m or 1h');
  for (const line of out) assert.doesNotMatch(line, /soon/);
});

test('missing required keys point at the map that should hold them', () => {
  assert.deepEqual(problems('compose: a.yml\ntargets:\n  prod: { hosts: [local] }\n'), [
    'gangway.yml:1:1 app: is required',
    'gangway.yml:3:9 targets.prod.dir: is required',
  ]);
});

test('host strings and target directories are checked after the schema', () => {
  const out = problems(`app: x
compose: a.yml
targets:
  prod:
    hosts: ["root@h:99999", local, "2001:db8::1"]
    dir: srv/app
`);
  assert.deepEqual(out, [
    'gangway.yml:5:12 targets.prod.hosts: "local" cannot be mixed with SSH hosts in one target',
    'gangway.yml:5:13 targets.prod.hosts[0]: port "99999" must be a number from 1 to 65535',
    'gangway.yml:5:36 targets.prod.hosts[2]: IPv6 addresses must be written in brackets, e.g. user@[2001:db8::1]:22',
    "gangway.yml:6:10 targets.prod.dir: must be an absolute path on the server (or ~/… for the SSH user's home)",
  ]);
});

test('YAML syntax errors and duplicate keys are located', () => {
  const [dup] = problems('app: a\napp: b\n');
  assert.match(dup!, /^gangway\.yml:2:1 app: Map keys must be unique/);
  const [syntax] = problems('app: [unclosed\n');
  assert.match(syntax!, /^gangway\.yml:\d+:\d+ /);
});

test('dirs must stay inside the deploy directory', () => {
  const [p] = problems(`${MINIMAL}dirs: [data, ../escape]\n`);
  assert.match(p!, /^gangway\.yml:7:14 dirs\[1\]: must be a relative path inside the deploy directory/);
});

test('selectTarget: the only target by default, did-you-mean for a typo', () => {
  const config = parseConfig(MINIMAL, FILE);
  assert.equal(selectTarget(config, undefined).name, 'prod');
  assert.throws(() => selectTarget(config, 'prdo'), /no such target; did you mean "prod"\?/);
  const two = parseConfig(`${MINIMAL}  staging: { hosts: [local], dir: x }\n`, FILE);
  assert.throws(() => selectTarget(two, undefined), /several targets \(prod, staging\)/);
});

test('an alias bomb ("billion laughs") is refused at the alias that expands it, not a crash', () => {
  const [p] = problems(`${MINIMAL}${billionLaughs()}`);
  const message = 'alias *l8 expands the document too far (an alias bomb?); gangway refuses it';
  assert.equal(p, `gangway.yml:16:12 x-l9[0]: ${message}`);
});

test('an alias to no anchor, or inside its own anchor, is a located problem', () => {
  assert.deepEqual(problems(`${MINIMAL}dirs: [*nowhere]\n`), [
    'gangway.yml:7:8 dirs[0]: alias *nowhere refers to no anchor (&nowhere must come before it)',
  ]);
  assert.deepEqual(problems(`${MINIMAL}dirs: &d [a, *d]\n`), [
    'gangway.yml:7:14 dirs[1]: alias *d is inside its own anchor &d (the document never ends)',
  ]);
});

test('control characters (NUL, newline, …) in names and paths are refused at their key, without the value', () => {
  const out = problems(`app: x
compose: ["ok.yml", "evil\\u0000.yml"]
dirs: ["data\\nrm"]
records: "rec\\u0085"
targets:
  prod:
    hosts: ["deploy@host\\u0007"]
    dir: "/srv/app\\u0000/x"
`);
  const message = 'must not contain control characters (NUL, tab, newline, …)';
  assert.deepEqual(out, [
    `gangway.yml:2:21 compose[1]: ${message}`,
    `gangway.yml:3:8 dirs[0]: ${message}`,
    `gangway.yml:4:10 records: ${message}`,
    `gangway.yml:7:13 targets.prod.hosts[0]: ${message}`,
    `gangway.yml:8:10 targets.prod.dir: ${message}`,
  ]);
  assert.doesNotMatch(out.join('\n'), /evil|rm|srv/);
});

test('a tab in a fatal log pattern is fine; a NUL or line break is not', () => {
  parseConfig(`${MINIMAL}health: { fatal_logs: { patterns: ["\\tat com.example"] } }\n`, FILE);
  const [p] = problems(`${MINIMAL}health: { fatal_logs: { patterns: ["a\\nb"] } }\n`);
  assert.match(p!, /health\.fatal_logs\.patterns\[0\]: must not contain control characters other than tab$/);
});

test('durations are bounded, each key named with its maximum', () => {
  const out = problems(`${MINIMAL}    ssh: { connect_timeout: 11m, keepalive: 2h }
health:
  http: [{ url: "http://localhost/", interval: 24h1s }]
  timeout: 99999999999999999999999h
`);
  assert.deepEqual(out, [
    'gangway.yml:7:29 targets.prod.ssh.connect_timeout: must be at most 10m',
    'gangway.yml:7:45 targets.prod.ssh.keepalive: must be at most 1h',
    'gangway.yml:9:48 health.http[0].interval: must be at most 24h',
    'gangway.yml:10:12 health.timeout: must be at most 24h',
  ]);
  const edge = parseConfig(`${MINIMAL}health: { timeout: 24h }\n`, FILE);
  assert.equal(edge.health.timeoutMs, 86_400_000);
});

test('proxy: defaults (tls off without domains, auto with), and tls that needs domains is located', () => {
  const plain = parseConfig(`${MINIMAL}proxy: { service: web, port: 8000 }\n`, FILE);
  assert.deepEqual(
    [plain.proxy?.tls, plain.proxy?.listen, plain.proxy?.health.passes, plain.proxy?.drainMs, plain.proxy?.standby],
    ['off', { http: 80, https: 443 }, 3, 30_000, 'stopped'],
  );
  const named = parseConfig(`${MINIMAL}proxy: { service: web, port: 8000, domains: [app.example.com] }\n`, FILE);
  assert.equal(named.proxy?.tls, 'auto');
  assert.deepEqual(problems(`${MINIMAL}proxy:\n  service: web\n  port: 8000\n  tls: internal\n`), [
    'gangway.yml:10:8 proxy.tls: tls auto and internal need proxy.domains (the names certificates are issued for)',
  ]);
  assert.deepEqual(problems(`${MINIMAL}proxy: { service: web, port: 70000 }\n`).length, 1);
});

test('proxy.headers and proxy.max_body: defaults, values, and located errors', () => {
  const plain = parseConfig(`${MINIMAL}proxy: { service: web, port: 8000 }\n`, FILE);
  assert.deepEqual([plain.proxy?.headers, plain.proxy?.maxBodyBytes], [{}, 100 * 1024 * 1024]);
  const set = parseConfig(
    `${MINIMAL}proxy:\n  service: web\n  port: 8000\n  max_body: 10MB\n` +
      '  headers: { X-Frame-Options: DENY, -Server: "" }\n',
    FILE,
  );
  assert.deepEqual(
    [set.proxy?.headers, set.proxy?.maxBodyBytes],
    [{ 'X-Frame-Options': 'DENY', '-Server': '' }, 10485760],
  );
  const base = `${MINIMAL}proxy:\n  service: web\n  port: 8000\n`;
  assert.deepEqual(problems(`${base}  headers:\n    -Server: Caddy\n`), [
    'gangway.yml:11:14 proxy.headers.-Server: removes the header: its value must be ""',
  ]);
  assert.deepEqual(problems(`${base}  headers:\n    "Bad Name": x\n`).length, 1);
  assert.match(problems(`${base}  headers:\n    "Bad Name": x\n`)[0]!, /^gangway\.yml:11:.* must be a header name/);
  assert.match(problems(`${base}  headers:\n    X-A: "a\\nb"\n`)[0]!, /^gangway\.yml:11:.*control characters/);
  assert.deepEqual(problems(`${base}  max_body: 10 MiB\n`), [
    'gangway.yml:10:13 proxy.max_body: must be a size such as 100MB (units B, KB, MB, GB; 1 KB = 1024 bytes)',
  ]);
  assert.deepEqual(problems(`${base}  max_body: 12\n`).length, 1, 'a number is not a size string');
  assert.match(problems(`${base}  max_body: "100B"\n`)[0]!, /must be at least 1KB/);
});

test('rollout and hooks: defaults, values, and located errors', () => {
  const config = parseConfig(
    `${MINIMAL}    rollout: { canary: 1, batch: "25%", pause: 30s, on_failure: stop }
  two:
    hosts: [a@h1, a@h2]
    dir: /srv/app
hooks:
  after_deploy: [{ run: ./manage migrate, on: service, service: web }]
`,
    FILE,
  );
  assert.deepEqual(config.targets.prod!.rollout, {
    canary: 1,
    batch: { percent: 25 },
    pauseMs: 30_000,
    onFailure: 'stop',
  });
  assert.deepEqual(config.targets.two!.rollout, { canary: 0, pauseMs: 0, onFailure: 'rollback_all' });
  assert.deepEqual(config.hooks.after_deploy, [
    { run: './manage migrate', on: 'service', service: 'web', timeoutMs: 600_000 },
  ]);
  assert.deepEqual(config.hooks.before_deploy, []);
  assert.deepEqual(problems(`${MINIMAL}    rollout: { batch: 0 }\n`), [
    'gangway.yml:7:23 targets.prod.rollout.batch: must be at least 1',
  ]);
  assert.deepEqual(
    problems(`${MINIMAL}    rollout: { canary: 2 }
hooks:
  before_deploy: [{ run: x, on: service }, { run: y, service: web }]
`),
    [
      'gangway.yml:7:24 targets.prod.rollout.canary: is 2, but the target has 1 host',
      'gangway.yml:9:19 hooks.before_deploy[0].service: is required with on: service ' +
        '(the compose service to run it in)',
      'gangway.yml:9:63 hooks.before_deploy[1].service: is only used with on: service (this hook runs on: local)',
    ],
  );
});

test('a backup schedule cron would not run is a located error', () => {
  const backups = (schedule: string) =>
    `${MINIMAL}backups:\n  - { name: db, service: db, database: d, user: u, schedule: "${schedule}" }\n`;
  assert.equal(parseConfig(backups('30 1 * * mon-fri'), FILE).backups[0]!.schedule, '30 1 * * mon-fri');
  assert.deepEqual(problems(backups('0 24 * * *')), [
    'gangway.yml:8:62 backups[0].schedule: the hour field "24" has 24, outside 0-23',
  ]);
});

test('a swarm target: hosts are managers in order; blue/green, rollout, service hooks refused where written', () => {
  const swarm = `app: observer
compose: docker-compose.yml
targets:
  prod:
    engine: swarm
    hosts: ["a@m1", "a@m2"]
    dir: /srv/app
`;
  const config = parseConfig(swarm, FILE);
  const prod = selectTarget(config, 'prod');
  assert.equal(prod.engine, 'swarm');
  assert.deepEqual(
    prod.hosts.map((h) => h.label),
    ['a@m1', 'a@m2'],
  );
  assert.equal(selectTarget(parseConfig(MINIMAL, FILE), 'prod').engine, 'compose', 'compose is the default');
  assert.deepEqual(
    problems(
      swarm.replace(
        'targets:',
        'proxy: { service: web, port: 8080 }\nhooks:\n' +
          '  before_deploy: [{ run: "x", on: service, service: web }]\ntargets:',
      ) + '    rollout: { canary: 1 }\n',
    ),
    [
      `gangway.yml:3:8 proxy: blue/green behind the proxy is for the compose engine (targets.prod.engine is swarm: ` +
        'Swarm updates start-first)',
      `gangway.yml:5:35 hooks.before_deploy[0].on: service hooks run \`docker compose exec\`: not on a swarm target ` +
        '(targets.prod.engine is swarm)',
      `gangway.yml:11:14 targets.prod.rollout: is for compose targets with several hosts; a swarm target's hosts are ` +
        'managers, of which one deploys',
    ],
  );
  assert.deepEqual(problems(swarm.replace('engine: swarm', 'engine: kubernetes')), [
    `gangway.yml:5:13 targets.prod.engine: must be one of: compose, swarm`,
  ]);
});

test("a validator's own words never reach the user: each problem says what to write instead, never the value", () => {
  const out = problems(`app: shop
compose: 3
keep: "7"
health: { timeout: 120, services: web }
metrics: { textfile: "true" }
image: { name: a, delivery: regstry }
env: { file: "" }
targets:
  prod: { hosts: [local], dir: x }
`);
  assert.deepEqual(out, [
    'gangway.yml:2:10 compose: must be text or a list',
    'gangway.yml:3:7 keep: must be a number: write it without quotes',
    'gangway.yml:4:20 health.timeout: write a duration such as 120s, 500ms, 2m or 1h (a number needs a unit: ms, s, ' +
      'm or h)',
    'gangway.yml:4:35 health.services: must be a list: [a, b], or one "- item" line per item below the key',
    'gangway.yml:5:22 metrics.textfile: must be true or false, without quotes',
    'gangway.yml:6:29 image.delivery: must be one of: registry, archive, build, sync (did you mean "registry"?)',
    'gangway.yml:7:14 env.file: must not be empty',
  ]);
  for (const line of out) assert.doesNotMatch(line, /Invalid input|expected \w+, received|Too small|>=/);
});

test('a key written one level too high says which section it belongs in', () => {
  assert.deepEqual(problems(`${MINIMAL}    key: ~/.ssh/id\ntimeout: 120s\n`), [
    'gangway.yml:7:5 targets.prod.key: unknown key; it belongs in a section: did you mean ssh.key?',
    'gangway.yml:8:1 timeout: unknown key; it belongs in a section: did you mean health.timeout? (also allowed as ' +
      'notify.timeout, proxy.health.timeout, hooks.before_deploy[].timeout)',
  ]);
});

test("YAML's own errors come with what to do about them", () => {
  const [p] = problems('app: a\nhealth: timeout: 3\n');
  assert.equal(
    p,
    'gangway.yml:2:9 : Nested mappings are not allowed in compact mappings: a value that contains ": " must be ' +
      'quoted ("a: b"), or its keys go on their own indented lines below',
  );
});

test('ssh.connect_timeout: 30s by default (a loaded server), configurable, said where it came from', () => {
  const byDefault = parseConfig(MINIMAL, FILE).targets.prod!.ssh;
  assert.equal(byDefault.connectTimeoutMs, 30_000);
  assert.equal(
    byDefault.connectTimeoutFrom,
    'the default ssh.connect_timeout; raise it with targets.prod.ssh.connect_timeout',
  );
  const set = parseConfig(`${MINIMAL}    ssh: { connect_timeout: 2m }\n`, FILE).targets.prod!.ssh;
  assert.equal(set.connectTimeoutMs, 120_000);
  assert.equal(set.connectTimeoutFrom, 'targets.prod.ssh.connect_timeout in gangway.yml');
  assert.deepEqual(problems(`${MINIMAL}    ssh: { connect_timeout: 0s }\n`), [
    'gangway.yml:7:29 targets.prod.ssh.connect_timeout: must be at least 1s',
  ]);
  assert.deepEqual(problems(`${MINIMAL}    ssh: { connect_timeout: soon }\n`), [
    'gangway.yml:7:29 targets.prod.ssh.connect_timeout: must be a duration such as 500ms, 3s, 2m or 1h',
  ]);
});

test('image.build: located errors for what contradicts it; the context resolves from gangway.yml', () => {
  assert.deepEqual(problems(`${MINIMAL}image:\n  name: shop/web\n  delivery: build\n  build: { platform: arm64 }\n`), [
    'gangway.yml:10:22 image.build.platform: must be a platform such as linux/amd64 or linux/arm/v7',
  ]);
  assert.deepEqual(problems(`${MINIMAL}image:\n  name: shop/web\n  delivery: build\n  build: {}\n`), [
    'gangway.yml:10:10 image.build: builds on this machine, but delivery: build builds on the server: choose one ' +
      '(with image.build, delivery is archive, sync or registry)',
  ]);
  assert.deepEqual(
    problems(
      `${MINIMAL}image:\n  name: shop/web\n  delivery: archive\n  archive: a.tar\n  build: { cache: registry }\n`,
    ),
    [
      'gangway.yml:10:12 image.archive: is a prebuilt image tar, but image.build builds the image: keep one of the two',
      'gangway.yml:11:19 image.build.cache: registry keeps the build cache next to the image: it needs ' +
        'delivery: registry',
    ],
  );
  const config = parseConfig(`${MINIMAL}image:\n  name: shop/web\n  delivery: sync\n  build: { context: web }\n`, FILE);
  assert.deepEqual(config.image?.build, { context: '/project/deploy/web', args: {}, secrets: [], cache: 'local' });
});
