/**
 * `gangway exec [TARGET] SERVICE [--host H] -- CMD…`: run a command in the service's running container on every
 * host of the target at once (the colour in service with blue/green). Each output line is prefixed by its host
 * and masked; the exit code is the worst of the hosts' (a host where it could not run counts as 1).
 */
import { narrowTarget } from '../../config/narrow-hosts.js';
import { ExitCode, GangwayError, UsageError } from '../../errors.js';
import { execInService } from '../../operate/service-exec.js';
import { registerLocalEnvSecrets, registerServerEnvSecrets } from '../../operate/server-secrets.js';
import { remoteLayout } from '../../server/layout.js';
import { LineSplitter } from '../../util/lines.js';
import type { CommandContext } from '../context.js';
import { composeOnly } from '../swarm-target.js';

export interface ExecWords {
  /** The words before `--`: [SERVICE] or [TARGET, SERVICE]. */
  before: string[];
  command: string[];
}

/** Split the command line's operands at `--` (commander drops the `--` itself; `rawArgs` still has it). */
export function splitExecWords(operands: string[], rawArgs: readonly string[]): ExecWords {
  const dash = rawArgs.indexOf('--');
  if (dash < 0) throw new UsageError('exec needs the command after --, e.g. gangway exec web -- ls /app');
  const command = rawArgs.slice(dash + 1);
  if (command.length === 0) throw new UsageError('exec: no command after --');
  return { before: operands.slice(0, operands.length - command.length), command };
}

interface HostRun {
  host: string;
  code: number;
  lines: string[];
  error?: string;
}

export async function runExec(
  ctx: CommandContext,
  words: ExecWords,
  options: { hosts: string[]; timeoutMs?: number },
): Promise<void> {
  const { reporter } = ctx;
  if (words.before.length < 1 || words.before.length > 2)
    throw new UsageError(
      'exec: name the service (and the target first when there are several): exec [TARGET] SERVICE -- CMD',
    );
  const [targetName, service] = words.before.length === 2 ? words.before : [undefined, words.before[0]!];
  const config = await ctx.loadConfig();
  const target = composeOnly(config, narrowTarget(ctx.target(config, targetName), options.hosts), 'gangway exec');
  await registerLocalEnvSecrets(config, ctx.scrubber);
  const runs = await Promise.all(
    target.hosts.map(async (spec): Promise<HostRun> => {
      const run: HostRun = { host: spec.label, code: 1, lines: [] };
      const emit = (line: string) => {
        const masked = ctx.scrubber.scrub(line);
        run.lines.push(masked);
        if (!reporter.json) reporter.info(`${spec.label} | ${masked}`);
      };
      const out = new LineSplitter(emit);
      const err = new LineSplitter(emit);
      try {
        const host = await ctx.openHost(target, spec);
        const dir = await host.resolvePath(target.dir);
        await registerServerEnvSecrets(host, dir, ctx.scrubber);
        const r = await execInService(
          host,
          remoteLayout(dir),
          config.app,
          service!,
          words.command,
          {},
          {
            onStdout: out.push,
            onStderr: err.push,
            ...(options.timeoutMs && { timeoutMs: options.timeoutMs }),
          },
        );
        out.flush();
        err.flush();
        run.code = r.code ?? 1;
      } catch (e) {
        out.flush();
        err.flush();
        run.error = ctx.scrubber.scrub((e as Error).message);
        reporter.item('fail', spec.label, run.error);
      }
      return run;
    }),
  );
  const worst = Math.max(...runs.map((r) => r.code));
  const document = { ok: worst === 0, target: target.name, service, exitCode: worst, hosts: runs };
  if (worst === 0) return reporter.result(document);
  const failing = runs.filter((r) => r.code !== 0).map((r) => `${r.host} exit ${r.code}`);
  throw new GangwayError('E_EXEC_FAILED', worst as ExitCode, `exec in ${service}: ${failing.join(', ')}`, {
    details: document,
  });
}
