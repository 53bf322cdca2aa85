/**
 * docs/configuration.md, generated from the zod schema (`npm run docs`): every key of gangway.yml with its type,
 * default, allowed values, an example and its description. The type, default and allowed values come from the
 * schema itself; only the description (and, for free text, an example) is written by hand in schema.ts.
 */
import { stringify } from 'yaml';
import * as z from 'zod';
import { configSchema } from './schema.js';
import { anchor, cell, prose } from '../util/markdown.js';

/** A node of the JSON Schema zod writes (only the keywords read here). */
export interface JsonNode {
  type?: string;
  description?: string;
  default?: unknown;
  examples?: unknown[];
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  minItems?: number;
  properties?: Record<string, JsonNode>;
  required?: string[];
  items?: JsonNode;
  additionalProperties?: JsonNode | boolean;
  anyOf?: JsonNode[];
  /** schema.ts's durations carry their bound here (json-schema.ts folds it into the description for editors). */
  'x-duration-max'?: string;
}

export interface ConfigProperty {
  /** Dotted path as users write it: `health.http[].url`, `targets.<name>.ssh.key`. */
  path: string;
  /** The top-level key it belongs to (the page's section). */
  section: string;
  node: JsonNode;
  required: boolean;
  /** A mapping or list of mappings: its keys get rows of their own. */
  container: boolean;
}

/** The schema as zod writes it, with schema.ts's own metadata (x-duration-max) still in place. */
export function rawJsonSchema(): JsonNode {
  return z.toJSONSchema(configSchema, { io: 'input', target: 'draft-2020-12' }) as JsonNode;
}

/** The mapping a node holds (itself, a list's items, a record's values or a union's object alternative). */
function mappingOf(node: JsonNode): { node: JsonNode; suffix: string } | undefined {
  if (node.properties) return { node, suffix: '' };
  if (node.items) {
    const inner = mappingOf(node.items);
    return inner && { node: inner.node, suffix: `[]${inner.suffix}` };
  }
  if (typeof node.additionalProperties === 'object') {
    const inner = mappingOf(node.additionalProperties);
    return inner && { node: inner.node, suffix: `.<name>${inner.suffix}` };
  }
  for (const alt of node.anyOf ?? []) {
    const inner = mappingOf(alt);
    if (inner) return inner;
  }
  return undefined;
}

/** Every property of gangway.yml, depth first in the schema's order. */
export function configProperties(root: JsonNode = rawJsonSchema()): ConfigProperty[] {
  const out: ConfigProperty[] = [];
  const walk = (mapping: JsonNode, prefix: string, section: string | undefined) => {
    for (const [key, node] of Object.entries(mapping.properties ?? {})) {
      const path = prefix ? `${prefix}.${key}` : key;
      const inner = mappingOf(node);
      out.push({
        path,
        section: section ?? key,
        node,
        required: mapping.required?.includes(key) ?? false,
        container: inner !== undefined,
      });
      if (inner) walk(inner.node, `${path}${inner.suffix}`, section ?? key);
    }
  };
  walk(root, '', undefined);
  return out;
}

const GENERIC_DURATION = /^A duration:/;

/** What the key does, or undefined when schema.ts says nothing of its own about it. */
export function descriptionOf(node: JsonNode): string | undefined {
  const d = node.description?.trim();
  return d && !GENERIC_DURATION.test(d) ? d : undefined;
}

const isDuration = (node: JsonNode) => node['x-duration-max'] !== undefined;
const isText = (node: JsonNode) => node.pattern?.startsWith('^[^\\u0000') === true;

export function typeOf(node: JsonNode): string {
  if (isDuration(node)) return 'duration';
  if (node.anyOf) return [...new Set(node.anyOf.map(typeOf))].join(' or ');
  if (node.const !== undefined) return typeof node.const;
  if (node.enum) return typeof node.enum[0];
  if (node.type === 'array') return `list of ${node.items ? plural(typeOf(node.items)) : 'values'}`;
  if (node.type === 'object' && node.properties) return 'mapping';
  if (node.type === 'object') {
    const values = typeof node.additionalProperties === 'object' ? typeOf(node.additionalProperties) : 'value';
    return `map of name to ${values}`;
  }
  if (node.format === 'uri') return 'URL';
  if (node.format === 'email') return 'email address';
  return node.type ?? 'value';
}

function plural(type: string): string {
  if (type === 'mapping') return 'mappings';
  if (type.startsWith('map of') || type.startsWith('list of')) return type;
  return type.endsWith('s') ? type : `${type}s`;
}

const code = (value: unknown) => `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;

/** The values the schema accepts, in words: enums, bounds, sizes and patterns. */
export function allowedOf(node: JsonNode): string {
  const parts: string[] = [];
  if (node.anyOf) parts.push(...node.anyOf.map(allowedOf).filter(Boolean));
  if (node.enum) parts.push(node.enum.map(code).join(', '));
  if (node.const !== undefined) parts.push(code(node.const));
  if (isDuration(node)) parts.push(`at most ${node['x-duration-max']}`);
  else if (isText(node)) parts.push('non-empty, no control characters');
  // Emails and URLs: their type says it better than zod's long pattern.
  else if (node.pattern && !node.format && node.pattern !== '^[^\\u0000-\\u0008\\u000a-\\u001f\\u007f-\\u009f]*$')
    parts.push(`matches ${code(node.pattern)}`);
  // z.int() bounds every integer by the safe range: not worth a word.
  const bound = (n: number | undefined) => (n === undefined || Math.abs(n) >= Number.MAX_SAFE_INTEGER ? undefined : n);
  const [min, max] = [bound(node.minimum), bound(node.maximum)];
  if (min !== undefined && max !== undefined) parts.push(`${min}–${max}`);
  else if (min !== undefined) parts.push(`at least ${min}`);
  else if (node.exclusiveMinimum !== undefined) parts.push(`more than ${node.exclusiveMinimum}`);
  if (max !== undefined && min === undefined) parts.push(`at most ${max}`);
  if (node.minItems) parts.push(`at least ${node.minItems} ${node.minItems === 1 ? 'entry' : 'entries'}`);
  if (node.type === 'array' && node.items && !mappingOf(node.items)) {
    const each = allowedOf(node.items);
    if (each) parts.push(`each: ${each}`);
  }
  return parts.join('; ');
}

/** A value to show for the key: its own example, else its default, else the first allowed value. */
export function exampleOf(node: JsonNode): unknown {
  if (node.examples?.length) return node.examples[0];
  const empty = (v: unknown) => (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && v !== null);
  if (node.default !== undefined && !empty(node.default)) return node.default;
  if (node.enum) return node.enum[0];
  if (node.const !== undefined) return node.const;
  if (isDuration(node)) return '30s';
  if (node.type === 'boolean') return true;
  if (node.type === 'integer' || node.type === 'number') return Math.max(node.minimum ?? 1, 1);
  if (node.anyOf) {
    for (const alt of node.anyOf) {
      const example = exampleOf(alt);
      if (example !== undefined) return example;
    }
  }
  if (node.type === 'array' && node.items) {
    const item = exampleOf(node.items);
    return item === undefined ? undefined : [item];
  }
  return undefined;
}

/** `key: value` as it is written in gangway.yml (flow style, one line). */
export function exampleLine(path: string, value: unknown): string {
  const key = path.slice(path.lastIndexOf('.') + 1);
  return `${key}: ${stringify(value, { collectionStyle: 'flow', lineWidth: 0 }).trim()}`;
}

function row(p: ConfigProperty): string {
  const n = p.node;
  const key = `\`${p.path}\`${p.required ? ' **(required)**' : ''}`;
  const dflt = n.default === undefined ? '' : code(n.default);
  const example = p.container ? '' : code(exampleLine(p.path, exampleOf(n)));
  return `| ${[key, typeOf(n), dflt, allowedOf(n), example, prose(descriptionOf(n) ?? '')].map(cell).join(' | ')} |`;
}

export function configurationMarkdown(root: JsonNode = rawJsonSchema()): string {
  const properties = configProperties(root);
  const sections = [...new Set(properties.filter((p) => p.container).map((p) => p.section))];
  const general = properties.filter((p) => !sections.includes(p.section));
  const groups: [string, ConfigProperty[]][] = [
    ['General', general],
    ...sections.map((s): [string, ConfigProperty[]] => [`\`${s}\``, properties.filter((p) => p.section === s)]),
  ];
  const lines = [
    '# Configuration reference: gangway.yml',
    '',
    '<!-- Generated from src/config/schema.ts by `npm run docs`; do not edit by hand. -->',
    '',
    'Every key of gangway.yml: its type, default, allowed values, an example and what it does. Durations are',
    'written like `500ms`, `3s`, `2m`, `1h` or `1m30s`. `<name>` stands for a name you choose (a target);',
    '`[]` marks the entries of a list. Editors complete and check the file with',
    '[schema/gangway.schema.json](../schema/gangway.schema.json) (generated from the same schema).',
    '',
    '## Contents',
    '',
    ...groups.map(([title]) => `- [${title.replaceAll('`', '')}](#${anchor(title)})`),
    '',
  ];
  for (const [title, rows] of groups) {
    lines.push(`## ${title}`, '');
    lines.push('| Key | Type | Default | Allowed values | Example | What it does |', '|---|---|---|---|---|---|');
    lines.push(...rows.map(row), '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
