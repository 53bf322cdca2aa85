/**
 * Polls `value` every 20 ms until it gives something other than undefined or false, and returns that; a deadline
 * (a backstop on a loaded machine, never the thing a test waits for) throws naming `what`.
 */
export async function until<T>(value: () => T | undefined | false, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = value();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
