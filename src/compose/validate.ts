/**
 * Local check of a compose file against the upstream compose-spec JSON Schema (schema/vendor/compose-spec.json),
 * each problem located as file:line:col with a dotted key path. Messages name keys, expected types and allowed
 * values from the schema, never the value found in the file (it may be a secret).
 *
 * Compose validates after interpolation, so the document is checked with `${…}` substituted from `lookup`:
 * - a type error on a value that held a reference is not reported (compose converts such values to the type
 *   the schema wants, e.g. `replicas: ${N}`);
 * - no error at all is reported for a value whose variables are not set (`unresolvedVariables` reports those).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { ConfigProblem } from '../errors.js';
import { formatKeyPath } from '../config/key-path.js';
import type { ComposeFile } from './compose-file.js';
import { hasInterpolation, interpolateTemplate } from '../env/interpolate.js';
import { AJV_OPTIONS, composeSchema, PREBUILT_VALIDATOR } from './compose-schema.js';

export type Lookup = (name: string) => string | undefined;

// Ajv (a CommonJS package) is loaded only when the schema is compiled here: it takes a while to load.
const require = createRequire(import.meta.url);
let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  compiled ??= prebuiltValidator() ?? compiledValidator();
  return compiled;
}

/**
 * The validator the build wrote ahead of time (dist/compose/): loading it takes a few ms where compiling the
 * schema takes a few hundred on every check and deploy. Absent when running from source: compiled then.
 */
export function prebuiltValidator(): ValidateFunction | undefined {
  const file = new URL(`./${PREBUILT_VALIDATOR}`, import.meta.url);
  if (!existsSync(file)) return undefined;
  return require(fileURLToPath(file)) as ValidateFunction;
}

/** The vendored schema compiled here (and the reference the prebuilt validator is tested against). */
export function compiledValidator(): ValidateFunction {
  const { Ajv } = require('ajv') as typeof import('ajv');
  return new Ajv(AJV_OPTIONS).compile(composeSchema());
}

/** The validator checks use (exported for tests). */
export function composeSchemaValidator(): ValidateFunction {
  return validator();
}

/** What interpolation did at one JSON pointer of the document. */
interface Interpolated {
  /** Some variable it needs is not set (or empty for `:?`). */
  unresolved: boolean;
}

/** Validate one compose file (its own document, as compose does before merging). */
export function validateCompose(file: ComposeFile, lookup: Lookup): ConfigProblem[] {
  if (file.doc === null || file.doc === undefined) return [];
  const interpolated = new Map<string, Interpolated>();
  const data = interpolate(file.doc, '', lookup, interpolated);
  const validate = validator();
  if (validate(data)) return [];
  const issues = simplify(validate.errors ?? []);
  const problems: ConfigProblem[] = [];
  const seen = new Set<string>();
  for (const e of issues) {
    if (suppressed(e, interpolated)) continue;
    const problem = toProblem(e, file, data);
    const id = `${problem.line}:${problem.col}:${problem.key}:${problem.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    problems.push(problem);
  }
  return problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0));
}

/** A copy of the document with every string value interpolated; `seen` gets the pointers that held references. */
function interpolate(value: unknown, pointer: string, lookup: Lookup, seen: Map<string, Interpolated>): unknown {
  if (typeof value === 'string') {
    if (!value.includes('$')) return value;
    const result = interpolateTemplate(value, lookup);
    if (result.error) {
      // An invalid `${` (invalidInterpolations() reports it) or a required variable that is missing
      // (unresolvedVariables() does): do not pile schema errors on top.
      seen.set(pointer, { unresolved: true });
      return value;
    }
    if (!hasInterpolation(value)) return result.value; // only `$$` escapes and literal `$`s
    seen.set(pointer, { unresolved: result.unsetUsed.length > 0 });
    return result.value;
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, `${pointer}/${i}`, lookup, seen));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolate(v, `${pointer}/${escapePointer(k)}`, lookup, seen);
    return out;
  }
  return value;
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** One error after oneOf/anyOf noise is folded away. */
interface Issue {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
  parentSchema?: unknown;
  /** For folded alternatives: the types and values any branch would accept. */
  alternatives?: { types: string[]; values: unknown[] };
}

/**
 * Ajv with allErrors reports every branch of a failed oneOf/anyOf, then the oneOf itself. Keep what helps:
 * when some branch matched the value's type, that branch's own errors (deeper keys, unknown keys, …);
 * when none did, one issue listing the accepted types and values.
 */
function simplify(errors: readonly ErrorObject[]): Issue[] {
  const out: Issue[] = [];
  let i = errors.length - 1;
  while (i >= 0) {
    const e = errors[i]!;
    if (e.keyword !== 'oneOf' && e.keyword !== 'anyOf') {
      out.unshift(asIssue(e));
      i--;
      continue;
    }
    // The branches' errors come right before the oneOf error, all at or under its instance path.
    let j = i;
    while (j > 0 && isUnder(errors[j - 1]!.instancePath, e.instancePath)) j--;
    const branches = errors.slice(j, i);
    const atSelf = (x: ErrorObject) =>
      x.instancePath === e.instancePath && (x.keyword === 'type' || x.keyword === 'enum');
    const specific = branches.filter((x) => !atSelf(x));
    if (specific.length > 0) {
      out.unshift(...simplify(specific));
    } else {
      const types = new Set<string>();
      const values: unknown[] = [];
      for (const x of branches) {
        if (x.keyword === 'type') for (const t of typeList(x.params.type)) types.add(t);
        if (x.keyword === 'enum') values.push(...((x.params.allowedValues as unknown[]) ?? []));
      }
      // A branch with an enum of strings also fails on type for a non-string: name the values, not "a string".
      if (values.length > 0 && values.every((v) => typeof v === 'string')) types.delete('string');
      out.unshift({
        instancePath: e.instancePath,
        keyword: e.keyword,
        params: e.params,
        alternatives: { types: [...types], values },
      });
    }
    i = j - 1;
  }
  return out;
}

function asIssue(e: ErrorObject): Issue {
  return {
    instancePath: e.instancePath,
    keyword: e.keyword,
    params: e.params,
    ...(e.message === undefined ? {} : { message: e.message }),
    parentSchema: e.parentSchema,
  };
}

function isUnder(path: string, parent: string): boolean {
  return path === parent || path.startsWith(`${parent}/`);
}

function typeList(t: unknown): string[] {
  if (Array.isArray(t)) return t.map(String);
  return typeof t === 'string' ? t.split(',') : [];
}

function suppressed(issue: Issue, interpolated: ReadonlyMap<string, Interpolated>): boolean {
  const at = interpolated.get(issue.instancePath);
  if (at && (at.unresolved || issue.keyword === 'type' || issue.alternatives)) return true;
  if (issue.keyword === 'uniqueItems') {
    // Two unset variables both becoming "" are not duplicates in the file.
    const items = [issue.params.i, issue.params.j].map((n) => interpolated.get(`${issue.instancePath}/${String(n)}`));
    if (items.some((x) => x?.unresolved)) return true;
  }
  return false;
}

function toProblem(issue: Issue, file: ComposeFile, data: unknown): ConfigProblem {
  const path = pathOf(issue.instancePath, data);
  const base = { file: file.file };
  if (issue.keyword === 'additionalProperties') {
    const name = String(issue.params.additionalProperty);
    const pos = file.source.locate(path, name);
    const namePattern = serviceNamePattern(issue.parentSchema);
    const message = namePattern ? `invalid name "${name}": names must match ${namePattern}` : `unknown key "${name}"`;
    return { ...base, ...pos, key: formatKeyPath([...path, name]), message };
  }
  // A duplicate is pointed at where it is repeated.
  const pos = file.source.locate(issue.keyword === 'uniqueItems' ? [...path, Number(issue.params.i)] : path);
  const key = formatKeyPath(path);
  const found = describeFound(valueAt(data, path));
  return { ...base, ...pos, ...(key ? { key } : {}), message: messageFor(issue, found) };
}

/** For maps of named things (services, volumes, …): the name pattern; undefined for maps of fixed keys. */
function serviceNamePattern(parentSchema: unknown): string | undefined {
  if (parentSchema === null || typeof parentSchema !== 'object') return undefined;
  const s = parentSchema as { properties?: unknown; patternProperties?: Record<string, unknown> };
  if (s.properties !== undefined || !s.patternProperties) return undefined;
  return Object.keys(s.patternProperties).find((p) => p !== '^x-');
}

function messageFor(issue: Issue, found: string): string {
  if (issue.alternatives) {
    const { types, values } = issue.alternatives;
    const options = [...values.map((v) => JSON.stringify(v)), ...types.map(typeName)];
    return options.length > 0
      ? `must be ${orList(options)}, found ${found}`
      : 'does not match any of the forms compose accepts here';
  }
  switch (issue.keyword) {
    case 'type':
      return `must be ${orList(typeList(issue.params.type).map(typeName))}, found ${found}`;
    case 'enum': {
      const allowed = (issue.params.allowedValues as unknown[]) ?? [];
      return `must be one of: ${allowed.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ')}`;
    }
    case 'required':
      return `missing required key "${String(issue.params.missingProperty)}"`;
    case 'uniqueItems':
      return `items [${String(issue.params.j)}] and [${String(issue.params.i)}] are duplicates`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `must be ${String(issue.params.comparison)} ${String(issue.params.limit)}`;
    default:
      // Ajv's messages are built from the schema (limits, patterns), never from the data.
      return issue.message ?? `is not valid (${issue.keyword})`;
  }
}

function typeName(t: string): string {
  switch (t) {
    case 'object':
      return 'a mapping';
    case 'array':
      return 'a list';
    case 'integer':
      return 'an integer';
    case 'null':
      return 'empty';
    default:
      return `a ${t}`;
  }
}

function describeFound(v: unknown): string {
  if (v === null || v === undefined) return 'an empty value';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'number') return Number.isInteger(v) ? 'an integer' : 'a number';
  return `a ${typeof v}`;
}

function orList(items: readonly string[]): string {
  const unique = [...new Set(items)];
  if (unique.length <= 1) return unique[0] ?? '';
  return `${unique.slice(0, -1).join(', ')} or ${unique[unique.length - 1]!}`;
}

/** JSON pointer -> key path, with array indexes as numbers (so `ports[0]`, and YAML lookups work). */
function pathOf(pointer: string, data: unknown): PropertyKey[] {
  if (pointer === '') return [];
  const out: PropertyKey[] = [];
  let v = data;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(v)) {
      const n = Number(seg);
      out.push(n);
      v = v[n];
    } else {
      out.push(seg);
      v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[seg] : undefined;
    }
  }
  return out;
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let v = data;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}
