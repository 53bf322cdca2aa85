/**
 * Run a command inside a compose service's running container on one host (`gangway exec`, hooks `on: service`):
 * `docker exec` on the container service-container.sh finds (the colour in service with blue/green). No TTY
 * and no stdin: output is captured line by line for prefixing and masking.
 */
import { ExitCode, GangwayError } from '../errors.js';
import type { ExecOptions, ExecResult, Host } from '../hosts/host.js';
import type { RemoteLayout } from '../server/layout.js';
import { runScript } from '../server/scripts.js';

export async function serviceContainer(host: Host, layout: RemoteLayout, app: string, service: string) {
  const r = await host.exec(runScript('service-container.sh', [layout.state, app, service]), { timeoutMs: 30_000 });
  const id = r.stdout.trim();
  if (r.code !== 0 || !/^[0-9a-f]{12,64}$/.test(id))
    throw new GangwayError(
      'E_NO_SERVICE_CONTAINER',
      ExitCode.failed,
      `${host.label}: ${r.stderr.trim() || `no running container of service ${service}`}`,
    );
  return id;
}

/** `env`: names and values that are not secrets (GANGWAY_* of a hook); they travel in docker's argv. */
export async function execInService(
  host: Host,
  layout: RemoteLayout,
  app: string,
  service: string,
  argv: readonly string[],
  env: Record<string, string>,
  options: Pick<ExecOptions, 'onStdout' | 'onStderr' | 'timeoutMs' | 'signal'>,
): Promise<ExecResult> {
  const id = await serviceContainer(host, layout, app, service);
  const envArgs = Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  return host.exec(['docker', 'exec', ...envArgs, id, ...argv], options);
}
