/** The keys a schema allows at a path: the candidates for "did you mean …?" on an unknown key. */
import type * as z from 'zod';

type Def = {
  type: string;
  shape?: Record<string, unknown>;
  innerType?: unknown;
  valueType?: unknown;
  element?: unknown;
  options?: unknown[];
  in?: unknown;
};

function defOf(schema: unknown): Def {
  return (schema as { _zod: { def: Def } })._zod.def;
}

/** Unwrap optional/default/pipe wrappers down to the schema that holds the data. */
function unwrap(schema: unknown): unknown {
  let s = schema;
  for (;;) {
    const def = defOf(s);
    if (def.innerType !== undefined) s = def.innerType;
    else if (def.type === 'pipe' && def.in !== undefined) s = def.in;
    else return s;
  }
}

/** The schema that holds the data at a key path (a union's object branch on the way), or undefined. */
function schemaAt(root: z.ZodType, path: readonly PropertyKey[]): unknown {
  let s: unknown = unwrap(root);
  for (const part of path) {
    let def = defOf(s);
    if (def.type === 'union') {
      const obj = def.options?.map(unwrap).find((o) => defOf(o).type === 'object');
      if (obj === undefined) return undefined;
      def = defOf(obj); // the mapping alternative: `part` is one of its keys
    }
    if (def.type === 'object' && def.shape) s = def.shape[String(part)];
    else if (def.type === 'record') s = def.valueType;
    else if (def.type === 'array') s = def.element;
    else return undefined;
    if (s === undefined) return undefined;
    s = unwrap(s);
  }
  return s;
}

export function allowedKeysAt(root: z.ZodType, path: readonly PropertyKey[]): string[] {
  const s = schemaAt(root, path);
  if (s === undefined) return [];
  const def = defOf(s);
  if (def.type === 'union') {
    const obj = def.options?.map(unwrap).find((o) => defOf(o).type === 'object');
    return obj ? Object.keys(defOf(obj).shape ?? {}) : [];
  }
  return def.type === 'object' ? Object.keys(def.shape ?? {}) : [];
}

/**
 * Where below `path` a key of this name is allowed, as relative key paths (`health.timeout`,
 * `targets.<name>.ssh.key`), nearest first: for a key written one level too high.
 */
export function keyPathsBelow(root: z.ZodType, path: readonly PropertyKey[], key: string, depth = 3): string[] {
  const s = schemaAt(root, path);
  if (s === undefined) return [];
  const found: string[][] = [];
  const walk = (schema: unknown, at: string[]) => {
    if (at.length > depth) return;
    const def = defOf(unwrap(schema));
    if (def.type === 'array') return walk(def.element, at.length > 0 ? [...at.slice(0, -1), `${at.at(-1)}[]`] : at);
    if (def.type === 'record') return walk(def.valueType, [...at, '<name>']);
    if (def.type === 'union') return def.options?.forEach((o) => walk(o, at));
    if (def.type !== 'object' || !def.shape) return;
    for (const [name, child] of Object.entries(def.shape)) {
      if (at.length > 0 && name === key) found.push([...at, name]);
      walk(child, [...at, name]);
    }
  };
  walk(s, []);
  return found.sort((a, b) => a.length - b.length).map((p) => p.join('.'));
}
