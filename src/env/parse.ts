/**
 * Parse an env file exactly the way Docker Compose v2 reads it (compose-go v2 `dotenv` parser + `template`
 * interpolation).
 * Values are returned for comparison and upload only: nothing here prints them, and no problem message contains one.
 *
 * The parser is a cursor over the whole text, not line-based (compose-go `parser.parse`):
 * 1. skip every Unicode space (newlines included) and `#…` comment lines to the start of a statement;
 * 2. drop an `export` followed by whitespace; scan the key up to `=`, `:` or a newline (a newline makes it an
 *    *inherited* key, taken from the environment or left out); a key may hold letters, numbers, `_ . - [ ]` and
 *    horizontal spaces, but no U+0020 space once its end is trimmed;
 * 3. read the value: unquoted (to the end of the line, cut at the first " #", trimmed, interpolated), single-quoted
 *    (literal, may span lines) or double-quoted (may span lines, escapes expanded, then interpolated). Whatever follows
 *    a closing quote is parsed as the next statement.
 * Interpolation looks a name up in the environment first, then in the keys set earlier in the same file.
 */
import { interpolate, type InterpolationError, type Lookup } from './interpolate.js';

export interface EnvEntry {
  key: string;
  value: string;
  /** 1-based line where the key is written. */
  line: number;
  quote: 'none' | 'single' | 'double';
  /** A bare `KEY` with no `=`: the value came from the environment (the lookup). */
  inherited?: boolean;
}

export interface EnvProblem {
  line: number;
  key?: string;
  severity: 'error' | 'warning' | 'info';
  code: string;
  message: string;
}

export interface EnvParse {
  /** In file order, duplicates kept (each with its line); envMap() gives what Compose ends up with. */
  entries: EnvEntry[];
  problems: EnvProblem[];
}

export interface ParseEnvOptions {
  /** The environment Compose runs in (OS + project environment). Default: nothing is set. */
  lookup?: (name: string) => string | undefined;
  /**
   * Compose stops at the first error. By default parseEnv reports it and carries on with the next statement where it
   * can (so that later keys are still known); set this to stop there like Compose does.
   */
  stopAtFirstError?: boolean;
}

/** One statement as read, with the details lint needs. Contains values: never print it. */
export interface EnvStatement {
  /** The key as Compose reads it ('' for `=value` and for a last line without `=` or newline). */
  key: string;
  line: number;
  quote: 'none' | 'single' | 'double';
  inherited: boolean;
  /** Offset (in the BOM-stripped text) of the first character after the separator's trailing spaces. */
  valueStart: number;
  /** Whether horizontal space separated the `=`/`:` from the value. */
  spaceBeforeValue: boolean;
  /**
   * Unquoted: the rest of the line as written (before the " #" cut and trimming). Quoted: the text between the quotes
   * as written. Inherited: ''.
   */
  written: string;
  /** The text handed to interpolation: unquoted after cut and trim, double-quoted after escape expansion. */
  template?: string;
  /** Final value; undefined when an inherited key is not set or the statement failed. */
  value?: string;
  /** The statement raised an error problem (Compose would stop). */
  failed: boolean;
}

export interface EnvScan extends EnvParse {
  statements: EnvStatement[];
  /** The text with a leading BOM removed (offsets in statements refer to it). */
  text: string;
}

/** Go's unicode.IsSpace. */
export function isUnicodeSpace(c: number): boolean {
  if (c <= 0xff) return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0x85 || c === 0xa0;
  return (
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

/** compose-go's isSpace: horizontal space (no \n). */
function isSpace(c: number): boolean {
  return c === 0x09 || c === 0x0b || c === 0x0c || c === 0x0d || c === 0x20 || c === 0x85 || c === 0xa0;
}

const LETTER_OR_NUMBER = /^[\p{L}\p{N}]$/u;
function isKeyChar(cp: number): boolean {
  if (cp === 0x5f || cp === 0x2e || cp === 0x2d || cp === 0x5b || cp === 0x5d) return true; // _ . - [ ]
  if (cp < 0x80) return (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a);
  return LETTER_OR_NUMBER.test(String.fromCodePoint(cp));
}

function trimRightUnicodeSpace(s: string): string {
  let end = s.length;
  while (end > 0) {
    const c = s.charCodeAt(end - 1);
    if (!isUnicodeSpace(c)) break;
    end--;
  }
  return s.slice(0, end);
}

/** compose-go expandEscapes: `\a \b \c \f \n \r \t \v \$ \" \\` and `\0` + up to 3 digits, through Go's UnquoteChar. */
const ESCAPE = /\\(?:[abcfnrtv$"\\]|0[0-9]{0,3})/g;
const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
};

export function expandEscapes(s: string): string {
  return s.replace(ESCAPE, (match) => {
    if (match === '\\$') return '$$'; // a literal $ once interpolated
    if (match.startsWith('\\0')) {
      // `\0123` -> `\123` -> "S"; on failure Go returns the rewritten match, so the 0 is lost (`\012` -> `\12`)
      const rewritten = `\\${match.slice(2)}`;
      const digits = rewritten.slice(1);
      if (digits.length !== 3) return rewritten;
      let v = 0;
      for (const d of digits) {
        if (d < '0' || d > '7') return rewritten;
        v = v * 8 + (d.charCodeAt(0) - 48);
      }
      return v > 255 ? rewritten : String.fromCharCode(v);
    }
    return SIMPLE_ESCAPES[match[1]!] ?? match; // `\c` matches the pattern but is no Go escape: kept
  });
}

class Lines {
  private readonly starts: number[] = [0];
  constructor(text: string) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }
  /** 1-based line of an offset. */
  at(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }
}

const EXPORT = /export[\t\n\f\r ]+/y; // Go's \s is [\t\n\f\r ]

function interpolationProblem(e: InterpolationError, line: number, key: string): EnvProblem {
  if (e.kind === 'required-missing') {
    return {
      line,
      key,
      severity: 'error',
      code: 'required-variable',
      message:
        `${key}: ${e.message}${e.empty ? '' : ' (neither in the environment nor earlier in this file)'}, so ` +
        `Compose stops`,
    };
  }
  return {
    line,
    key,
    severity: 'error',
    code: 'invalid-interpolation',
    message: `${key}: ${e.message}; Compose stops with "Invalid template" (write $$ for a literal $)`,
  };
}

/** Parse with the details lint needs (statements carry values: never print them). */
export function scanEnv(input: string, options: ParseEnvOptions = {}): EnvScan {
  const lookup: Lookup = options.lookup ?? (() => undefined);
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const lines = new Lines(text);
  const entries: EnvEntry[] = [];
  const problems: EnvProblem[] = [];
  const statements: EnvStatement[] = [];
  const out = new Map<string, string>();
  const mapping: Lookup = (name) => lookup(name) ?? out.get(name);
  const len = text.length;
  const nextLine = (from: number) => {
    const nl = text.indexOf('\n', from);
    return nl < 0 ? len : nl + 1;
  };

  let pos = 0;
  for (;;) {
    // getStatementStart: skip Unicode space and comment lines
    while (pos < len) {
      const c = text.charCodeAt(pos);
      if (isUnicodeSpace(c)) pos++;
      else if (c === 0x23 /* # */) {
        const nl = text.indexOf('\n', pos);
        pos = nl < 0 ? len : nl;
      } else break;
    }
    if (pos >= len) break;
    const line = lines.at(pos);

    // locateKeyName
    let s = pos;
    EXPORT.lastIndex = s;
    if (EXPORT.test(text)) {
      s += 6;
      while (s < len && isSpace(text.charCodeAt(s))) s++;
    }
    if (s >= len) {
      problems.push({
        line,
        severity: 'error',
        code: 'invalid-key',
        message: '"export" with no key after it at the end of the file (Compose: "zero length string")',
      });
      break;
    }
    let term = -1;
    let bad = -1;
    for (let i = s; i < len;) {
      const cp = text.codePointAt(i)!;
      if (cp === 0x3d || cp === 0x3a || cp === 0x0a) {
        term = i;
        break;
      }
      if (!isSpace(cp) && !isKeyChar(cp)) {
        bad = i;
        break;
      }
      i += cp > 0xffff ? 2 : 1;
    }
    if (bad >= 0) {
      const column = bad - (text.lastIndexOf('\n', bad) + 1) + 1;
      problems.push({
        line,
        severity: 'error',
        code: 'invalid-key',
        message:
          `invalid character in the key name at column ${column}: a key may hold letters, digits and _ . - [ ` +
          `] only (if this line continues a multi-line value, quote that value)`,
      });
      if (options.stopAtFirstError) break;
      pos = nextLine(bad);
      continue;
    }
    const inherited = term >= 0 && text.charCodeAt(term) === 0x0a;
    const key = term < 0 ? '' : trimRightUnicodeSpace(text.slice(s, term));
    let failed = false;
    if (key.includes(' ')) {
      problems.push({
        line,
        severity: 'error',
        code: 'invalid-key',
        message: 'the key name contains a space (Compose: "key cannot contain a space")',
      });
      failed = true;
      if (options.stopAtFirstError) break;
    } else if (key === '' && !inherited) {
      problems.push({
        line,
        severity: 'error',
        code: 'empty-key',
        message:
          term < 0
            ? 'the last line has no "=" and no newline after it: Compose reads the whole line as the value of an ' +
              'empty variable name (add "=" or a final newline)'
            : 'empty key name before "=" (Compose passes a variable with an empty name)',
      });
    }
    let v = term < 0 ? s : term + 1;
    const afterSeparator = v;
    while (v < len && isSpace(text.charCodeAt(v))) v++;
    const spaceBeforeValue = v > afterSeparator;

    if (inherited) {
      const value = failed ? undefined : lookup(key);
      statements.push({
        key,
        line,
        quote: 'none',
        inherited: true,
        valueStart: v,
        spaceBeforeValue: false,
        written: '',
        value,
        failed,
      });
      if (value !== undefined) {
        out.set(key, value);
        entries.push({ key, value, line, quote: 'none', inherited: true });
      }
      pos = term + 1;
      continue;
    }

    // extractVarValue
    const q = text[v];
    if (q === '"' || q === "'") {
      let chars = '';
      let escaped = false;
      let close = -1;
      for (let i = v + 1; i < len; i++) {
        const c = text[i]!;
        if (c !== q) {
          if (!escaped && c === '\\') {
            escaped = true;
            continue;
          }
          if (escaped) {
            escaped = false;
            chars += '\\';
          }
          chars += c;
          continue;
        }
        if (escaped) {
          escaped = false; // \" or \' : the quote, without its backslash
          chars += c;
          continue;
        }
        close = i;
        break;
      }
      const quote = q === '"' ? 'double' : 'single';
      if (close < 0) {
        problems.push({
          line,
          ...(failed ? {} : { key }),
          severity: 'error',
          code: 'unterminated-quote',
          message:
            `${failed ? 'the' : `${key}:`} ${quote}-quoted value is never closed (Compose: "unterminated ` +
            `quoted value"); everything to the end of the file is swallowed`,
        });
        statements.push({
          key,
          line,
          quote,
          inherited: false,
          valueStart: v,
          spaceBeforeValue,
          written: text.slice(v + 1),
          failed: true,
        });
        break;
      }
      const written = text.slice(v + 1, close);
      pos = close + 1;
      let value: string | undefined = chars;
      let template: string | undefined;
      if (quote === 'double') {
        template = expandEscapes(chars);
        const r = interpolate(template, mapping);
        if (r.error) {
          if (!failed) problems.push(interpolationProblem(r.error, line, key));
          failed = true;
          value = undefined;
        } else value = r.value;
      }
      statements.push({
        key,
        line,
        quote,
        inherited: false,
        valueStart: v,
        spaceBeforeValue,
        written,
        ...(template !== undefined && { template }),
        ...(!failed && { value }),
        failed,
      });
      if (failed) {
        if (options.stopAtFirstError) break;
        continue;
      }
      out.set(key, value!);
      entries.push({ key, value: value!, line, quote });
      continue;
    }

    const nl = text.indexOf('\n', v);
    const written = text.slice(v, nl < 0 ? len : nl);
    pos = nl < 0 ? len : nl + 1;
    const cut = written.indexOf(' #');
    const template = trimRightUnicodeSpace(cut < 0 ? written : written.slice(0, cut));
    const r = interpolate(template, mapping);
    if (r.error && !failed) problems.push(interpolationProblem(r.error, line, key));
    failed ||= r.error !== undefined;
    statements.push({
      key,
      line,
      quote: 'none',
      inherited: false,
      valueStart: v,
      spaceBeforeValue,
      written,
      template,
      ...(!failed && { value: r.value! }),
      failed,
    });
    if (failed) {
      if (options.stopAtFirstError) break;
      continue;
    }
    out.set(key, r.value!);
    entries.push({ key, value: r.value!, line, quote: 'none' });
  }
  return { entries, problems, statements, text };
}

export function parseEnv(text: string, options: ParseEnvOptions = {}): EnvParse {
  const { entries, problems } = scanEnv(text, options);
  return { entries, problems };
}

/** Last wins, as in Compose. */
export function envMap(entries: readonly EnvEntry[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const e of entries) map.set(e.key, e.value);
  return map;
}
