/**
 * JSON the server writes, shaped here and filled there. Each JSON document a server script writes (a release
 * record, a scheduled backup's webhook and Slack bodies) is built in ONE language: TypeScript renders it as a
 * template at deploy or schedule time, with the same functions that shape it for the CLI, and the shell only puts
 * values into its slots (json_fill in json.sh). The shell never knows a field name or the order of fields, so the
 * shape cannot drift between two copies. The other way (the server emits bare facts and TypeScript builds the
 * JSON) does not fit: cron runs backups and their webhooks without gangway, and apply.sh writes releases.jsonl
 * whether or not the CLI is still connected.
 *
 * A slot is its name between two control characters: 0x1f for a string (json_fill escapes the value with
 * json_str: inside a JSON string, whole or part of it), 0x1e for text put in as it is (a number, text already
 * JSON-escaped, or fields a strategy script adds: `,"k":v…`). JSON.stringify escapes every control character and
 * json_str drops them, so no fixed value and no filled value can ever look like a slot.
 */
const STR = '\u001f';
const RAW = '\u001e';
const NAME = /^[a-z_]+$/;

/** What a template's value puts where the shell fills something in. */
export interface Slots {
  /** A string, or part of one, that the shell fills (escaped). */
  str(name: string): string;
  /** Text the shell fills as it is inside a string (JSON-escaped already, e.g. a reason read out of a record). */
  raw(name: string): string;
  /** A number the shell fills as it is (its digits may be formatted further, e.g. `7.0 s`). */
  num(name: string): number;
  /** A run of fields (`,"k":v…` or nothing) the shell fills at this place of an object: spread it in. */
  fields(name: string): Record<string, number>;
}

export const strSlot = (name: string): string => `${STR}${name}${STR}`;
export const rawSlot = (name: string): string => `${RAW}${name}${RAW}`;

export function renderTemplate(shape: (s: Slots) => unknown): string {
  const nonce = `gangway${Math.random().toString(36).slice(2, 10)}`;
  const swaps: [string, string][] = []; // [text in the JSON, slot text]
  let n = 0;
  const check = (name: string) => {
    if (!NAME.test(name)) throw new TypeError(`bad slot name ${name}`);
    return `${nonce}${name}${nonce}`;
  };
  const slots: Slots = {
    str: (name) => check(name) + 's',
    raw: (name) => check(name) + 'r',
    num: (name) => {
      check(name);
      const sentinel = 8_000_000_000_000_000 + 1_234_567 * ++n; // digits no fixed value of a template spells
      swaps.push([String(sentinel), rawSlot(name)]);
      return sentinel;
    },
    fields: (name) => {
      const key = check(name) + 'f';
      swaps.push([`,"${key}":0`, rawSlot(name)]);
      return { [key]: 0 };
    },
  };
  const value = shape(slots);
  let out = JSON.stringify(value);
  if (out === undefined) throw new TypeError('nothing to render');
  // Each number and field run must come out of JSON.stringify as it went in (not computed on, not dropped). Only
  // the sentinels are looked for: a fixed value (an image digest) may well hold a long run of digits itself.
  for (const [text, slot] of swaps) {
    if (!out.includes(text)) throw new Error('a template slot was not placed');
    out = out.replaceAll(text, slot);
  }
  out = out.replace(new RegExp(`${nonce}([a-z_]+)${nonce}([sr])`, 'g'), (_, name: string, kind: string) =>
    kind === 's' ? strSlot(name) : rawSlot(name),
  );
  if (out.includes(nonce)) throw new Error('a template slot was not placed');
  return out;
}
