/**
 * A private copy of one of examples/ in a temp dir, so a test never reads or writes state in the checkout:
 * a user's own deploy of the example (its `.gangway/` deploy dir and records) is neither seen nor removed.
 */
import { cpSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './testenv.js';

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));

/** Copy examples/<name> (without any `.gangway/` a deploy left there); returns the copy's directory. */
export function copyExample(name: string): string {
  const dir = join(tempDir(`gangway-${name}-`), name);
  cpSync(join(EXAMPLES, name), dir, { recursive: true, filter: (src) => basename(src) !== '.gangway' });
  return dir;
}
