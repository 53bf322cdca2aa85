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
