/**
 * The dashboard's HTTP server, on 127.0.0.1 only. Every request needs the random token of this run (a query
 * parameter, or the x-gangway-token header) — without it 401 — and a Host header naming a loopback address with
 * this port, so a web page that rebinds its own DNS name to 127.0.0.1 is refused (403). Actions are POSTs from this
 * origin only. `GET /open?code=…` trades a one-time code of `--open` for the token (open-code.ts). Hand-written
 * on node:http: six routes do not need a framework, and nothing has to be built to run.
 */
import { timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ActionError, parseAction } from './actions.js';
import { BusyError, type Hub } from './hub.js';
import type { OpenCodes } from './open-code.js';

const ASSETS: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};
const MAX_BODY = 16_384;
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  // The token is in the page's URL: never send it on as a referrer.
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export interface UiServerOptions {
  hub: Hub;
  token: string;
  targets: readonly string[];
  /** The one-time codes `--open` gives the browser instead of the token (open-code.ts). */
  openCodes?: OpenCodes;
}

export function createUiServer({ hub, token, targets, openCodes }: UiServerOptions): Server {
  const server = createServer((req, res) => {
    const port = (server.address() as { port: number } | null)?.port ?? 0;
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (!loopbackHost(req.headers.host, port))
      return plain(res, 403, 'refused: this dashboard answers only at 127.0.0.1');
    if (req.method === 'GET' && url.pathname === '/open') {
      const code = url.searchParams.get('code');
      if (!openCodes || code === null || !openCodes.redeem(code))
        return plain(res, 401, 'this link was used already or has expired: open the URL printed in the terminal');
      // The token goes to the browser in this answer only, never through a process's arguments.
      return void res.writeHead(303, { location: `/?token=${token}`, ...SECURITY_HEADERS }).end();
    }
    if (!hasToken(req, url, token))
      return plain(res, 401, 'the dashboard needs the token of its URL (see the terminal)');
    const asset = ASSETS[url.pathname];
    if (req.method === 'GET' && asset) return sendAsset(res, asset, token);
    if (req.method === 'GET' && url.pathname === '/api/state') return json(res, 200, hub.snapshot());
    if (req.method === 'GET' && url.pathname === '/events') return events(req, res, hub);
    if (req.method === 'POST' && (url.pathname === '/api/actions' || url.pathname === '/api/refresh')) {
      if (req.headers.origin !== undefined && req.headers.origin !== `http://${req.headers.host}`)
        return plain(res, 403, 'refused: actions come only from the dashboard itself');
      if (url.pathname === '/api/refresh') {
        void hub.refresh();
        return json(res, 202, { ok: true });
      }
      return void readBody(req)
        .then((body) => {
          const action = hub.start(parseAction(JSON.parse(body) as unknown, targets));
          json(res, 202, { ok: true, id: action.id, title: action.title });
        })
        .catch((e: Error) => {
          const status =
            e instanceof BusyError ? 409 : e instanceof ActionError || e instanceof SyntaxError ? 400 : 500;
          json(res, status, { ok: false, error: e.message });
        });
    }
    plain(res, 404, 'not found');
  });
  return server;
}

function loopbackHost(host: string | undefined, port: number): boolean {
  return host !== undefined && [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`].includes(host);
}

function hasToken(req: IncomingMessage, url: URL, token: string): boolean {
  const given = url.searchParams.get('token') ?? req.headers['x-gangway-token'];
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

const assetCache = new Map<string, string>();

function sendAsset(res: ServerResponse, asset: { file: string; type: string }, token: string): void {
  let text = assetCache.get(asset.file);
  if (text === undefined) {
    text = readFileSync(new URL(`./assets/${asset.file}`, import.meta.url), 'utf8');
    assetCache.set(asset.file, text);
  }
  // The page names its script and style with the token (a base64url string: nothing to escape).
  const body = asset.file === 'index.html' ? text.replaceAll('{{TOKEN}}', token) : text;
  res.writeHead(200, { 'content-type': asset.type, ...SECURITY_HEADERS }).end(body);
}

function events(req: IncomingMessage, res: ServerResponse, hub: Hub): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', connection: 'keep-alive', ...SECURITY_HEADERS });
  const unsubscribe = hub.subscribe((event, data) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
  // A comment line now and then keeps proxies and the browser from closing an idle stream.
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  req.on('close', () => {
    clearInterval(keepAlive);
    unsubscribe();
  });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => {
      body += d;
      if (body.length > MAX_BODY) {
        reject(new ActionError('the request is too large'));
        req.destroy();
      }
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', ...SECURITY_HEADERS }).end(JSON.stringify(value));
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS }).end(`${text}\n`);
}
