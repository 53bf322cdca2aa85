/** restore --into-live before anything runs on the server, and the command its failure hint gives. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BackupEntry } from '../../src/backup/records.js';
import { putBackCommand, restoreIntoLive } from '../../src/backup/restore.js';
import type { BackupHost } from '../../src/backup/session.js';
import type { HealthSettings } from '../../src/config/config.js';

const entry: BackupEntry = { file: 'db-20260101-020000.dump.age', encrypted: true, pruned: false };

test('an encrypted backup without --identity: refused before the lock and the safety backup', async () => {
  const ran: string[][] = [];
  const host = {
    label: 'db1',
    exec: (argv: string[]) => {
      ran.push(argv);
      throw new Error('nothing may run');
    },
  };
  const bh = { host, layout: {}, job: { config: { name: 'db' } }, jobDir: '/j' } as unknown as BackupHost;
  await assert.rejects(
    restoreIntoLive(bh, entry, 'shop', {} as HealthSettings, 'prod'),
    /db-20260101-020000\.dump\.age is encrypted: pass --identity FILE/,
  );
  await assert.rejects(
    restoreIntoLive(bh, entry, 'shop', {} as HealthSettings, 'prod', { identity: '/no/such/key.txt' }),
    /cannot read the identity \/no\/such\/key\.txt: ENOENT/,
  );
  assert.deepEqual(ran, []);
});

test('the put-back command names the target, and --identity when the safety backup is encrypted', () => {
  const plain = { op: 'backup', name: 'db', file: 'db-1.dump', encrypted: false } as const;
  assert.equal(putBackCommand('prod', 'db', plain), 'gangway restore prod db db-1.dump --into-live --yes');
  assert.match(
    putBackCommand('prod', 'db', { ...plain, file: 'db-1.dump.age', encrypted: true }),
    /^gangway restore prod db db-1\.dump\.age --into-live --yes --identity FILE/,
  );
});
