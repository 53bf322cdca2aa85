/**
 * Send one notice to every destination at once, each retried briefly with a timeout per attempt. A failure is a
 * result, never a throw: a notification must not change a deploy's outcome or exit code.
 */
import type { NotifyDestination, NotifySettings } from '../config/config.js';
import { emailMessage, slackPayload } from './formats.js';
import { postJson } from './http-post.js';
import type { Notice } from './notice.js';
import { parseSmtpUrl, sendMail } from './smtp.js';

export interface SendResult {
  /** `slack (SLACK_WEBHOOK_URL)`: the type and the variable's name, never the URL. */
  destination: string;
  ok: boolean;
  attempts: number;
  error?: string;
}

export interface SendDeps {
  env: NodeJS.ProcessEnv;
  /** Between attempts (tests pass a shorter one). */
  backoffMs?: number;
}

export function describeDestination(d: NotifyDestination): string {
  return d.type === 'email' ? `email to ${d.to.join(', ')} (${d.smtpUrlEnv})` : `${d.type} (${d.urlEnv})`;
}

/** The secret values a destination uses (URLs, SMTP credentials): the caller registers them with the scrubber. */
export function destinationSecrets(d: NotifyDestination, env: NodeJS.ProcessEnv): string[] {
  const value = env[d.type === 'email' ? d.smtpUrlEnv : d.urlEnv];
  if (!value) return [];
  if (d.type !== 'email') return [value];
  try {
    const pass = parseSmtpUrl(value).pass;
    return pass ? [value, pass] : [value];
  } catch {
    return [value];
  }
}

export async function sendNotice(settings: NotifySettings, notice: Notice, deps: SendDeps): Promise<SendResult[]> {
  return Promise.all(settings.to.map((d) => sendOne(d, settings, notice, deps)));
}

async function sendOne(
  d: NotifyDestination,
  settings: NotifySettings,
  notice: Notice,
  deps: SendDeps,
): Promise<SendResult> {
  const destination = describeDestination(d);
  const variable = d.type === 'email' ? d.smtpUrlEnv : d.urlEnv;
  const value = deps.env[variable];
  if (!value) return { destination, ok: false, attempts: 0, error: `${variable} is not set in the environment` };
  let attempt: () => Promise<void>;
  if (d.type === 'email') {
    let server;
    try {
      server = parseSmtpUrl(value);
    } catch (e) {
      return { destination, ok: false, attempts: 0, error: `${variable} ${(e as Error).message}` };
    }
    const mail = { ...emailMessage(notice), to: d.to, ...(d.from !== undefined && { from: d.from }) };
    attempt = () => sendMail(server, mail, settings.timeoutMs);
  } else {
    const body = d.type === 'slack' ? slackPayload(notice) : notice;
    attempt = () => postJson(value, body, settings.timeoutMs);
  }
  let error = '';
  for (let n = 1; n <= settings.retries + 1; n++) {
    try {
      await attempt();
      return { destination, ok: true, attempts: n };
    } catch (e) {
      error = (e as Error).message;
      if (n <= settings.retries) await new Promise((r) => setTimeout(r, (deps.backoffMs ?? 500) * n));
    }
  }
  return { destination, ok: false, attempts: settings.retries + 1, error };
}
