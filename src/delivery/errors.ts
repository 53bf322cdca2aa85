/** Errors of image delivery: each names the image and the host, and carries a stable code. */
import { ExitCode, GangwayError, type GangwayErrorOptions } from '../errors.js';
import type { ExecResult } from '../hosts/host.js';

export type DeliveryErrorCode =
  | 'E_REGISTRY_LOGIN' // docker login on the host failed
  | 'E_IMAGE_PULL' // docker pull on the host failed
  | 'E_IMAGE_SOURCE' // the local side: archive unreadable, `docker save` failed, build context unreadable
  | 'E_IMAGE_ARCHIVE' // the archive is not a docker image tar, or does not say which image it holds
  | 'E_IMAGE_LOAD' // docker load on the host failed
  | 'E_IMAGE_BUILD' // docker build on the host failed
  | 'E_IMAGE_MISSING' // the host has no image after the step that should have put it there
  | 'E_IMAGE_PLATFORM' // the image is built for another os/architecture than the host's engine
  | 'E_IMAGE_MISMATCH'; // the host's image is not the one that was sent

/** Refusals: the host cannot take the image, found before anything the app runs changed (exit 3, as preflight). */
const REFUSALS: ReadonlySet<DeliveryErrorCode> = new Set(['E_IMAGE_PLATFORM']);

export class DeliveryError extends GangwayError {
  declare readonly code: DeliveryErrorCode;
  constructor(code: DeliveryErrorCode, message: string, options?: GangwayErrorOptions) {
    super(code, REFUSALS.has(code) ? ExitCode.preflight : ExitCode.failed, message, options);
  }
}

/** The image on the host differs from the expected one (a tampered archive, an image that changed while saved). */
export class ImageMismatchError extends DeliveryError {
  constructor(
    message: string,
    readonly expected: string,
    readonly actual: string | undefined,
    options?: GangwayErrorOptions,
  ) {
    super('E_IMAGE_MISMATCH', message, {
      ...options,
      details: { expected, actual: actual ?? null, ...options?.details },
    });
  }
}

const NOT_THE_ERROR = [
  /^DEPRECATED: The legacy builder/,
  /^Install the buildx component/,
  /^https:\/\/docs\.docker\.com\/go\/buildx/,
];

const MAX_ERROR_LINE = 400;

/**
 * One line of a command's output for an error message: the first non-empty line of stderr (else stdout), or the
 * last one (`docker build` ends with its error), trimmed, passed through `mask`, capped. Masked before the cut:
 * a cut through a secret would leave a prefix the scrubber no longer recognises. Docker's legacy-builder
 * deprecation banner is skipped: it is never the error.
 */
export function errorLine(
  result: Pick<ExecResult, 'stderr' | 'stdout'>,
  options: { last?: boolean; mask?: (s: string) => string } = {},
): string | undefined {
  for (const text of [result.stderr, result.stdout]) {
    const lines = text
      .split(/\r?\n|\r/)
      .map((l) => l.trim())
      .filter((l) => l !== '' && !NOT_THE_ERROR.some((re) => re.test(l)));
    const line = options.last ? lines.at(-1) : lines[0];
    if (line) {
      const masked = options.mask ? options.mask(line) : line;
      return masked.length > MAX_ERROR_LINE ? `${masked.slice(0, MAX_ERROR_LINE)}…` : masked;
    }
  }
  return undefined;
}

/** `exit 1` / `killed by SIGKILL`. */
export function exitStatus(result: Pick<ExecResult, 'code' | 'signal'>): string {
  return result.code === null ? `killed by ${result.signal ?? 'a signal'}` : `exit ${result.code}`;
}
