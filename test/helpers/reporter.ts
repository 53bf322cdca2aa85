/** A real Reporter that prints into memory, for the tests of what commands print. */
import { Writable } from 'node:stream';
import { Reporter, type ReporterOptions } from '../../src/output/reporter.js';

/**
 * Plain text (no colour, no TTY, not verbose) unless `options` say otherwise. `text()`: what went to stdout and to
 * stderr; `printed()`: both, in the order written, which `onText` also sees as it grows.
 */
export function capturedReporter(options: Partial<ReporterOptions> = {}, onText: (printed: string) => void = () => {}) {
  let stdout = '';
  let stderr = '';
  let printed = '';
  // Written synchronously: the text is there as soon as the reporter's call returns.
  const sink = (add: (chunk: string) => void) =>
    new Writable({
      write(chunk, _encoding, done) {
        add(String(chunk));
        onText((printed += String(chunk)));
        done();
      },
    });
  const reporter = new Reporter({
    json: false,
    color: false,
    interactive: false,
    verbose: 0,
    stdout: sink((c) => (stdout += c)),
    stderr: sink((c) => (stderr += c)),
    ...options,
  });
  return { reporter, text: () => ({ stdout, stderr }), printed: () => printed };
}
