/** Writes schema/gangway.schema.json from the zod schema (the source of truth). `--check` fails on drift. */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { jsonSchemaText } from '../src/config/json-schema.js';

const path = fileURLToPath(new URL('../schema/gangway.schema.json', import.meta.url));
const text = jsonSchemaText();
if (process.argv.includes('--check')) {
  const current = readFileSync(path, 'utf8');
  if (current !== text) {
    console.error('schema/gangway.schema.json is out of date: run `npm run schema`');
    process.exit(1);
  }
} else {
  writeFileSync(path, text);
  console.log(`wrote ${path}`);
}
