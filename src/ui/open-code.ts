/**
 * `gangway ui --open` hands the browser a URL through xdg-open/open, whose argv every user of the machine can read
 * in `ps`: that URL carries a one-time code instead of the dashboard's token. The page trades the code for the
 * token once (GET /open?code=…), within a minute; a code seen in `ps` afterwards opens nothing.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';

/** Long enough for a cold browser start on a loaded machine, short enough that a copied code is soon worthless. */
export const OPEN_CODE_TTL_MS = 60_000;

export class OpenCodes {
  private readonly codes = new Map<string, number>();

  constructor(
    private readonly ttlMs = OPEN_CODE_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new code, good for one trade within the TTL. */
  issue(): string {
    const code = randomBytes(18).toString('base64url');
    this.codes.set(code, this.now() + this.ttlMs);
    return code;
  }

  /** True once for a code issued here and not yet expired; the code is gone after the first try either way. */
  redeem(given: string): boolean {
    const b = Buffer.from(given);
    for (const [code, expires] of this.codes) {
      const a = Buffer.from(code);
      if (a.length !== b.length || !timingSafeEqual(a, b)) continue;
      this.codes.delete(code);
      return this.now() <= expires;
    }
    return false;
  }
}
