import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { parseComposeFile, type ComposeFile } from '../../src/compose/compose-file.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/compose/', import.meta.url));
export const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** A compose file from inline text (named `compose.yml` in problems). */
export function composeText(text: string, name = 'compose.yml'): ComposeFile {
  const { file, problems } = parseComposeFile(text, `/project/${name}`, name);
  assert.deepEqual(problems, []);
  assert.ok(file);
  return file;
}

/** 1-based column of `needle` in line `line` (1-based) of `text`. */
export function colOf(text: string, line: number, needle: string, occurrence = 1): number {
  const l = text.split('\n')[line - 1] ?? '';
  let at = -1;
  for (let n = 0; n < occurrence; n++) at = l.indexOf(needle, at + 1);
  assert.ok(at >= 0, `${needle} not on line ${line}`);
  return at + 1;
}
