/**
 * The one scrubber every sink passes through: stdout, stderr, run records, server-side logs written by
 * gangway, error messages and --json output. It masks each registered secret's exact value, each line of
 * a multi-line value, and their base64 (standard and URL-safe, at every byte alignment) and URL-encoded forms.
 */
import { isMaskable } from './maskable.js';
import { Secret } from './secret.js';

export const MASK = '***';

/** Shortest encoded fragment worth masking: shorter ones would match ordinary text by chance. */
const MIN_FRAGMENT = 6;

export class Scrubber {
  private readonly patterns = new Set<string>();
  private regex: RegExp | undefined;

  /** Register a secret (a Secret or a raw value). Values too short or common to mask are ignored (see maskable.ts). */
  add(secret: Secret | string): void {
    const value = secret instanceof Secret ? secret.reveal() : secret;
    const parts = value.includes('\n') ? [value, ...value.split(/\r?\n/)] : [value];
    for (const part of parts) {
      if (!isMaskable(part)) continue;
      for (const form of encodedForms(part)) if (form.length >= MIN_FRAGMENT || form === part) this.patterns.add(form);
    }
    this.regex = undefined;
  }

  get size(): number {
    return this.patterns.size;
  }

  scrub = (text: string): string => {
    if (this.patterns.size === 0) return text;
    this.regex ??= new RegExp(
      [...this.patterns].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|'),
      'g',
    );
    return text.replace(this.regex, MASK);
  };
}

/** The value as it may appear: raw, URL-encoded, and base64 (also when embedded in a longer encoded string). */
export function encodedForms(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const forms = new Set<string>([value, encodeURIComponent(value), encodeURIComponent(value).replace(/%20/g, '+')]);
  for (let shift = 0; shift < 3; shift++) {
    // Embedded at byte offset `shift` within a group of three, the characters that depend only on the
    // secret's own bytes are those of the groups it fills entirely.
    const padded = Buffer.concat([Buffer.alloc(shift), bytes]);
    const standard = padded.toString('base64');
    const start = shift === 0 ? 0 : 4;
    const end = Math.floor(padded.length / 3) * 4;
    const stable = standard.slice(start, end);
    if (stable) forms.add(stable).add(toUrlSafe(stable));
  }
  const whole = bytes.toString('base64');
  forms.add(whole).add(whole.replace(/=+$/, '')).add(toUrlSafe(whole).replace(/=+$/, ''));
  return [...forms];
}

function toUrlSafe(b64: string): string {
  return b64.replace(/\+/g, '-').replace(/\//g, '_');
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
