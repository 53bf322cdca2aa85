/** The command line: every command of SPEC.md, its flags and its one-line description. */
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Reporter } from '../output/reporter.js';
import type { Scrubber } from '../redact/scrubber.js';
import { durationWithin, parseDuration } from '../util/duration.js';
import type { CommandContext, GlobalOptions } from './context.js';
import { VERSION } from '../version.js';
import { commandPath, finishHelp, HELP_CONFIGURATION } from './help-setup.js';

/** -vv */
const COUNTS_VERBOSITY = 2;

type Action = (ctx: CommandContext, args: string[], options: Record<string, unknown>) => Promise<void>;
/** A command that connects to every host of its target: which target, from its arguments (cli/early-connect.ts). */
type ConnectsTo = (args: string[]) => string | undefined;

export function createProgram(reporter: Reporter, scrubber: Scrubber): Command {
  const program = new Command('gangway')
    .description(
      'Deploy a Docker Compose stack to Linux servers over SSH (or the local Docker engine), with preflight checks, ' +
        'health gates and rollback.',
    )
    .version(VERSION, '-V, --version')
    .option('-c, --config <file>', 'path of gangway.yml', 'gangway.yml')
    .option('--json', 'print one JSON document on stdout (progress goes to stderr)')
    .option('--no-color', 'no colours (also: NO_COLOR=1)')
    .option('-v, --verbose', 'more detail; repeat for more', (_: string, n: number) => n + 1, 0)
    .option('--accept-new-host-key', 'trust and record the host key of a server seen for the first time')
    .exitOverride()
    .configureHelp(HELP_CONFIGURATION);

  const action = (fn: Action, connectsTo?: ConnectsTo) =>
    async function (this: Command, ...raw: unknown[]) {
      const command = raw.at(-1) as Command;
      const options = command.opts();
      const args = command.args;
      const globals = command.optsWithGlobals<GlobalOptions>();
      // The SSH handshakes start before the config loader and its schema load (never one that may record a key).
      if (connectsTo && !globals.acceptNewHostKey)
        await (await import('./early-connect.js')).connectEarly(globals.config ?? 'gangway.yml', connectsTo(args));
      // Loaded here, not at the top: `--version` and `--help` need neither the config loader nor SSH.
      const { createContext } = await import('./context.js');
      const ctx = createContext(reporter, scrubber, globals, commandLine(command));
      // -vv: what the run cost in connections, round trips and processes (also `counts` in the --json document).
      const counted = reporter.verbose >= COUNTS_VERBOSITY;
      const stopWatching = counted ? ctx.counts.watchLocalProcesses() : undefined;
      if (counted) reporter.addToResult('counts', () => ctx.counts.toJSON());
      try {
        await fn(ctx, args, options);
      } finally {
        await ctx.closeHosts();
        stopWatching?.();
        if (counted && !ctx.counts.empty) for (const line of ctx.counts.lines()) reporter.debug(line);
      }
    };
  const sub = (name: string, description: string) => program.command(name).description(description).exitOverride();

  sub('init', "scaffold gangway.yml, an env template from an existing .env's keys, and .gitignore lines")
    .option('--env <file>', 'existing env file whose keys become the template', '.env')
    .option('--force', 'overwrite an existing gangway.yml')
    .action(
      action(async (ctx, _args, o) =>
        (await import('./commands/init.js')).runInit(ctx, { envFile: o.env as string, force: o.force === true }),
      ),
    );

  sub(
    'check',
    'preflight only: configuration, local files, and each host (SSH, Docker, Compose, deploy dir); changes nothing',
  )
    .argument('[target]', 'target in gangway.yml (may be omitted when there is one)')
    .action(
      action(
        async (ctx, [target]) => (await import('./commands/check.js')).runCheck(ctx, target),
        ([target]) => target,
      ),
    );

  sub('deploy', 'deliver the image, upload compose files and env atomically, apply, health-gate, roll back on failure')
    .argument('[target]', 'target in gangway.yml')
    .option('--tag <tag>', 'image tag to deploy (default: the image.tag rule)')
    .option('--env-only', 'replace only the env file and recreate the services whose environment changed')
    .option('--dry-run', 'print the plan and change nothing')
    .option('--platform <os/arch>', "image.build: build for this platform (default: the hosts' platform)")
    .option('--no-build', 'image.build: deploy the image as it is (built earlier by gangway build)')
    .option('--end-maintenance', 'proxy: end maintenance mode once the new release serves (it stays on otherwise)')
    .addOption(yesOption())
    .addOption(lockWaitOption())
    .addOption(hostOption())
    .action(
      action(async (ctx, [target], o) =>
        (await import('./commands/deploy.js')).runDeploy(ctx, target, {
          ...hostsOf(o),
          ...(typeof o.tag === 'string' && { tag: o.tag }),
          ...(typeof o.platform === 'string' && { platform: o.platform }),
          noBuild: o.build === false,
          endMaintenance: o.endMaintenance === true,
          envOnly: o.envOnly === true,
          dryRun: o.dryRun === true,
          yes: o.yes === true,
          lockWaitMs: lockWaitMs(o),
        }),
      ),
    );

  sub('build', "image.build only: build for the target's hosts' platform and, with registry delivery, push")
    .argument('[target]', 'target in gangway.yml (its hosts say which platform)')
    .option('--tag <tag>', 'image tag (default: the image.tag rule)')
    .option('--platform <os/arch>', 'build for this platform instead of asking the hosts')
    .option('--dry-run', 'print the build command and build nothing')
    // Nothing asks here; accepted so scripts can pass --yes to every command that changes something.
    .addOption(yesOption())
    .action(
      action(async (ctx, [target], o) =>
        (await import('./commands/build.js')).runBuild(ctx, target, {
          ...(typeof o.tag === 'string' && { tag: o.tag }),
          ...(typeof o.platform === 'string' && { platform: o.platform }),
          dryRun: o.dryRun === true,
        }),
      ),
    );

  sub('rollback', 'go back to the last good release (or --to a retained tag) through the same health gate')
    .argument('[target]', 'target in gangway.yml')
    .option('--to <tag>', 'a retained tag to roll back to')
    .option('--dry-run', 'print the plan and change nothing')
    .addOption(yesOption())
    .addOption(lockWaitOption())
    .addOption(hostOption())
    .action(
      action(async (ctx, [target], o) =>
        (await import('./commands/rollback.js')).runRollback(ctx, target, {
          ...hostsOf(o),
          ...(typeof o.to === 'string' && { to: o.to }),
          dryRun: o.dryRun === true,
          yes: o.yes === true,
          lockWaitMs: lockWaitMs(o),
        }),
      ),
    );

  program
    .command('ci')
    .description('CI integration')
    .command('github')
    .description('write .github/workflows/deploy-<target>.yml: deploy on a pushed tag, host keys pinned')
    .option('--target <name>', 'target in gangway.yml (may be omitted when there is one)')
    .option('--out <file>', 'where to write the workflow (default .github/workflows/deploy-<target>.yml)')
    .exitOverride()
    .action(
      action(async (ctx, _args, o) =>
        (await import('./commands/ci-github.js')).runCiGithub(ctx, {
          ...(typeof o.target === 'string' && { target: o.target }),
          ...(typeof o.out === 'string' && { out: o.out }),
        }),
      ),
    );

  sub('status', 'GO / NO-GO per host: tags, services, health, resources, disk, lock, drift')
    .argument('[target]', 'target in gangway.yml')
    .addOption(hostOption())
    .addOption(
      new Option('--format <format>', 'text, or prometheus: the go/no-go as gauges on stdout')
        .choices(['text', 'prometheus'])
        .default('text'),
    )
    .option('--no-notify', 'send no no_go notification (for dashboards and scripts that poll)')
    .action(
      action(async (ctx, [target], o) =>
        (await import('./commands/status.js')).runStatus(
          ctx,
          target,
          hostsOf(o).hosts,
          o.format === 'prometheus' ? 'prometheus' : 'text',
          o.notify !== false,
        ),
      ),
    );

  sub('drift', 'has a server changed outside gangway? compose files, .env keys (names only), modes, containers, dirs')
    .argument('[target]', 'target in gangway.yml')
    .action(action(async (ctx, [target]) => (await import('./commands/drift.js')).runDrift(ctx, target)));

  sub('metrics', "Prometheus exposition of every host's deploy, health-gate and backup metrics (host label)")
    .argument('[target]', 'target in gangway.yml')
    .action(action(async (ctx, [target]) => (await import('./commands/metrics.js')).runMetrics(ctx, target)));

  const monitoring = sub('monitoring', 'Prometheus alert rules and scrape jobs, a Grafana dashboard').usage(
    'rules|scrape|dashboard [target] [--out FILE]',
  );
  monitoring
    .command('rules')
    .description("write the ops plan's Prometheus alert rules (monitoring.alerts): one target, or a group per target")
    .argument('[target]', 'target in gangway.yml')
    .option('--out <file>', 'write the rules file here (default: print it)')
    .exitOverride()
    .action(
      action(async (ctx, [target], o) =>
        (await import('./commands/monitoring.js')).runMonitoringRules(ctx, target, o.out as string | undefined),
      ),
    );
  monitoring
    .command('scrape')
    .description("print Prometheus scrape jobs for every host of a target: node_exporter, the proxy's metrics")
    .argument('[target]', 'target in gangway.yml')
    .exitOverride()
    .action(
      action(async (ctx, [target]) => (await import('./commands/monitoring.js')).runMonitoringScrape(ctx, target)),
    );
  monitoring
    .command('dashboard')
    .description('write a Grafana dashboard: deploys, gates, requests, errors, p99, backups, disk, memory, CPU')
    .option('--out <file>', 'write the dashboard JSON here, e.g. monitoring/grafana/app.json (default: print it)')
    .exitOverride()
    .action(
      action(async (ctx, _args, o) =>
        (await import('./commands/monitoring.js')).runMonitoringDashboard(ctx, o.out as string | undefined),
      ),
    );

  sub('ui', 'local dashboard on 127.0.0.1: every target and host, releases, locks, backups, drift; live deploys')
    .addOption(new Option('--port <n>', 'port on 127.0.0.1').argParser(port).default(0, 'a free one'))
    .option('--open', 'open it in the default browser')
    .action(
      action(async (ctx, _args, o) =>
        (await import('./commands/ui.js')).runUi(ctx, { port: o.port as number, open: o.open === true }),
      ),
    );

  sub('releases', 'release history per host, newest first')
    .argument('[target]', 'target in gangway.yml')
    .addOption(new Option('--limit <n>', 'show at most N releases per host').argParser(positiveInt).default(20))
    .action(
      action(async (ctx, [target], o) =>
        (await import('./commands/releases.js')).runReleases(ctx, target, { limit: o.limit as number }),
      ),
    );

  sub('logs', 'compose logs from every host of a target, prefixed by host, secrets masked')
    .argument('[target]', 'target in gangway.yml')
    .argument('[service]', 'one compose service (default: all)')
    .option('-f, --follow', 'follow until interrupted')
    .addOption(new Option('--tail <n>', 'lines from the end of each log').argParser(positiveInt).default(100))
    .addOption(hostOption())
    .action(
      action(async (ctx, [target, service], o) =>
        (await import('./commands/logs.js')).runLogs(ctx, target, service, {
          follow: o.follow === true,
          tail: o.tail as number,
          ...hostsOf(o),
        }),
      ),
    );

  sub('exec', "run a command in a service's container on every host (output prefixed by host, masked)")
    .usage('[options] [target] <service> -- <command...>')
    // For help only: the words are split at `--` by splitExecWords (commander drops the `--` itself).
    .argument('[target]', 'target in gangway.yml (may be omitted when there is one)')
    .argument('[service]', 'the compose service to run the command in')
    .argument('[command...]', 'after --: the command and its arguments')
    .addOption(hostOption())
    .addOption(new Option('--timeout <duration>', 'stop the command after this long').argParser(durationArg))
    .addOption(yesOption())
    .action(
      action(async (ctx, args, o) => {
        const { runExec, splitExecWords } = await import('./commands/exec.js');
        return runExec(ctx, splitExecWords(args, rawArgs(program)), {
          ...hostsOf(o),
          ...(typeof o.timeout === 'number' && { timeoutMs: o.timeout }),
        });
      }),
    );

  const backup = sub(
    'backup',
    'take a backup now (PostgreSQL: pg_dump -Fc; files: a tar with a manifest), copy it off-site, or `backup schedule`',
  )
    .argument('[target]', 'target in gangway.yml')
    .argument('[name]', 'a backups: entry (may be omitted when there is one)')
    .option('--download <dir>', 'also copy the backup to this local directory (with progress)')
    .addOption(yesOption())
    .action(
      action(async (ctx, [target, name], o) =>
        (await import('./commands/backup.js')).runBackup(ctx, target, name, {
          ...(typeof o.download === 'string' && { download: o.download }),
        }),
      ),
    );
  backup
    .command('schedule')
    .description('install (or replace) the cron entry that runs backup, retention and restore tests on the server')
    .argument('[target]', 'target in gangway.yml')
    .addOption(yesOption())
    .exitOverride()
    .action(
      action(async (ctx, [target]) => (await import('./commands/backup-schedule.js')).runBackupSchedule(ctx, target)),
    );

  sub('backups', 'list backups per host: time, size, sha256, verified')
    .argument('[target]', 'target in gangway.yml')
    .argument('[name]', 'a backups: entry (default: all)')
    .action(
      action(async (ctx, [target, name]) => (await import('./commands/backup.js')).runBackups(ctx, target, name)),
    );

  sub('restore', 'check a backup (default: the newest) without touching the app (--verify), or put it back live')
    .usage('[target] name [backup] --verify | --into-live --yes')
    .argument('[target]', 'target in gangway.yml (may be omitted when there is one)')
    .argument('[name]', 'a backups: entry (may be omitted when there is one)')
    .argument('[backup]', 'the backup file to restore, as `gangway backups` lists it (default: the newest)')
    .option(
      '--verify',
      'check it and record it, the app untouched: postgres — restore into a throwaway container (no ports, no ' +
        'live volume), count rows; files — extract into a temp dir, compare with the manifest',
    )
    .option(
      '--into-live',
      'replace the live data under the deploy lock, a safety backup first: postgres — the database; files — ' +
        'stop the services that mount the paths, restore them, start the services; then the health gate',
    )
    .option('--identity <file>', 'age identity (private key) to decrypt an encrypted backup here')
    .addOption(yesOption())
    .action(
      action(async (ctx, args, o) =>
        (await import('./commands/backup.js')).runRestore(ctx, args, {
          verify: o.verify === true,
          intoLive: o.intoLive === true,
          yes: o.yes === true,
          ...(typeof o.identity === 'string' && { identity: o.identity }),
        }),
      ),
    );

  const lock = sub('lock', 'show (status) or release the deploy lock').usage('status|release [target] [--force]');
  lock
    .command('status')
    .description('who holds the deploy lock and since when')
    .argument('[target]', 'target in gangway.yml')
    .exitOverride()
    .action(action(async (ctx, [target]) => (await import('./commands/lock.js')).runLockStatus(ctx, target)));
  lock
    .command('release')
    .description("release the deploy lock (yours, or a dead holder's; --force for any)")
    .argument('[target]', 'target in gangway.yml')
    .option('--force', 'release a lock held by someone else (recorded)')
    .addOption(yesOption())
    .exitOverride()
    .action(
      action(async (ctx, [target], o) =>
        (await import('./commands/lock.js')).runLockRelease(ctx, target, {
          force: o.force === true,
          yes: o.yes === true,
        }),
      ),
    );

  const maintenance = sub(
    'maintenance',
    'proxied apps: the proxy answers 503 with a page (on), or the app (off)',
  ).usage('on|off [target] [--message TEXT]');
  maintenance
    .command('on')
    .description('the proxy answers every request for the app with 503, a maintenance page and Retry-After')
    .argument('[target]', 'target in gangway.yml')
    .option('--message <text>', 'the text of the page (escaped as HTML; blank lines make paragraphs)')
    .addOption(yesOption())
    .addOption(hostOption())
    .exitOverride()
    .action(
      action(async (ctx, [target], o) =>
        (await import('./commands/maintenance.js')).runMaintenance(ctx, 'on', target, {
          ...hostsOf(o),
          ...(typeof o.message === 'string' && { message: o.message }),
          yes: o.yes === true,
        }),
      ),
    );
  maintenance
    .command('off')
    .description('the proxy passes requests to the colour in service again')
    .argument('[target]', 'target in gangway.yml')
    .addOption(yesOption())
    .addOption(hostOption())
    .exitOverride()
    .action(
      action(async (ctx, [target], o) =>
        (await import('./commands/maintenance.js')).runMaintenance(ctx, 'off', target, {
          ...hostsOf(o),
          yes: o.yes === true,
        }),
      ),
    );

  const env = sub('env', "compare the local env file with the server's (diff)").usage('diff [target]');
  env
    .command('diff')
    .description('keys added, removed and changed versus the server (names only, never values)')
    .argument('[target]', 'target in gangway.yml')
    .option('--exit-code', 'exit 1 when any key differs (like git diff --exit-code)')
    .exitOverride()
    .action(
      action(async (ctx, [target], o) =>
        (await import('./commands/env-diff.js')).runEnvDiff(ctx, target, { exitCode: o.exitCode === true }),
      ),
    );

  finishHelp(program);
  return program;
}

/** How to run this command again with a target: `gangway deploy`, `gangway ci github --target`. */
function commandLine(command: Command): string {
  const takesTarget = command.options.some((o) => o.long === '--target');
  return `gangway ${commandPath(command)}${takesTarget ? ' --target' : ''}`;
}

/**
 * The command line as given: commander drops `--` from a command's operands but keeps the whole line in
 * `rawArgs` (set by parse(); not in its type declarations).
 */
function rawArgs(program: Command): string[] {
  return (program as unknown as { rawArgs?: string[] }).rawArgs ?? [];
}

function lockWaitMs(options: Record<string, unknown>): number {
  return typeof options.lockWait === 'number' ? options.lockWait : 0;
}

function hostOption(): Option {
  return new Option(
    '--host <host>',
    'only this host of the target (repeatable; as in gangway.yml, or its name)',
  ).argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]);
}
const hostsOf = (o: Record<string, unknown>) => ({ hosts: (o.host as string[] | undefined) ?? [] });

/** Every command that changes a server or the registry takes --yes (SPEC), so scripts can pass it to each alike. */
function yesOption(): Option {
  return new Option('--yes', 'do not ask for confirmation');
}

const MAX_LOCK_WAIT = '24h';

function lockWaitOption(): Option {
  const description = `wait this long for another deploy's lock (e.g. 5m; at most ${MAX_LOCK_WAIT})`;
  return new Option('--lock-wait <duration>', description).argParser(durationArg);
}

function durationArg(value: string): number {
  let ms: number;
  try {
    ms = parseDuration(value);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
  if (!durationWithin(value, MAX_LOCK_WAIT)) throw new InvalidArgumentError(`must be at most ${MAX_LOCK_WAIT}`);
  return ms;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number (0-65535)');
  return n;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive whole number');
  return n;
}
