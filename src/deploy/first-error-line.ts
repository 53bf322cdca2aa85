/**
 * The Minimum Failure Record's "first error line" (seed 003): the failing step's own error when apply.sh
 * wrote one (the first line of failure.log, marked: an HTTP check's or the proxy probe's last answer); else,
 * from the failing release's own output, the first line with a fatal pattern, else the first that looks like
 * an error, else the last line.
 */
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07/g;
/** apply.sh's mark on the failing step's own error (only ever the first line of failure.log). */
export const STEP_ERROR_MARK = '::gangway-step-error:: ';
const ERRORISH = /error|fatal|panic|exception|traceback|denied|refused|not found|failed/i;

export function firstErrorLine(output: string | undefined, fatalPatterns: readonly string[]): string | undefined {
  if (!output) return undefined;
  const lines = output
    .split('\n')
    .map((l) => l.replace(ANSI, '').replace(/\r/g, '').trim())
    .filter((l) => l !== '');
  if (lines[0]?.startsWith(STEP_ERROR_MARK.trim())) {
    const own = lines[0].slice(STEP_ERROR_MARK.trim().length).trim();
    if (own) return own;
    lines.shift();
  }
  return (
    lines.find((l) => fatalPatterns.some((p) => l.includes(p))) ?? lines.find((l) => ERRORISH.test(l)) ?? lines.at(-1)
  );
}
