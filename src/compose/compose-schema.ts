/**
 * The compose-spec JSON Schema as gangway validates with it, and the Ajv options: shared by the validator
 * compiled at run time (validate.ts, when running from source) and the one the build writes ahead of time
 * (scripts/build-compose-validator.mjs), so the two are the same validator.
 */
import { readFileSync } from 'node:fs';
import type { Options } from 'ajv';

const SCHEMA_URL = new URL('../../schema/vendor/compose-spec.json', import.meta.url);

// No code optimisation passes, no inlined $refs: compiling is on every `gangway check`'s critical path when it
// happens at run time (about half the time of the defaults), and the validator checks a few small files once.
export const AJV_OPTIONS: Options = {
  strict: false,
  allErrors: true,
  validateFormats: false,
  verbose: true,
  inlineRefs: false,
  code: { optimize: false },
};

/** The file the build writes next to validate.js: the compiled validator as code (Ajv standalone, CommonJS). */
export const PREBUILT_VALIDATOR = 'compose-spec-validator.cjs';

export function composeSchema(): Record<string, unknown> {
  const upstream = JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as Record<string, unknown>;
  // The upstream file declares draft 2019-09 but is written as draft-07 with draft-04 `id`s, which Ajv 8
  // rejects ("use $id"). They are only labels (every $ref is a JSON pointer into the file): drop them.
  const { $schema: _declared, ...schema } = stripIds(upstream) as Record<string, unknown>;
  return schema;
}

const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions']);

function stripIds(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(stripIds);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'id' && typeof v === 'string') continue;
    if (SCHEMA_MAPS.has(k) && v !== null && typeof v === 'object' && !Array.isArray(v)) {
      out[k] = Object.fromEntries(Object.entries(v).map(([name, sub]) => [name, stripIds(sub)]));
    } else {
      out[k] = stripIds(v);
    }
  }
  return out;
}
