/**
 * apply.sh calls its strategy's hooks; each strategy file (recreate.sh, bluegreen.sh, swarm.sh) defines every
 * one of them and redefines nothing apply.sh (or what it sources for every strategy) defines.
 */
import assert from 'node:assert/strict';
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

test('apply.sh calls every hook, defines none, and no strategy file redefines one of its functions', () => {
  const apply = serverScript('apply.sh');
  for (const hook of HOOKS) assert.match(apply, new RegExp(`\\b${hook}\\b`), `apply.sh calls ${hook}`);
  const common = [...defined('apply.sh'), ...defined('json.sh'), ...defined('metrics.sh')];
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
