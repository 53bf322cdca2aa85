/** Turn a target's host spec into a connected Host. */
import type { SshSettings } from '../config/config.js';
import type { HostSpec } from '../config/hosts.js';
import type { Host } from './host.js';
import { LocalHost } from './local-host.js';
import { connectSsh, type ConnectOptions } from './ssh/connect.js';
import { SshHost } from './ssh/ssh-host.js';

export async function openHost(spec: HostSpec, ssh: SshSettings, options: ConnectOptions = {}): Promise<Host> {
  if (spec.kind === 'local') return new LocalHost();
  const connection = await connectSsh(
    { host: spec.host, ...(spec.user && { user: spec.user }), ...(spec.port && { port: spec.port }) },
    ssh,
    options,
  );
  return new SshHost(spec.label, connection, ssh.maxChannels);
}
