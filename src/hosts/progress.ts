import { Transform } from 'node:stream';
import type { TransferProgress } from './host.js';

/** A pass-through stream that reports bytes seen (at most every 100 ms, and once at the end). */
export function progressCounter(onProgress: ((p: TransferProgress) => void) | undefined, total?: number): Transform {
  let bytes = 0;
  let last = 0;
  const report = () => onProgress?.({ bytes, ...(total !== undefined && { total }) });
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      const now = Date.now();
      if (now - last >= 100) {
        last = now;
        report();
      }
      done(null, chunk);
    },
    flush(done) {
      report();
      done();
    },
  });
}
