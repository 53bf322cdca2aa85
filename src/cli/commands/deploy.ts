/**
 * `gangway deploy [TARGET]`: preflight, plan, then apply the plan on every host of the target in parallel
 * (bounded), each with its own health gate and rollback; records locally and on each server.
 */
import { createInterface } from 'node:readline/promises';
import { countFailures } from '../../check/checklist.js';
import type { Config, Target } from '../../config/config.js';
import { executeOnHost, type HostOutcome } from '../../deploy/execute-host.js';
import { newReleaseId } from '../../deploy/layout.js';
import { buildPlan, type DeployPlan } from '../../deploy/plan.js';
import { resolveTag } from '../../deploy/tag.js';
import { whoAmI } from '../../deploy/who.js';
import { loadEnvFile } from '../../env/env-file.js';
import { parseEnv } from '../../env/parse.js';
import { registerEnvSecrets } from '../../redact/register.js';
import { ExitCode, GangwayError, PreflightError, UsageError } from '../../errors.js';
import type { Reporter } from '../../output/reporter.js';
import { appendReleaseLog, RunRecord } from '../../records/local-records.js';
import { formatMs } from '../../util/duration.js';
import { Semaphore } from '../../util/semaphore.js';
import type { CommandContext } from '../context.js';
import { preflight } from './check.js';

export interface DeployOptions {
  tag?: string;
  envOnly: boolean;
  dryRun: boolean;
  yes: boolean;
  lockWaitMs: number;
}

/** Hosts deployed at once; each has its own connection, gate and rollback. */
const PARALLEL_HOSTS = 4;

export async function runDeploy(ctx: CommandContext, targetName: string | undefined, options: DeployOptions): Promise<void> {
  const { reporter } = ctx;
  const config = await ctx.loadConfig();
  const target = ctx.target(config, targetName);
  const env = config.env ? await loadEnvFile(config.env.file, ctx.scrubber) : undefined;
  if (options.envOnly && !config.env) throw new UsageError('--env-only needs an env file (env.file in gangway.yml)');
  if (options.envOnly && options.tag) throw new UsageError('--env-only keeps the tag that is deployed; drop --tag');

  const tag = options.envOnly ? 'current' : await resolveTag(config.image?.tag ?? 'git', config.baseDir, new Date(), options.tag);
  const mode = options.envOnly ? 'env-only' : 'deploy';
  reporter.heading(`gangway deploy ${target.name} (${config.app}) — ${options.envOnly ? 'env only' : `tag ${tag}`}`);

  const checklist = await preflight(ctx, config, target, env, 'problems', options.envOnly ? undefined : tag);
  const failures = countFailures(checklist);
  if (failures > 0) {
    throw new PreflightError(`preflight failed: ${failures} check${failures === 1 ? '' : 's'} failed; nothing was changed`, { details: { target: target.name, ...checklist } });
  }
  reporter.item('ok', 'preflight', 'passed');

  const plan = await buildPlan({ config, target, mode, tag, releaseId: newReleaseId(), who: whoAmI() });
  if (options.dryRun) {
    printPlan(reporter, plan);
    reporter.info('\ndry run: nothing was changed');
    reporter.result({ ok: true, dryRun: true, plan });
    return;
  }
  if (!options.yes && process.stdin.isTTY && !reporter.json) await confirm(plan);

  const outcomes = await applyPlan(ctx, config, target, plan, env?.text, options.lockWaitMs);
  summarize(reporter, plan, outcomes);
}

export async function applyPlan(ctx: CommandContext, config: Config, target: Target, plan: DeployPlan, envText: string | undefined, lockWaitMs: number): Promise<HostOutcome[]> {
  const { reporter } = ctx;
  const record = new RunRecord(ctx.scrubber.scrub);
  const started = performance.now();
  const limit = new Semaphore(PARALLEL_HOSTS);
  const outcomes = await Promise.all(
    target.hosts.map((spec) =>
      limit.use(async (): Promise<HostOutcome> => {
        try {
          return await executeOnHost(spec.label, {
            config,
            target,
            plan,
            open: () => ctx.openHost(target, spec),
            reopen: () => ctx.reopenHost(target, spec),
            ...(envText !== undefined && { envText }),
            lockWaitMs,
            registerSecrets: (text) => registerEnvSecrets(ctx.scrubber, parseEnv(text).entries),
            mask: ctx.scrubber.scrub,
            callbacks: {
              onStep: (host, s) => {
                const prefix = target.hosts.length > 1 ? `${host}: ` : '';
                reporter.item(s.status, `${prefix}${s.step}`, s.detail, s.ms > 0 ? s.ms : undefined);
                record.add(host, `${s.status.toUpperCase()} ${s.step}${s.detail ? ` — ${s.detail}` : ''}${s.ms > 0 ? ` (${formatMs(s.ms)})` : ''}`);
              },
              onLog: (host, line) => {
                reporter.debug(`${host} | ${line}`);
                record.add(host, `| ${line}`);
              },
              onProgress: (host, label) => reporter.transfer(`${host} ${label}`),
              onLockWait: (host, holder) => reporter.info(`  ${host}: the deploy lock is held by ${holder}; waiting`),
            },
          });
        } catch (e) {
          // The host never reached the apply (or we lost it): nothing was changed there, or the server finishes alone.
          if (e instanceof GangwayError && e.exitCode === ExitCode.lockHeld) throw e;
          const err = e as Error;
          record.add(spec.label, `FAILED before the apply: ${err.message}`);
          const lost = e instanceof GangwayError && e.code === 'E_CONNECTION_LOST';
          return { host: spec.label, status: lost ? 'unknown' : 'failed', serving: lost ? 'unknown' : 'unchanged', failingStep: lost ? 'follow apply' : 'before apply', reason: err.message, bytesSent: 0, steps: [], runLog: '' };
        }
      }),
    ),
  );
  const durationMs = performance.now() - started;
  const result = overall(outcomes);
  await appendReleaseLog(config.records, { tag: plan.tag, result, time: new Date(), target: target.name, who: plan.who, durationMs, delivery: plan.delivery, hosts: outcomes }, ctx.scrubber.scrub);
  const file = await record.write(config.records);
  reporter.debug(`run record: ${file}`);
  return outcomes;
}

const succeeded = (o: HostOutcome) => o.status === 'succeeded' || o.status === 'rollback';

function overall(outcomes: HostOutcome[]): string {
  if (outcomes.every(succeeded)) return outcomes[0]?.status ?? 'succeeded';
  if (outcomes.some((o) => o.status === 'rolled_back')) return 'rolled_back';
  return 'failed';
}

export function summarize(reporter: Reporter, plan: DeployPlan, outcomes: HostOutcome[]): void {
  reporter.heading('\nsummary');
  for (const o of outcomes) {
    const status = succeeded(o) ? 'ok' : 'fail';
    const what =
      succeeded(o) ? `serving ${o.serving}`
      : plan.mode === 'rollback' && o.status === 'failed' && o.serving !== 'none' ? `rollback failed its health gate; back on the release it started from, serving ${o.serving} — ${o.failingStep}: ${o.reason}`
      : o.status === 'rolled_back' ? `rolled back: serving ${o.serving} — ${o.failingStep}: ${o.reason}`
      : o.serving === 'unchanged' ? `not deployed, nothing changed — ${o.reason}`
      : `failed (serving ${o.serving}) — ${o.failingStep}: ${o.reason}`;
    reporter.item(status, o.host, what);
    if (o.firstErrorLine) reporter.info(`      first error line: ${o.firstErrorLine}`);
  }
  const document = { ok: outcomes.every(succeeded), release: plan.releaseId, tag: plan.tag, target: plan.target, hosts: outcomes };
  if (!document.ok) {
    const failed = outcomes.filter((o) => !succeeded(o));
    const message = failed
      .map((o) => (o.status === 'rolled_back' ? `${o.host} rolled back to ${o.serving}` : o.serving === 'unchanged' ? `${o.host} not deployed` : `${o.host} failed, serving ${o.serving}`))
      .join('; ');
    const what = plan.mode === 'rollback' ? 'rollback' : `deploy of ${plan.tag}`;
    throw new GangwayError(plan.mode === 'rollback' ? 'E_ROLLBACK_FAILED' : 'E_DEPLOY_FAILED', ExitCode.failed, `${what} failed: ${message}`, { details: document });
  }
  reporter.result(document);
}

export function printPlan(reporter: Reporter, plan: DeployPlan): void {
  reporter.heading(`\nplan: release ${plan.releaseId}, ${plan.mode}, tag ${plan.tag}${plan.image ? `, image ${plan.image}` : ''}, delivery ${plan.delivery}`);
  for (const host of plan.hosts) {
    reporter.heading(`host ${host.host} (${host.dir})`);
    host.steps.forEach((step, i) => {
      reporter.info(`  ${i + 1}. ${step.title}`);
      for (const line of step.does) reporter.info(`       ${line}`);
    });
  }
}

async function confirm(plan: DeployPlan): Promise<void> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await rl.question(`deploy ${plan.tag} to ${plan.target} (${plan.hosts.map((h) => h.host).join(', ')})? [y/N] `);
  rl.close();
  if (!/^y(es)?$/i.test(answer.trim())) throw new GangwayError('E_ABORTED', ExitCode.failed, 'deploy cancelled; nothing was changed');
}
