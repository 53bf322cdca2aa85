/** POST a JSON document; a non-2xx answer, a redirect or the timeout is an error that never names the URL. */
import { VERSION } from '../version.js';

export async function postJson(url: string, body: unknown, timeoutMs: number): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': `gangway/${VERSION}` },
      body: JSON.stringify(body),
      // A webhook URL is a credential: following a redirect would hand the document to another server.
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    throw new Error(describeFetchError(e, timeoutMs));
  }
  // The answer's body is read (and dropped) so that the connection is released.
  await response.arrayBuffer().catch(() => undefined);
  if (response.status < 200 || response.status > 299) throw new Error(`HTTP ${response.status}`);
}

/** fetch's errors say "fetch failed" with the reason in `cause` (a code such as ECONNREFUSED). */
function describeFetchError(e: unknown, timeoutMs: number): string {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  return err.cause?.code ?? err.cause?.message ?? err.message;
}
