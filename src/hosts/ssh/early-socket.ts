/**
 * The TCP connection to a host opened before the SSH client is ready for it (issue 27): ssh2 takes ~35 ms of a
 * command's start to load and the keys and known_hosts a few more to read, while the server takes about as long
 * to start its side of the handshake (sshd starts a process per connection). Opened first, the two overlap. What
 * arrives before ssh2 takes the socket waits in it. A socket that failed or closed before then is not handed
 * over: ssh2 connects on its own instead, which ends as a connection without the early socket would have.
 */
import { connect, type Socket } from 'node:net';

export interface EarlySocket {
  /** The socket, when it is still usable; undefined: let ssh2 open its own. Called once. */
  take(): Socket | undefined;
  /** Not used after all (an error before the handshake). */
  discard(): void;
}

export function openEarlySocket(host: string, port: number): EarlySocket {
  const socket = connect({ host, port });
  let failed = false;
  // Until ssh2 has it, nothing else listens: an error must not be an unhandled 'error' event.
  const onError = () => (failed = true);
  const onClose = () => (failed = true);
  socket.on('error', onError).on('close', onClose);
  return {
    take() {
      socket.off('error', onError).off('close', onClose);
      if (!failed && !socket.destroyed && !socket.readableEnded) return socket;
      socket.destroy();
      return undefined;
    },
    discard: () => socket.destroy(),
  };
}
