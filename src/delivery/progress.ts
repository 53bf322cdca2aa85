/** Byte counters for a delivery: bytes read (uncompressed) and bytes sent, reported at most every 100 ms. */
import { Transform } from 'node:stream';
import type { DeliveryProgress } from './delivery.js';

export class ProgressMeter {
  bytes = 0;
  sent = 0;
  private last = 0;

  constructor(
    private readonly onProgress: ((p: DeliveryProgress) => void) | undefined,
    private readonly total?: number,
  ) {}

  /** A pass-through stream that counts what goes through as read bytes. */
  countRead(): Transform {
    return counting((n) => {
      this.bytes += n;
      this.tick();
    });
  }

  /** A pass-through stream that counts what goes through as sent bytes. */
  countSent(): Transform {
    return counting((n) => {
      this.sent += n;
      this.tick();
    });
  }

  /** The final report (always sent, whatever the time since the last one). */
  finish(): void {
    this.emit();
  }

  private tick(): void {
    const now = Date.now();
    if (now - this.last < 100) return;
    this.last = now;
    this.emit();
  }

  private emit(): void {
    this.onProgress?.({ bytes: this.bytes, sent: this.sent, ...(this.total !== undefined && { total: this.total }) });
  }
}

function counting(count: (n: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      count(chunk.length);
      done(null, chunk);
    },
  });
}
