/**
 * Building the deploy plan (plan/plan-types.ts): plain data saying, per host, which steps run and with what.
 * `--dry-run` prints exactly this, and the executor (apply-plan.ts) runs exactly this, step by step
 * (steps/*.ts). Building it reads each local file once — the bytes uploaded are the bytes hashed — and
 * touches no server.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { composeUploadNames } from '../check/compose-config.js';
import { buildSource } from '../compose/build-context.js';
import type { Config, Target } from '../config/config.js';
import type { Operation } from '../server/records.js';
import { quoteArgv } from '../shell/quote.js';
import { strategyFor } from '../strategy/index.js';
import {
  PlanPayload,
  type ApplyStep,
  type Delivery,
  type DeployPlan,
  type PlannedFile,
  type PlanStep,
  type PlanTag,
  type ReleaseStep,
} from '../plan/plan-types.js';
import type { BuildPlan } from '../image-build/local-build.js';

export interface PlanInput {
  config: Config;
  target: Target;
  operation: Operation;
  tag: PlanTag;
  releaseId: string;
  who: string;
  /** Default: the release id. */
  rolloutId?: string;
  build?: BuildPlan;
  /** deploy --end-maintenance (apps behind the proxy). */
  endMaintenance?: boolean;
}

export async function buildPlan(input: PlanInput): Promise<DeployPlan> {
  const { config, target, operation, tag, releaseId } = input;
  const names = composeUploadNames(config.compose);
  const composeBytes = await Promise.all(config.compose.map((path) => readFile(path)));
  const composeFiles = config.compose.map((localPath, i) => planned(names[i]!, localPath, composeBytes[i]!));
  const envBytes = config.env && operation !== 'rollback' ? await readFile(config.env.file) : undefined;
  const env = envBytes && config.env ? planned('.env', config.env.file, envBytes) : undefined;
  const strategy = strategyFor(config, target);
  const apply = strategy.planApply({
    config,
    tag,
    releaseId,
    composeFiles,
    composeBytes,
    ...(input.endMaintenance && { endMaintenance: true }),
  });
  const pullsByDigest = !!input.build?.push && strategy.pullsByDigest;
  const steps = hostSteps(config, operation, tag, releaseId, composeFiles, env, apply, pullsByDigest);
  const deliver = steps.find((s) => s.kind === 'deliver');
  const payload = new PlanPayload(
    new Map(composeFiles.map((f, i) => [f.name, composeBytes[i]!])),
    envBytes?.toString('utf8'),
    operation !== 'rollback' ? await strategy.readObjects?.(apply) : undefined,
    deliver?.delivery.mode === 'build' ? await buildSource(config, deliver.delivery.image) : undefined,
  );
  const hosts = strategy.deployHosts(target.hosts);
  return {
    app: config.app,
    target: target.name,
    operation,
    tag,
    ...(config.image && { imageName: config.image.name }),
    ...(input.build && { build: input.build }),
    releaseId,
    rolloutId: input.rolloutId ?? releaseId,
    who: input.who,
    composeFiles,
    ...(env && { env }),
    hosts: hosts.map((spec) => ({ host: spec.label, dir: target.dir, steps })),
    metricsTextfile: config.metrics?.textfile !== false,
    payload,
  };
}

/** The plan once image.build pushed: every host pulls exactly the pushed manifest. */
export function pinDigest(plan: DeployPlan, digest: string): DeployPlan {
  const pin = (step: PlanStep): PlanStep => {
    if (step.kind !== 'deliver' || step.delivery.mode !== 'registry' || !step.delivery.byDigest) return step;
    const delivery = { ...step.delivery, digest };
    return { ...step, delivery, does: deliverySummary(delivery) };
  };
  return { ...plan, hosts: plan.hosts.map((h) => ({ ...h, steps: h.steps.map(pin) })) };
}

/** The tag as a person reads it in a plan or a heading. */
export function describeTag(tag: PlanTag): string {
  if (tag.kind === 'given') return tag.value;
  if (tag.kind === 'in-place') return 'the tag in place';
  return tag.to ?? 'the last good release';
}

function planned(name: string, localPath: string, content: Buffer): PlannedFile {
  return { name, localPath, sha256: createHash('sha256').update(content).digest('hex'), bytes: content.length };
}

function hostSteps(
  config: Config,
  operation: Operation,
  tag: PlanTag,
  releaseId: string,
  compose: PlannedFile[],
  env: PlannedFile | undefined,
  apply: ApplyStep,
  pullsByDigest: boolean,
): PlanStep[] {
  const release = `<dir>/.gangway/releases/${releaseId}`;
  const steps: PlanStep[] = [
    {
      kind: 'lock',
      title: 'take the deploy lock (on every host before any host changes)',
      does: ['mkdir <dir>/.gangway/lock (atomic; owner token in lock/info; held: exit 4 or --lock-wait)'],
    },
    {
      kind: 'dirs',
      title: 'create directories',
      dirs: config.dirs,
      does: [
        `mkdir -p <dir> ${config.dirs.map((d) => `<dir>/${d}`).join(' ')}`.trimEnd(),
        `mkdir -p ${release}, 0700 with <dir>/.gangway, its releases/ and runs/ (env values and run logs are there)`,
      ],
    },
  ];
  const delivery =
    operation === 'deploy' && tag.kind === 'given'
      ? planDelivery(config, `${config.image?.name}:${tag.value}`, pullsByDigest)
      : undefined;
  if (delivery)
    steps.push({
      kind: 'deliver',
      title: `deliver ${delivery.image} (${delivery.mode})`,
      delivery,
      does: deliverySummary(delivery),
    });
  const step = releaseStep(operation, tag, release, compose, env);
  const pin = config.image && apply.strategy !== 'swarm' ? pinLine(config.app, config.image.name, operation) : [];
  steps.push({ ...step, does: [...step.does, ...pin] }, apply);
  return steps;
}

/** Compose targets: which image the release's services on image.name run (server/sh/image-pin.sh). */
function pinLine(app: string, name: string, operation: Operation): string[] {
  const kept = `${name}:gangway-${app}-<its id>`;
  return [
    operation === 'deploy'
      ? `services on ${name}:<tag> run the image it names once delivered, kept as ${kept}: a rollback to this ` +
        'release runs that image again, wherever the tag moved'
      : `services on ${name}:<tag> run the image that release ran (${kept}; pulled by its digest if it is gone)`,
  ];
}

function releaseStep(
  operation: Operation,
  tag: PlanTag,
  release: string,
  compose: PlannedFile[],
  env: PlannedFile | undefined,
): ReleaseStep {
  const envLine = env ? [`${release}/.env 0600, written atomically (sha256 ${env.sha256.slice(0, 12)}…)`] : [];
  const common = `${release}/apply.sh, vars.sh, manifest.json`;
  if (operation === 'rollback') {
    const to = tag.kind === 'rollback' ? tag.to : undefined;
    return {
      kind: 'release',
      title: `choose the release to go back to (${to ? `tag ${to}` : 'the last good one before the release in place'})`,
      source: { kind: 'rollback', ...(to && { to }) },
      does: [`its compose files, .env and tag copied on the server into ${release}/`, common],
    };
  }
  if (operation === 'env-only') {
    return {
      kind: 'release',
      title: 'upload the env file into a new release',
      source: { kind: 'env-only' },
      does: [`compose files and tag copied from the release in place into ${release}/`, ...envLine, common],
    };
  }
  return {
    kind: 'release',
    title: 'upload compose files and env into a new release',
    source: { kind: 'upload' },
    does: [...compose.map((f) => `${release}/${f.name} (sha256 ${f.sha256.slice(0, 12)}…)`), ...envLine, common],
  };
}

function planDelivery(config: Config, image: string, byDigest: boolean): Delivery | undefined {
  const settings = config.image;
  if (!settings) return undefined;
  switch (settings.delivery) {
    case 'registry': {
      const username = settings.registry?.username;
      const passwordEnv = settings.registry?.password_env;
      const server = settings.registry?.server ?? settings.name.split('/')[0]!;
      return {
        mode: 'registry',
        image,
        ...(username && passwordEnv && { login: { username, passwordEnv, server } }),
        ...(byDigest && { byDigest }),
      };
    }
    case 'archive':
      return { mode: 'archive', image, ...(settings.archive && { archive: settings.archive }) };
    case 'build':
      return { mode: 'build', image };
    case 'sync':
      return { mode: 'sync', image };
  }
}

function deliverySummary(d: Delivery): string[] {
  switch (d.mode) {
    case 'registry':
      return [
        ...(d.login
          ? [
              `docker login --username ${d.login.username} --password-stdin (password from $${d.login.passwordEnv}, ` +
                `on stdin)`,
            ]
          : []),
        ...(d.byDigest
          ? [
              `docker pull ${d.image.slice(0, d.image.lastIndexOf(':'))}@${d.digest ?? '<digest of the push>'}; ` +
                `docker tag … ${d.image}`,
            ]
          : [quoteArgv(['docker', 'pull', d.image])]),
      ];
    case 'archive':
      return [
        `${d.archive ?? quoteArgv(['docker', 'save', d.image])} | gzip → ssh → gzip -dc | docker load; image id ` +
          `verified`,
      ];
    case 'build':
      return [`build context (git-tracked files, .dockerignore honoured) | ssh → docker build -t ${d.image} -`];
    case 'sync':
      return [
        `docker save ${d.image} once; per host only the layers it lacks | gzip → ssh → docker load; image id ` +
          'verified; refused: the whole image once',
      ];
  }
}
