import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES } from '../src/error-codes.js';
import { ExitCode } from '../src/errors.js';
import { errorsMarkdown } from '../src/errors-reference.js';
import { DEFAULT_CONNECT_TIMEOUT } from '../src/config/ssh-settings.js';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));
const sources = (readdirSync(SRC, { recursive: true }) as string[])
  .filter((f) => f.endsWith('.ts') && f !== 'error-codes.ts')
  .map((f) => ({ file: f, text: readFileSync(join(SRC, f), 'utf8') }));

test('every error code in the source is in the table of src/error-codes.ts, and every code there is used', () => {
  const used = new Set(sources.flatMap(({ text }) => [...text.matchAll(/'(E_[A-Z0-9_]+)'/g)].map((m) => m[1]!)));
  assert.ok(used.size > 40, `only ${used.size} codes found`);
  assert.deepEqual(
    [...used].filter((c) => !(c in ERROR_CODES)),
    [],
    'add them to src/error-codes.ts',
  );
  assert.deepEqual(
    Object.keys(ERROR_CODES).filter((c) => !used.has(c)),
    [],
    'no longer used: remove them from src/error-codes.ts',
  );
});

test('the exit code the table gives is the one the code is thrown with', () => {
  const exitOf: Record<string, number> = ExitCode;
  let checked = 0;
  for (const { file, text } of sources)
    for (const m of text.matchAll(/'(E_[A-Z0-9_]+)',\s*ExitCode\.(\w+)/g)) {
      assert.equal(ERROR_CODES[m[1] as keyof typeof ERROR_CODES].exit, exitOf[m[2]!], `${file}: ${m[1]}`);
      checked++;
    }
  assert.ok(checked > 10, `only ${checked} checked`);
});

test('docs/errors.md lists every code and is generated from the table (run `npm run docs` after changing it)', () => {
  const committed = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
  assert.equal(committed, errorsMarkdown());
  for (const code of Object.keys(ERROR_CODES)) assert.ok(committed.includes(`| \`${code}\` |`), code);
});

test("the defaults the table quotes are the code's own (ssh.connect_timeout)", () => {
  const { means } = ERROR_CODES.E_SSH_CONNECT_TIMEOUT;
  assert.match(means, /\(default \w+\)/);
  assert.ok(means.includes(`(default ${DEFAULT_CONNECT_TIMEOUT})`), means);
});
