/**
 * The env contract: the template names the keys that must exist, `required` those that
 * must be non-empty, `forbidden` maps non-standard aliases to the standard name. Only key names appear in
 * the findings.
 */
import type { EnvEntry } from './parse.js';

export interface ContractFinding {
  key: string;
  /** Line in the env file, when the key is there. */
  line?: number;
  severity: 'error' | 'warning';
  code: 'missing-key' | 'empty-required' | 'unknown-key' | 'forbidden-key';
  message: string;
}

export interface EnvContract {
  /** Keys of the template, in order; undefined when there is no template. */
  templateKeys?: string[];
  /** Keys that must be non-empty; default: every template key. */
  required?: string[];
  forbidden: Record<string, string>;
  /** Keys in the env file but not in the template are errors instead of warnings. */
  strict: boolean;
}

export function checkContract(entries: readonly EnvEntry[], contract: EnvContract): ContractFinding[] {
  const findings: ContractFinding[] = [];
  const byKey = new Map<string, EnvEntry>();
  for (const e of entries) byKey.set(e.key, e); // last wins, as in Compose
  const template = contract.templateKeys;

  for (const key of template ?? []) {
    if (!byKey.has(key))
      findings.push({
        key,
        severity: 'error',
        code: 'missing-key',
        message: `${key} is in the template but missing from the env file`,
      });
  }
  for (const key of contract.required ?? template ?? []) {
    const entry = byKey.get(key);
    if (entry && entry.value.trim() === '') {
      findings.push({
        key,
        line: entry.line,
        severity: 'error',
        code: 'empty-required',
        message: `${key} is required but empty`,
      });
    } else if (!entry && !template?.includes(key)) {
      findings.push({
        key,
        severity: 'error',
        code: 'missing-key',
        message: `${key} is required but missing from the env file`,
      });
    }
  }
  for (const [alias, standard] of Object.entries(contract.forbidden)) {
    const entry = byKey.get(alias);
    if (entry)
      findings.push({
        key: alias,
        line: entry.line,
        severity: 'error',
        code: 'forbidden-key',
        message: `${alias} is not the standard name: use ${standard}`,
      });
  }
  if (template) {
    const known = new Set(template);
    for (const [key, entry] of byKey) {
      if (known.has(key) || key in contract.forbidden) continue;
      findings.push({
        key,
        line: entry.line,
        severity: contract.strict ? 'error' : 'warning',
        code: 'unknown-key',
        message: `${key} is not in the template${contract.strict ? ' (env.strict)' : ''}`,
      });
    }
  }
  return findings;
}

/**
 * The keys a template declares, in order. Templates hold `KEY=`, `KEY=placeholder` or a bare `KEY`; values
 * are ignored, so a simple line scan is enough (and keeps bare keys, which an env parser would drop).
 */
export function templateKeys(text: string): string[] {
  const keys: string[] = [];
  for (const line of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*(?:[=:]|$)/.exec(line);
    if (m && !keys.includes(m[1]!)) keys.push(m[1]!);
  }
  return keys;
}
