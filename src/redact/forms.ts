/**
 * The forms a secret value can take in text that gangway prints: raw; URL-encoded (encodeURIComponent, strict
 * RFC 3986 as curl, Python and Go's url.QueryEscape write it, and application/x-www-form-urlencoded); JSON-escaped
 * (a `--json` document, `docker … --format json`); Go-quoted (Compose and Docker errors quote values with `%q`);
 * and base64 (standard and URL-safe, at every byte alignment).
 */

/** The value as it may appear: every form above (also base64 embedded in a longer encoded string). */
export function encodedForms(value: string): string[] {
  const uri = encodeURIComponent(value);
  const strict = rfc3986(uri);
  const json = jsonEscaped(value);
  const forms = new Set<string>([
    value,
    uri,
    uri.replace(/%20/g, '+'),
    strict,
    strict.replace(/%20/g, '+'), // Go's url.QueryEscape, Python's quote_plus
    formEncoded(value),
    json,
    htmlSafeJson(json),
    goQuoted(value),
    goQuoted(value, true),
    jsonEscaped(goQuoted(value)), // a Compose error inside a JSON document
  ]);
  for (const form of base64Forms(value)) forms.add(form);
  return [...forms];
}

/** encodeURIComponent leaves !'()* as they are; RFC 3986 encoders (curl, Python's quote, Go) do not. */
function rfc3986(uri: string): string {
  return uri.replace(/[!'()*]/g, (c) => `%${hex(c.charCodeAt(0), 2).toUpperCase()}`);
}

/** Inside a JSON string, as JSON.stringify writes it. */
export function jsonEscaped(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

/** Go's encoding/json also escapes <, > and & (and U+2028/9, which JSON.stringify leaves alone). */
function htmlSafeJson(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${hex(c.charCodeAt(0), 4)}`);
}

/** As a URLSearchParams / HTML form value: spaces as `+`, and also !'()~ percent-encoded. */
export function formEncoded(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1);
}

const GO_ESCAPES: Record<string, string> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '\\': '\\\\',
  '"': '\\"',
};

/** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
const GO_PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/**
 * Inside Go's strconv.Quote (`%q`), or strconv.QuoteToASCII (`%+q`) when `asciiOnly`: `\"`, `\\`, the
 * C escapes, `\xNN` for other ASCII controls, `\uNNNN` / `\UNNNNNNNN` for non-printable (or non-ASCII) runes.
 */
export function goQuoted(value: string, asciiOnly = false): string {
  let out = '';
  for (const ch of value) out += goRune(ch, asciiOnly);
  return out;
}

function goRune(ch: string, asciiOnly: boolean): string {
  const escaped = GO_ESCAPES[ch];
  if (escaped) return escaped;
  const cp = ch.codePointAt(0)!;
  if (cp < 0x80) return cp < 0x20 || cp === 0x7f ? `\\x${hex(cp, 2)}` : ch;
  if (!asciiOnly && GO_PRINTABLE.test(ch)) return ch;
  return cp < 0x10000 ? `\\u${hex(cp, 4)}` : `\\U${hex(cp, 8)}`;
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/** Base64 of the value alone (padded, unpadded, URL-safe) and the stable part of it inside a longer string. */
function base64Forms(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const forms: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    // Embedded at byte offset `shift` within a group of three, the characters that depend only on the
    // secret's own bytes are those of the groups it fills entirely.
    const padded = Buffer.concat([Buffer.alloc(shift), bytes]);
    const start = shift === 0 ? 0 : 4;
    const stable = padded.toString('base64').slice(start, Math.floor(padded.length / 3) * 4);
    if (stable) forms.push(stable, toUrlSafe(stable));
  }
  const whole = bytes.toString('base64');
  forms.push(whole, whole.replace(/=+$/, ''), toUrlSafe(whole).replace(/=+$/, ''));
  return forms;
}

function toUrlSafe(b64: string): string {
  return b64.replace(/\+/g, '-').replace(/\//g, '_');
}
