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

/** The right-hand side of each `KEY=value` line as written, with and without surrounding quotes. */
export function writtenValues(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?[^=:#\s]+\s*[=:]\s*(.*?)\s*$/.exec(line);
    if (!m?.[1]) continue;
    out.push(m[1]);
    const unquoted = m[1].replace(/^(['"])(.*)\1$/, '$2');
    if (unquoted !== m[1]) out.push(unquoted);
  }
  return out;
}
