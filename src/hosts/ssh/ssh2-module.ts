/**
 * ssh2, loaded when a connection needs it rather than with the command's other modules: it is the largest part of
 * a command's start (~35 ms), and a connection's TCP handshake can be under way meanwhile (early-socket.ts).
 * Commands that never connect (`--version`, `init`, a local target) do not load it at all.
 */
import type Ssh2 from 'ssh2';

let loading: Promise<typeof Ssh2> | undefined;

export function loadSsh2(): Promise<typeof Ssh2> {
  loading ??= import('ssh2').then((m) => m.default);
  return loading;
}
