/** `gangway logs` on a swarm target: `docker service logs` of each service of the stack (every task, on every node). */
import { ExitCode, GangwayError } from '../../errors.js';
import type { Host } from '../../hosts/host.js';
import type { LogsRequest } from '../strategy.js';

/** On the manager: the stack's services listed, the one asked for checked, one `docker service logs` each. */
export async function swarmLogCommands(host: Host, request: LogsRequest): Promise<string[][]> {
  const { app: stack, service, label } = request;
  const listed = await host.exec(
    ['docker', 'service', 'ls', '--filter', `label=com.docker.stack.namespace=${stack}`, '--format', '{{.Name}}'],
    { timeoutMs: 30_000 },
  );
  const names = listed.stdout.split('\n').filter(Boolean);
  if (names.length === 0)
    throw new GangwayError('E_NOTHING_DEPLOYED', ExitCode.failed, `${label}: the Swarm has no stack ${stack}`);
  const wanted = service ? [`${stack}_${service}`] : names;
  const unknown = wanted.filter((n) => !names.includes(n));
  if (unknown.length)
    throw new GangwayError(
      'E_NO_SERVICE',
      ExitCode.failed,
      `${label}: no service ${service} in the stack ${stack} ` +
        `(services: ${names.map((n) => n.slice(stack.length + 1)).join(', ')})`,
    );
  const follow = request.follow ? ['--follow'] : [];
  return wanted.map((name) => ['docker', 'service', 'logs', '--tail', String(request.tail), ...follow, name]);
}
