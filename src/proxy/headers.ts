/**
 * The response headers the proxy adds for an app: the security checklist's defaults when TLS is on (HSTS,
 * nosniff, a referrer policy), then `proxy.headers` — `Name: value` sets a header (over the app's own and the
 * defaults), `-Name` removes it. Values are literal: Caddy's placeholders (`{…}`) are escaped.
 */

export const TLS_DEFAULT_HEADERS: Readonly<Record<string, string>> = {
  'Strict-Transport-Security': 'max-age=31536000',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'strict-origin-when-cross-origin',
};

export interface HeaderOps {
  set: Record<string, string[]>;
  delete: string[];
}

export function headerOps(tls: 'auto' | 'internal' | 'off', headers: Readonly<Record<string, string>>): HeaderOps {
  const set = new Map<string, [string, string]>(); // lower-case name → [name as written, value]
  const removed = new Map<string, string>();
  if (tls !== 'off')
    for (const [name, value] of Object.entries(TLS_DEFAULT_HEADERS)) set.set(lower(name), [name, value]);
  for (const [key, value] of Object.entries(headers)) {
    if (key.startsWith('-')) {
      const name = key.slice(1);
      set.delete(lower(name));
      removed.set(lower(name), name);
    } else {
      removed.delete(lower(key));
      set.set(lower(key), [key, value]);
    }
  }
  return {
    set: Object.fromEntries([...set.values()].map(([name, value]) => [name, [literal(value)]])),
    delete: [...removed.values()],
  };
}

const lower = (s: string) => s.toLowerCase();
/** Caddy replaces `{…}` placeholders in header values; `\{` and `\}` stay braces (a backslash alone stays). */
const literal = (value: string) => value.replace(/[{}]/g, (c) => `\\${c}`);
