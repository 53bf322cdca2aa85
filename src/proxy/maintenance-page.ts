/**
 * Maintenance mode's page: the proxy serves this file with 503 while it exists (caddy-route.ts). The message
 * is the user's text, so every character HTML gives a meaning to is escaped; the page has no script at all.
 */

/** Seconds a client is asked to wait (Retry-After) while the app is in maintenance. */
export const MAINTENANCE_RETRY_AFTER = 120;
export const MAINTENANCE_MESSAGE_MAX = 2000;
const DEFAULT_MESSAGE = 'This site is down for maintenance. Please try again in a few minutes.';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Why a --message cannot be used (undefined: it can). */
export function messageProblem(message: string): string | undefined {
  if (message.trim() === '') return 'must not be empty';
  if (message.length > MAINTENANCE_MESSAGE_MAX) return `must be at most ${MAINTENANCE_MESSAGE_MAX} characters`;
  // Line breaks are paragraphs; other control characters have no place in a page.
  if (/[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f]/.test(message))
    return 'must not contain control characters';
  return undefined;
}

export function maintenancePage(message: string | undefined): string {
  const paragraphs = (message ?? DEFAULT_MESSAGE)
    .split(/\r?\n\s*\r?\n/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => `<p>${escapeHtml(p).replace(/\r?\n/g, '<br>')}</p>`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Down for maintenance</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:15vh auto;padding:0 1rem;color:#222}</style>
</head>
<body>
<h1>Down for maintenance</h1>
${paragraphs.join('\n')}
</body>
</html>
`;
}
