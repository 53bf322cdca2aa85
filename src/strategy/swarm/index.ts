/**
 * Swarm (`engine: swarm`): `docker stack deploy` on one manager, Swarm's own rolling update, convergence and
 * the health gate, `docker service rollback` on failure (swarm.sh on the server). No Compose on the manager.
 */
import { readFile } from 'node:fs/promises';
import type { Config } from '../../config/config.js';
import type { ComposeFile } from '../../compose/compose-file.js';
import type { SwarmApply } from '../../plan/plan-types.js';
import { chooseManager, NO_COMPOSE } from '../../swarm/manager.js';
import { defaultsFile, planStack } from '../../swarm/stack-plan.js';
import { readSwarmStatus } from '../../swarm/status.js';
import { healthSummary, tagText, uploadedCompose } from '../plan-text.js';
import type { Strategy } from '../strategy.js';
import { swarmLogCommands } from './logs.js';
import { swarmDoes } from './plan-lines.js';
import { swarmChecks } from './preflight.js';
import { SWARM_DATA, swarmRelease } from './release.js';

export const swarm: Strategy<'swarm'> = {
  name: 'swarm',
  planApply: (input) => {
    const { config, tag, releaseId } = input;
    const apply = swarmApply(config, uploadedCompose(input));
    return {
      kind: 'apply',
      title: 'apply detached on the Swarm manager: docker stack deploy, convergence, health gate, rollback on failure',
      health: config.health,
      keep: config.keep,
      strategy: 'swarm',
      swarm: apply,
      does: swarmDoes(config, apply, tagText(tag), healthSummary(config.health), releaseId),
    };
  },
  // Read once, like the compose files: the bytes uploaded are the bytes planned.
  readObjects: async (step) => {
    const local = step.swarm.stack.objects.filter((o) => o.localPath !== undefined);
    const contents = await Promise.all(local.map((o) => readFile(o.localPath!)));
    return new Map(local.map((o, i) => [`${o.kind}-${o.key}`, contents[i]!]));
  },
  // One manager deploys: the CLI put the first reachable one first (swarm/manager.ts).
  deployHosts: (hosts) => hosts.slice(0, 1),
  // `docker stack deploy --resolve-image always` pins the tag's digest itself; swarm.sh records it per service
  // (swarm-images, the record's image_digest) and a rollback or env-only deploy pins it again (swarm-pins.yml),
  // so a tag pushed again since does not change what they run.
  pullsByDigest: false,
  composeStandIn: NO_COMPOSE,
  // Convergence and gate of the release, then of the rollback, each within the health timeout.
  deadlineMs: (step) => 4 * step.health.timeoutMs + 5 * 60_000,
  release: (step, env) => swarmRelease(step.swarm, env),
  kept: { flag: 'swarm', files: SWARM_DATA },
  // The stack as the manager sees it; Compose holds none of it (no containers to list, no drift to read).
  readStatus: async (host, _stateDir, config) => ({
    swarm: await readSwarmStatus(host, config.app, config.health.fatalLogs),
  }),
  chooseManager,
  refusesServiceCommands: (target) => `not supported for swarm targets yet (targets.${target.name}.engine is swarm)`,
  logCommands: swarmLogCommands,
  // A Swarm manager runs `docker stack deploy`, not Compose: its own checks instead.
  hostChecks: (host, config, dir) => ({ engine: host.resolvePath(dir).then((d) => swarmChecks(host, config, d)) }),
};

function swarmApply(config: Config, files: ComposeFile[]): SwarmApply {
  const stack = planStack(config.app, files);
  const registry = config.image?.registry;
  return {
    stack,
    defaultsFile: defaultsFile(stack),
    registryAuth: config.image?.delivery === 'registry' && !!registry?.username && !!registry.password_env,
    resolveImage: !config.image || config.image.delivery === 'registry' ? 'always' : 'never',
  };
}
