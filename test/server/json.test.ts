/** json.sh under the local sh: json_str turns any text into a JSON string that parses back to it. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { serverScript } from '../../src/server/scripts.js';

/** `"$(json_str "$1")"`, as apply.sh and backup.sh write it into their JSON lines. */
const jsonStr = (text: string): string =>
  execFileSync('sh', ['-c', `${serverScript('json.sh')}\nprintf '"%s"' "$(json_str "$1")"`, 'sh', text], {
    encoding: 'utf8',
  });

test('quotes, backslashes and non-ASCII text come back as they were', () => {
  for (const text of ['plain', 'say "hi"', 'C:\\temp\\new', 'a\\"b', 'café — ✓', '{"nested":"json"}', ''])
    assert.equal(JSON.parse(jsonStr(text)), text, text);
});

test('newline, tab and CR become spaces; other control characters are dropped', () => {
  assert.equal(JSON.parse(jsonStr('line 1\nline 2\tcol\rend')), 'line 1 line 2 col end');
  assert.equal(JSON.parse(jsonStr('bell\u0007 esc\u001b[31mred')), 'bell esc[31mred');
});

/** `json_fill TEMPLATE NAME VALUE…` in a real sh. */
const jsonFill = (template: string, ...pairs: string[]): string =>
  execFileSync('sh', ['-c', `${serverScript('json.sh')}\njson_fill "$@"`, 'sh', template, ...pairs], {
    encoding: 'utf8',
  });

test('json_fill escapes a string slot, puts a raw one in as it is, and fills every place a slot appears', () => {
  const s = (name: string) => `\u001f${name}\u001f`;
  const r = (name: string) => `\u001e${name}\u001e`;
  const template = `{"a":"${s('a')}","n":${r('n')}${r('more')},"again":"${s('a')}"}`;
  const line = jsonFill(template, 'a', 'say "hi" \\ & /', 'n', '42', 'more', ',"x":[1]');
  assert.deepEqual(JSON.parse(line), { a: 'say "hi" \\ & /', n: 42, x: [1], again: 'say "hi" \\ & /' });
});
