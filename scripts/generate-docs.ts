/**
 * Writes the generated reference pages: docs/configuration.md (from the zod schema), docs/commands.md (from the
 * commander program) and docs/errors.md (from the error table). `--check` fails when one is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { commandsMarkdown } from '../src/cli/reference.js';
import { configurationMarkdown } from '../src/config/reference.js';
import { errorsMarkdown } from '../src/errors-reference.js';

const pages: [string, () => string][] = [
  ['docs/configuration.md', configurationMarkdown],
  ['docs/commands.md', () => commandsMarkdown()],
  ['docs/errors.md', errorsMarkdown],
];

let stale = 0;
for (const [name, render] of pages) {
  const path = fileURLToPath(new URL(`../${name}`, import.meta.url));
  const text = render();
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(path, 'utf8');
    } catch {
      // missing: stale
    }
    if (current !== text) {
      console.error(`${name} is out of date: run \`npm run docs\``);
      stale++;
    }
  } else {
    writeFileSync(path, text);
    console.log(`wrote ${path}`);
  }
}
if (stale) process.exit(1);
