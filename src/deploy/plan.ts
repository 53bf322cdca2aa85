/**
 * The deploy plan: plain data saying, per host, which steps run and what each one does. `--dry-run`
 * prints exactly this; the executor applies it. Building it touches no server.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import type { Config, Target } from '../config/config.js';
import { composeUploadNames } from '../check/compose-config.js';
import { quoteArgv } from '../shell/quote.js';
import type { ApplyMode } from './apply-script.js';
import { remoteLayout } from './layout.js';

export interface PlannedFile {
  /** Name inside `<dir>` and the release directory. */
  name: string;
  localPath: string;
  sha256: string;
  bytes: number;
}

export interface PlanStep {
  step: 'lock' | 'dirs' | 'deliver' | 'upload' | 'apply' | 'records';
  title: string;
  /** What it runs or writes, for display (commands quoted as the server's sh would see them). */
  does: string[];
}

export interface HostPlan {
  host: string;
  dir: string;
  steps: PlanStep[];
}

export interface DeployPlan {
  app: string;
  target: string;
  mode: ApplyMode;
  tag: string;
  /** `name:tag`, when gangway.yml names an image. */
  image?: string;
  delivery: 'registry' | 'archive' | 'build' | 'none';
  releaseId: string;
  who: string;
  /** rollback: the retained tag to go back to (default: the last good release before the one in place). */
  rollbackTo?: string;
  composeFiles: PlannedFile[];
  /** The env file: its digest and size only — never its content. */
  env?: Omit<PlannedFile, 'name'> & { name: '.env' };
  hosts: HostPlan[];
}

export interface PlanInput {
  config: Config;
  target: Target;
  mode: ApplyMode;
  tag: string;
  releaseId: string;
  who: string;
  rollbackTo?: string;
}

export async function buildPlan(input: PlanInput): Promise<DeployPlan> {
  const { config, target, mode, tag, releaseId } = input;
  const names = composeUploadNames(config.compose);
  const composeFiles = await Promise.all(config.compose.map(async (path, i) => ({ name: names[i]!, localPath: path, ...(await digest(path)) })));
  const env = config.env ? { name: '.env' as const, localPath: config.env.file, ...(await digest(config.env.file)) } : undefined;
  const image = config.image ? `${config.image.name}:${tag}` : undefined;
  const delivery = mode !== 'deploy' || !config.image ? 'none' : config.image.delivery;
  const hosts = target.hosts.map((spec) => {
    const layout = remoteLayout(target.dir);
    const release = layout.release(releaseId);
    const steps: PlanStep[] = [
      { step: 'lock', title: 'take the deploy lock', does: [`mkdir ${layout.lock} (atomic; held: exit 4 or --lock-wait)`] },
      { step: 'dirs', title: 'create directories', does: [quoteArgv(['mkdir', '-p', layout.dir, ...config.dirs.map((d) => posix.join(layout.dir, d)), release, posix.join(layout.state, 'runs')])] },
    ];
    if (delivery !== 'none' && image) steps.push({ step: 'deliver', title: `deliver ${image} (${delivery})`, does: deliverySummary(config, image, delivery) });
    if (mode === 'rollback') {
      steps.push({
        step: 'upload',
        title: `choose the release to go back to${input.rollbackTo ? ` (tag ${input.rollbackTo})` : ' (the last good one before the release in place)'}`,
        does: [`its compose files, .env and tag copied on the server into ${release}/`, `${release}/apply.sh, ${release}/manifest.json`],
      });
    } else steps.push({
      step: 'upload',
      title: mode === 'env-only' ? 'upload the env file into a new release' : 'upload compose files and env into a new release',
      does: [
        ...(mode === 'env-only' ? [`compose files copied from the current release into ${release}/`] : composeFiles.map((f) => `${release}/${f.name} (sha256 ${f.sha256.slice(0, 12)}…)`)),
        ...(env ? [`${release}/.env 0600, written atomically (sha256 ${env.sha256.slice(0, 12)}…)`] : []),
        `${release}/apply.sh, ${release}/manifest.json`,
      ],
    });
    steps.push({
      step: 'apply',
      title: 'apply detached on the server, health gate, roll back on failure',
      does: [
        `back up ${layout.dir}/.env to .env.bak-YYYYMMDD-HHMMSS; put the release in place`,
        `IMAGE_TAG=${tag} compose -p ${config.app} up -d --remove-orphans`,
        `health gate within ${Math.round(config.health.timeoutMs / 1000)}s: ${healthSummary(config)}`,
        `pass: last_good_tag=${tag}, keep ${config.keep} releases; fail: previous release back, gated again`,
        `log: ${layout.runLog(releaseId)}`,
      ],
    });
    steps.push({ step: 'records', title: 'record the release', does: [layout.releasesLog, `${config.records}/release.log`, `${config.records}/deploy_<time>.log`] });
    return { host: spec.label, dir: target.dir, steps };
  });
  return {
    app: config.app,
    target: target.name,
    mode,
    tag,
    ...(image && { image }),
    delivery,
    releaseId,
    who: input.who,
    ...(input.rollbackTo && { rollbackTo: input.rollbackTo }),
    composeFiles,
    ...(env && { env }),
    hosts,
  };
}

function deliverySummary(config: Config, image: string, delivery: 'registry' | 'archive' | 'build'): string[] {
  switch (delivery) {
    case 'registry':
      return [
        ...(config.image?.registry?.username ? [`docker login --username ${config.image.registry.username} --password-stdin (password from $${config.image.registry.password_env ?? '?'}, on stdin)`] : []),
        quoteArgv(['docker', 'pull', image]),
      ];
    case 'archive':
      return [`${config.image?.archive ?? quoteArgv(['docker', 'save', image])} | gzip → ssh → gzip -dc | docker load; image id verified`];
    case 'build':
      return [`build context (git-tracked files, .dockerignore honoured) | ssh → docker build -t ${image} -`];
  }
}

function healthSummary(config: Config): string {
  const h = config.health;
  const parts = [
    h.services.length ? `healthy: ${h.services.join(', ')}` : '',
    ...h.http.map((c) => `${c.url} (${c.retries}×)`),
    ...h.smoke.map((u) => `smoke ${u}`),
    h.fatalLogs ? `no ${h.fatalLogs.patterns.join('/')} in the last ${h.fatalLogs.tail} log lines` : '',
  ].filter(Boolean);
  return parts.length ? parts.join('; ') : 'containers up (no checks configured)';
}

async function digest(path: string): Promise<{ sha256: string; bytes: number }> {
  const content = await readFile(path);
  return { sha256: createHash('sha256').update(content).digest('hex'), bytes: content.length };
}
