/**
 * The Minimum Failure Record's "first error line" (seed 003): from the failing release's own output, the
 * first line with a fatal pattern, else the first that looks like an error, else the last line.
 */
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07/g;
const ERRORISH = /error|fatal|panic|exception|traceback|denied|refused|not found|failed/i;

export function firstErrorLine(output: string | undefined, fatalPatterns: readonly string[]): string | undefined {
  if (!output) return undefined;
  const lines = output
    .split('\n')
    .map((l) => l.replace(ANSI, '').replace(/\r/g, '').trim())
    .filter((l) => l !== '');
  return (
    lines.find((l) => fatalPatterns.some((p) => l.includes(p))) ?? lines.find((l) => ERRORISH.test(l)) ?? lines.at(-1)
  );
}
