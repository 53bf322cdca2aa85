/**
 * An app's part of the shared Caddy config (JSON), addressed by its own `@id`s. The server-side script
 * assembles every app's parts into the one config it loads (src/server/sh/bluegreen.sh).
 *
 * The switch between colours changes no config: each colour's upstream sits behind a `file` matcher on a marker
 * `/gangway/live/<app>.<colour>`, checked on every request, and exactly one marker exists — the switch renames it
 * (one atomic rename). A config reload would close every client's idle keep-alive connection, which HTTP/1.1
 * clients without a retry see as a reset request; measured here: 36 resets in 10 reloads with 4 clients.
 */
import type { ProxySettings } from '../config/config.js';
import { canaryRoutes } from './canary-route.js';
import { greaterThanPattern } from './body-limit.js';
import { colourAlias } from './colour-override.js';
import { COLOURS, type Colour } from './colours.js';
import { headerOps } from './headers.js';
import { MAINTENANCE_RETRY_AFTER } from './maintenance-page.js';

/** Where the markers are, inside the proxy container. */
export const LIVE_DIR = '/gangway/live';
/** Maintenance pages, `<app>.html`: while an app's page exists the proxy answers its requests 503 with it. */
export const MAINTENANCE_DIR = '/gangway/maintenance';

export interface AppRouteFiles {
  /** The route, for the `gangway-http` or `gangway-https` server. */
  server: 'http' | 'https';
  /** Host-matched routes before catch-all ones (file names sort). */
  order: '10' | '90';
  route: string;
  /** The TLS automation policy (tls: internal), or empty. */
  tlsPolicy: string;
}

export function appRouteFiles(app: string, proxy: ProxySettings): AppRouteFiles {
  const colourRoute = (colour: Colour) => ({
    match: [{ file: { root: LIVE_DIR, try_files: [`${app}.${colour}`] } }],
    handle: [
      {
        handler: 'reverse_proxy',
        '@id': `gangway-${app}-${colour}`,
        upstreams: [{ dial: `${colourAlias(app, colour)}:${proxy.port}` }],
        // A colour that is stopping refuses new connections: try again (the marker has moved by then).
        load_balancing: { try_duration: '5s', try_interval: '100ms' },
      },
    ],
  });
  const headers = headerOps(proxy.tls, proxy.headers);
  const route = {
    '@id': `gangway-${app}`,
    ...(proxy.domains.length > 0 && { match: [{ host: proxy.domains }] }),
    handle: [
      // Deferred: applied as the answer goes out, over the app's own headers (and so able to remove them).
      ...(Object.keys(headers.set).length + headers.delete.length > 0
        ? [{ handler: 'headers', response: { ...headers, deferred: true } }]
        : []),
      { handler: 'request_body', max_size: proxy.maxBodyBytes },
      {
        handler: 'subroute',
        routes: [
          maintenanceRoute(app),
          {
            match: [{ header_regexp: { 'Content-Length': { pattern: greaterThanPattern(proxy.maxBodyBytes) } } }],
            handle: [{ handler: 'static_response', status_code: 413, body: 'request body too large\n', close: true }],
          },
          ...canaryRoutes(app, proxy),
          ...COLOURS.map(colourRoute),
          { handle: [{ handler: 'static_response', status_code: 503, body: `${app}: no release is serving yet\n` }] },
        ],
      },
    ],
    terminal: true,
  };
  const tlsPolicy =
    proxy.tls === 'internal'
      ? { '@id': `gangway-${app}-tls`, subjects: proxy.domains, issuers: [{ module: 'internal' }] }
      : undefined;
  return {
    server: proxy.tls === 'off' ? 'http' : 'https',
    order: proxy.domains.length > 0 ? '10' : '90',
    route: JSON.stringify(route),
    tlsPolicy: tlsPolicy ? JSON.stringify(tlsPolicy) : '',
  };
}

/**
 * Maintenance mode, switched like the colours: the page's file is the marker, looked up on every request, so
 * turning it on or off changes no config (no reload, no keep-alive connection closed). The colours' health is
 * probed from the proxy's network straight to their aliases, past this route.
 */
function maintenanceRoute(app: string) {
  const page = `${app}.html`;
  return {
    '@id': `gangway-${app}-maintenance`,
    match: [{ file: { root: MAINTENANCE_DIR, try_files: [page] } }],
    handle: [
      {
        handler: 'headers',
        // Never a 304 or a partial answer of the page: the client asked for the app, not for this file.
        request: { delete: ['If-None-Match', 'If-Modified-Since', 'If-Match', 'If-Unmodified-Since', 'Range'] },
        response: { set: { 'Retry-After': [String(MAINTENANCE_RETRY_AFTER)], 'Cache-Control': ['no-store'] } },
      },
      { handler: 'rewrite', uri: `/${page}` },
      // pass_thru: a page removed between the match and the read (`maintenance off` that instant) is still a 503,
      // not the file server's 404 (seen once in 10,599 requests under keep-alive load).
      { handler: 'file_server', root: MAINTENANCE_DIR, status_code: 503, pass_thru: true },
      {
        handler: 'static_response',
        status_code: 503,
        headers: { 'Content-Type': ['text/plain; charset=utf-8'] },
        body: 'Down for maintenance\n',
      },
    ],
  };
}
