/**
 * The apply step of a swarm target: what the plan says and carries for swarm.sh on the manager. Built from the
 * compose files as they will be uploaded (stack-plan.ts decides the defaults and the versioned objects).
 */
import { posix } from 'node:path';
import type { Config } from '../../config/config.js';
import type { DeployPlan, SwarmApply } from '../../plan/plan-types.js';
import type { Scrubber } from '../../redact/scrubber.js';
import { Secret } from '../../redact/secret.js';
import { describeDefaults } from '../../swarm/stack-plan.js';

/** The lines of the apply step in a plan (and `--dry-run`). */
export function swarmDoes(config: Config, swarm: SwarmApply, tagText: string, gate: string, releaseId: string) {
  const { stack } = swarm;
  const seconds = Math.round(config.health.timeoutMs / 1000);
  return [
    `on the first reachable Swarm manager of the target: back up <dir>/.env; put the release in place`,
    ...stack.objects.map((o) => {
      const from = o.localPath
        ? `${o.file} from this machine (0600 in the release)`
        : `${posix.join('<dir>', o.file)} on the manager`;
      return (
        `${o.kind} ${o.key}: ${from} → ${stack.stack}_${o.key}_<sha256 of it, 12 hex> ` +
        '(the old one kept until the update completes)'
      );
    }),
    ...(stack.defaults.length
      ? stack.defaults.map((d) => `defaults added (no update_config in the compose files): ${describeDefaults(d)}`)
      : ['no update defaults added: every service sets its own update_config']),
    ...stack.notes,
    `IMAGE_TAG=${tagText} docker stack deploy -c <compose files> -c swarm-defaults.yml ` +
      `${stack.objects.length ? '-c swarm-names.yml ' : ''}` +
      `--resolve-image ${swarm.resolveImage} ${swarm.registryAuth ? '--with-registry-auth ' : ''}${stack.stack} ` +
      '(env values in its environment only)',
    ...(swarm.resolveImage === 'always'
      ? [
          'images: each service runs the digest its tag names in the registry at this deploy (recorded); a ' +
            'rollback or env-only deploy runs the digests its release ran (-c swarm-pins.yml), wherever the tag ' +
            'moved since',
        ]
      : []),
    `converge within ${seconds}s: each service this deploy updated reports UpdateStatus completed after it ` +
      '(rollback_* or paused: failed); every running task on the new image, replicas as desired',
    `health gate within ${seconds}s, from the manager: ${gate}`,
    `pass: last_good_tag; old secret/config versions and services the release no longer has removed; keep ` +
      `${config.keep} good tags`,
    'fail: `docker service rollback` of every service this deploy updated (unless Swarm rolled it back already), ' +
      'services it created removed, converged and gated again',
    `record: <dir>/.gangway/releases.jsonl (strategy swarm, each service's update state and image); log: ` +
      `<dir>/.gangway/runs/${releaseId}.log`,
  ];
}

/** The secrets read from this machine for a swarm deploy are secrets of the run: every output masks them. */
export function registerSwarmSecrets(scrubber: Scrubber, plan: DeployPlan): void {
  for (const [name, content] of plan.payload.swarmObjects)
    if (name.startsWith('secret-')) scrubber.add(new Secret(content.toString('utf8'), name.slice('secret-'.length)));
}
