/**
 * `gangway check` on a swarm target's manager (instead of the Compose checks): it is a manager, its nodes are
 * ready, the docker CLI has `docker stack`, the secrets and configs to read on the manager are there, and an
 * image delivered to the manager alone can reach the other nodes. Read-only.
 */
import { posix } from 'node:path';
import { fail, ok, warn, type CheckItem } from '../../checklist.js';
import { loadComposeFiles } from '../../compose/compose-file.js';
import type { Config } from '../../config/config.js';
import type { Host } from '../../hosts/host.js';
import { planStack } from '../../swarm/stack-plan.js';
import { describeNodes, readSwarmStatus } from '../../swarm/status.js';

export async function swarmChecks(host: Host, config: Config, dir: string): Promise<CheckItem[]> {
  const [status, objects] = await Promise.all([
    readSwarmStatus(host, config.app, undefined),
    serverObjects(host, config, dir),
  ]);
  const items: CheckItem[] = [];
  items.push(
    status.manager
      ? ok('Swarm', `node ${status.node} is a manager`)
      : fail('Swarm', `node ${status.node || '?'} is not a Swarm manager: \`docker stack deploy\` needs one`),
  );
  const ready = status.nodes.filter((n) => n.status === 'Ready').length;
  const nodes = describeNodes(status.nodes);
  items.push(
    ready === 0 ? fail('nodes', nodes) : ready < status.nodes.length ? warn('nodes', nodes) : ok('nodes', nodes),
  );
  items.push(
    status.client
      ? ok('docker stack', `docker CLI ${status.client}`)
      : fail('docker stack', 'no docker CLI on this manager'),
  );
  items.push(...objects);
  const delivery = config.image?.delivery;
  if (delivery && delivery !== 'registry' && status.nodes.length > 1)
    items.push(
      warn(
        'image delivery',
        `image.delivery ${delivery} puts the image on this manager only: tasks on the other ` +
          `${status.nodes.length - 1} node(s) need it from a registry (or a placement on this node)`,
      ),
    );
  return items;
}

/** The secrets and configs swarm.sh takes from `<dir>` on the manager (those not found on this machine). */
async function serverObjects(host: Host, config: Config, dir: string): Promise<CheckItem[]> {
  const { files } = await loadComposeFiles(config.compose, config.baseDir);
  const remote = planStack(config.app, files).objects.filter((o) => o.localPath === undefined);
  return Promise.all(
    remote.map(async (o) => {
      const path = posix.join(dir, o.file);
      const r = await host.exec(['test', '-r', path], { timeoutMs: 20_000 });
      return r.code === 0
        ? ok(`${o.kind} ${o.key}`, `${path} (read on the manager)`)
        : fail(`${o.kind} ${o.key}`, `${path} is missing on the manager, and ${o.file} is not on this machine`);
    }),
  );
}
