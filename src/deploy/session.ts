/**
 * One host's connection for a whole run, replaceable: when SSH drops, `reconnect()` opens a new one and every
 * step (and the lock's heartbeat) goes on with it. `retrying()` runs an idempotent step again after a drop.
 */
import { ExitCode, GangwayError } from '../errors.js';
import type { Host } from '../hosts/host.js';

export interface SessionEvents {
  onLog(line: string): void;
}

const RETRIES = 3;
const RECONNECT_ATTEMPTS = 10;

export class HostSession {
  private current: Host | undefined;
  private reconnecting: Promise<Host> | undefined;

  constructor(
    readonly label: string,
    private readonly openHost: () => Promise<Host>,
    private readonly reopenHost: () => Promise<Host>,
    private readonly events: SessionEvents,
  ) {}

  get host(): Host {
    if (!this.current) throw new Error(`${this.label}: not connected`);
    return this.current;
  }

  async open(): Promise<Host> {
    this.current = await this.openHost();
    return this.current;
  }

  /** Whether the connection still answers (a failed step on a live connection is a real failure). */
  async alive(): Promise<boolean> {
    try {
      return (await this.host.exec(['true'], { timeoutMs: 5_000 })).code === 0;
    } catch {
      return false;
    }
  }

  /**
   * A new connection after the old one broke, with a growing pause between attempts. Steps that run at once and
   * both see the drop share one reconnect (a second would close the first's new connection).
   */
  reconnect(cause: Error): Promise<Host> {
    this.reconnecting ??= this.connectAgain(cause).finally(() => (this.reconnecting = undefined));
    return this.reconnecting;
  }

  private async connectAgain(cause: Error): Promise<Host> {
    this.events.onLog(`connection lost (${cause.message}); reconnecting`);
    for (let attempt = 1; attempt <= RECONNECT_ATTEMPTS; attempt++) {
      await new Promise((r) => setTimeout(r, Math.min(500 * attempt, 5_000)));
      try {
        this.current = await this.reopenHost();
        this.events.onLog('reconnected');
        return this.current;
      } catch {
        // the next attempt waits longer
      }
    }
    throw new GangwayError(
      'E_CONNECTION_LOST',
      ExitCode.failed,
      `${this.label}: connection lost and not regained (${cause.message})`,
      { cause },
    );
  }

  /** Run an idempotent step; when it fails because the connection dropped, reconnect and run it again. */
  async retrying<T>(work: (host: Host) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work(this.host);
      } catch (e) {
        if (attempt >= RETRIES || (await this.alive())) throw e;
        await this.reconnect(e as Error);
      }
    }
  }
}
