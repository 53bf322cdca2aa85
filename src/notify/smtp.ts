/**
 * Email over SMTP with nodemailer. The server comes from a URL in the environment: smtp://user:pass@host:port
 * (STARTTLS required: credentials and the message never travel in the clear) or smtps://… (TLS from the start).
 * `?starttls=optional` accepts a server without STARTTLS (a relay on the same machine).
 */
import { hostname } from 'node:os';
import nodemailer from 'nodemailer';

export interface SmtpServer {
  host: string;
  port: number;
  secure: boolean;
  requireTls: boolean;
  user?: string;
  pass?: string;
}

/** Parse the URL; the error never quotes it (it holds the password). */
export function parseSmtpUrl(text: string): SmtpServer {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error('is not a URL (smtp://user:password@host:port or smtps://…)');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:')
    throw new Error(`must start with smtp:// or smtps://, not ${url.protocol}//`);
  const secure = url.protocol === 'smtps:';
  const starttls = url.searchParams.get('starttls') ?? 'required';
  if (starttls !== 'required' && starttls !== 'optional')
    throw new Error('starttls= must be required (the default) or optional');
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    requireTls: !secure && starttls === 'required',
    ...(url.username && { user: decodeURIComponent(url.username) }),
    ...(url.password && { pass: decodeURIComponent(url.password) }),
  };
}

export async function sendMail(
  server: SmtpServer,
  mail: { from?: string; to: string[]; subject: string; text: string },
  timeoutMs: number,
): Promise<void> {
  const transport = nodemailer.createTransport({
    host: server.host,
    port: server.port,
    secure: server.secure,
    requireTLS: server.requireTls,
    ...(server.user !== undefined && { auth: { user: server.user, pass: server.pass ?? '' } }),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  try {
    await transport.sendMail({
      from: mail.from ?? `gangway@${hostname()}`,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
    });
  } finally {
    transport.close();
  }
}
