/**
 * Step `release`: fill `<dir>/.gangway/releases/<id>/` — compose files and env (uploaded, or copied on the
 * server from the release in place / the rollback's choice), the tag, manifest.json, apply.sh and its data
 * files. Idempotent: every file is written atomically, so after a dropped connection it simply runs again.
 */
import { posix } from 'node:path';
import { ExitCode, GangwayError } from '../../errors.js';
import { execOk, type Host } from '../../hosts/host.js';
import { envMap, parseEnv } from '../../env/parse.js';
import { applyFiles } from '../../server/release-files.js';
import { chooseRollback } from '../../server/rollback-choice.js';
import { runScript } from '../../server/scripts.js';
import { readServerState } from '../../server/state.js';
import { strategyOf } from '../../strategy/index.js';
import type { ApplyStep, ReleaseStep } from '../../plan/plan-types.js';
import type { StepContext } from './context.js';

export type ReleaseContext = Pick<
  StepContext,
  'label' | 'plan' | 'session' | 'layout' | 'compose' | 'events' | 'results' | 'state'
>;

interface ReleaseContent {
  tag: string;
  files: string[];
  /** The release's env file text (its values are masked in the server's run log). */
  envText?: string;
  /** What copy-release.sh said it copied of a retained release's strategy files (Strategy.kept). */
  copied?: string[];
}

export async function prepareRelease(ctx: ReleaseContext, step: ReleaseStep, apply: ApplyStep): Promise<string> {
  const content = await ctx.session.retrying((host) => writeRelease(ctx, host, step, apply));
  ctx.results.tag = content.tag;
  return `release ${ctx.plan.releaseId} (tag ${content.tag})`;
}

async function writeRelease(
  ctx: ReleaseContext,
  host: Host,
  step: ReleaseStep,
  apply: ApplyStep,
): Promise<ReleaseContent> {
  const { plan, layout } = ctx;
  const dir = layout.release(plan.releaseId);
  const content = await releaseContent(ctx, host, step, apply, dir);
  const envText = plan.payload.envText;
  const maskText = content.envText ?? envText;
  const manifest = {
    id: plan.releaseId,
    app: plan.app,
    tag: content.tag,
    image: plan.imageName ? `${plan.imageName}:${content.tag}` : null,
    image_id: ctx.results.imageId ?? null,
    operation: plan.operation,
    who: plan.who,
    target: plan.target,
    host: ctx.label,
    created: new Date().toISOString(),
    sha256: {
      compose: Object.fromEntries(plan.composeFiles.map((f) => [f.name, f.sha256])),
      env: plan.env?.sha256 ?? null,
    },
  };
  const record = {
    id: plan.releaseId,
    tag: content.tag,
    operation: plan.operation,
    strategy: apply.strategy,
    rollout: plan.rolloutId,
    who: plan.who,
    target: plan.target,
    host: ctx.label,
    delivery: plan.hosts[0]?.steps.find((s) => s.kind === 'deliver')?.delivery.mode ?? 'none',
    image: manifest.image,
    image_ids: ctx.results.imageId ? [ctx.results.imageId] : [],
    ...(pushedDigest(plan) && { image_digest: pushedDigest(plan) }),
    sha256: manifest.sha256,
  };
  const envEntries = maskText === undefined ? [] : parseEnv(maskText).entries;
  const envValues = envEntries.map((e) => e.value);
  const swarmObjects = step.source.kind === 'upload' ? plan.payload.swarmObjects : new Map<string, Buffer>();
  // Secrets from this machine are masked in the server's run log too.
  for (const [name, content] of swarmObjects) if (name.startsWith('secret-')) envValues.push(content.toString('utf8'));
  const strategy = strategyOf(apply);
  const files = applyFiles(
    {
      dir: layout.dir,
      app: plan.app,
      releaseId: plan.releaseId,
      tag: content.tag,
      operation: plan.operation,
      ...(plan.imageName && { imageName: plan.imageName }),
      keep: apply.keep,
      health: apply.health,
      composeArgv: ctx.compose.argv,
      record,
      strategy: strategy.release(apply, envMap(envEntries)),
      ...(plan.metricsTextfile && { metrics: { bytesSent: ctx.results.bytesSent } }),
    },
    envValues,
  );
  const kept = strategy.kept && content.copied?.includes(strategy.kept.flag) ? strategy.kept.files : new Set();
  const writes = [
    ...files
      .filter((f) => !kept.has(f.name))
      .map((f) => host.writeFileAtomic(posix.join(dir, f.name), f.content, { mode: f.mode })),
    host.writeFileAtomic(posix.join(dir, 'tag'), `${content.tag}\n`, { mode: 0o644 }),
    host.writeFileAtomic(posix.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o644 }),
  ];
  if (envText !== undefined) writes.push(host.writeFileAtomic(posix.join(dir, '.env'), envText)); // 0600
  // Swarm: the secrets and configs of this machine, uploaded like the env file (0600, atomically).
  for (const [name, content] of swarmObjects)
    writes.push(host.writeFileAtomic(posix.join(dir, `swarm-${name}`), content)); // 0600
  await Promise.all(writes);
  return content;
}

async function releaseContent(
  ctx: ReleaseContext,
  host: Host,
  step: ReleaseStep,
  apply: ApplyStep,
  dir: string,
): Promise<ReleaseContent> {
  const { plan, layout } = ctx;
  if (step.source.kind === 'upload') {
    const files = plan.composeFiles.map((f) => f.name);
    await Promise.all([
      ...plan.composeFiles.map((f) =>
        host.writeFileAtomic(posix.join(dir, f.name), plan.payload.compose.get(f.name)!, { mode: 0o644 }),
      ),
      host.writeFileAtomic(posix.join(dir, 'files'), `${files.join('\n')}\n`, { mode: 0o644 }),
    ]);
    if (plan.tag.kind !== 'given') throw new Error('an uploaded release needs a given tag');
    return { tag: plan.tag.value, files };
  }
  const state = ctx.state ?? (await readServerState(host, layout));
  let sourceId: string;
  if (step.source.kind === 'env-only') {
    if (!state.current)
      throw new GangwayError(
        'E_NOTHING_DEPLOYED',
        ExitCode.failed,
        `${ctx.label}: nothing is deployed here yet: run a full deploy first`,
      );
    sourceId = state.current.id;
  } else if (step.source.release !== undefined) {
    const wanted = step.source.release;
    if (!state.retained.some((r) => r.id === wanted))
      throw new GangwayError(
        'E_ROLLBACK_TARGET',
        ExitCode.failed,
        `${ctx.label}: release ${wanted} is no longer retained here (keep: ${apply.keep}); nothing was changed`,
      );
    sourceId = wanted;
  } else {
    const choice = chooseRollback(state, step.source.to);
    if (!choice.ok)
      throw new GangwayError(
        'E_ROLLBACK_TARGET',
        ExitCode.failed,
        `${ctx.label}: ${choice.message}; nothing was changed`,
      );
    sourceId = choice.id;
  }
  const withEnv = step.source.kind === 'rollback' ? 'with-env' : 'without-env';
  // The copy's file list and env are the source's: read there while it is copied, not a round trip after it.
  const source = layout.release(sourceId);
  const read = (name: string) =>
    host.readFile(posix.join(source, name)).then(
      (b) => b.toString('utf8'),
      () => undefined,
    );
  const early = Promise.all([read('files'), withEnv === 'with-env' ? read('.env') : undefined]);
  const r = await execOk(host, runScript('copy-release.sh', [layout.state, sourceId, dir, withEnv]), {
    timeoutMs: 60_000,
  });
  const [tag = '', ...flags] = r.stdout.trim().split('\n');
  const [filesRead, envRead] = await early;
  const copied = async (name: string) => (await host.readFile(posix.join(dir, name))).toString('utf8');
  const files = (filesRead ?? (await copied('files'))).split('\n').filter(Boolean);
  const envText = flags.includes('env') ? (envRead ?? (await copied('.env'))) : undefined;
  if (envText !== undefined) ctx.events.registerSecrets?.(envText);
  return {
    tag: tag.trim(),
    files,
    ...(envText !== undefined && { envText }),
    copied: flags,
  };
}

/** The manifest digest image.build pushed and the hosts pulled (registry delivery). */
function pushedDigest(plan: StepContext['plan']): string | undefined {
  const step = plan.hosts[0]?.steps.find((s) => s.kind === 'deliver');
  return step?.kind === 'deliver' && step.delivery.mode === 'registry' ? step.delivery.digest : undefined;
}
