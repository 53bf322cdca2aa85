/**
 * The CLI runs a test file starts in the background: whatever still runs when the file ends (a test failed or timed
 * out before it waited for its run) is killed, so it neither keeps working on a shared, loaded machine nor holds the
 * file's process open. Call `killChildren` from the file's `after`, before its projects are cleaned up.
 */
import type { ChildProcess } from 'node:child_process';

const running = new Set<ChildProcess>();

/** `child`, remembered until it exits. */
export function tracked<T extends ChildProcess>(child: T): T {
  running.add(child);
  child.on('exit', () => running.delete(child));
  return child;
}

/** SIGKILL every tracked child still running. */
export function killChildren(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

/**
 * `child`, SIGKILLed if it is still running after `limitMs` (default 10 min, the backstop of every gangway() run):
 * a CLI stuck in the very path a test exercises (a reconnect, a Ctrl-C, a recovery) then ends with code null and
 * fails that test by name, instead of holding the whole run until CI's own limit.
 */
export function bounded<T extends ChildProcess>(child: T, limitMs = 600_000): T {
  const limit = setTimeout(() => child.kill('SIGKILL'), limitMs).unref();
  child.on('exit', () => clearTimeout(limit));
  return child;
}
