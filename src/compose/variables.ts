/**
 * Variable references (`$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR:?message}`, …) in compose files, with
 * the file:line:col and key path where each is written, and the checks for ones that are not set.
 * Only names are ever reported, never values.
 */
import { isAlias, isMap, isNode, isPair, isScalar, isSeq, type Node } from 'yaml';
import type { ConfigProblem } from '../errors.js';
import { formatKeyPath } from '../config/key-path.js';
import type { ComposeFile } from './compose-file.js';

// ---------------------------------------------------------------------------------------------------------
// Scanner and substitution (compose's interpolation syntax).
// Self-contained on purpose: it can be swapped for `findVariables` of src/env/interpolate.ts later; nothing
// below this section depends on how it works, only on `parseTemplate`/`substitute` and the types here.
// ---------------------------------------------------------------------------------------------------------

/** How a braced reference treats an unset (or, with `:`, empty) variable. */
export type VariableOperator = ':-' | '-' | ':+' | '+' | ':?' | '?';

export type TemplatePart =
  | { kind: 'text'; text: string }
  | {
      kind: 'ref';
      name: string;
      braced: boolean;
      operator?: VariableOperator;
      /** The default, alternative or error message after the operator (may hold references itself). */
      word: TemplatePart[];
      /** Offsets of the reference (`$` up to the closing `}` or the end of the name) in the scanned text. */
      start: number;
      end: number;
    };

export interface TemplateIssue {
  /** Offset of the `${` that could not be read. */
  start: number;
  message: string;
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;
const OPERATORS: readonly VariableOperator[] = [':-', ':+', ':?', '-', '+', '?'];

/**
 * Parse a string as compose does: `$$` is a literal `$`; `$NAME` and `${NAME…}` are references; a `$`
 * followed by anything else is literal text. A `${` that is not a valid reference is an issue (compose
 * rejects it as an invalid interpolation format) and is kept as literal text.
 */
export function parseTemplate(text: string): { parts: TemplatePart[]; issues: TemplateIssue[] } {
  const issues: TemplateIssue[] = [];
  const { parts } = parseParts(text, 0, false, issues);
  return { parts, issues };
}

function parseParts(text: string, from: number, inWord: boolean, issues: TemplateIssue[]): { parts: TemplatePart[]; end: number } {
  const parts: TemplatePart[] = [];
  let literal = '';
  const flush = () => {
    if (literal !== '') parts.push({ kind: 'text', text: literal });
    literal = '';
  };
  let i = from;
  while (i < text.length) {
    const c = text[i]!;
    if (inWord && c === '}') break;
    if (c !== '$') {
      literal += c;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      literal += '$';
      i += 2;
    } else if (next === '{') {
      const ref = parseBraced(text, i, issues);
      if (ref) {
        flush();
        parts.push(ref);
        i = ref.end;
      } else {
        literal += '${';
        i += 2;
      }
    } else if (next !== undefined && NAME_START.test(next)) {
      let j = i + 1;
      while (j < text.length && NAME_CHAR.test(text[j]!)) j++;
      flush();
      parts.push({ kind: 'ref', name: text.slice(i + 1, j), braced: false, word: [], start: i, end: j });
      i = j;
    } else {
      literal += '$';
      i++;
    }
  }
  flush();
  return { parts, end: i };
}

function parseBraced(text: string, start: number, issues: TemplateIssue[]): Extract<TemplatePart, { kind: 'ref' }> | undefined {
  let j = start + 2;
  if (j >= text.length || !NAME_START.test(text[j]!)) {
    issues.push({ start, message: 'invalid variable reference: "${" must be followed by a variable name (write "$$" for a literal "$")' });
    return undefined;
  }
  while (j < text.length && NAME_CHAR.test(text[j]!)) j++;
  const name = text.slice(start + 2, j);
  if (text[j] === '}') return { kind: 'ref', name, braced: true, word: [], start, end: j + 1 };
  const operator = OPERATORS.find((op) => text.startsWith(op, j));
  if (operator === undefined) {
    const message =
      j >= text.length ? `unterminated variable reference to ${name}: missing "}"` : `invalid variable reference to ${name}: expected "}" or one of ${OPERATORS.join(' ')} after the name`;
    issues.push({ start, message });
    return undefined;
  }
  const word = parseParts(text, j + operator.length, true, issues);
  if (text[word.end] !== '}') {
    issues.push({ start, message: `unterminated variable reference to ${name}: missing "}"` });
    return undefined;
  }
  return { kind: 'ref', name, braced: true, operator, word: word.parts, start, end: word.end + 1 };
}

export interface Substitution {
  value: string;
  /** Variables that were needed but not set (or empty for `:?`): a `${X:?}` that compose would refuse, or a plain `${X}` that becomes "". */
  unresolved: string[];
}

/** Interpolate as compose does, with `lookup` giving each variable's value (undefined: not set). */
export function substitute(parts: readonly TemplatePart[], lookup: (name: string) => string | undefined): Substitution {
  const unresolved: string[] = [];
  const run = (ps: readonly TemplatePart[]): string => {
    let out = '';
    for (const p of ps) {
      if (p.kind === 'text') {
        out += p.text;
        continue;
      }
      const v = lookup(p.name);
      const set = v !== undefined;
      const nonEmpty = set && v !== '';
      switch (p.operator) {
        case undefined:
          if (!set) unresolved.push(p.name);
          out += v ?? '';
          break;
        case ':-':
          out += nonEmpty ? v : run(p.word);
          break;
        case '-':
          out += set ? v : run(p.word);
          break;
        case ':+':
          out += nonEmpty ? run(p.word) : '';
          break;
        case '+':
          out += set ? run(p.word) : '';
          break;
        case ':?':
          if (!nonEmpty) unresolved.push(p.name);
          out += v ?? '';
          break;
        case '?':
          if (!set) unresolved.push(p.name);
          out += v ?? '';
          break;
      }
    }
    return out;
  };
  return { value: run(parts), unresolved };
}

// ---------------------------------------------------------------------------------------------------------
// References in compose documents.
// ---------------------------------------------------------------------------------------------------------

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
    const { parts, issues } = parseTemplate(value);
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
    const collect = (ps: readonly TemplatePart[], inside: { name: string; operator: VariableOperator }[]) => {
      for (const p of ps) {
        if (p.kind !== 'ref') continue;
        const ref: VariableRef = {
          name: p.name,
          required: p.operator === ':?' || p.operator === '?',
          hasDefault: p.operator !== undefined && p.operator !== ':?' && p.operator !== '?',
          ...(p.operator ? { operator: p.operator } : {}),
          ...(inside.length > 0 ? { inside } : {}),
          ...(inKey ? { inKey } : {}),
          file: file.file,
          ...where(p.start, p.end),
          key,
        };
        refs.push(ref);
        if (p.operator) collect(p.word, [...inside, { name: p.name, operator: p.operator }]);
      }
    };
    collect(parts, []);
    cursor = 0;
    for (const issue of issues) {
      problems.push({ file: file.file, ...where(issue.start, issue.start + 16), key, message: issue.message });
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
      node.items.forEach((item, i) => walk(item, [...path, i]));
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
 * default or alternative are fine, and so are references inside one whose default is not used.
 * References written in keys are skipped (compose does not interpolate keys).
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
    if (ref.inKey || !evaluated(ref)) continue;
    const where = { file: ref.file, ...(ref.line === undefined ? {} : { line: ref.line, col: ref.col }), key: ref.key, variable: ref.name };
    if (ref.operator === ':?' && !isNonEmpty(ref.name)) {
      const state = isSet(ref.name) ? 'is empty' : 'is not set';
      out.push({ ...where, severity: 'error', message: `required variable ${ref.name} ${state} (\${${ref.name}:?…})` });
    } else if (ref.operator === '?' && !isSet(ref.name)) {
      out.push({ ...where, severity: 'error', message: `required variable ${ref.name} is not set (\${${ref.name}?…})` });
    } else if (ref.operator === undefined && !isSet(ref.name)) {
      out.push({ ...where, severity: 'warning', message: `variable ${ref.name} is not set; compose substitutes an empty string` });
    }
  }
  return out;
}
