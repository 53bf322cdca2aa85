/**
 * The request body limit (`proxy.max_body`). Caddy's request_body handler cuts a body at the limit, but the
 * reverse proxy of Caddy 2.6 (Debian's) then answers 502, not 413: a request that declares a longer body in
 * Content-Length is answered 413 before it reaches the app, by a header_regexp matcher on that number. A
 * chunked body (no Content-Length) is still cut at the limit by request_body.
 */

/** An RE2 pattern matching decimal numbers greater than `limit` (leading zeros allowed). */
export function greaterThanPattern(limit: number): string {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError(`not a byte count: ${limit}`);
  const s = String(limit);
  const alternatives = [`[1-9][0-9]{${s.length},}`];
  for (let i = 0; i < s.length; i++) {
    const digit = Number(s[i]);
    if (digit === 9) continue;
    const rest = s.length - i - 1;
    alternatives.push(`${s.slice(0, i)}[${digit + 1}-9]${rest ? `[0-9]{${rest}}` : ''}`);
  }
  return `^0*(${alternatives.join('|')})$`;
}
