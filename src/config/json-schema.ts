import { z } from 'zod';
import { configSchema } from './schema.js';

/** The JSON Schema of gangway.yml, as committed in schema/gangway.schema.json (editors use it). */
export function jsonSchemaText(): string {
  const schema = z.toJSONSchema(configSchema, { io: 'input', target: 'draft-2020-12' });
  return `${JSON.stringify(schema, null, 2)}\n`;
}
