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
