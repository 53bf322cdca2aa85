/**
 * backups: in gangway.yml → a job: ${VAR} from the env file, the password by key (server .env first), never in
 * vars.sh.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jobFiles } from '../../src/backup/job-files.js';
import { resolveJob, selectBackup } from '../../src/backup/job.js';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError, UsageError } from '../../src/errors.js';

const yml = (backups: string) =>
  `app: shop\ncompose: c.yml\n${backups}targets:\n  prod: { hosts: ["d@h"], dir: /srv/shop }\n`;
const config = parseConfig(
  yml(`backups:
  - name: db
    service: db
    database: \${POSTGRES_DB}
    user: \${POSTGRES_USER}
    password: \${POSTGRES_PASSWORD}
    encrypt: { age_recipients: ["age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"] }
`),
  '/p/gangway.yml',
);

test('defaults: dir backups/<name>, keep 7 daily / 4 weekly, verify weekly, rpo 24h', () => {
  const b = config.backups[0]!;
  assert.deepEqual(
    { dir: b.dir, keep: b.keep, verify: b.verify, rpoMs: b.rpoMs, key: b.passwordKey },
    { dir: 'backups/db', keep: { daily: 7, weekly: 4 }, verify: 'weekly', rpoMs: 86_400_000, key: 'POSTGRES_PASSWORD' },
  );
});

test('a literal password, a bad recipient or a duplicate name is refused with its key', () => {
  const bad = (b: string) => assert.throws(() => parseConfig(yml(b), '/p/gangway.yml'), ConfigError);
  bad('backups:\n  - { name: db, service: db, database: d, user: u, password: hunter22 }\n');
  bad('backups:\n  - { name: db, service: db, database: d, user: u, encrypt: { age_recipients: ["nope"] } }\n');
  const twice = '  - { name: db, service: db, database: d, user: u }\n';
  bad(`backups:\n${twice}${twice}`);
});

test('resolveJob: variables from the local env file, the password from the server .env first', () => {
  const local = new Map([
    ['POSTGRES_DB', 'appdb'],
    ['POSTGRES_USER', 'app'],
    ['POSTGRES_PASSWORD', 'local-pw'],
  ]);
  const job = resolveJob(config, config.backups[0]!, local, new Map([['POSTGRES_PASSWORD', 'server-pw']]));
  assert.equal(job.database, 'appdb');
  assert.equal(job.password?.reveal(), 'server-pw');
  const files = jobFiles('/srv/shop', 'shop', job);
  const vars = files.find((f) => f.name === 'vars.sh')!.content;
  assert.ok(!vars.includes('server-pw'));
  assert.match(vars, /^DATABASE=appdb$/m);
  assert.deepEqual(
    files.filter((f) => f.name === 'password').map((f) => [f.content, f.mode]),
    [['server-pw', 0o600]],
  );
  assert.throws(() => resolveJob(config, config.backups[0]!, new Map(), new Map()), /backups\[0\]\.database/);
});

test('selectBackup: the only one, or by name; a clear error otherwise', () => {
  assert.equal(selectBackup(config, undefined).name, 'db');
  assert.throws(() => selectBackup(config, 'nope'), UsageError);
});
