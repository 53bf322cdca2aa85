/**
 * The CLI entry point and the one place where errors become exit codes.
 */
import { CommanderError } from 'commander';
import { ExitCode, isGangwayError } from '../errors.js';
import { Reporter } from '../output/reporter.js';
import { Scrubber } from '../redact/scrubber.js';
import { colorWanted } from '../output/style.js';
import { maskCommand, underGithubActions } from '../output/github-actions.js';
import { createProgram } from './program.js';

export async function main(argv: string[]): Promise<void> {
  // `gangway … | head`: a reader that went away is not an error worth a stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
  process.exitCode = await run(argv);
}

export async function run(argv: string[]): Promise<number> {
  // Global flags are read before parsing so that even usage errors come out in the requested form.
  const json = argv.includes('--json');
  const scrubber = new Scrubber();
  const githubActions = underGithubActions();
  // Masks reach the runner before any line that could hold the secret: the scrubber announces each as it learns it.
  // Under --json they go to stderr (the runner reads both), so stdout stays one JSON document.
  const commands = json ? process.stderr : process.stdout;
  if (githubActions) scrubber.onNewSecret = (form) => commands.write(`${maskCommand(form)}\n`);
  const reporter = new Reporter({
    githubActions,
    scrub: scrubber.scrub,
    json,
    color: colorWanted(json ? process.stderr : process.stdout, argv.includes('--no-color') ? false : undefined),
    interactive: process.stderr.isTTY === true && !json,
    verbose: verbosity(argv),
  });
  const program = createProgram(reporter, scrubber);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  } catch (e) {
    return report(e, reporter);
  }
}

function report(e: unknown, reporter: Reporter): number {
  if (e instanceof CommanderError) {
    // Commander has already printed help or the usage error. Help asked for is success; help printed because the
    // command is incomplete (`gangway lock` without status/release) is a usage error (commander exits 1 there).
    const ok =
      e.code === 'commander.helpDisplayed' ||
      e.code === 'commander.version' ||
      (e.code === 'commander.help' && e.exitCode === 0);
    if (!ok && reporter.json) reporter.result({ ok: false, error: { code: 'E_USAGE', message: e.message } });
    return ok ? ExitCode.ok : ExitCode.usage;
  }
  if (isGangwayError(e)) {
    reporter.error(e.message, e.hints, e.code);
    if (reporter.verbose > 0 && e.cause instanceof Error) reporter.debug(`cause: ${e.cause.stack ?? e.cause.message}`);
    reporter.result({ ok: false, ...e.details, error: { code: e.code, message: e.message, hints: e.hints } });
    return e.exitCode;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  reporter.error(`unexpected error: ${err.message}`, [
    'this is a bug in gangway; run again with -v for details and report it',
  ]);
  reporter.debug(err.stack ?? '');
  reporter.result({ ok: false, error: { code: 'E_INTERNAL', message: err.message } });
  return ExitCode.failed;
}

/** -v, --verbose and -vv (commander reads -vv as -v -v), counted up to `--` (after it come a command's own words). */
export function verbosity(argv: readonly string[]): number {
  const end = argv.indexOf('--');
  const own = end === -1 ? argv : argv.slice(0, end);
  return own.reduce((n, a) => n + (a === '--verbose' ? 1 : /^-v+$/.test(a) ? a.length - 1 : 0), 0);
}
