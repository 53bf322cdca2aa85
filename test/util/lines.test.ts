/** Output chunks into log lines: every line ending, blank lines dropped, characters kept whole across chunks. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineSplitter } from '../../src/util/lines.js';
import { Scrubber, MASK } from '../../src/redact/scrubber.js';

function split(chunks: (string | Buffer)[]): string[] {
  const lines: string[] = [];
  const s = new LineSplitter((l) => lines.push(l));
  for (const c of chunks) s.push(c);
  s.flush();
  return lines;
}

test('\\n, \\r\\n and a bare \\r (a progress redraw) each end a line; trailing spaces and blank lines go', () => {
  assert.deepEqual(split(['one\ntwo\r\nthree\rfour   \n\n  \nfive']), ['one', 'two', 'three', 'four', 'five']);
});

test('a line split across chunks is one line, also when \\r\\n is split between them', () => {
  assert.deepEqual(split(['hel', 'lo wor', 'ld\r', '\nnext', '\n']), ['hello world', 'next']);
});

test('the last line without a newline comes out on flush, once', () => {
  const lines: string[] = [];
  const s = new LineSplitter((l) => lines.push(l));
  s.push('a\nb');
  assert.deepEqual(lines, ['a']);
  s.flush();
  s.flush();
  assert.deepEqual(lines, ['a', 'b']);
});

test('a character split between two chunks arrives whole (UTF-8 of 2, 3 and 4 bytes)', () => {
  const text = 'grün — 日本 🚀 done\n';
  const bytes = Buffer.from(text);
  for (let cut = 1; cut < bytes.length; cut++)
    assert.deepEqual(split([bytes.subarray(0, cut), bytes.subarray(cut)]), [text.trim()], `cut at byte ${cut}`);
  // Byte by byte.
  assert.deepEqual(split([...bytes].map((b) => Buffer.from([b]))), [text.trim()]);
});

test('so a non-ASCII secret split between chunks is still masked in the line', () => {
  const scrubber = new Scrubber();
  scrubber.add('pässwört-canary-1');
  const bytes = Buffer.from('DATABASE_URL=postgres://app:pässwört-canary-1@db/app\n');
  const at = bytes.indexOf(Buffer.from('ä')) + 1; // inside the ä
  const [line] = split([bytes.subarray(0, at), bytes.subarray(at)]);
  assert.equal(scrubber.scrub(line!), `DATABASE_URL=postgres://app:${MASK}@db/app`);
});
