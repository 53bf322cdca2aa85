/**
 * Everything a server's host checks ask it, in one round trip (issue 27): host-facts.sh (deploy dir, Docker,
 * disk, tools, which Compose) and in the same `sh -s` script `compose config -q` on the real files, which runs
 * while host-facts.sh does (compose-remote.ts). Read-only; the script and the files' contents travel on stdin.
 */
import type { Config } from '../config/config.js';
import type { Host } from '../hosts/host.js';
import { serverScript } from '../server/scripts.js';
import type { ComposeInputs } from './compose-config.js';
import { COMPOSE_STDERR, composeCheckScript, parseServerCompose, type ServerCompose } from './compose-remote.js';
import { parseProbe, type HostFacts } from './host-probe.js';

export interface ServerFacts {
  facts: HostFacts;
  compose: ServerCompose;
}

/** `inputs` undefined: Compose is only found (a compose file is missing locally, which is reported there). */
export async function serverFacts(
  host: Host,
  dir: string,
  config: Config,
  inputs: ComposeInputs | undefined,
): Promise<ServerFacts> {
  const { head, tail } = composeCheckScript(config, inputs);
  const script = Buffer.concat([head, Buffer.from(serverScript('host-facts.sh')), tail]);
  const r = await host.exec(['sh', '-s', dir, 'compose'], { stdin: script, timeoutMs: 60_000 });
  const marker = r.stderr.indexOf(`${COMPOSE_STDERR}\n`);
  const dockerStderr = marker === -1 ? r.stderr : r.stderr.slice(0, marker);
  const composeStderr = marker === -1 ? '' : r.stderr.slice(marker + COMPOSE_STDERR.length + 1);
  return {
    facts: parseProbe(r.stdout, dockerStderr, dir),
    compose: parseServerCompose(r.stdout, composeStderr, r.code, inputs),
  };
}
