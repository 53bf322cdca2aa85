/**
 * `$VAR` / `${VAR…}` interpolation exactly as Docker Compose v2 does it (compose-go v2 `template.Substitute`), for
 * env files and compose files alike.
 *
 * This mirrors compose-go's algorithm step by step, quirks included:
 * - the match pattern is `\$(?i:(\$)|([_a-z][_a-z0-9]*)|{(?:([_a-z][_a-z0-9]*(?::?[-+?](.*))?)}|()))`; the greedy `.*`
 *   (which never crosses a newline) runs to the last `}` on the line, then the match is cut back at its matching brace
 *   and the text after it (`rest`) is substituted separately;
 * - the operator is the one of `:?` `?` `:-` `-` `:+` `+` that occurs earliest in the matched text;
 * - the default / alternative / error text is substituted (recursively) before the variable is even looked up, so an
 *   error inside it fails the whole value;
 * - `$$` is a literal `$`; a `$` followed by anything else that is not a name or `{` is literal; `${` without a valid
 *   body and closing brace is an "Invalid template" error.
 * - Go's case-insensitive `[a-z]` also matches U+017F (ſ) and U+212A (Kelvin sign); so does this pattern.
 *
 * Error messages name variables, never values: compose's own "Invalid template" message quotes the whole value, and the
 * text of `${X:?message}` may itself contain substituted values, so neither is repeated here.
 */

export type Lookup = (name: string) => string | undefined;

export type InterpolationOperator = ':-' | '-' | ':?' | '?' | ':+' | '+';

export interface VariableReference {
  name: string;
  operator?: InterpolationOperator;
  /** The default / alternative / error text as written (not substituted). */
  argument?: string;
  /** Index of the `$` in the text passed to findVariables. */
  offset: number;
}

export type InterpolationError =
  | { kind: 'invalid-template'; offset: number; message: string }
  | {
      kind: 'required-missing';
      variable: string /** set but empty (`:?`) rather than unset */;
      empty: boolean;
      offset: number;
      message: string;
    };

export type InterpolationResult =
  | {
      value: string /** Plain references that were not set (compose warns and uses ""). */;
      unset: string[];
      error?: undefined;
    }
  | { error: InterpolationError; value?: undefined };

/** interpolateTemplate's result: interpolate's, plus which unset variables the value actually depends on. */
export type TemplateInterpolation =
  | {
      value: string;
      unset: string[];
      /**
       * The names in `unset` whose "" ended up in the value: not those only written in a default or alternative that
       * was not used (compose still substitutes, and warns about, those).
       */
      unsetUsed: string[];
      error?: undefined;
    }
  | { error: InterpolationError; value?: undefined };

/** A reference found by scanTemplate: findVariables' fields plus where it ends and what it is nested in. */
export interface TemplateReference extends VariableReference {
  /** Index just past the reference (its closing `}`, or the end of the name) in the scanned text. */
  end: number;
  /**
   * The references this one is written in, outermost first, when it sits in another's default / alternative / error
   * text (`${A:-${B}}`: B is inside A with `:-`). Empty at the top level.
   */
  inside: { name: string; operator: InterpolationOperator }[];
}

/** A `${` that interpolation rejects ("Invalid template"): where, and why, naming at most a variable. */
export interface TemplateIssue {
  /** Index of the `$` in the scanned text (of the outermost reference, when an unclosed one swallowed its `}`). */
  offset: number;
  message: string;
}

const NAME_START = '_a-zA-Z\\u017F\\u212A';
const NAME_CHAR = '_a-zA-Z0-9\\u017F\\u212A';
/** compose-go's DefaultPattern. Groups: 1 escaped, 2 named, 3 braced, 4 invalid. */
const NAME = `[${NAME_START}][${NAME_CHAR}]*`;
const PATTERN_SOURCE = `\\$(?:(\\$)|(${NAME})|\\{(?:(${NAME}(?::?[-+?][^\\n]*)?)\\}|()))`;

/** compose-go tries them in this order when two occur at the same index (never happens with a valid name). */
const OPERATORS: readonly InterpolationOperator[] = [':?', '?', ':-', '-', ':+', '+'];

/** `getSubstitutionFunctionForTemplate`: the operator occurring earliest in the matched text (':?' when none does). */
function pickOperator(text: string): InterpolationOperator {
  let best: InterpolationOperator = OPERATORS[0]!;
  let bestIndex = -1;
  for (const op of OPERATORS) {
    const i = text.indexOf(op);
    if (i >= 0 && (bestIndex < 0 || i < bestIndex)) {
      best = op;
      bestIndex = i;
    }
  }
  return best;
}

/** `getFirstBraceClosingIndex`, including its skip of the character after each `{`. */
function firstBraceClosingIndex(s: string): number {
  let open = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '}') {
      open--;
      if (open === 0) return i;
    }
    if (s[i] === '{') {
      open++;
      i++;
    }
  }
  return -1;
}

interface Match {
  text: string;
  index: number;
}

function matches(template: string): Match[] {
  const re = new RegExp(PATTERN_SOURCE, 'g');
  const out: Match[] = [];
  for (let m = re.exec(template); m; m = re.exec(template)) out.push({ text: m[0], index: m.index });
  return out;
}

type Parsed =
  | { kind: 'escaped' }
  | { kind: 'invalid' }
  | { kind: 'named'; name: string }
  | {
      kind: 'braced';
      substitution: string;
      operator: InterpolationOperator;
      /** Length of the reference itself (the match cut at its closing brace). */
      length: number;
      rest: string;
      restOffset: number;
    };

/** The first half of `DefaultReplacementAppliedFunc`: cut the match at its closing brace and classify it. */
function parseMatch(substring: string): Parsed {
  const operator = pickOperator(substring);
  const closing = firstBraceClosingIndex(substring);
  let rest = '';
  let restOffset = 0;
  if (closing > -1) {
    rest = substring.slice(closing + 1);
    restOffset = closing + 1;
    substring = substring.slice(0, closing + 1);
  }
  const m = new RegExp(PATTERN_SOURCE).exec(substring);
  if (m?.index !== 0) return { kind: 'invalid' };
  if (m[1]) return { kind: 'escaped' };
  if (m[2]) return { kind: 'named', name: m[2] };
  if (m[3]) return { kind: 'braced', substitution: m[3], operator, length: substring.length, rest, restOffset };
  return { kind: 'invalid' };
}

/** strings.Contains + partition at the first occurrence. */
function split(
  substitution: string,
  sep: string,
): { name: string; argument: string; argumentOffset: number } | undefined {
  const i = substitution.indexOf(sep);
  if (i < 0) return undefined;
  return {
    name: substitution.slice(0, i),
    argument: substitution.slice(i + sep.length),
    argumentOffset: i + sep.length,
  };
}

interface Context {
  lookup: Lookup;
  unset: Set<string>;
  /** The unset ones whose "" is in the value (a default or alternative that is not used does not count). */
  unsetUsed: Set<string>;
}

type Step = { value: string; error?: undefined } | { error: InterpolationError; value?: undefined };

function substitute(template: string, base: number, ctx: Context): Step {
  let out = '';
  let last = 0;
  let firstError: InterpolationError | undefined;
  for (const m of matches(template)) {
    out += template.slice(last, m.index);
    last = m.index + m.text.length;
    const r = replacement(m.text, base + m.index, ctx);
    if (r.error) firstError ??= r.error;
    else out += r.value;
  }
  out += template.slice(last);
  return firstError ? { error: firstError } : { value: out };
}

function replacement(substring: string, at: number, ctx: Context): Step {
  const p = parseMatch(substring);
  if (p.kind === 'escaped') return { value: '$' };
  if (p.kind === 'invalid')
    return {
      error: {
        kind: 'invalid-template',
        offset: at,
        message: 'invalid interpolation: "${" must be followed by a variable name and a closing "}"',
      },
    };
  if (p.kind === 'braced') {
    const parts = split(p.substitution, p.operator);
    if (parts) {
      const argumentUnset = new Set<string>();
      const argument = substitute(parts.argument, at + 2 + parts.argumentOffset, { ...ctx, unsetUsed: argumentUnset });
      if (argument.error) return argument;
      const value = ctx.lookup(parts.name);
      let result: string;
      let argumentUsed = false;
      switch (p.operator) {
        case ':?':
        case '?':
          if (value === undefined || (p.operator === ':?' && value === '')) {
            return {
              error: {
                kind: 'required-missing',
                variable: parts.name,
                empty: value !== undefined,
                offset: at,
                message: `required variable ${parts.name} is ${value === undefined ? 'not set' : 'empty'}`,
              },
            };
          }
          result = value;
          break;
        case ':-':
        case '-':
          argumentUsed = value === undefined || (p.operator === ':-' && value === '');
          result = argumentUsed ? argument.value : value!;
          break;
        case ':+':
        case '+':
          argumentUsed = value !== undefined && (p.operator === '+' || value !== '');
          result = argumentUsed ? argument.value : (value ?? '');
          break;
      }
      if (argumentUsed) for (const name of argumentUnset) ctx.unsetUsed.add(name);
      const rest = substitute(p.rest, at + p.restOffset, ctx);
      if (rest.error) return rest;
      return { value: result + rest.value };
    }
  }
  const name = p.kind === 'named' ? p.name : p.substitution;
  const value = ctx.lookup(name);
  if (value === undefined) {
    ctx.unset.add(name);
    ctx.unsetUsed.add(name);
  }
  return { value: value ?? '' };
}

/** Substitute every `$VAR` / `${VAR…}` in `value` (compose-go `template.Substitute`). */
export function interpolate(value: string, lookup: Lookup): InterpolationResult {
  const r = interpolateTemplate(value, lookup);
  return r.error ? { error: r.error } : { value: r.value, unset: r.unset };
}

/** interpolate, also telling which unset variables the value really depends on (`unsetUsed`). */
export function interpolateTemplate(value: string, lookup: Lookup): TemplateInterpolation {
  const ctx: Context = { lookup, unset: new Set(), unsetUsed: new Set() };
  const r = substitute(value, 0, ctx);
  return r.error ? { error: r.error } : { value: r.value, unset: [...ctx.unset], unsetUsed: [...ctx.unsetUsed] };
}

/**
 * The variable references in `text`, in order, including those nested in defaults/alternatives/error texts.
 * `$$` and a `$` not followed by a name or `{` are not references; an invalid `${…}` is skipped (interpolate reports
 * it).
 */
export function findVariables(text: string): VariableReference[] {
  return scanTemplate(text).references.map(({ end: _end, inside: _inside, ...ref }) => ref);
}

/**
 * findVariables with each reference's end and nesting, plus every `${` interpolation would reject (interpolate stops
 * at the first one; this lists them all, each with a message that names at most a variable, never a value).
 */
export function scanTemplate(text: string): { references: TemplateReference[]; issues: TemplateIssue[] } {
  const scan = { references: [] as TemplateReference[], issues: [] as TemplateIssue[] };
  collect(text, 0, [], scan);
  return scan;
}

interface Enclosing {
  name: string;
  operator: InterpolationOperator;
  offset: number;
}

function collect(
  template: string,
  base: number,
  enclosing: readonly Enclosing[],
  scan: { references: TemplateReference[]; issues: TemplateIssue[] },
): void {
  const inside = enclosing.map(({ name, operator }) => ({ name, operator }));
  for (const m of matches(template)) {
    const at = base + m.index;
    const p = parseMatch(m.text);
    if (p.kind === 'escaped') continue;
    if (p.kind === 'invalid') {
      const issue = invalidTemplate(template.slice(m.index + 2), at, enclosing);
      if (!scan.issues.some((i) => i.offset === issue.offset && i.message === issue.message)) scan.issues.push(issue);
      continue;
    }
    if (p.kind === 'named') {
      scan.references.push({ name: p.name, offset: at, end: at + m.text.length, inside });
      continue;
    }
    const end = at + p.length;
    const parts = split(p.substitution, p.operator);
    if (!parts) {
      scan.references.push({ name: p.substitution, offset: at, end, inside });
      continue;
    }
    scan.references.push({ name: parts.name, operator: p.operator, argument: parts.argument, offset: at, end, inside });
    collect(
      parts.argument,
      at + 2 + parts.argumentOffset,
      [...enclosing, { name: parts.name, operator: p.operator, offset: at }],
      scan,
    );
    collect(p.rest, at + p.restOffset, enclosing, scan);
  }
}

const NAME_AT_START = new RegExp(`^[${NAME_START}][${NAME_CHAR}]*`);

/**
 * Why the `${` at `at` is rejected, from the text after it (`after`). A reference is read within one line, so one
 * whose `}` is missing there may instead have swallowed the `}` of a reference it is nested in; the outermost of those
 * is then the one reported as unclosed, as a reader would see it (`${A:-${B}`: A lacks its `}`).
 */
function invalidTemplate(after: string, at: number, enclosing: readonly Enclosing[]): TemplateIssue {
  const name = NAME_AT_START.exec(after)?.[0];
  if (name === undefined) {
    return {
      offset: at,
      message: 'invalid variable reference: "${" must be followed by a variable name (write "$$" for a literal "$")',
    };
  }
  const next = after.slice(name.length);
  if (next !== '' && next[0] !== '\n' && !/^:?[-+?]/.test(next)) {
    return {
      offset: at,
      message: `invalid variable reference to ${name}: expected "}" or one of :- :+ :? - + ? after the name`,
    };
  }
  const outer = enclosing[0];
  const unclosed = outer ?? { name, offset: at };
  const lineEnd = next.indexOf('\n');
  const laterBrace = lineEnd >= 0 && next.indexOf('}', lineEnd) >= 0;
  return {
    offset: unclosed.offset,
    message:
      `unterminated variable reference to ${unclosed.name}: missing ` +
      `"}"${laterBrace ? ' on its line (a reference cannot span lines)' : ''}`,
  };
}

/** Whether `text` contains anything interpolation would replace or reject (a `$` other than `$$` and literal `$`s). */
export function hasInterpolation(text: string): boolean {
  return matches(text).some((m) => parseMatch(m.text).kind !== 'escaped');
}
