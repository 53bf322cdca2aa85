/**
 * A place to deploy: the local Docker engine or a server over SSH. Everything later stages do on a
 * server goes through this interface, so plans and steps never care which one they run on.
 */
import type { Readable } from 'node:stream';
import { CommandFailedError } from './command-failed.js';
import type { ExecResult } from './exec-result.js';

export type { ExecResult };

export interface ExecOptions {
  /** Sent to the command's stdin, then stdin is closed. Secrets travel this way, never in argv. */
  stdin?: string | Buffer | Readable;
  onStdout?: (chunk: Buffer) => void;
  /**
   * Stdout piped here instead (not collected, no onStdout), with backpressure: while it is full the command's
   * output waits (over SSH, the channel's window stays closed). Ended when the command's stdout ends.
   */
  stdout?: NodeJS.WritableStream;
  /** false: stdout goes only to onStdout, not into the result (a large binary stream, e.g. a download). */
  keepStdout?: boolean;
  onStderr?: (chunk: Buffer) => void;
  /** Kill the command and fail with ExecTimeoutError after this long. */
  timeoutMs?: number;
  /** Stop the command when this signal aborts. */
  signal?: AbortSignal;
}

export interface TransferProgress {
  bytes: number;
  /** Total bytes when known. */
  total?: number;
  /** Bytes sent when they differ from `bytes` (compressed on the way). */
  sent?: number;
  /** What is being sent, when it is not all of it: `1 of 3 layers`. */
  note?: string;
}

export interface WriteOptions {
  /** Final permission bits (default 0o600). The temporary file is always created 0600. */
  mode?: number;
  onProgress?: (p: TransferProgress) => void;
}

export interface Host {
  /** How the host is named in output: `local`, `deploy@203.0.113.10`. */
  readonly label: string;
  readonly kind: 'local' | 'ssh';
  /** The verified host key (SSH only): type, fingerprint and what trusted it. */
  readonly hostKey?: { type: string; fingerprint: string; trustedBy: string };
  /** Run argv (quoted by the one quoting function where a shell is involved). */
  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /**
   * Write a file atomically: a temporary file in the same directory, created 0600, written, fsynced, then
   * renamed over the destination. The destination never exists half-written or with wider permissions.
   */
  writeFileAtomic(path: string, content: string | Buffer | Readable, options?: WriteOptions): Promise<void>;
  /** Upload a local file (atomically, with progress). */
  uploadFile(localPath: string, remotePath: string, options?: WriteOptions): Promise<void>;
  readFile(path: string): Promise<Buffer>;
  /** Absolute form of a deploy path; `~/x` resolves against the remote user's home. */
  resolvePath(path: string): Promise<string>;
  close(): Promise<void>;
}

/** Run and require exit 0; the error carries the first stderr line (never stdin). */
export async function execOk(host: Host, argv: readonly string[], options?: ExecOptions): Promise<ExecResult> {
  const result = await host.exec(argv, options);
  if (result.code !== 0) throw new CommandFailedError(host.label, argv, result);
  return result;
}
