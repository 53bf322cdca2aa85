/**
 * The one scrubber every sink passes through: stdout, stderr, run records, server-side logs written by
 * gangway, error messages and --json output. It masks each registered secret as written and trimmed, each
 * line of a multi-line value, and every encoded form of those (forms.ts).
 */
import { encodedForms } from './forms.js';
import { isMaskable } from './maskable.js';
import { Secret } from './secret.js';

export const MASK = '***';

/** Shortest encoded fragment worth masking: shorter ones would match ordinary text by chance. */
const MIN_FRAGMENT = 6;

export class Scrubber {
  private readonly patterns = new Set<string>();
  private regex: RegExp | undefined;
  /** Told each new masked form once, before it is used (GitHub Actions: `::add-mask::` it before any output). */
  onNewSecret: ((form: string) => void) | undefined;

  /** Register a secret (a Secret or a raw value). Values too short or common to mask are ignored (see maskable.ts). */
  add(secret: Secret | string): void {
    const value = secret instanceof Secret ? secret.reveal() : secret;
    for (const part of maskedParts(value)) {
      if (!isMaskable(part)) continue;
      for (const form of encodedForms(part)) {
        if (form.length < MIN_FRAGMENT && form !== part) continue;
        if (!this.patterns.has(form) && !form.includes('\n')) this.onNewSecret?.(form);
        this.patterns.add(form);
      }
    }
    this.regex = undefined;
  }

  get size(): number {
    return this.patterns.size;
  }

  scrub = (text: string): string => {
    if (this.patterns.size === 0) return text;
    this.regex ??= new RegExp(
      [...this.patterns]
        .sort((a, b) => b.length - a.length)
        .map(escapeRegExp)
        .join('|'),
      'g',
    );
    return text.replace(this.regex, MASK);
  };
}

/**
 * The value and each of its lines, each as written and trimmed: a program that trims (Compose, a shell's
 * `read`) prints the value without its surrounding spaces, one that does not prints them.
 */
function maskedParts(value: string): Set<string> {
  const lines = value.includes('\n') ? value.split(/\r?\n/) : [];
  return new Set([value, ...lines].flatMap((p) => [p, p.trim()]));
}

/**
 * A copy of a JSON-able value with every string (keys too) scrubbed, for a document that is serialised after:
 * scrubbing the serialised text alone would miss a value JSON escaped (a `"` or `\` in it).
 */
export function scrubDeep(value: unknown, scrub: (text: string) => string): unknown {
  if (typeof value === 'string') return scrub(value);
  if (value === null || typeof value !== 'object') return value;
  const json = (value as { toJSON?: unknown }).toJSON;
  if (typeof json === 'function') return scrubDeep(json.call(value), scrub); // Date, Secret: as JSON.stringify would
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, scrub));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [scrub(k), scrubDeep(v, scrub)]));
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
