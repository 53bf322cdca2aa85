/** `backups:` entries of kind files (paths) and copy_to, through the real loader: values and located errors. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../src/errors.js';
import { parseConfig } from '../../src/config/load.js';

const FILE = '/project/deploy/gangway.yml';
const MINIMAL = `app: observer
compose: docker-compose.yml
targets:
  prod:
    hosts: ["azureuser@203.0.113.10"]
    dir: /home/azureuser/observer-deploy
`;

function problems(text: string): string[] {
  try {
    parseConfig(text, FILE);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${e}`);
    return e.problems.map((p) => `${p.line}:${p.col} ${p.key ?? ''}: ${p.message}`);
  }
  assert.fail('expected the config to be rejected');
}

test('kind files: paths under the deploy dir and volume:NAME; copy_to parsed into a host and a dir', () => {
  const c = parseConfig(
    `${MINIMAL}backups:
  - name: uploads
    kind: files
    paths: [data/uploads, "volume:media"]
    copy_to: { sftp: "backup@dr.example.com:2222:/srv/backups/app/", fingerprint: "SHA256:${'A'.repeat(43)}" }
  - { name: db, service: db, database: d, user: u }
`,
    FILE,
  );
  const [files, db] = c.backups;
  assert.equal(files!.kind, 'files');
  assert.deepEqual(files!.paths, ['data/uploads', 'volume:media']);
  assert.equal(files!.dir, 'backups/uploads');
  assert.deepEqual(files!.copyTo, {
    kind: 'sftp',
    label: 'sftp://backup@dr.example.com:2222/srv/backups/app',
    host: { kind: 'ssh', label: 'backup@dr.example.com:2222', host: 'dr.example.com', user: 'backup', port: 2222 },
    dir: '/srv/backups/app',
    fingerprint: `SHA256:${'A'.repeat(43)}`,
  });
  assert.equal(db!.kind, 'postgres');
  assert.equal(db!.paths, undefined);
});

test('what a kind needs and does not use is refused where it is written', () => {
  assert.deepEqual(problems(`${MINIMAL}backups:\n  - { name: db, service: db, user: u, paths: [x] }\n`), [
    '8:5 backups[0].database: is required for kind postgres',
    '8:46 backups[0].paths: is for kind files (a postgres backup dumps its database)',
  ]);
  assert.deepEqual(problems(`${MINIMAL}backups:\n  - { name: up, kind: files, service: web }\n`), [
    '8:5 backups[0].paths: is required for kind files: the directories or volume:NAME to back up',
    '8:39 backups[0].service: is for kind postgres (a files backup reads its paths)',
  ]);
});

test('paths outside the deploy dir, bad volume names, duplicates and a copy_to without a user are refused', () => {
  const entry = (paths: string) => `${MINIMAL}backups:\n  - { name: up, kind: files, paths: ${paths} }\n`;
  assert.match(problems(entry('[/etc]')).join('\n'), /backups\[0\]\.paths\[0\]: must be a path relative to/);
  assert.match(problems(entry('[../x]')).join('\n'), /paths\[0\]: must be a path relative/);
  assert.match(problems(entry('["volume:a b"]')).join('\n'), /paths\[0\]: must be a path relative .* or volume:NAME/);
  assert.match(problems(entry('[a, a]')).join('\n'), /backups\[0\]\.paths: lists a path twice/);
  const copy = (to: string) =>
    `${MINIMAL}backups:\n  - { name: up, kind: files, paths: [a], copy_to: { sftp: "${to}" } }\n`;
  assert.match(problems(copy('dr.example.com:/x')).join('\n'), /copy_to\.sftp: must be user@host:\/absolute\/dir/);
  assert.match(problems(copy('u@dr.example.com:relative')).join('\n'), /copy_to\.sftp: must be user@host/);
});

test('copy_to.s3: a bucket, a prefix without edge slashes, the endpoint and the names of the key variables', () => {
  const c = parseConfig(
    `${MINIMAL}backups:
  - name: uploads
    kind: files
    paths: [data/uploads]
    copy_to:
      s3:
        bucket: acme-backups
        prefix: /shop/uploads/
        endpoint: https://s3.example.net:9000
        region: eu-central-1
        access_key_env: BK_ACCESS
        secret_key_env: BK_SECRET
  - { name: aws, kind: files, paths: [a], copy_to: { s3: { bucket: b-1, access_key_env: A, secret_key_env: S } } }
`,
    FILE,
  );
  assert.deepEqual(c.backups[0]!.copyTo, {
    kind: 's3',
    label: 's3://s3.example.net:9000/acme-backups/shop/uploads',
    bucket: 'acme-backups',
    prefix: 'shop/uploads',
    endpoint: 'https://s3.example.net:9000',
    region: 'eu-central-1',
    accessKeyEnv: 'BK_ACCESS',
    secretKeyEnv: 'BK_SECRET',
  });
  assert.equal(c.backups[1]!.copyTo?.label, 's3://b-1');
});

test('copy_to: both or neither of sftp and s3, a key value instead of its name, a bad bucket: located errors', () => {
  const copy = (to: string) => `${MINIMAL}backups:\n  - { name: up, kind: files, paths: [a], copy_to: ${to} }\n`;
  const s3 = 'bucket: bkt, access_key_env: A, secret_key_env: S';
  assert.deepEqual(problems(copy(`{ sftp: "u@h:/x", s3: { ${s3} } }`)), [
    '8:51 backups[0].copy_to: names both sftp and s3: one copy per backup (keep one of the two)',
  ]);
  assert.deepEqual(problems(copy('{}')), [
    '8:51 backups[0].copy_to: needs sftp (user@host:/dir) or s3 ({ bucket, access_key_env, secret_key_env })',
  ]);
  assert.match(
    problems(copy(`{ s3: { bucket: bkt, access_key_env: A, secret_key_env: "wJalr/K7MDENG+bPxRfiCY" } }`)).join('\n'),
    /8:\d+ backups\[0\]\.copy_to\.s3\.secret_key_env: must be the NAME of an environment variable/,
  );
  assert.match(
    problems(copy(`{ s3: { bucket: Bad_Bucket, access_key_env: A, secret_key_env: S } }`)).join('\n'),
    /backups\[0\]\.copy_to\.s3\.bucket: must be an S3 bucket name/,
  );
  assert.match(
    problems(copy(`{ s3: { ${s3}, prefix: "a/../b" } }`)).join('\n'),
    /backups\[0\]\.copy_to\.s3\.prefix: must not hold \. or \.\. segments/,
  );
  assert.match(
    problems(copy(`{ s3: { ${s3}, endpoint: "s3.example.net" } }`)).join('\n'),
    /copy_to\.s3\.endpoint: must be an http:\/\/ or https:\/\/ URL/,
  );
  assert.match(
    problems(copy(`{ s3: { ${s3} }, fingerprint: "SHA256:${'A'.repeat(43)}" }`)).join('\n'),
    /backups\[0\]\.copy_to\.fingerprint: is for copy_to\.sftp/,
  );
});
