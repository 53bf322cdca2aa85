/**
 * Load gangway.yml: parse with positions, validate against the schema, report every problem as
 * `file:line:col key: message`, then resolve paths and hosts into a Config.
 */
import { cronFieldError } from './cron.js';
import { basename, dirname, resolve } from 'node:path';
import type * as z from 'zod';
import { ConfigError, type ConfigProblem } from '../errors.js';
import { parseDuration } from '../util/duration.js';
import { parseConfigSource, readConfigText } from './config-file.js';
import type {
  BackupConfig,
  Config,
  Hook,
  HookEvent,
  NotifyDestination,
  NotifySettings,
  ProxySettings,
  RolloutSettings,
  Target,
} from './config.js';
import { percentValue } from './canary-schema.js';
import { issueMessage } from './issue-message.js';
import { didYouMean } from './did-you-mean.js';
import { resolveCopyTo } from './copy-to.js';
import { parseHostSpec, type HostSpec } from './hosts.js';
import { formatKeyPath } from './key-path.js';
import { resolveLocalPath } from './paths.js';
import { allowedKeysAt, keyPathsBelow } from './schema-keys.js';
import { parseSize } from '../util/size.js';
import {
  configSchema,
  type ParsedBackup,
  type ParsedConfig,
  type ParsedHook,
  type ParsedNotify,
  type ParsedProxy,
  type ParsedRollout,
} from './schema.js';
import { resolveSsh } from './ssh-settings.js';
import type { YamlSource } from './yaml-source.js';

export const DEFAULT_CONFIG_FILE = 'gangway.yml';

export async function loadConfig(configPath: string = DEFAULT_CONFIG_FILE): Promise<Config> {
  const file = resolve(configPath);
  let text: string;
  try {
    text = await readConfigText(file);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT'
        ? 'file not found (create one with `gangway init`, or pass -c FILE)'
        : `cannot read: ${code ?? String(cause)}`;
    throw new ConfigError([{ file: configPath, message }], { cause });
  }
  return parseConfig(text, file, configPath);
}

/** Parse and validate config text. `displayName` is how the file is named in errors. */
export function parseConfig(text: string, file: string, displayName = basename(file)): Config {
  const { source, problems } = parseConfigSource(displayName, text);
  if (problems.length > 0) throw new ConfigError(problems);
  const plain = source.toJS();
  if ('problem' in plain) throw new ConfigError([plain.problem]);
  const raw = plain.value ?? {};
  // jitless: zod would otherwise compile a parser for a schema this process uses once (~8 ms of a command's start)
  const result = configSchema.safeParse(raw, { error: issueMessage, jitless: true });
  if (!result.success)
    throw new ConfigError(byPosition(result.error.issues.flatMap((i) => issueToProblems(i, source, raw))));
  const semantic: ConfigProblem[] = [];
  const config = resolveConfig(result.data, file, (path, message) => {
    const pos = source.locate(path);
    semantic.push({ file: displayName, ...pos, key: formatKeyPath(path), message });
  });
  if (semantic.length > 0) throw new ConfigError(byPosition(semantic));
  return config;
}

function issueToProblems(issue: z.core.$ZodIssue, source: YamlSource, raw: unknown): ConfigProblem[] {
  const file = source.file;
  if (issue.code === 'unrecognized_keys') {
    const allowed = allowedKeysAt(configSchema, issue.path);
    return issue.keys.map((key) => {
      const suggestion = didYouMean(key, allowed);
      const deeper = suggestion ? [] : keyPathsBelow(configSchema, issue.path, key);
      const hint = suggestion
        ? `; did you mean "${suggestion}"?`
        : deeper.length > 0
          ? `; it belongs in a section: did you mean ${deeper[0]}?` +
            (deeper.length > 1 ? ` (also allowed as ${deeper.slice(1, 4).join(', ')})` : '')
          : allowed.length > 0
            ? `; allowed: ${allowed.join(', ')}`
            : '';
      return {
        file,
        ...source.locate(issue.path, key),
        key: formatKeyPath([...issue.path, key]),
        message: `unknown key${hint}`,
      };
    });
  }
  const present = valueAt(raw, issue.path) !== undefined;
  // A map's key that its pattern refuses (proxy.headers): the pattern's own message, not zod's "Invalid key".
  const keyMessage = issue.code === 'invalid_key' ? issue.issues[0]?.message : undefined;
  const message = keyMessage ?? (!present && issue.code === 'invalid_type' ? 'is required' : issue.message);
  return [{ file, ...source.locate(issue.path), key: formatKeyPath(issue.path), message }];
}

function byPosition(problems: ConfigProblem[]): ConfigProblem[] {
  return problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0));
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const part of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[part];
  }
  return v;
}

type Report = (path: PropertyKey[], message: string) => void;

function resolveImage(
  image: NonNullable<ParsedConfig['image']>,
  local: (p: string) => string,
  report: Report,
): NonNullable<Config['image']> {
  const { build } = image;
  if (build && image.delivery === 'build')
    report(
      ['image', 'build'],
      'builds on this machine, but delivery: build builds on the server: choose one (with image.build, delivery ' +
        'is archive, sync or registry)',
    );
  if (build && image.archive !== undefined)
    report(['image', 'archive'], 'is a prebuilt image tar, but image.build builds the image: keep one of the two');
  if (build?.cache === 'registry' && image.delivery !== 'registry')
    report(
      ['image', 'build', 'cache'],
      'registry keeps the build cache next to the image: it needs delivery: registry',
    );
  return {
    ...image,
    ...(image.archive !== undefined && { archive: local(image.archive) }),
    ...(build && { build: { ...build, ...(build.context !== undefined && { context: local(build.context) }) } }),
  };
}

function resolveConfig(parsed: ParsedConfig, file: string, report: Report): Config {
  const baseDir = dirname(file);
  const local = (p: string) => resolveLocalPath(p, baseDir);
  const targets: Record<string, Target> = {};
  for (const [name, t] of Object.entries(parsed.targets)) {
    const hosts: HostSpec[] = [];
    t.hosts.forEach((h, i) => {
      const spec = parseHostSpec(h);
      if ('error' in spec) report(['targets', name, 'hosts', i], spec.error);
      else hosts.push(spec);
    });
    const seen = new Set<string>();
    for (const [i, h] of t.hosts.entries()) {
      if (seen.has(h)) report(['targets', name, 'hosts', i], `"${h}" is listed twice`);
      else seen.add(h);
    }
    const allLocal = t.hosts.every((h) => h === 'local');
    if (!allLocal && t.hosts.includes('local'))
      report(['targets', name, 'hosts'], '"local" cannot be mixed with SSH hosts in one target');
    let dir = t.dir;
    if (allLocal) dir = local(t.dir);
    else if (!t.dir.startsWith('/') && !t.dir.startsWith('~/'))
      report(['targets', name, 'dir'], "must be an absolute path on the server (or ~/… for the SSH user's home)");
    else if (t.dir.split('/').includes('..')) report(['targets', name, 'dir'], 'must not contain ".."');
    if (t.rollout.canary > t.hosts.length)
      report(
        ['targets', name, 'rollout', 'canary'],
        `is ${t.rollout.canary}, but the target has ${t.hosts.length} host${t.hosts.length === 1 ? '' : 's'}`,
      );
    if (t.engine === 'swarm') swarmTargetProblems(parsed, name, (path, message) => report(path, message));
    targets[name] = {
      name,
      hosts,
      dir,
      ssh: resolveSsh(t.ssh, local, name, parsed.ssh),
      engine: t.engine,
      rollout: rolloutSettings(t.rollout),
    };
  }
  const health = parsed.health;
  return {
    file,
    baseDir,
    app: parsed.app,
    compose: (Array.isArray(parsed.compose) ? parsed.compose : [parsed.compose]).map(local),
    ...(parsed.env && {
      env: {
        file: local(parsed.env.file),
        ...(parsed.env.template !== undefined && { template: local(parsed.env.template) }),
        ...(parsed.env.required !== undefined && { required: parsed.env.required }),
        forbidden: parsed.env.forbidden ?? {},
        strict: parsed.env.strict,
      },
    }),
    ...(parsed.image && { image: resolveImage(parsed.image, local, report) }),
    dirs: parsed.dirs,
    health: {
      services: health.services,
      http: health.http.map((h) => ({ url: h.url, retries: h.retries, intervalMs: parseDuration(h.interval) })),
      smoke: health.smoke,
      ...(health.fatal_logs && { fatalLogs: health.fatal_logs }),
      timeoutMs: parseDuration(health.timeout),
    },
    ...(parsed.proxy && { proxy: proxySettings(parsed.proxy) }),
    keep: parsed.keep,
    status: {
      cpuPercent: parsed.status.cpu_percent,
      memoryPercent: parsed.status.memory_percent,
      diskFreePercent: parsed.status.disk_free_percent,
    },
    backups: resolveBackups(parsed.backups, report),
    hooks: resolveHooks(parsed.hooks, report),
    ...(parsed.notify && { notify: resolveNotify(parsed.notify, report) }),
    metrics: { textfile: parsed.metrics.textfile },
    monitoring: parsed.monitoring,
    records: local(parsed.records),
    targets,
  };
}

/**
 * A swarm target deploys once, on one manager, with Swarm's own rolling updates: what only the compose engine
 * does (blue/green, a rollout across hosts, commands run in a compose service) is refused where it is written.
 */
function swarmTargetProblems(parsed: ParsedConfig, name: string, report: Report): void {
  const t = parsed.targets[name]!;
  const why = `targets.${name}.engine is swarm`;
  if (parsed.proxy)
    report(['proxy'], `blue/green behind the proxy is for the compose engine (${why}: Swarm updates start-first)`);
  const r = t.rollout;
  if (r.canary !== 0 || r.batch !== undefined || r.pause !== '0s' || r.on_failure !== 'rollback_all')
    report(
      ['targets', name, 'rollout'],
      "is for compose targets with several hosts; a swarm target's hosts are managers, of which one deploys",
    );
  for (const event of ['before_deploy', 'after_deploy', 'on_failure'] as const)
    parsed.hooks[event].forEach((h, i) => {
      if (h.on === 'service')
        report(['hooks', event, i, 'on'], `service hooks run \`docker compose exec\`: not on a swarm target (${why})`);
    });
}

function resolveBackups(backups: ParsedBackup[], report: Report): BackupConfig[] {
  const seen = new Set<string>();
  return backups.map((b, i) => {
    if (seen.has(b.name)) report(['backups', i, 'name'], `"${b.name}" is used by another backup`);
    seen.add(b.name);
    const cronError = b.schedule !== undefined ? cronFieldError(b.schedule) : undefined;
    if (cronError) report(['backups', i, 'schedule'], cronError);
    kindProblems(b, (key, message) => report(['backups', i, key], message));
    const copyTo =
      b.copy_to && resolveCopyTo(b.copy_to, (key, m) => report(['backups', i, 'copy_to', ...(key ? [key] : [])], m));
    return {
      name: b.name,
      kind: b.kind,
      service: b.service ?? '',
      database: b.database ?? '',
      user: b.user ?? '',
      ...(b.paths && { paths: b.paths }),
      ...(copyTo && { copyTo }),
      ...(b.password !== undefined && { passwordKey: b.password.slice(2, -1) }),
      dir: b.dir ?? `backups/${b.name}`,
      ...(b.schedule !== undefined && { schedule: b.schedule }),
      keep: b.keep,
      verify: b.verify,
      rpoMs: parseDuration(b.rpo),
      ageRecipients: b.encrypt?.age_recipients ?? [],
    };
  });
}

/** What a kind needs and what it does not use, each said where it is written. */
function kindProblems(b: ParsedBackup, report: (key: string, message: string) => void): void {
  if (b.kind === 'postgres') {
    for (const key of ['service', 'database', 'user'] as const)
      if (b[key] === undefined) report(key, 'is required for kind postgres');
    if (b.paths !== undefined) report('paths', 'is for kind files (a postgres backup dumps its database)');
    return;
  }
  if (b.paths === undefined) report('paths', 'is required for kind files: the directories or volume:NAME to back up');
  for (const key of ['service', 'database', 'user', 'password'] as const)
    if (b[key] !== undefined) report(key, 'is for kind postgres (a files backup reads its paths)');
}

function rolloutSettings(r: ParsedRollout): RolloutSettings {
  const batch =
    r.batch === undefined
      ? undefined
      : typeof r.batch === 'number'
        ? { count: r.batch }
        : { percent: Number(r.batch.slice(0, -1)) };
  return { canary: r.canary, ...(batch && { batch }), pauseMs: parseDuration(r.pause), onFailure: r.on_failure };
}

function resolveHooks(hooks: ParsedConfig['hooks'], report: Report): Record<HookEvent, Hook[]> {
  const resolve = (event: HookEvent) =>
    hooks[event].map((h: ParsedHook, i): Hook => {
      if (h.on === 'service' && h.service === undefined)
        report(['hooks', event, i, 'service'], 'is required with on: service (the compose service to run it in)');
      if (h.on !== 'service' && h.service !== undefined)
        report(['hooks', event, i, 'service'], `is only used with on: service (this hook runs on: ${h.on})`);
      return {
        run: h.run,
        on: h.on,
        ...(h.service !== undefined && { service: h.service }),
        timeoutMs: parseDuration(h.timeout),
      };
    });
  return {
    before_deploy: resolve('before_deploy'),
    after_deploy: resolve('after_deploy'),
    on_failure: resolve('on_failure'),
  };
}

/** Each destination's own keys: a missing one or one of another type is reported where it is. */
function resolveNotify(n: ParsedNotify, report: Report): NotifySettings {
  const own = { slack: ['url_env'], webhook: ['url_env'], email: ['smtp_url_env', 'to', 'from'] } as const;
  const to = n.to.flatMap((d, i): NotifyDestination[] => {
    const at = (key: string) => ['notify', 'to', i, key];
    for (const key of ['url_env', 'smtp_url_env', 'to', 'from'] as const)
      if (d[key] !== undefined && !(own[d.type] as readonly string[]).includes(key))
        report(at(key), `is not used with type: ${d.type}`);
    if (d.type === 'email') {
      if (d.smtp_url_env === undefined) report(at('smtp_url_env'), 'is required with type: email');
      if (d.to === undefined) report(at('to'), 'is required with type: email (the recipients)');
      if (d.smtp_url_env === undefined || d.to === undefined) return [];
      return [{ type: 'email', smtpUrlEnv: d.smtp_url_env, to: d.to, ...(d.from !== undefined && { from: d.from }) }];
    }
    if (d.url_env === undefined) {
      report(at('url_env'), `is required with type: ${d.type} (the environment variable holding the URL)`);
      return [];
    }
    return [{ type: d.type, urlEnv: d.url_env }];
  });
  return { on: [...new Set(n.on)], to, timeoutMs: parseDuration(n.timeout), retries: n.retries };
}

function proxySettings(p: ParsedProxy): ProxySettings {
  return {
    service: p.service,
    port: p.port,
    domains: p.domains,
    tls: p.tls ?? (p.domains.length ? 'auto' : 'off'),
    listen: p.listen,
    health: {
      path: p.health.path,
      intervalMs: parseDuration(p.health.interval),
      passes: p.health.passes,
      timeoutMs: parseDuration(p.health.timeout),
    },
    drainMs: parseDuration(p.drain),
    standby: p.standby,
    image: p.image,
    headers: p.headers,
    maxBodyBytes: parseSize(p.max_body),
    ...(p.metrics !== undefined && { metrics: p.metrics }),
    ...(p.canary && {
      canary: {
        steps: p.canary.steps,
        intervalMs: parseDuration(p.canary.interval),
        maxErrorRate: percentValue(p.canary.max_error_rate),
        maxP99Ms: parseDuration(p.canary.max_p99),
        minRequests: p.canary.min_requests,
      },
    }),
  };
}

/**
 * Pick the target: the one named, or the only one. `command` is the command line that was run, without the
 * target (`gangway deploy`): "several targets" shows it with one.
 */
export function selectTarget(config: Config, name: string | undefined, command = 'gangway check'): Target {
  const names = Object.keys(config.targets);
  if (name === undefined) {
    if (names.length === 1) return config.targets[names[0]!]!;
    throw new ConfigError([
      {
        file: basename(config.file),
        message: `several targets (${names.join(', ')}): name one, e.g. \`${command} ${names[0]}\``,
      },
    ]);
  }
  const target = config.targets[name];
  if (target) return target;
  const suggestion = didYouMean(name, names);
  throw new ConfigError([
    {
      file: basename(config.file),
      key: `targets.${name}`,
      message: `no such target${suggestion ? `; did you mean "${suggestion}"?` : ''} (targets: ${names.join(', ')})`,
    },
  ]);
}
