/**
 * A bounded HTTP load generator for zero-downtime tests and bench/zero-downtime.sh: `clients` concurrent loops of
 * GET requests over keep-alive connections (as browsers and HTTP client libraries make them), each request
 * recorded with its start and end time, status and body. Loopback and the project's own addresses only.
 */
import http from 'node:http';
import https from 'node:https';

export interface LoadSample {
  start: number;
  end: number;
  /** HTTP status, or 0 when the request failed (refused, reset, timed out). */
  status: number;
  body: string;
  error?: string;
  /** Which of the `clients` loops sent it. */
  client: number;
  /** The proxy's Gangway-Upstream header (the canary's routes set it), if any. */
  upstream?: string;
  /** With `cookies`: whether the request carried a cookie the proxy had set. */
  hadCookie?: boolean;
}

export interface LoadOptions {
  url: string;
  clients?: number;
  /**
   * Per-request timeout (ms), default 30 s: a slow answer on a loaded machine is an answer; a request that gets
   * none within it (like a refused or reset one, or a 5xx) counts as failed.
   */
  timeoutMs?: number;
  /** For HTTPS: the CA to trust and the name to present (SNI and Host). */
  ca?: Buffer;
  servername?: string;
  /** Hard bound on the run, whatever `stop()` does (ms; default 10 minutes: a backstop, never the end of a test). */
  maxMs?: number;
  /** Each client keeps the cookies the proxy sets and sends them back, as a browser does. */
  cookies?: boolean;
}

export interface LoadRun {
  stop(): Promise<LoadSample[]>;
  /**
   * Resolves once `count` more requests (from now) have been answered with a 2xx/3xx status — "the load is flowing
   * through this version", a condition instead of a sleep — or, as a backstop, after `timeoutMs` (resolving false:
   * the caller's assertions on the summary then say what went wrong).
   */
  answered(count: number, timeoutMs?: number): Promise<boolean>;
}

export function startLoad(options: LoadOptions): LoadRun {
  const url = new URL(options.url);
  const secure = url.protocol === 'https:';
  const agentOptions = { keepAlive: true, maxSockets: options.clients ?? 4 };
  const agent = secure
    ? new https.Agent({ ...agentOptions, ...(options.ca && { ca: options.ca }) })
    : new http.Agent(agentOptions);
  const samples: LoadSample[] = [];
  const t0 = Date.now();
  let running = true;
  const maxMs = options.maxMs ?? 600_000;
  const limit = setTimeout(() => (running = false), maxMs);

  const jars = new Map<number, Map<string, string>>();
  const once = (client: number) =>
    new Promise<void>((resolve) => {
      const start = performance.now();
      const jar = options.cookies ? (jars.get(client) ?? jars.set(client, new Map()).get(client)!) : undefined;
      const cookie = jar && [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
      let upstream: string | undefined;
      const done = (status: number, body: string, error?: string) => {
        samples.push({
          start,
          end: performance.now(),
          status,
          body,
          client,
          ...(error && { error }),
          ...(upstream && { upstream }),
          ...(jar && { hadCookie: Boolean(cookie) }),
        });
        resolve();
      };
      const headers: Record<string, string> = {
        ...(options.servername && { host: options.servername }),
        ...(cookie && { cookie }),
      };
      const request = (secure ? https : http).request(
        url,
        {
          agent,
          timeout: options.timeoutMs ?? 30_000,
          ...(options.servername && { servername: options.servername }),
          headers,
        },
        (res) => {
          upstream = res.headers['gangway-upstream'] as string | undefined;
          for (const c of res.headers['set-cookie'] ?? []) {
            const [pair] = c.split(';');
            const eq = pair!.indexOf('=');
            if (jar && eq > 0) jar.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
          }
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => done(res.statusCode ?? 0, body.trim()));
          res.on('error', (e) => done(0, '', e.message));
        },
      );
      request.on('timeout', () => request.destroy(new Error('timeout')));
      request.on('error', (e) => done(0, '', (e as NodeJS.ErrnoException).code ?? e.message));
      request.end();
    });

  const loops = Array.from({ length: options.clients ?? 4 }, async (_, client) => {
    while (running && Date.now() - t0 < maxMs) await once(client);
  });
  const answeredCount = () => samples.filter((s) => s.status >= 200 && s.status < 400).length;
  return {
    async answered(count, timeoutMs = 120_000) {
      const target = answeredCount() + count;
      const deadline = Date.now() + timeoutMs;
      while (answeredCount() < target) {
        if (!running || Date.now() > deadline) return false;
        await new Promise((r) => setTimeout(r, 20));
      }
      return true;
    },
    async stop() {
      running = false;
      await Promise.all(loops);
      clearTimeout(limit);
      agent.destroy();
      return samples;
    },
  };
}

export interface LoadSummary {
  requests: number;
  failed: number;
  /** The failures by kind: `HTTP 502`, `ECONNREFUSED`, `ECONNRESET`… */
  failures: Record<string, number>;
  p50: number;
  p99: number;
  max: number;
  /**
   * The bodies in the order they were first answered. With `flaps` 0 this is the switch: v1, v2 = exactly one.
   * (Start times of concurrent requests don't order them: near the switch, a request sent a moment later can
   * reach the proxy a moment earlier.)
   */
  versions: string[];
  /** Requests that started after a newer body had already been answered, yet got an older one: flapping. */
  flaps: number;
}

export function summarize(samples: LoadSample[]): LoadSummary {
  const sorted = [...samples].sort((a, b) => a.start - b.start);
  const failures: Record<string, number> = {};
  for (const s of sorted) {
    if (s.status >= 200 && s.status < 400) continue;
    const kind = s.status ? `HTTP ${s.status}` : (s.error ?? 'error');
    failures[kind] = (failures[kind] ?? 0) + 1;
  }
  const ok = sorted.filter((s) => s.status >= 200 && s.status < 400);
  const versions = [...new Set([...ok].sort((a, b) => a.end - b.end).map((s) => s.body))];
  // A flap: an answer from a version that an earlier-finished request had already moved past.
  let flaps = 0;
  const firstEnd = new Map<string, number>();
  for (const s of ok) firstEnd.set(s.body, Math.min(firstEnd.get(s.body) ?? Infinity, s.end));
  for (const s of ok) {
    const later = versions.slice(versions.indexOf(s.body) + 1);
    if (later.some((v) => (firstEnd.get(v) ?? Infinity) < s.start)) flaps++;
  }
  const latencies = sorted.map((s) => s.end - s.start).sort((a, b) => a - b);
  const pick = (q: number) =>
    latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]! : 0;
  return {
    requests: sorted.length,
    failed: sorted.length - ok.length,
    failures,
    p50: Math.round(pick(0.5)),
    p99: Math.round(pick(0.99)),
    max: Math.round(latencies.at(-1) ?? 0),
    versions,
    flaps,
  };
}
