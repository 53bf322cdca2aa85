/**
 * layout.sh is generated from layout.ts (the one definition of the server's files): the committed copy must be
 * what layout.ts makes now, its variables must be layout.ts's paths, and no other server script may spell out a
 * layout name itself.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { remoteLayout } from '../../src/server/layout.js';
import { layoutEntries, layoutShell } from '../../src/server/layout-shell.js';
import { withoutComments } from '../../src/server/script-text.js';

const SH = new URL('../../src/server/sh/', import.meta.url);

test('src/server/sh/layout.sh is what layout.ts generates (run npx tsx scripts/generate-layout-sh.ts)', () => {
  assert.equal(readFileSync(new URL('layout.sh', SH), 'utf8'), layoutShell());
});

test("layout.sh's variables are remoteLayout()'s paths, for `layout DIR` and `layout_state STATE` alike", () => {
  const dir = '/srv/my app';
  const l = remoteLayout(dir);
  const print = layoutEntries()
    .map((e) => `printf '%s=%s\\n' ${e.variable} "$${e.variable}"`)
    .join('\n');
  const run = (call: string) =>
    Object.fromEntries(
      execFileSync('sh', ['-c', `${layoutShell()}\n${call}\n${print}`, 'sh', dir, l.state], { encoding: 'utf8' })
        .trim()
        .split('\n')
        .map((line) => line.split('=') as [string, string]),
    );
  const byDir = run('layout "$1"');
  assert.equal(byDir.G, l.state);
  assert.equal(byDir.G_LOCK_INFO, l.lockInfo);
  assert.equal(byDir.G_RELEASES_LOG, l.releasesLog);
  assert.equal(byDir.G_METRICS_COPY, l.metricsCopy);
  assert.equal(`${byDir.G_RELEASES}/r1`, l.release('r1'));
  assert.equal(`${byDir.G_RUN_LOGS}/r1.log`, l.runLog('r1'));
  assert.equal(`${byDir.G_BACKUP_JOBS}/db`, l.backupJob('db'));
  for (const e of layoutEntries().filter((x) => x.underState || x.key === 'state')) {
    const value = (l as unknown as Record<string, string | ((a: string) => string)>)[e.key]!;
    if (typeof value === 'string') assert.equal(byDir[e.variable], value, e.key);
  }
  const byState = run('layout_state "$2"');
  for (const e of layoutEntries().filter((x) => x.underState || x.key === 'state'))
    assert.equal(byState[e.variable], byDir[e.variable], e.variable);
});

test('no server script spells out a name of the layout: they use layout.sh', () => {
  const names = new Set(layoutEntries().flatMap((e) => e.path.split('/')));
  const found: string[] = [];
  for (const file of readdirSync(SH).filter((f) => f.endsWith('.sh') && f !== 'layout.sh')) {
    const code = withoutComments(readFileSync(new URL(file, SH), 'utf8'));
    for (const name of names) {
      const spelled = new RegExp(`/${name.replace(/\./g, '\\.')}(?![A-Za-z0-9_.-])`);
      for (const line of code.split('\n')) if (spelled.test(line)) found.push(`${file}: ${name}: ${line.trim()}`);
    }
  }
  assert.deepEqual(found, []);
});
