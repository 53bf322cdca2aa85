/** A host that lost layers after it listed them (between check and deploy, or a prune during the deploy). */
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
