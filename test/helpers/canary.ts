/** Canary secrets and a scanner that looks for them, in every form they could leak in, across outputs. */
export const CANARIES = {
  DB_PASSWORD: 'canary-db-Zq8#pW!3x',
  API_TOKEN: 'canary-api/tok+en=9ü',
  MULTILINE_KEY: 'canary-line-one-AAAA\ncanary-line-two-BBBB',
  REGISTRY: 'canary-registry-pass-77',
} as const;

/** Each canary as raw text, each of its lines, base64 (standard, URL-safe, unpadded) and URL-encoded. */
export function leakForms(secret: string): string[] {
  const parts = [secret, ...secret.split('\n')];
  const forms = new Set<string>();
  for (const p of parts) {
    const b64 = Buffer.from(p).toString('base64');
    forms.add(p).add(b64).add(b64.replace(/=+$/, '')).add(Buffer.from(p).toString('base64url')).add(encodeURIComponent(p)).add(encodeURIComponent(p).replace(/%20/g, '+'));
  }
  return [...forms];
}

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
