// Writes src/server/sh/layout.sh from src/server/layout.ts; `--check` fails when the committed file differs.
import { readFileSync, writeFileSync } from 'node:fs';
import { layoutShell } from '../src/server/layout-shell.js';

const file = new URL('../src/server/sh/layout.sh', import.meta.url);
const text = layoutShell();
if (process.argv.includes('--check')) {
  let committed = '';
  try {
    committed = readFileSync(file, 'utf8');
  } catch {
    // missing: differs
  }
  if (committed !== text) {
    console.error(
      'src/server/sh/layout.sh differs from src/server/layout.ts: run npx tsx scripts/generate-layout-sh.ts',
    );
    process.exit(1);
  }
} else writeFileSync(file, text);
