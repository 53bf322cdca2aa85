/**
 * Findings about an env file as Docker Compose v2 reads it: line and key only, never a value.
 * Parse errors come from scanEnv (the same parser gangway uses everywhere); the rest are about text that Compose reads
 * differently from what its author probably meant.
 */
import { findVariables } from './interpolate.js';
import { scanEnv, type EnvProblem, type ParseEnvOptions } from './parse.js';

export function lintEnv(text: string, options: Pick<ParseEnvOptions, 'lookup'> = {}): EnvProblem[] {
  const scan = scanEnv(text, { ...options, stopAtFirstError: false });
  const problems: EnvProblem[] = [...scan.problems];
  const add = (p: EnvProblem) => problems.push(p);

  if (text.charCodeAt(0) === 0xfeff) {
    add({
      line: 1,
      severity: 'info',
      code: 'bom',
      message: 'the file starts with a UTF-8 byte order mark (BOM), as some Windows editors write it: Compose skips it',
    });
  }
  const crlf = scan.text.indexOf('\r\n');
  if (crlf >= 0) {
    const line = scan.text.slice(0, crlf).split('\n').length;
    add({
      line,
      severity: 'info',
      code: 'crlf',
      message:
        'the file has CRLF (Windows) line endings: Compose accepts them (the CR is dropped from unquoted values, but ' +
        'kept inside quoted values that span lines)',
    });
  }

  const firstLine = new Map<string, number>();
  const defined = new Set<string>();
  const lookup = options.lookup ?? (() => undefined);
  for (const st of scan.statements) {
    const { key, line } = st;
    // A key Compose rejects (or an empty one) is reported by the parser; its text may not even be a key, so skip it.
    if (key === '' || key.includes(' ')) continue;

    if (st.inherited) {
      // A line with no "=" may as well be a value pasted on its own line: its text is not repeated here.
      add({
        line,
        severity: 'info',
        code: 'bare-key',
        message:
          'no "=" on this line: Compose reads it as the name of a variable to take from the environment it runs in, ' +
          'and leaves it out when that is not set',
      });
      if (st.value !== undefined) defined.add(key);
      continue;
    }

    const previous = firstLine.get(key);
    if (previous !== undefined) {
      add({
        line,
        key,
        severity: 'error',
        code: 'duplicate-key',
        message: `${key} is set on line ${previous} and again on line ${line}: Compose uses the last one`,
      });
    }
    firstLine.set(key, line);

    if (st.quote === 'none') {
      const written = st.written;
      const cut = written.indexOf(' #');
      const kept = cut < 0 ? written : written.slice(0, cut);
      if (written.startsWith('#')) {
        if (st.spaceBeforeValue) {
          add({
            line,
            key,
            severity: 'warning',
            code: 'hash-in-value',
            message:
              `${key}: the value starts with "#" after a space: Compose keeps it as the value, it is not a ` +
              `comment (write ${key}= for an empty value, or quote the value if the # belongs to it)`,
          });
        } else {
          add({
            line,
            key,
            severity: 'info',
            code: 'hash-in-value',
            message: `${key}: the value starts with "#": Compose keeps it as part of the value`,
          });
        }
      } else if (kept.includes('#')) {
        add({
          line,
          key,
          severity: 'info',
          code: 'hash-in-value',
          message: `${key}: the "#" with no space before it is kept as part of the value`,
        });
      }
      if (cut >= 0) {
        add({
          line,
          key,
          severity: 'warning',
          code: 'inline-comment',
          message:
            `${key}: Compose ends the unquoted value at " #" and drops the rest as a comment; quote the value ` +
            `if the # is part of it`,
        });
      } else {
        const body = written.endsWith('\r') ? written.slice(0, -1) : written;
        if (st.template !== undefined && st.template !== '' && body !== st.template) {
          add({
            line,
            key,
            severity: 'warning',
            code: 'trailing-whitespace',
            message:
              `${key}: whitespace after the unquoted value is dropped by Compose; quote the value if it ` +
              `belongs to it`,
          });
        }
      }
    }

    if (st.quote !== 'none' && !st.failed && st.written.includes('\r')) {
      add({
        line,
        key,
        severity: 'warning',
        code: 'crlf-in-value',
        message: `${key}: the quoted value spans CRLF lines and keeps the carriage returns (CR) in it`,
      });
    }

    if (st.template !== undefined && !st.failed) {
      const refs = findVariables(st.template);
      if (refs.length > 0) {
        const names = [...new Set(refs.map((r) => r.name))];
        const missing = [...new Set(refs.filter((r) => r.operator === undefined).map((r) => r.name))].filter(
          (n) => lookup(n) === undefined && !defined.has(n),
        );
        const kind = st.quote === 'double' ? 'double-quoted' : 'unquoted';
        add({
          line,
          key,
          severity: 'warning',
          code: 'interpolation',
          message:
            `${key}: Compose v2 substitutes ${names.map((n) => `$${n}`).join(', ')} in this ${kind} value; ` +
            `use single quotes${st.quote === 'double' ? ', \\$' : ''} or $$ for a literal $` +
            (missing.length > 0
              ? ` (not set earlier in this file, so taken from the environment or blank: ${missing.join(', ')})`
              : ''),
        });
      }
    }

    if (st.value !== undefined) defined.add(key);
  }
  return problems.sort((a, b) => a.line - b.line);
}
