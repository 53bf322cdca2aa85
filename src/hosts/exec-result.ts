/** What a command on a host gave back: a leaf, so that host.ts and the error for a failed command share it. */
export interface ExecResult {
  /** Exit code; null when the command was killed by a signal. */
  code: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
}
