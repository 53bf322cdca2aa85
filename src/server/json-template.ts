/**
 * JSON the server writes, shaped here and filled there. Each JSON document a server script writes (a release
 * record, a scheduled backup's notifications) is built in ONE language: TypeScript renders it as a template at
 * deploy or schedule time from the same function that shapes it for the CLI, and the shell only puts values into
 * its slots (json_fill in json.sh, each value escaped by json_str). The shell never knows a field name or the
 * order of fields, so the shape cannot drift between two copies. The other way (the server emits bare facts and
 * TypeScript builds the JSON) does not fit: cron runs backups and webhooks without gangway, and apply.sh writes
 * releases.jsonl when the CLI may be gone.
 *
 * A slot is its name between two US control characters (0x1f): JSON.stringify escapes every control character
 * and json_str drops them, so no fixed value and no filled value can ever look like a slot.
 */
const US = '\u001f';

/** The text that stands for slot NAME in a rendered template (what json_fill replaces). */
export const slotText = (name: string): string => `${US}${name}${US}`;

const SLOT = /^[a-z_]+$/;

/**
 * A value the shell fills: a string (json_fill escapes it with json_str, between the quotes the template already
 * has) or, raw, JSON text put in as it is (a number, or fields a strategy script adds: `,"k":v…`).
 */
export class Slot {
  constructor(
    readonly slot: string,
    readonly raw: boolean,
  ) {
    if (!SLOT.test(slot)) throw new TypeError(`bad slot name ${slot}`);
  }
}

export const str = (slot: string): Slot => new Slot(slot, false);
export const raw = (slot: string): Slot => new Slot(slot, true);

/**
 * The template of a JSON value whose leaves may be slots. An object key `slotText(name)` whose value is a raw
 * slot of the same name stands for a run of extra fields (empty, or `,"k":v…`) at that place.
 */
export function renderTemplate(value: unknown): string {
  const nonce = `gangway-slot-${Math.random().toString(36).slice(2)}-`;
  const slots = new Map<string, Slot>();
  const json = JSON.stringify(value, (_key, v: unknown) => {
    if (!(v instanceof Slot)) return v;
    slots.set(v.slot, v);
    return `${nonce}${v.slot}`;
  });
  if (json === undefined) throw new TypeError('nothing to render');
  let out = json;
  for (const [name, s] of slots) {
    const token = `"${nonce}${name}"`;
    // A run of fields: the key is the slot text, which JSON.stringify wrote escaped (\u001f).
    const key = JSON.stringify(slotText(name));
    out = out.replace(new RegExp(`,?${escapeRe(key)}:${escapeRe(token)}`), slotText(name));
    out = out.replaceAll(token, s.raw ? slotText(name) : `"${slotText(name)}"`);
  }
  if (out.includes(nonce)) throw new Error('a value collides with a template slot');
  return out;
}

/** A run of extra fields (`,"k":v…` or nothing) at this place of an object; spread it into the object. */
export const fieldsSlot = (name: string): Record<string, Slot> => ({ [slotText(name)]: raw(name) });

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
