/**
 * Ctrl-C (SIGINT) or SIGTERM during a deploy or rollback: the first asks the run to wind down (interruption.ts),
 * the second leaves at once as an uninterrupted process would (the signal is raised again without these handlers).
 */
import type { Interruption } from '../deploy/interruption.js';

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** Installs the handlers; returns their removal. */
export function interruptOnSignals(interruption: Interruption): () => void {
  const handler = (signal: NodeJS.Signals) => {
    if (interruption.requested === undefined) return interruption.request(signal);
    remove();
    process.kill(process.pid, signal);
  };
  const remove = () => {
    for (const s of SIGNALS) process.off(s, handler);
  };
  for (const s of SIGNALS) process.on(s, handler);
  return remove;
}
