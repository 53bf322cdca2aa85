/**
 * Real receivers on loopback for the notification tests: an HTTP server that captures JSON posts (or answers 500,
 * or never answers), and an SMTP server (npm smtp-server) with STARTTLS on a certificate made at test time and
 * AUTH that only works over TLS.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { tempDir } from '../helpers/testenv.js';

export interface Post {
  path: string;
  contentType: string;
  body: string;
}

export type Mode = 'ok' | 'fail' | 'hang';

export interface HttpReceiver {
  url(path: string): string;
  posts: Post[];
  /** How each path answers (default ok). */
  modes: Map<string, Mode>;
  close(): Promise<void>;
}

export async function httpReceiver(port: number): Promise<HttpReceiver> {
  const posts: Post[] = [];
  const modes = new Map<string, Mode>();
  const hanging = new Set<IncomingMessage>();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => (body += d));
    req.on('end', () => {
      const path = req.url ?? '';
      posts.push({ path, contentType: req.headers['content-type'] ?? '', body });
      const mode = modes.get(path) ?? 'ok';
      if (mode === 'hang') return void hanging.add(req);
      res.writeHead(mode === 'ok' ? 200 : 500, { 'content-type': 'text/plain' }).end(mode === 'ok' ? 'ok' : 'boom');
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: (path) => `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
    posts,
    modes,
    close: () =>
      new Promise((resolve) => {
        for (const req of hanging) req.socket.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Mail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  raw: string;
  /** The session had upgraded to TLS (STARTTLS) before the message was sent. */
  secure: boolean;
  user: string;
}

export interface SmtpReceiver {
  mails: Mail[];
  /** The CA file a client must trust (NODE_EXTRA_CA_CERTS). */
  caFile: string;
  close(): Promise<void>;
}

export async function smtpReceiver(port: number, user: string, pass: string): Promise<SmtpReceiver> {
  const dir = tempDir('gangway-smtp-');
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
  ], { stdio: 'ignore' }); // prettier-ignore
  const mails: Mail[] = [];
  const server = new SMTPServer({
    key: readFileSync(key),
    cert: readFileSync(cert),
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: false,
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === user && auth.password === pass) cb(null, { user: auth.username });
      else cb(new Error('bad credentials'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        simpleParser(raw)
          .then((parsed) => {
            mails.push({
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              raw,
              secure: session.secure,
              user: String(session.user ?? ''),
            });
            cb();
          })
          .catch((e: Error) => cb(e));
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { mails, caFile: cert, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
