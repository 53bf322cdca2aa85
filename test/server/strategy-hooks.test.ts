/**
 * apply.sh calls its strategy's hooks; each strategy file (recreate.sh, bluegreen.sh, swarm.sh) defines every
 * one of them and redefines nothing apply.sh (or what it sources for every strategy) defines.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { serverScript, type ServerScript } from '../../src/server/scripts.js';

const HOOKS = [
  'strategy_deploy',
  'strategy_restore',
  'strategy_stop_new',
  'strategy_prune',
  'strategy_services',
  'strategy_logs',
  'strategy_cid',
  'strategy_failure_output',
  'strategy_record_extra',
  'strategy_failed_done',
];
const STRATEGY_FILES: ServerScript[] = ['recreate.sh', 'bluegreen.sh', 'swarm.sh'];
/** What apply.sh sources for every strategy (release-files.ts ships them beside it). */
const SHARED: ServerScript[] = [
  'apply.sh',
  'layout.sh',
  'json.sh',
  'metrics.sh',
  'common.sh',
  'clean-env.sh',
  'compose.sh',
  'gate.sh',
  'releases.sh',
];

/** The names of the functions a script defines, as often as it defines them. */
function defined(name: ServerScript): string[] {
  return [...serverScript(name).matchAll(/^([a-z_][a-z0-9_]*)\(\) *\{/gm)].map((m) => m[1]!);
}

test('every strategy file defines each hook of apply.sh exactly once', () => {
  for (const file of STRATEGY_FILES) {
    const names = defined(file);
    for (const hook of HOOKS) assert.equal(names.filter((n) => n === hook).length, 1, `${file} defines ${hook} once`);
    assert.deepEqual(
      names.filter((n) => n.startsWith('strategy_') && !HOOKS.includes(n)),
      [],
      `${file}: no hook apply.sh does not call`,
    );
  }
});

test('apply.sh and its helpers call every hook, define none; no strategy file redefines one of their functions', () => {
  const apply = SHARED.map(serverScript).join('\n');
  for (const hook of HOOKS) assert.match(apply, new RegExp(`\\b${hook}\\b`), `apply.sh or its helpers call ${hook}`);
  const common = SHARED.flatMap(defined);
  assert.deepEqual(
    common.filter((n) => n.startsWith('strategy_')),
    [],
  );
  for (const file of STRATEGY_FILES)
    assert.deepEqual(
      defined(file).filter((n) => common.includes(n)),
      [],
      `${file} overrides none of apply.sh's functions`,
    );
});

test('apply.sh is a driver of at most 200 lines: the helpers are in files of their own', () => {
  const source = readFileSync(new URL('../../src/server/sh/apply.sh', import.meta.url), 'utf8');
  const lines = source.trimEnd().split('\n').length;
  assert.ok(lines <= 200, `apply.sh has ${lines} lines`);
});
