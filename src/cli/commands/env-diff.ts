/**
 * `gangway env diff [TARGET]`: keys added, removed and changed between the local env file and each host's
 * `<dir>/.env`. The server's file is read over the SSH connection into memory only; values are never printed.
 */
import { posix } from 'node:path';
import { ConfigError, ExitCode, GangwayError } from '../../errors.js';
import { diffEnv, type EnvDiff } from '../../env/diff.js';
import { loadEnvFile } from '../../env/env-file.js';
import { parseEnv } from '../../env/parse.js';
import { registerEnvSecrets } from '../../redact/register.js';
import type { CommandContext } from '../context.js';
import { managerTarget } from '../swarm-target.js';

interface HostDiff {
  host: string;
  /** false when the server has no .env yet (every key is then "added"). */
  serverHasEnv: boolean;
  diff?: EnvDiff;
  error?: string;
}

export async function runEnvDiff(
  ctx: CommandContext,
  targetName: string | undefined,
  options: { exitCode: boolean },
): Promise<void> {
  const { reporter } = ctx;
  const config = await ctx.loadConfig();
  const target = await managerTarget(ctx, config, ctx.target(config, targetName));
  if (!config.env)
    throw new ConfigError([
      { file: config.file, key: 'env', message: 'no env file is configured, so there is nothing to compare' },
    ]);
  const local = await loadEnvFile(config.env.file, ctx.scrubber);
  if (!local)
    throw new ConfigError([{ file: config.file, key: 'env.file', message: `${config.env.file} cannot be read` }]);

  const results: HostDiff[] = await Promise.all(
    target.hosts.map(async (spec): Promise<HostDiff> => {
      try {
        const host = await ctx.openHost(target, spec);
        try {
          const path = posix.join(await host.resolvePath(target.dir), '.env');
          const exists = await host.exec(['test', '-f', path]);
          if (exists.code !== 0) return { host: spec.label, serverHasEnv: false, diff: diffEnv(local.entries, []) };
          const remote = parseEnv((await host.readFile(path)).toString('utf8'));
          registerEnvSecrets(ctx.scrubber, remote.entries); // the server's values are secrets too
          return { host: spec.label, serverHasEnv: true, diff: diffEnv(local.entries, remote.entries) };
        } finally {
          await host.close();
        }
      } catch (e) {
        return { host: spec.label, serverHasEnv: false, error: (e as Error).message };
      }
    }),
  );

  for (const r of results) {
    reporter.heading(`host ${r.host}`);
    if (r.error) {
      reporter.item('fail', 'env diff', r.error);
      continue;
    }
    const d = r.diff!;
    if (!r.serverHasEnv) reporter.item('info', `${target.dir}/.env`, 'not on the server yet: every key would be added');
    for (const k of d.added) reporter.item('info', `+ ${k}`, 'added (only in the local env file)');
    for (const k of d.removed) reporter.item('info', `- ${k}`, 'removed (only on the server)');
    for (const k of d.changed) reporter.item('info', `~ ${k}`, 'changed');
    reporter.item(
      'ok',
      'summary',
      `${d.added.length} added, ${d.removed.length} removed, ${d.changed.length} changed, ${d.unchanged} unchanged`,
    );
  }
  const document = { target: target.name, hosts: results };
  if (results.some((r) => r.error))
    throw new GangwayError('E_ENV_DIFF', ExitCode.failed, 'env diff could not reach every host', { details: document });
  const differs = results.some(
    (r) => r.diff && r.diff.added.length + r.diff.removed.length + r.diff.changed.length > 0,
  );
  if (options.exitCode && differs)
    throw new GangwayError('E_ENV_DIFFERS', ExitCode.failed, 'the env files differ (--exit-code)', {
      details: document,
    });
  reporter.result({ ok: true, ...document });
}
