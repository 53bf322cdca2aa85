/**
 * The one scrubber every sink passes through: stdout, stderr, run records, server-side logs written by
 * gangway, error messages and --json output. It masks each registered secret as written and trimmed, each
 * line of a multi-line value, and every encoded form of those (forms.ts).
 */
import { encodedForms } from './forms.js';
import { isMaskable } from './maskable.js';
import { Secret } from './secret.js';

export const MASK = '***';

/**
 * gangway's own words, marked so the scrubber leaves them alone: a message built from key names and gangway's
 * text holds no value, yet a value that happens to equal one of its words ("quoted") would be masked inside it
 * (`Compose: *** quoted value`). Mask values, not gangway's words. The marks are private-use characters that
 * every scrub removes; a registered value holding one turns the protection off, so no value can unmask itself.
 */
const OWN_START = '\uE000';
const OWN_END = '\uE001';
export function own(text: string): string {
  return `${OWN_START}${text.replaceAll(OWN_START, '').replaceAll(OWN_END, '')}${OWN_END}`;
}
const stripOwn = (text: string) => text.replaceAll(OWN_START, '').replaceAll(OWN_END, '');

/** Shortest encoded fragment worth masking: shorter ones would match ordinary text by chance. */
const MIN_FRAGMENT = 6;

export class Scrubber {
  private readonly patterns = new Set<string>();
  private regex: RegExp | undefined;
  /** A registered value holds an own-words mark: then nothing is protected (see own()). */
  private marksInSecrets = false;
  /** Told each new masked form once, before it is used (GitHub Actions: `::add-mask::` it before any output). */
  onNewSecret: ((form: string) => void) | undefined;

  /** Register a secret (a Secret or a raw value). Values too short or common to mask are ignored (see maskable.ts). */
  add(secret: Secret | string): void {
    const value = secret instanceof Secret ? secret.reveal() : secret;
    if (value.includes(OWN_START) || value.includes(OWN_END)) this.marksInSecrets = true;
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
    if (!text.includes(OWN_START) && !text.includes(OWN_END)) return this.mask(text);
    if (this.marksInSecrets) return stripOwn(this.mask(text));
    let out = '';
    let rest = text;
    for (let start = rest.indexOf(OWN_START); start >= 0; start = rest.indexOf(OWN_START)) {
      const end = rest.indexOf(OWN_END, start);
      if (end < 0) break;
      out += this.mask(stripOwn(rest.slice(0, start))) + rest.slice(start + 1, end);
      rest = rest.slice(end + 1);
    }
    return out + this.mask(stripOwn(rest));
  };

  private mask(text: string): string {
    if (this.patterns.size === 0) return text;
    this.regex ??= new RegExp(
      [...this.patterns]
        .sort((a, b) => b.length - a.length)
        .map(escapeRegExp)
        .join('|'),
      'g',
    );
    return text.replace(this.regex, MASK);
  }
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
