import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { applyFiles, maskLines, varsScript, type ApplyVars } from '../../src/server/release-files.js';
import { recordTemplates } from '../../src/server/release-record.js';
import { serverScript } from '../../src/server/scripts.js';
import { HOSTILE } from '../helpers/hostile.js';

const VARS: ApplyVars = {
  dir: '/srv/shop',
  app: 'shop',
  releaseId: '20261122-043012-1a2b',
  tag: 'v1.2.3',
  operation: 'deploy',
  imageName: 'ghcr.io/acme/shop',
  keep: 3,
  health: {
    services: ['db', 'web'],
    http: [{ url: 'http://localhost:8000/health?a=1&b=2', retries: 5, intervalMs: 2500 }],
    smoke: ['http://localhost:8000/'],
    fatalLogs: { patterns: ['FATAL', 'panic:'], tail: 100 },
    timeoutMs: 120_000,
  },
  composeArgv: ['docker', 'compose'],
  record: { id: '20261122-043012-1a2b', tag: 'v1.2.3', who: 'ana' },
  strategy: { vars: [['STRATEGY', 'recreate']], files: [] },
};

const NAMES = [
  'DIR',
  'APP',
  'ID',
  'TAG',
  'OPERATION',
  'IMAGE_NAME',
  'KEEP',
  'TIMEOUT',
  'FATAL_TAIL',
  'COMPOSE',
  'RECORD_TEMPLATE',
];

const tmp = mkdtempSync(join(tmpdir(), 'gangway-vars-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Source vars.sh in a real sh (as apply.sh does) and print every variable, NUL-terminated. */
function sourced(vars: ApplyVars): Record<string, string> {
  const file = join(tmp, 'vars.sh');
  writeFileSync(file, varsScript(vars));
  const script = `set -eu; . "$1"; printf '%s\\0' ${NAMES.map((n) => `"$${n}"`).join(' ')}`;
  const r = spawnSync('sh', ['-c', script, 'sh', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const values = r.stdout.split('\0').slice(0, -1);
  return Object.fromEntries(NAMES.map((n, i) => [n, values[i]!]));
}

test('vars.sh holds every value apply.sh reads', () => {
  assert.deepEqual(sourced(VARS), {
    DIR: '/srv/shop',
    APP: 'shop',
    ID: '20261122-043012-1a2b',
    TAG: 'v1.2.3',
    OPERATION: 'deploy',
    IMAGE_NAME: 'ghcr.io/acme/shop',
    KEEP: '3',
    TIMEOUT: '120',
    FATAL_TAIL: '100',
    COMPOSE: 'docker\ncompose',
    RECORD_TEMPLATE: recordTemplates(VARS.record).ok,
  });
});

test('vars.sh round-trips every hostile value through a real sh', () => {
  for (const value of HOSTILE) {
    const vars: ApplyVars = {
      ...VARS,
      dir: `/srv/${value}`,
      app: value,
      tag: value,
      imageName: value,
      composeArgv: [value],
      record: { tag: value, who: value },
    };
    const got = sourced(vars);
    assert.equal(got.DIR, `/srv/${value}`, JSON.stringify(value));
    assert.equal(got.APP, value);
    assert.equal(got.TAG, value);
    assert.equal(got.IMAGE_NAME, value);
    assert.equal(got.COMPOSE, value);
    assert.equal(got.RECORD_TEMPLATE, recordTemplates({ tag: value, who: value }).ok);
  }
});

test('defaults: no image name, no fatal logs, no env; a timeout below a second rounds up to 1', () => {
  const { imageName: _, ...rest } = VARS;
  const vars = { ...rest, health: { ...VARS.health, fatalLogs: undefined, timeoutMs: 300 } };
  const got = sourced(vars as ApplyVars);
  assert.equal(got.IMAGE_NAME, '');
  assert.equal(got.FATAL_TAIL, '0');
  assert.equal(got.TIMEOUT, '1');
});

test('applyFiles: apply.sh and its helpers, vars.sh and the data files, one item a line, .mask 0600', () => {
  const files = Object.fromEntries(applyFiles(VARS, ['hunter2-password']).map((f) => [f.name, f]));
  const scripts = [
    'apply.sh',
    'layout.sh',
    'json.sh',
    'common.sh',
    'clean-env.sh',
    'compose.sh',
    'image-pin.sh',
    'gate.sh',
    'releases.sh',
  ] as const;
  assert.deepEqual(Object.keys(files), [...scripts, 'vars.sh', 'services', 'checks', 'fatal_patterns', '.mask']);
  for (const name of scripts) assert.equal(files[name]?.content, serverScript(name), name);
  assert.equal(files['vars.sh']?.content, varsScript(VARS));
  assert.equal(files.services?.content, 'db\nweb\n');
  assert.equal(
    files.checks?.content,
    'http\t5\t3\thttp://localhost:8000/health?a=1&b=2\nsmoke\t3\t1\thttp://localhost:8000/\n',
  );
  assert.equal(files.fatal_patterns?.content, 'FATAL\npanic:\n');
  assert.equal(files['.mask']?.content, 'hunter2-password\n');
  assert.equal(files['.mask']?.mode, 0o600);
  for (const name of [...scripts, 'vars.sh', 'services', 'checks', 'fatal_patterns']) {
    assert.equal(files[name]?.mode, 0o644, name);
  }
});

test('applyFiles: empty lists are empty files (not a lone newline)', () => {
  const health = { services: [], http: [], smoke: [], timeoutMs: 30_000 };
  const files = Object.fromEntries(applyFiles({ ...VARS, health }, []).map((f) => [f.name, f.content]));
  assert.deepEqual([files.services, files.checks, files.fatal_patterns, files['.mask']], ['', '', '', '']);
});

test('maskLines: longest first, so no shorter value cuts a longer one', () => {
  assert.deepEqual(maskLines(['secret', 'secret-but-longer', 'mid-secret']), [
    'secret-but-longer',
    'mid-secret',
    'secret',
  ]);
});

test('maskLines: a value and its trimmed form; duplicates once', () => {
  assert.deepEqual(maskLines(['  padded-secret  ', 'padded-secret']), ['  padded-secret  ', 'padded-secret']);
});

test('maskLines: each line of a multi-line value, never the multi-line value itself', () => {
  const pem = '-----BEGIN KEY-----\r\nMIIEvQIBADANBgkq\r\n-----END KEY-----';
  assert.deepEqual(maskLines([pem]), ['-----BEGIN KEY-----', '-----END KEY-----', 'MIIEvQIBADANBgkq']);
  for (const line of maskLines([pem, 'a\nbbbbbb\n'])) assert.ok(!/[\r\n]/.test(line), JSON.stringify(line));
});

test('maskLines: values too short or too common to mask are left out', () => {
  assert.deepEqual(maskLines(['', 'abc', '8080', 'true', 'production', 'localhost', '123456', 'real-secret']), [
    'real-secret',
    '123456',
  ]);
});
