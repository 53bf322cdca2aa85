import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { allCommands, commandPath } from '../../src/cli/help-setup.js';
import { COMMAND_HELP } from '../../src/cli/help-texts.js';
import { commandsMarkdown, definedProgram } from '../../src/cli/reference.js';
import { gangway } from '../helpers/cli.js';

const program = definedProgram();
const flagsOf = (run: string) => run.split(/\s+/).filter((w) => /^--?[A-Za-z]/.test(w));

test('every command has examples, and every option of a command appears in one of its examples', () => {
  for (const cmd of allCommands(program)) {
    const path = commandPath(cmd);
    const examples = COMMAND_HELP[path]?.examples ?? [];
    assert.ok(examples.length > 0, `no examples for "gangway ${path}" in src/cli/help-texts.ts`);
    const used = new Set(examples.flatMap((e) => flagsOf(e.run)));
    for (const option of cmd.options) {
      if (option.long === '--help') continue;
      const shown = [option.long, option.short].some((f) => f !== undefined && used.has(f));
      assert.ok(shown, `gangway ${path}: no example uses ${option.flags}`);
    }
  }
  assert.deepEqual(
    Object.keys(COMMAND_HELP).filter((path) => !allCommands(program).some((c) => commandPath(c) === path)),
    [],
    'help-texts.ts has examples for a command that does not exist',
  );
});

test("each example runs its own command with options it has (or gangway's own)", () => {
  const globals = new Set(program.options.flatMap((o) => [o.long, o.short]));
  for (const cmd of allCommands(program).slice(1)) {
    const path = commandPath(cmd);
    const own = new Set(allCommands(cmd).flatMap((c) => c.options.flatMap((o) => [o.long, o.short])));
    for (const { run } of COMMAND_HELP[path]!.examples) {
      assert.ok(run.replace(/ -[-\w]+(?: \S+\/\S+)?/g, '').startsWith(`gangway ${path}`), run);
      const beforeCommand = run.split(' -- ')[0]!;
      for (const flag of flagsOf(beforeCommand)) assert.ok(own.has(flag) || globals.has(flag), `${run}: ${flag}`);
    }
  }
});

test("a command's --help ends with the same examples", () => {
  const r = gangway(['deploy', '--help']);
  for (const e of COMMAND_HELP.deploy!.examples) assert.ok(r.stdout.includes(`  # ${e.what}\n  ${e.run}\n`), e.run);
  assert.match(gangway(['--help']).stdout, /Examples:[\s\S]*gangway --version[\s\S]*Exit codes:/);
});

test('docs/commands.md is generated from the CLI definition (run `npm run docs` after changing it)', () => {
  const committed = readFileSync(new URL('../../docs/commands.md', import.meta.url), 'utf8');
  assert.equal(committed, commandsMarkdown(program));
});
