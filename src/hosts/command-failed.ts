import { ExitCode, GangwayError } from '../errors.js';
import type { ExecResult } from './exec-result.js';

/** A command on a host exited non-zero. Names the program, not the full argv (arguments may be long). */
export class CommandFailedError extends GangwayError {
  constructor(
    readonly host: string,
    argv: readonly string[],
    readonly result: ExecResult,
  ) {
    const firstLine = result.stderr
      .split('\n')
      .find((l) => l.trim() !== '')
      ?.trim();
    const status = result.code === null ? `killed by ${result.signal ?? 'a signal'}` : `exit ${result.code}`;
    super(
      'E_COMMAND_FAILED',
      ExitCode.failed,
      `${host}: ${argv.slice(0, 2).join(' ')} failed (${status})${firstLine ? `: ${firstLine}` : ''}`,
    );
  }
}
