/** `gangway ci github [--target T] [--out FILE]`: write the deploy-on-tag workflow and name the secrets it needs. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { githubWorkflow, repoSecrets, workflowFileName, type PinnedHost } from '../../ci/github-workflow.js';
import { gangwayOnRunner } from '../../ci/runner-gangway.js';
import { ExitCode, GangwayError } from '../../errors.js';
import { VERSION } from '../../version.js';
import type { CommandContext } from '../context.js';

export async function runCiGithub(ctx: CommandContext, options: { target?: string; out?: string }): Promise<void> {
  const { reporter } = ctx;
  const config = await ctx.loadConfig();
  const target = ctx.target(config, options.target);
  if (target.hosts.some((h) => h.kind === 'local'))
    throw new GangwayError('E_USAGE', ExitCode.usage, `target ${target.name} deploys to "local": a CI runner has none`);
  const pins = target.ssh.fingerprints.length ? [] : await seenHostKeys(ctx, target);
  const repoRoot = process.cwd();
  const text = githubWorkflow({
    config,
    target,
    pins,
    repoRoot,
    configArg: path.relative(repoRoot, config.file).split(path.sep).join('/'),
    gangway: await gangwayOnRunner(repoRoot, VERSION),
  });
  const out = path.resolve(options.out ?? workflowFileName(target.name));
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, text);
  const secrets = repoSecrets(config, target);
  reporter.item('ok', path.relative(repoRoot, out) || out, `deploys ${target.name} on a pushed tag`);
  reporter.info('Create these repository secrets (Settings > Secrets and variables > Actions):');
  for (const s of secrets) reporter.info(`  ${s.name}  ${s.holds}`);
  reporter.result({ ok: true, target: target.name, file: out, secrets, pinned: pins });
}

/** The host keys gangway trusts now (known_hosts or --accept-new-host-key): the workflow pins exactly these. */
async function seenHostKeys(ctx: CommandContext, target: Parameters<CommandContext['openHost']>[0]) {
  const pins: PinnedHost[] = [];
  for (const spec of target.hosts) {
    if (spec.kind !== 'ssh') continue;
    if (target.ssh.jump)
      throw new GangwayError('E_USAGE', ExitCode.usage, 'a target behind ssh.jump needs ssh.fingerprint for CI', {
        hints: ['pin the host key in gangway.yml: targets.<name>.ssh.fingerprint: SHA256:…'],
      });
    const host = await ctx.openHost(target, spec);
    if (!host.hostKey) continue;
    pins.push({ host: spec.host, port: spec.port ?? 22, fingerprint: host.hostKey.fingerprint });
  }
  return pins;
}
