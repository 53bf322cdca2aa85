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
