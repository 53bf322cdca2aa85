/** preflight: the local group first, then each host's as soon as it is done; the checklist in the target's order. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { preflight } from '../../src/check/preflight.js';
import type { HostSpec } from '../../src/config/hosts.js';
import { parseConfig } from '../../src/config/load.js';
import type { Host } from '../../src/hosts/host.js';
import { capturedReporter } from '../helpers/reporter.js';
import { tempDir } from '../helpers/testenv.js';

const dir = tempDir('gangway-preflight-');
writeFileSync(join(dir, 'docker-compose.yml'), 'services:\n  web:\n    image: nginx:1.27\n');
const config = parseConfig(
  `app: shop
compose: docker-compose.yml
targets:
  prod:
    hosts: ["deploy@203.0.113.10", "deploy@203.0.113.11"]
    dir: /srv/shop
`,
  join(dir, 'gangway.yml'),
);
const target = config.targets.prod!;
const [first, second] = target.hosts as [HostSpec, HostSpec];
const unreachable = (_: unknown, spec: HostSpec): Promise<Host> =>
  Promise.reject(new Error(`no route to ${spec.label}`));

/** A reporter whose output is kept; `onText` sees it as it grows. */
const capture = (onText?: (text: string) => void) => capturedReporter({}, onText);

test('each host group prints once that host is done; the checklist keeps the target order', async () => {
  // The first host answers only once the second one's group is printed.
  let refuseFirst = () => {};
  const firstRefused = new Promise<void>((resolve) => (refuseFirst = resolve));
  const { reporter, printed } = capture((text) => text.includes(`host ${second.label}`) && refuseFirst());
  const openHost = async (_: unknown, spec: HostSpec): Promise<Host> => {
    if (spec === first) await firstRefused;
    throw new Error(`no route to ${spec.label}`);
  };
  const backstop = setTimeout(refuseFirst, 60_000); // also keeps the event loop alive, as a socket would
  const list = await preflight({ reporter, openHost, compose: { remember() {} } }, config, target, undefined, 'all');
  clearTimeout(backstop);

  assert.deepEqual(
    list.hosts.map((h) => [h.host, h.items.map((i) => `${i.status} ${i.title}: ${i.detail}`)]),
    [
      [first.label, [`fail SSH: no route to ${first.label}`]],
      [second.label, [`fail SSH: no route to ${second.label}`]],
    ],
  );
  const headings = printed()
    .split('\n')
    .filter((l) => /^(local|host )/.test(l))
    .map((l) => l.trim());
  assert.deepEqual(headings, ['local', `host ${second.label}`, `host ${first.label}`]);
  assert.match(printed(), /\[ok\] compose file — docker-compose\.yml readable/);
});

test("'problems' prints only what is not ok (before a deploy)", async () => {
  const { reporter, printed } = capture();
  const list = await preflight(
    { reporter, openHost: unreachable, compose: { remember() {} } },
    config,
    target,
    undefined,
    'problems',
  );
  const okItems = list.local.filter((i) => i.status === 'ok');
  assert.ok(okItems.length > 0, 'the local checks pass');
  for (const item of okItems) assert.ok(!printed().includes(item.detail), `printed although ok: ${item.title}`);
  assert.doesNotMatch(printed(), /^local$/m, 'a group with nothing to show has no heading');
  assert.match(printed(), /\[fail\] SSH — no route to deploy@203\.0\.113\.10/);
});

test("check (all) warns of a scheduled backup copied by SFTP; a deploy's preflight (problems) does not", async () => {
  const withBackup = parseConfig(
    `app: shop
compose: docker-compose.yml
backups:
  - { name: uploads, kind: files, paths: [data/uploads], schedule: "0 3 * * *", copy_to: { sftp: "bk@10.0.0.9:/b" } }
targets:
  prod: { hosts: ["deploy@203.0.113.10"], dir: /srv/shop }
`,
    join(dir, 'gangway.yml'),
  );
  const run = (show: 'all' | 'problems') =>
    preflight(
      { reporter: capture().reporter, openHost: unreachable, compose: { remember() {} } },
      withBackup,
      withBackup.targets.prod!,
      undefined,
      show,
    );
  const all = (await run('all')).local.filter((i) => i.title === 'backup off-site copy');
  assert.equal(all.length, 1);
  assert.equal(all[0]!.status, 'warn');
  assert.match(all[0]!.detail, /^backup uploads runs on a schedule/);
  assert.deepEqual(
    (await run('problems')).local.filter((i) => i.title === 'backup off-site copy'),
    [],
    'not before every deploy',
  );
});
