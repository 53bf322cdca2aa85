/**
 * A run asked to stop (Ctrl-C, SIGTERM): the rollout starts no new wave or host, lets the hosts mid-apply finish
 * their gate, puts the moved hosts back as after a failure and releases every lock (rollout.ts, apply-plan.ts).
 * Asked once; a pause between waves ends early.
 */
export class Interruption {
  private why: string | undefined;
  private readonly listeners = new Set<(why: string) => void>();

  /** Why the run was interrupted, once it was. */
  get requested(): string | undefined {
    return this.why;
  }

  request(why: string): void {
    if (this.why !== undefined) return;
    this.why = why;
    for (const listener of this.listeners) listener(why);
    this.listeners.clear();
  }

  /** Called once when the run is interrupted (at once if it already was); returns an unsubscribe. */
  onRequest(listener: (why: string) => void): () => void {
    if (this.why !== undefined) {
      listener(this.why);
      return () => {};
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Waits `ms`, or less when the run is interrupted meanwhile. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        off();
        resolve();
      };
      const timer = setTimeout(done, ms);
      const off = this.onRequest(done);
    });
  }
}
