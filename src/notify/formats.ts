/** How each destination receives a notice: Slack's incoming-webhook JSON, the generic webhook, an email. */
import { detailLines, headline, type Notice } from './notice.js';

/** Slack escapes only these three in message text (api.slack.com "Formatting text for app surfaces"). */
const slackEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const ICON: Record<Notice['event'], string> = {
  deploy_succeeded: ':white_check_mark:',
  deploy_failed: ':x:',
  rolled_back: ':rewind:',
  rollback: ':rewind:',
  no_go: ':octagonal_sign:',
  backup_succeeded: ':floppy_disk:',
  backup_failed: ':x:',
  drift: ':warning:',
};

/**
 * Slack refuses a block whose text is over 3,000 characters, and with it the whole message
 * (api.slack.com/reference/block-kit/blocks#section): each block is cut to fit.
 */
export const SLACK_BLOCK_LIMIT = 3000;

/** An incoming webhook's payload: `text` (the notification's fallback) and the same as Block Kit blocks. */
export function slackPayload(n: Notice): Record<string, unknown> {
  const title = clip(`${ICON[n.event]} ${slackEscape(headline(n))}`, SLACK_BLOCK_LIMIT - 2);
  const details = detailLines(n).map(slackEscape);
  return {
    text: title,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${title}*` } },
      { type: 'section', text: { type: 'mrkdwn', text: fitHostLines(details.slice(0, -1)) || '(no hosts)' } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: clip(details.at(-1) ?? '', SLACK_BLOCK_LIMIT) }] },
    ],
  };
}

/** As many host lines as fit in one block, in order, then `… N more hosts` for the rest. */
function fitHostLines(lines: string[], limit = SLACK_BLOCK_LIMIT): string {
  const all = lines.join('\n');
  if (all.length <= limit) return all;
  // Room for the "more" line at its longest (every host left out), so whatever is kept still fits with it.
  const room = limit - `\n… ${lines.length} more hosts`.length;
  const kept: string[] = [];
  let used = 0;
  for (const line of lines) {
    const piece = clip(line, Math.min(room, 500));
    const cost = piece.length + (kept.length ? 1 : 0);
    if (used + cost > room) break;
    kept.push(piece);
    used += cost;
  }
  const rest = lines.length - kept.length;
  if (rest === 0) return kept.join('\n'); // every host shown, some cut short
  return [...kept, `… ${rest} more host${rest === 1 ? '' : 's'}`].join('\n');
}

/** Text cut to `max` characters, ending in "…" when cut (never inside a surrogate pair). */
function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  if (/[\uD800-\uDBFF]/.test(text.charAt(end - 1))) end--; // keep an emoji whole or leave it out
  return `${text.slice(0, end)}…`;
}

export function emailMessage(n: Notice): { subject: string; text: string } {
  return {
    subject: clip(`[gangway] ${headline(n)}`.replace(/\s*\n\s*/g, ' '), 200),
    text: `${headline(n)}\n\n${detailLines(n).join('\n')}\n\n${JSON.stringify(n, null, 2)}\n`,
  };
}
