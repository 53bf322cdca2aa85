/** Canary secrets and a scanner that looks for them, in every form they could leak in, across outputs. */
import { goQuoted } from '../../src/redact/forms.js';

/** With `"`, `\`, a tab and surrounding spaces: the characters JSON, Go's %q and trimming change. */
export const CANARIES = {
  DB_PASSWORD: 'canary-db-Zq8#pW!3x"q\\z',
  API_TOKEN: '  canary-api/tok+en=9ü "x"\t\\end  ',
  MULTILINE_KEY: 'canary-line-one-AAAA\ncanary-line-two-BBBB',
  REGISTRY: 'canary-registry-"pass\\-77',
} as const;

/**
 * Each canary, each of its lines, each also trimmed, as: raw, base64 (standard, unpadded, URL-safe), URL-encoded
 * (%20 and +), form-encoded, JSON-escaped, Go-quoted (%q and %+q), and Go-quoted inside JSON.
 */
export function leakForms(secret: string): string[] {
  const parts = [secret, ...secret.split('\n')].flatMap((p) => [p, p.trim()]);
  const forms = new Set<string>();
  for (const p of parts) {
    const b64 = Buffer.from(p).toString('base64');
    const uri = encodeURIComponent(p);
    const go = goQuoted(p);
    forms.add(p).add(b64).add(b64.replace(/=+$/, '')).add(Buffer.from(p).toString('base64url'));
    forms
      .add(uri)
      .add(uri.replace(/%20/g, '+'))
      .add(new URLSearchParams([['', p]]).toString().slice(1));
    forms.add(json(p)).add(go).add(goQuoted(p, true)).add(json(go));
  }
  return [...forms];
}

const json = (s: string) => JSON.stringify(s).slice(1, -1);

/** Names of (canary, place) pairs found — never the values, so a failing test does not leak them either. */
export function findLeaks(places: Record<string, string>, secrets: Record<string, string> = CANARIES): string[] {
  const hits: string[] = [];
  for (const [name, secret] of Object.entries(secrets)) {
    for (const [place, text] of Object.entries(places)) {
      const forms = leakForms(secret);
      const index = forms.findIndex((f) => text.includes(f));
      if (index >= 0) hits.push(`${name} (form ${index}) in ${place}`);
    }
  }
  return hits;
}

/** The canaries as an env file (the multi-line one double-quoted, as Compose reads it). */
export function canaryEnvFile(extra = ''): string {
  return [
    `DB_PASSWORD=${CANARIES.DB_PASSWORD}`, // unquoted: a # with no space before it stays in the value
    `API_TOKEN='${CANARIES.API_TOKEN}'`,
    `MULTILINE_KEY="${CANARIES.MULTILINE_KEY}"`,
    extra,
  ].join('\n');
}
