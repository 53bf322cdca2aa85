/**
 * The one entry point the commands call: pick the event `notify.on` asks for, scrub the notice, send it, and
 * report each destination (a failure is a warning; the command's result and exit code stay as they were).
 */
import type { Config, NotifyEvent } from '../config/config.js';
import type { Reporter } from '../output/reporter.js';
import { scrubDeep, type Scrubber } from '../redact/scrubber.js';
import { Secret } from '../redact/secret.js';
import { chooseEvent, type Notice } from './notice.js';
import { destinationSecrets, sendNotice, type SendResult } from './send.js';

export interface NotifyContext {
  reporter: Reporter;
  scrubber: Scrubber;
  env?: NodeJS.ProcessEnv;
}

/** `candidates`: the events this outcome is, most specific first (a rolled-back deploy is also a failed one). */
export async function notify(
  ctx: NotifyContext,
  config: Config,
  candidates: readonly NotifyEvent[],
  content: Omit<Notice, 'version' | 'event' | 'time'>,
): Promise<SendResult[]> {
  const settings = config.notify;
  const event = settings && chooseEvent(candidates, settings.on);
  if (!settings || !event) return [];
  const env = ctx.env ?? process.env;
  for (const d of settings.to)
    for (const value of destinationSecrets(d, env)) ctx.scrubber.add(new Secret(value, 'notification destination'));
  const notice = scrubDeep(
    { version: 1, event, ...content, time: new Date().toISOString() } satisfies Notice,
    ctx.scrubber.scrub,
  ) as Notice;
  const results = await sendNotice(settings, notice, { env });
  for (const r of results) {
    if (r.ok) ctx.reporter.item('ok', `notified ${r.destination}`, event);
    else
      ctx.reporter.warn(
        `notification ${event} to ${r.destination} failed` +
          `${r.attempts > 0 ? ` after ${r.attempts} attempt${r.attempts === 1 ? '' : 's'}` : ''}: ${r.error}` +
          ' (the outcome above stands)',
      );
  }
  return results;
}
