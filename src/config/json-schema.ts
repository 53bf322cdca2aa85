import { rawJsonSchema, type JsonNode } from './reference.js';

/** The JSON Schema of gangway.yml, as committed in schema/gangway.schema.json (editors use it). */
export function jsonSchemaText(): string {
  return `${JSON.stringify(forEditors(rawJsonSchema()), null, 2)}\n`;
}

/**
 * Editors show only the description: a duration's own description gains its format and bound (kept apart in
 * schema.ts so that docs/configuration.md can show them in their own columns).
 */
function forEditors(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(forEditors);
  if (typeof node !== 'object' || node === null) return node;
  const { 'x-duration-max': max, ...rest } = node as JsonNode;
  const out = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, forEditors(v)])) as JsonNode;
  if (max !== undefined && out.description && !out.description.startsWith('A duration:'))
    out.description = `${out.description} (a duration such as 30s or 1m30s, at most ${max})`;
  return out;
}
