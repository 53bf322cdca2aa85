/**
 * `gangway logs [TARGET] [SERVICE] [-f] [--tail N]`: compose logs from every host of the target, each line
 * prefixed by its host and masked. `-f` follows until interrupted, then closes its SSH channels cleanly.
 */
import { narrowTarget } from '../../config/narrow-hosts.js';
import { posix } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { Config, Target } from '../../config/config.js';
import type { HostSpec } from '../../config/hosts.js';
import { detectCompose } from '../../docker/compose-cli.js';
import type { Host } from '../../hosts/host.js';
import { remoteLayout } from '../../server/layout.js';
import { ExitCode, GangwayError } from '../../errors.js';
import { registerLocalEnvSecrets, registerServerEnvSecrets } from '../../operate/server-secrets.js';
import { strategyFor } from '../../strategy/index.js';
import type { CommandContext } from '../context.js';
import { managerTarget } from '../swarm-target.js';

export async function runLogs(
  ctx: CommandContext,
  targetName: string | undefined,
  service: string | undefined,
  options: { follow: boolean; tail: number; hosts?: string[] },
): Promise<void> {
  const { reporter } = ctx;
  const hosts = options.hosts ?? [];
  const config = await ctx.loadConfig();
  const target = await managerTarget(ctx, config, narrowTarget(ctx.target(config, targetName), hosts));
  await registerLocalEnvSecrets(config, ctx.scrubber);
  const stop = new AbortController();
  const onInterrupt = () => stop.abort();
  process.once('SIGINT', onInterrupt);
  process.once('SIGTERM', onInterrupt);
  const collected: { host: string; lines: string[] }[] = [];
  try {
    await Promise.all(
      target.hosts.map(async (spec) => {
        const lines: string[] = [];
        collected.push({ host: spec.label, lines });
        await streamHostLogs(ctx, config, target, spec, service, options, stop.signal, (line) => {
          if (reporter.json) lines.push(ctx.scrubber.scrub(line));
          else reporter.info(`${spec.label} | ${line}`);
        });
      }),
    );
  } finally {
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
  }
  reporter.result({ ok: true, target: target.name, ...(service && { service }), hosts: collected });
}

async function streamHostLogs(
  ctx: CommandContext,
  config: Config,
  target: Target,
  spec: HostSpec,
  service: string | undefined,
  options: { follow: boolean; tail: number },
  signal: AbortSignal,
  onLine: (line: string) => void,
): Promise<void> {
  const { app } = config;
  const strategy = strategyFor(config, target);
  const host = await ctx.openHost(target, spec);
  const dir = await host.resolvePath(target.dir);
  const layout = remoteLayout(dir);
  await registerServerEnvSecrets(host, dir, ctx.scrubber);
  if (strategy.logCommands) {
    const runs = await strategy.logCommands(host, { app, service, ...options, label: spec.label });
    await Promise.all(runs.map((argv) => streamCommand(host, argv, spec.label, signal, onLine)));
    return;
  }
  const cli = await detectCompose(host);
  if (!cli) throw new GangwayError('E_NO_COMPOSE', ExitCode.failed, `${spec.label}: no Compose found`);
  // The files and tag of the release in place, so Compose sees the project exactly as it was deployed.
  const current = await host.exec([
    'sh',
    '-c',
    'c=$(cat "$1/current" 2>/dev/null) && cat "$1/releases/$c/tag" && ' +
      // blue/green: the colour in service (or a blank line) and the release's colour file
      'echo "$(cat "$1/proxy/serving" 2>/dev/null) $1/releases/$c/colour.yml" && cat "$1/releases/$c/files"',
    'sh',
    layout.state,
  ]);
  if (current.code !== 0)
    throw new GangwayError('E_NOTHING_DEPLOYED', ExitCode.failed, `${spec.label}: nothing is deployed in ${dir}`);
  const [tag, colourLine = '', ...files] = current.stdout.trim().split('\n');
  const [colour, colourFile = ''] = colourLine.split(' ');
  const composeArgv = (projectName: string, extra: string[], env: string[], only: string | undefined) => [
    'env',
    `IMAGE_TAG=${tag}`,
    ...env,
    ...cli.argv,
    '-p',
    projectName,
    '--project-directory',
    dir,
    ...files.flatMap((f) => ['-f', posix.join(dir, f)]),
    ...extra,
    '--env-file',
    posix.join(dir, '.env'),
    'logs',
    '--no-color',
    '--tail',
    String(options.tail),
    ...(options.follow ? ['--follow'] : []),
    ...(only ? [only] : []),
  ];
  // Blue/green: the proxied service's logs are those of the colour in service.
  const coloured = strategy.colouredService?.(config);
  const inColour = coloured !== undefined && colour !== '' && (!service || service === coloured);
  const runs = [
    ...(service && inColour ? [] : [composeArgv(app, [], [], service)]),
    ...(inColour ? [composeArgv(`${app}-${colour}`, ['-f', colourFile], [`GANGWAY_COLOUR=${colour}`], coloured)] : []),
  ];
  await Promise.all(runs.map((argv) => streamCommand(host, argv, spec.label, signal, onLine)));
}

async function streamCommand(
  host: Host,
  argv: string[],
  label: string,
  signal: AbortSignal,
  onLine: (line: string) => void,
): Promise<void> {
  let partial = '';
  // A character whose bytes two chunks share is decoded whole (a secret holding it would otherwise escape the mask).
  const decoder = new StringDecoder('utf8');
  const feed = (chunk: Buffer) => {
    const lines = (partial + decoder.write(chunk)).split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) onLine(stripAnsi(l));
  };
  try {
    const r = await host.exec(argv, { onStdout: feed, onStderr: feed, signal });
    partial += decoder.end();
    if (partial) onLine(stripAnsi(partial));
    if (r.code !== 0 && !signal.aborted)
      throw new GangwayError('E_LOGS', ExitCode.failed, `${label}: compose logs failed (exit ${r.code})`);
  } catch (e) {
    if (signal.aborted) return; // interrupted: the channel is closed, which is what the user asked for
    throw e;
  }
}

/** Compose writes terminal control sequences (line clearing, colours) even into a pipe. */
function stripAnsi(line: string): string {
  return line.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
}
