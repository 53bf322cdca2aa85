/** URLs checked from the server itself (curl, or busybox wget), so `localhost` means the server: 2xx is up. */
import type { Host } from '../hosts/host.js';

export interface EndpointResult {
  url: string;
  ok: boolean;
  detail: string;
}

export async function checkEndpoints(host: Host, urls: string[]): Promise<EndpointResult[]> {
  return Promise.all(
    urls.map(async (url) => {
      const r = await host.exec(
        [
          'sh',
          '-c',
          'if command -v curl >/dev/null 2>&1; then curl -s -o /dev/null -w "%{http_code}" --max-time 5 "$1"; else ' +
            'wget -q -O /dev/null -T 5 "$1" && echo 200 || echo 000; fi',
          'sh',
          url,
        ],
        { timeoutMs: 15_000 },
      );
      const code = r.stdout.trim();
      return { url, ok: /^2\d\d$/.test(code), detail: code === '000' || code === '' ? 'no answer' : `HTTP ${code}` };
    }),
  );
}
