/**
 * The deploy lock over the real sshd: 4 deploys racing for a stale lock (its apply is dead), 50 rounds —
 * exactly one wins each round, and the lock holds the winner's token.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Host } from '../../src/hosts/host.js';
import { openHost } from '../../src/hosts/open-host.js';
import { remoteLayout } from '../../src/server/layout.js';
import { acquireLock, type LockInfo, newLockToken } from '../../src/server/lock.js';
import { sshSettings, tempDir, testEnv, writeKnownHosts } from '../helpers/testenv.js';

const CONTENDERS = 4;
const ROUNDS = 50;
const hosts: Host[] = [];
const dir = `/tmp/gangway-lock-itest-${process.pid}`;
const layout = remoteLayout(dir);

before(async () => {
  const env = testEnv();
  const knownHosts = writeKnownHosts(tempDir(), [{ port: env.port, key: 'target' }]);
  for (let i = 0; i < CONTENDERS; i++) {
    const spec = { kind: 'ssh' as const, label: `c${i}`, host: env.host, user: 'root', port: env.port };
    hosts.push(await openHost(spec, sshSettings({ knownHosts })));
  }
});
after(async () => {
  await hosts[0]?.exec(['rm', '-rf', dir]);
  await Promise.all(hosts.map((h) => h.close()));
});

function info(i: number): LockInfo {
  const token = newLockToken();
  return {
    who: 'ci@runner',
    since: new Date().toISOString(),
    tag: `t${i}`,
    target: 't',
    pid: i,
    operation: 'deploy',
    release: `r${i}`,
    token,
  };
}

test(`${CONTENDERS} deploys on a stale lock, ${ROUNDS} rounds: exactly one winner each round`, async () => {
  for (let round = 0; round < ROUNDS; round++) {
    // A lock whose apply is dead: no process has pid 2147483.
    const stale =
      `rm -rf "$1"; mkdir -p "$1/lock" && echo '{"who":"gone","token":"old"}' > "$1/lock/info" && ` +
      'echo 2147483 > "$1/lock/apply.pid"';
    await hosts[0]!.exec(['sh', '-c', stale, 'sh', layout.state]);
    const infos = hosts.map((_, i) => info(i));
    const results = await Promise.allSettled(
      hosts.map((h, i) =>
        acquireLock(h, layout, infos[i]!, { currentHost: () => h }).then((l) => {
          l.stopHeartbeat();
          return i;
        }),
      ),
    );
    const winners = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    assert.equal(winners.length, 1, `round ${round}: ${winners.length} winners`);
    const held = (await hosts[0]!.readFile(layout.lockInfo)).toString('utf8');
    assert.equal(
      JSON.parse(held).token,
      infos[winners[0]!]!.token,
      `round ${round}: the lock holds the winner's token`,
    );
  }
});
