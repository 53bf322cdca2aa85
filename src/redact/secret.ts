/**
 * A secret value whose every printable form is redacted: String(), template literals, util.inspect
 * (console.log, assertion messages) and JSON.stringify all show `[secret NAME]`. Only `reveal()` gives the
 * value, for the few places that must send it somewhere (stdin of a remote command, an uploaded file).
 */
import { inspect } from 'node:util';

export class Secret {
  readonly #value: string;

  constructor(
    value: string,
    /** What it is (an env key, "registry password"), safe to print. */
    readonly name: string,
  ) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return `[secret ${this.name}]`;
  }

  toJSON(): string {
    return this.toString();
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
