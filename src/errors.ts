/**
 * Typed errors with a stable `code`. The CLI's entry point is the one place that turns them into exit codes
 * (see cli/main.ts); everything else throws.
 */

import type { ErrorCode } from './error-codes.js';

/** Exit codes of SPEC.md. */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  preflight: 3,
  lockHeld: 4,
  /** Ctrl-C or SIGTERM: the run wound down (128 + SIGINT, as a shell reports it). */
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface GangwayErrorOptions {
  cause?: unknown;
  /** Extra lines shown under the message (hints, lists); never secret values. */
  hints?: string[];
  /** Structured detail for --json output (e.g. the checklist of a failed preflight). */
  details?: Record<string, unknown>;
}

export class GangwayError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: ExitCode;
  readonly hints: string[];
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, exitCode: ExitCode, message: string, options: GangwayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
    this.hints = options.hints ?? [];
    if (options.details) this.details = options.details;
  }
}

/** Bad flags or arguments on the command line. */
export class UsageError extends GangwayError {
  constructor(message: string, options?: GangwayErrorOptions) {
    super('E_USAGE', ExitCode.usage, message, options);
  }
}

/** One problem in gangway.yml (or another input file), located by file:line:col and key path. */
export interface ConfigProblem {
  file: string;
  line?: number;
  col?: number;
  /** Dotted key path, e.g. `targets.prod.hosts[0]`. */
  key?: string;
  message: string;
}

export function formatProblem(p: ConfigProblem): string {
  const where = [p.file, p.line, p.line === undefined ? undefined : p.col].filter((x) => x !== undefined).join(':');
  return `${where}${p.key ? ` ${p.key}` : ''}: ${p.message}`;
}

export class ConfigError extends GangwayError {
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[], options?: GangwayErrorOptions) {
    const head =
      problems.length === 1
        ? formatProblem(problems[0]!)
        : `${problems.length} problems in ${problems[0]?.file ?? 'configuration'}`;
    super('E_CONFIG', ExitCode.usage, head, {
      ...options,
      hints: problems.length === 1 ? options?.hints : [...problems.map(formatProblem), ...(options?.hints ?? [])],
    });
    this.problems = problems;
  }
}

/** SSH or local-engine connection failures: unreachable, timeout, authentication, host key. */
export class ConnectionError extends GangwayError {
  constructor(code: ErrorCode, message: string, options?: GangwayErrorOptions) {
    super(code, ExitCode.failed, message, options);
  }
}

/** The host key is unknown (not pinned, not in known_hosts) — refused unless accepted explicitly. */
export class UnknownHostKeyError extends ConnectionError {
  constructor(
    readonly host: string,
    readonly fingerprint: string,
    readonly keyType: string,
  ) {
    super('E_HOST_KEY_UNKNOWN', `host key of ${host} is not known (${keyType} ${fingerprint})`, {
      hints: [
        'verify the fingerprint with the server owner (on the server: ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub), ' +
          'then',
        `either pin it in gangway.yml (targets.<name>.ssh.fingerprint: "${fingerprint}") or run again with ` +
          `--accept-new-host-key`,
      ],
    });
  }
}

/** The host presented a key that differs from the known or pinned one. Never accepted automatically. */
export class ChangedHostKeyError extends ConnectionError {
  constructor(
    readonly host: string,
    readonly fingerprint: string,
    readonly keyType: string,
    reason: string,
  ) {
    super(
      'E_HOST_KEY_CHANGED',
      `HOST KEY OF ${host} HAS CHANGED or is revoked: refusing to connect (${keyType} ${fingerprint}; ${reason})`,
      {
        hints: [
          'someone could be intercepting the connection, or the server was reinstalled.',
          'if the change is expected, remove the old entry (ssh-keygen -R <host>) or update the pinned fingerprint.',
        ],
      },
    );
  }
}

export class ExecTimeoutError extends GangwayError {
  constructor(host: string, what: string, timeoutMs: number) {
    super('E_EXEC_TIMEOUT', ExitCode.failed, `${host}: ${what} did not finish within ${timeoutMs} ms`);
  }
}

/** Preflight found failures (exit 3). */
export class PreflightError extends GangwayError {
  constructor(message: string, options?: GangwayErrorOptions) {
    super('E_PREFLIGHT', ExitCode.preflight, message, options);
  }
}

export function isGangwayError(e: unknown): e is GangwayError {
  return e instanceof GangwayError;
}
