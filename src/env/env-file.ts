/** Read and parse the env file gangway.yml names; its values become secrets before anything is printed. */
import { readFile } from 'node:fs/promises';
import type { Scrubber } from '../redact/scrubber.js';
import { registerEnvSecrets } from '../redact/register.js';
import { parseEnv, type EnvParse } from './parse.js';

export interface LoadedEnvFile extends EnvParse {
  path: string;
  text: string;
}

/** undefined when the file cannot be read (the checklist reports that separately). */
export async function loadEnvFile(path: string, scrubber: Scrubber): Promise<LoadedEnvFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  const parsed = parseEnv(text);
  registerEnvSecrets(scrubber, parsed.entries);
  // Also the text as written: a line the parser rejects (or that Compose reads differently) can still be
  // echoed by Compose's own error messages.
  for (const raw of writtenValues(text)) scrubber.add(raw);
  return { path, text, ...parsed };
}

/** A `KEY=` / `KEY:` line start; the value is the rest. No pattern spans the value, so no backtracking over it. */
const KEY_PREFIX = /^\s*(?:export\s+)?[^=:#\s]+\s*[=:]/;

/**
 * The right-hand side of each `KEY=value` line as written (trimmed), with and without surrounding quotes.
 * Linear in the line's length: a regex with the value between a lazy group and `\s*$` was quadratic.
 */
export function writtenValues(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const prefix = KEY_PREFIX.exec(line)?.[0];
    const value = prefix === undefined ? '' : line.slice(prefix.length).trim();
    if (value === '') continue;
    out.push(value);
    const unquoted = unquote(value);
    if (unquoted !== value) out.push(unquoted);
  }
  return out;
}

function unquote(value: string): string {
  const q = value[0];
  return value.length >= 2 && (q === '"' || q === "'") && value.endsWith(q) ? value.slice(1, -1) : value;
}
