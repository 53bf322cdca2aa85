/** Hosts in trouble: one that lost layers after it listed them, one whose `docker load` gets a corrupt stream. */
import { Readable, Transform } from 'node:stream';
import { HOST_LAYERS_SCRIPT } from '../../src/delivery/layers.js';
import type { ExecOptions, Host } from '../../src/hosts/host.js';

/** Lists the host's layers, runs `lose` (which removes some), and returns the host answering the old listing. */
export async function withStaleListing(host: Host, lose: () => void): Promise<Host> {
  const stale = (await host.exec(['sh', '-c', HOST_LAYERS_SCRIPT])).stdout;
  lose();
  const forgetful = Object.create(host) as Host;
  forgetful.exec = (argv: readonly string[], options?: ExecOptions) =>
    argv[2] === HOST_LAYERS_SCRIPT ? Promise.resolve({ code: 0, stdout: stale, stderr: '' }) : host.exec(argv, options);
  return forgetful;
}

/** Flips one byte of what docker load reads at `offset`: the gzip stream no longer checks out. */
export function corruptingLoads(inner: Host, offset: number): Host {
  const corrupting = Object.create(inner) as Host;
  corrupting.exec = (argv: readonly string[], options: ExecOptions = {}) => {
    if (argv[1] !== 'load' || !(options.stdin instanceof Readable)) return inner.exec(argv, options);
    let at = 0;
    const flip = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        if (at <= offset && offset < at + chunk.length) chunk[offset - at] = chunk[offset - at]! ^ 0xff;
        at += chunk.length;
        done(null, chunk);
      },
    });
    return inner.exec(argv, { ...options, stdin: options.stdin.pipe(flip) });
  };
  return corrupting;
}
