/**
 * Parse an env file the way Docker Compose v2 (compose-go's dotenv package) reads it on the server.
 * Values are returned for comparison and upload only; nothing here prints them.
 */

export interface EnvEntry {
  key: string;
  value: string;
  /** 1-based line where the key is written. */
  line: number;
}

export interface EnvProblem {
  line: number;
  key?: string;
  message: string;
}

export interface EnvParse {
  entries: EnvEntry[];
  problems: EnvProblem[];
}

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

export function parseEnv(text: string, _file = '.env'): EnvParse {
  const entries: EnvEntry[] = [];
  const problems: EnvProblem[] = [];
  const src = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const lines = src.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    let line = lines[i]!.trimStart();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('export ')) line = line.slice(7).trimStart();
    const sep = line.search(/[=:]/);
    if (sep < 0) {
      const key = line.trim();
      if (KEY.test(key)) continue; // a bare KEY takes its value from the environment of compose, not the file
      problems.push({ line: lineNo, message: 'not a KEY=value line' });
      continue;
    }
    const key = line.slice(0, sep).trim();
    if (!KEY.test(key)) {
      problems.push({ line: lineNo, ...(key !== '' && { key }), message: 'invalid key name' });
      continue;
    }
    let rest = line.slice(sep + 1).trimStart();
    const quote = rest[0];
    if (quote === "'" || quote === '"') {
      let body = rest.slice(1);
      let end = findClosing(body, quote);
      let j = i;
      while (end < 0 && j + 1 < lines.length) {
        j++;
        body += `\n${lines[j]}`;
        end = findClosing(body, quote);
      }
      if (end < 0) {
        problems.push({ line: lineNo, key, message: `unterminated ${quote === '"' ? 'double' : 'single'}-quoted value` });
        break;
      }
      i = j;
      const raw = body.slice(0, end);
      entries.push({ key, value: quote === '"' ? unescapeDouble(raw) : raw, line: lineNo });
      continue;
    }
    const comment = rest.search(/\s#/);
    if (comment >= 0) rest = rest.slice(0, comment);
    entries.push({ key, value: rest.trim(), line: lineNo });
  }
  return { entries, problems };
}

function findClosing(body: string, quote: string): number {
  for (let k = 0; k < body.length; k++) {
    if (body[k] === '\\' && quote === '"') k++;
    else if (body[k] === quote) return k;
  }
  return -1;
}

function unescapeDouble(raw: string): string {
  return raw.replace(/\\(.)/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t' })[c] ?? c);
}
