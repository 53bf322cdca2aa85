/**
 * Checklist items for the env file: parse, lint, and the template contract. Key names and lines only: the
 * messages are gangway's own words (own()), so a value equal to one of them does not mask it.
 */
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import type { Config } from '../config/config.js';
import { checkContract, templateKeys } from '../env/contract.js';
import type { LoadedEnvFile } from '../env/env-file.js';
import { lintEnv } from '../env/lint.js';
import type { EnvProblem } from '../env/parse.js';
import { own } from '../redact/scrubber.js';
import { fail, ok, warn, type CheckItem } from '../checklist.js';

const STATUS = { error: fail, warning: warn, info: ok } as const;

export async function envChecks(config: Config, env: LoadedEnvFile | undefined): Promise<CheckItem[]> {
  if (!config.env || !env) return [];
  const name = relative(config.baseDir, env.path) || env.path;
  const items: CheckItem[] = [];
  const lint = lintEnv(env.text);
  const at = (p: { line?: number; key?: string }) => [p.line && `line ${p.line}`, p.key].filter(Boolean).join(' ');
  for (const p of sortProblems(lint)) items.push(STATUS[p.severity](`${name} ${at(p)}`.trim(), own(p.message)));
  const errors = lint.filter((p) => p.severity === 'error').length;
  items.unshift(
    errors > 0
      ? fail('env file lint', `${name}: ${errors} problem${errors === 1 ? '' : 's'} (below)`)
      : ok('env file lint', `${name}: ${new Set(env.entries.map((e) => e.key)).size} keys, read as Compose reads them`),
  );

  let keys: string[] | undefined;
  if (config.env.template) {
    try {
      keys = templateKeys(await readFile(config.env.template, 'utf8'));
    } catch {
      return items; // the file check already reported it
    }
  }
  const findings = checkContract(env.entries, {
    ...(keys && { templateKeys: keys }),
    ...(config.env.required && { required: config.env.required }),
    forbidden: config.env.forbidden,
    strict: config.env.strict,
  });
  for (const f of findings)
    items.push(
      STATUS[f.severity === 'error' ? 'error' : 'warning'](
        'env contract',
        own(`${f.line ? `${name} line ${f.line}: ` : ''}${f.message}`),
      ),
    );
  if (findings.length === 0 && (keys || config.env.required)) {
    items.push(
      ok(
        'env contract',
        keys
          ? `all ${keys.length} template keys present${config.env.required ? '' : ' and non-empty'}`
          : 'required keys present and non-empty',
      ),
    );
  }
  return items;
}

function sortProblems(problems: EnvProblem[]): EnvProblem[] {
  return [...problems].sort((a, b) => a.line - b.line);
}
