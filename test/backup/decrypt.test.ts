/**
 * Encrypted dumps streamed through the local age to backup.sh (verify and restore): against a local "server" (the
 * LocalHost runs `cat` and a stand-in backup.sh that reads its stdin slowly, as a loaded pg_restore does). The
 * download must wait for the reader: this process's memory stays flat while 256 MiB go through. 256 MiB, not the
 * issue's 1 GiB: without backpressure the whole dump was buffered (memory grew by 279 MiB), with it by ~35 MiB, so
 * 256 MiB already tells them apart, in ~10 s at the reader's pace on a loaded 2-core machine instead of ~40.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { BackupEntry } from '../../src/backup/records.js';
import type { BackupHost } from '../../src/backup/session.js';
import { requireIdentity } from '../../src/backup/decrypt.js';
import { verifyBackup } from '../../src/backup/verify.js';
import { LocalHost } from '../../src/hosts/local-host.js';
import { remoteLayout } from '../../src/server/layout.js';
import { tempDir } from '../helpers/testenv.js';

const MIB = 1024 * 1024;

/** A server dir with backups/db-1.dump.age (SIZE bytes of zeros, encrypted) and a stand-in backup.sh. */
function server(size: number, script: string) {
  const root = tempDir('gangway-decrypt-');
  const identity = join(root, 'key.txt');
  execFileSync('age-keygen', ['-o', identity], { stdio: 'ignore' });
  const recipient = execFileSync('age-keygen', ['-y', identity], { encoding: 'utf8' }).trim();
  mkdirSync(join(root, 'backups'));
  execFileSync('sh', [
    '-c',
    `head -c ${size} /dev/zero | age -r "$1" > "$2"`,
    'sh',
    recipient,
    join(root, 'backups', 'db-1.dump.age'),
  ]);
  const jobDir = join(root, 'job');
  mkdirSync(jobDir);
  writeFileSync(join(jobDir, 'backup.sh'), script);
  const bh = {
    host: new LocalHost(),
    layout: remoteLayout(root),
    job: { config: { name: 'db', dir: 'backups' } },
    jobDir,
  } as unknown as BackupHost;
  const entry: BackupEntry = { file: 'db-1.dump.age', encrypted: true, pruned: false };
  return { bh, entry, identity, root };
}

/** Reads stdin 4 MiB at a time with a pause between reads, then records how many bytes it got. */
const SLOW_READER = `#!/bin/sh
total=0
while :; do
  n=$(dd bs=4194304 count=1 iflag=fullblock 2>/dev/null | wc -c)
  [ "$n" -gt 0 ] || break
  total=$((total + n))
  sleep 0.02
done
printf '@@result {"op":"verify","name":"db","outcome":"succeeded","file":"%s",' "$3"
printf '"tables":[{"table":"bytes","rows":%s}]}\\n' "$total"
`;

test("a large encrypted dump is verified at the reader's pace, with flat memory (backpressure)", async () => {
  const size = 256 * MIB;
  const s = server(size, SLOW_READER);
  global.gc?.();
  const base = process.memoryUsage.rss();
  let peak = base;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  try {
    const record = await verifyBackup(s.bh, s.entry, { identity: s.identity });
    assert.deepEqual(record.tables, [{ table: 'bytes', rows: size }], 'every byte reached the reader');
  } finally {
    clearInterval(sampler);
  }
  const grew = (peak - base) / MIB;
  assert.ok(grew < 100, `memory grew by ${grew.toFixed(0)} MiB while 256 MiB streamed`);
});

test("a wrong identity: age's own error, no hang", async () => {
  const s = server(MIB, SLOW_READER);
  const other = join(s.root, 'other.txt');
  execFileSync('age-keygen', ['-o', other], { stdio: 'ignore' });
  await assert.rejects(
    verifyBackup(s.bh, s.entry, { identity: other }),
    /age could not decrypt db-1\.dump\.age: .*no identity matched/,
  );
});

test('backup.sh gives up before reading (a wrong checksum): its reason, and the download stops', async () => {
  const record = '{"op":"verify","name":"db","outcome":"failed","reason":"db-1.dump.age is corrupted"}';
  const quits = `#!/bin/sh\nprintf '@@result %s\\n' '${record}'\n`;
  const s = server(64 * MIB, quits);
  await assert.rejects(
    verifyBackup(s.bh, s.entry, { identity: s.identity }),
    /verify of db-1\.dump\.age FAILED: db-1\.dump\.age is corrupted/,
  );
});

test('no identity, or one that cannot be read: refused before anything runs', async () => {
  const s = server(MIB, '#!/bin/sh\ntouch "$1/ran"\n');
  await assert.rejects(verifyBackup(s.bh, s.entry, {}), /db-1\.dump\.age is encrypted: pass --identity FILE/);
  await assert.rejects(
    verifyBackup(s.bh, s.entry, { identity: join(s.root, 'nope') }),
    /cannot read the identity .*ENOENT/,
  );
  assert.equal(execFileSync('ls', [s.bh.jobDir], { encoding: 'utf8' }).trim(), 'backup.sh');
});

test('no `age` here: an encrypted backup is refused before anything is done, naming what to install', async () => {
  const dir = tempDir('gangway-noage-');
  const identity = join(dir, 'key.txt');
  writeFileSync(identity, 'AGE-SECRET-KEY-1PLACEHOLDER\n', { mode: 0o600 });
  const path = process.env.PATH;
  process.env.PATH = dir; // an empty directory: no age, no shell utilities
  try {
    await assert.rejects(
      requireIdentity({ file: 'db-1.dump.age', encrypted: true, pruned: false }, identity, 'E_RESTORE_FAILED'),
      /db-1\.dump\.age is encrypted and decrypted here, but `age` is not installed on this machine/,
    );
  } finally {
    process.env.PATH = path;
  }
});
