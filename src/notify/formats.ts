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

/** An incoming webhook's payload: `text` (the notification's fallback) and the same as Block Kit blocks. */
export function slackPayload(n: Notice): Record<string, unknown> {
  const title = `${ICON[n.event]} ${slackEscape(headline(n))}`;
  const details = detailLines(n).map(slackEscape);
  return {
    text: title,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${title}*` } },
      { type: 'section', text: { type: 'mrkdwn', text: details.slice(0, -1).join('\n') || '(no hosts)' } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: details.at(-1) ?? '' }] },
    ],
  };
}

export function emailMessage(n: Notice): { subject: string; text: string } {
  return {
    subject: `[gangway] ${headline(n)}`.replace(/\s*\n\s*/g, ' ').slice(0, 200),
    text: `${headline(n)}\n\n${detailLines(n).join('\n')}\n\n${JSON.stringify(n, null, 2)}\n`,
  };
}
