/**
 * Variable references (`$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR:?message}`, …) in compose files, with
 * the file:line:col and key path where each is written, and the checks for ones that are not set.
 * Only names are ever reported, never values. The syntax is read by src/env/interpolate.ts (compose-go's own rules).
 */
import { isAlias, isMap, isNode, isPair, isScalar, isSeq, type Node } from 'yaml';
import type { ConfigProblem } from '../errors.js';
import { formatKeyPath } from '../config/key-path.js';
import { scanTemplate, type InterpolationOperator } from '../env/interpolate.js';
import type { ComposeFile } from './compose-file.js';

/** How a braced reference treats an unset (or, with `:`, empty) variable. */
export type VariableOperator = InterpolationOperator;

export interface VariableRef {
  name: string;
  /** `${X:?msg}` or `${X?msg}`: compose refuses to run when X is unset (or, with `:?`, empty). */
  required: boolean;
  /** `${X:-d}`, `${X-d}`, `${X:+a}`, `${X+a}`: an unset X is fine. */
  hasDefault: boolean;
  operator?: VariableOperator;
  /**
   * Enclosing references, outermost first, when this one sits in another's default or alternative
   * (`${A:-${B}}`: B is inside A with `:-`, and only matters when A is unset or empty).
   */
  inside?: { name: string; operator: VariableOperator }[];
  /** The reference is written in a mapping key (compose only interpolates values). */
  inKey?: boolean;
  file: string;
  line?: number;
  col?: number;
  /** Dotted key path of the string holding the reference, e.g. `services.web.image`. */
  key: string;
}

/** Every variable reference in every string (keys and values) of the files, in document order. */
export function composeVariables(files: readonly ComposeFile[]): VariableRef[] {
  return files.flatMap((f) => scanFile(f).refs);
}

/** `${` sequences compose cannot read (it refuses the file): one problem each, located. */
export function invalidInterpolations(files: readonly ComposeFile[]): ConfigProblem[] {
  return files.flatMap((f) => scanFile(f).problems);
}

function scanFile(file: ComposeFile): { refs: VariableRef[]; problems: ConfigProblem[] } {
  const refs: VariableRef[] = [];
  const problems: ConfigProblem[] = [];
  const visitString = (node: Node, value: string, path: readonly PropertyKey[], inKey: boolean) => {
    if (!value.includes('$')) return;
    const { references, issues } = scanTemplate(value);
    const raw = node.range ? file.text.slice(node.range[0], node.range[1]) : '';
    let cursor = 0;
    // A reference's offset in the value differs from the source when the scalar is quoted, escaped or
    // folded: find its text in the source, in order, and fall back to the start of the scalar.
    const where = (start: number, end: number) => {
      const at = raw.indexOf(value.slice(start, end), cursor);
      if (at >= 0) cursor = at + 1;
      const offset = (node.range?.[0] ?? 0) + Math.max(at, 0);
      return node.range ? file.source.positionOf(offset) : {};
    };
    const key = formatKeyPath(path);
    for (const r of references) {
      refs.push({
        name: r.name,
        required: r.operator === ':?' || r.operator === '?',
        hasDefault: r.operator !== undefined && r.operator !== ':?' && r.operator !== '?',
        ...(r.operator ? { operator: r.operator } : {}),
        ...(r.inside.length > 0 ? { inside: r.inside } : {}),
        ...(inKey ? { inKey } : {}),
        file: file.file,
        ...where(r.offset, r.end),
        key,
      });
    }
    cursor = 0;
    for (const issue of issues) {
      // Up to 16 characters of its line: enough to find it, short enough to be written the same in the source.
      const lineEnd = value.indexOf('\n', issue.offset);
      const end = Math.min(issue.offset + 16, lineEnd < 0 ? value.length : lineEnd);
      problems.push({ file: file.file, ...where(issue.offset, end), key, message: issue.message });
    }
  };
  const walk = (node: unknown, path: readonly PropertyKey[]) => {
    if (!isNode(node) || isAlias(node) || node.tag === '!reset') return;
    if (isScalar(node)) {
      if (typeof node.value === 'string') visitString(node, node.value, path, false);
    } else if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const k = isScalar(pair.key) ? pair.key.value : undefined;
        const childPath = [...path, typeof k === 'number' ? String(k) : String(k ?? '?')];
        if (isScalar(pair.key) && typeof k === 'string') visitString(pair.key, k, childPath, true);
        walk(pair.value, childPath);
      }
    } else if (isSeq(node)) {
      for (const [i, item] of node.items.entries()) walk(item, [...path, i]);
    }
  };
  walk(file.source.doc.contents, []);
  return { refs, problems };
}

export interface VariableProblem extends ConfigProblem {
  severity: 'error' | 'warning';
  variable: string;
}

/**
 * References compose cannot satisfy: a `${X:?…}`/`${X?…}` whose X is unset (or empty, for `:?`) is an error;
 * a plain `${X}`/`$X` whose X is unset is a warning (compose substitutes an empty string). References with a
 * default or alternative are fine, and so are plain references inside one whose default is not used. A required one
 * is an error wherever it is written: compose substitutes every default, alternative and error text, used or not, and
 * fails on it. References written in keys are skipped (compose does not interpolate keys).
 */
export function unresolvedVariables(
  refs: readonly VariableRef[],
  isSet: (name: string) => boolean,
  isNonEmpty: (name: string) => boolean,
): VariableProblem[] {
  const out: VariableProblem[] = [];
  const evaluated = (ref: VariableRef) =>
    (ref.inside ?? []).every(({ name, operator }) => {
      switch (operator) {
        case ':-':
          return !isNonEmpty(name);
        case '-':
          return !isSet(name);
        case ':+':
          return isNonEmpty(name);
        case '+':
          return isSet(name);
        default:
          return false; // inside an error message: only shown when compose already fails
      }
    });
  for (const ref of refs) {
    const required = ref.operator === ':?' || ref.operator === '?';
    if (ref.inKey || (!required && !evaluated(ref))) continue;
    const where = {
      file: ref.file,
      ...(ref.line === undefined ? {} : { line: ref.line, col: ref.col }),
      key: ref.key,
      variable: ref.name,
    };
    if (ref.operator === ':?' && !isNonEmpty(ref.name)) {
      const state = isSet(ref.name) ? 'is empty' : 'is not set';
      const message = `required variable ${ref.name} ${state} (\${${ref.name}:?…})`;
      out.push({ ...where, severity: 'error', message });
    } else if (ref.operator === '?' && !isSet(ref.name)) {
      out.push({
        ...where,
        severity: 'error',
        message: `required variable ${ref.name} is not set (\${${ref.name}?…})`,
      });
    } else if (ref.operator === undefined && !isSet(ref.name)) {
      out.push({
        ...where,
        severity: 'warning',
        message: `variable ${ref.name} is not set; compose substitutes an empty string`,
      });
    }
  }
  return out;
}
