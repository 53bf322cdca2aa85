/**
 * gangway.yml: the one schema in code. `schema/gangway.schema.json` is generated from it
 * (`npm run schema`) and a test fails when the two drift.
 */
import { isIP } from 'node:net';
import * as z from 'zod';
import { DURATION_PATTERN, durationWithin, parseDuration } from '../util/duration.js';
import { backupPaths, copyToSchema } from './backup-files-schema.js';
import { canarySchema } from './canary-schema.js';
import { monitoringSchema, proxyMetricsAddress } from './monitoring-schema.js';
import { HEADER_KEY_PATTERN } from './header-name.js';
import { parseSize, SIZE_PATTERN } from '../util/size.js';

/**
 * A duration, at most `max`: unbounded ones overflow the shell arithmetic and timers they end up in.
 * (The bound is skipped for text that is no duration at all: the pattern reports that.)
 */
const duration = (max: string) =>
  z
    .string()
    .regex(DURATION_PATTERN, 'must be a duration such as 500ms, 3s, 2m or 1h')
    .refine((t) => !DURATION_PATTERN.test(t) || durationWithin(t, max), `must be at most ${max}`)
    .meta({ description: `A duration: 500ms, 3s, 2m, 1h, 1m30s (at most ${max})`, 'x-duration-max': max });

/**
 * Names and paths that reach files, shells and the server: a NUL or other control character in them
 * truncates or splits them on the way, so none is allowed.
 */
const CONTROL_CHARS = /^[^\u0000-\u001f\u007f-\u009f]*$/;
const CONTROL_MESSAGE = 'must not contain control characters (NUL, tab, newline, …)';
/** Log patterns may hold a tab (Java stack traces); a NUL or line break would break the grep they reach. */
const PATTERN_CHARS = /^[^\u0000-\u0008\u000a-\u001f\u007f-\u009f]*$/;
const logPattern = z.string().min(1).regex(PATTERN_CHARS, 'must not contain control characters other than tab');
const text = () => z.string().min(1).regex(CONTROL_CHARS, CONTROL_MESSAGE);

/** A relative path below the deploy directory: no leading `/`, no `..` segment. */
const relativeDir = text().refine(
  (p) => !p.startsWith('/') && !p.split('/').includes('..'),
  'must be a relative path inside the deploy directory (no leading / and no ..)',
);

const envKey = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*)');

const envSchema = z
  .object({
    file: text().meta({
      description: 'The env file with real values; becomes <dir>/.env (0600) on the server',
      examples: ['.env.production'],
    }),
    template: text()
      .optional()
      .meta({
        description: 'The keys that must exist (values in the template are ignored)',
        examples: ['.env.example'],
      }),
    required: z
      .array(envKey)
      .optional()
      .meta({ description: 'Keys that must be non-empty (default: every template key)', examples: [['DATABASE_URL']] }),
    forbidden: z
      .record(envKey, envKey)
      .optional()
      .meta({
        description: 'Non-standard name -> the standard name to use instead',
        examples: [{ DB_URL: 'DATABASE_URL' }],
      }),
    strict: z
      .boolean()
      .default(false)
      .meta({ description: 'Keys in the env file but not in the template are errors, not warnings' }),
  })
  .strict();

/** `image.build`: the image is built on this machine (or the CI runner) before it is delivered. */
const imageBuildSchema = z
  .object({
    context: text()
      .optional()
      .meta({
        description:
          "Build context, relative to gangway.yml (default: the compose service's build context, else " +
          "gangway.yml's dir)",
        examples: ['.', 'web'],
      }),
    dockerfile: text()
      .optional()
      .meta({ description: 'Dockerfile, relative to the context (default Dockerfile)', examples: ['Dockerfile.prod'] }),
    target: text()
      .optional()
      .meta({ description: 'The Dockerfile stage to build (--target)', examples: ['runtime'] }),
    args: z
      .record(envKey, z.string().regex(CONTROL_CHARS, CONTROL_MESSAGE))
      .default({})
      .meta({
        description: 'Build arguments (--build-arg); not for secrets: they stay in the image history',
        examples: [{ NODE_ENV: 'production' }],
      }),
    secrets: z
      .array(envKey)
      .default([])
      .meta({
        description:
          'Build secrets by environment variable name (--secret id=NAME,env=NAME; RUN --mount=type=secret,id=NAME); ' +
          'the value comes from the environment, else the env file',
        examples: [['NPM_TOKEN']],
      }),
    platform: z
      .string()
      .regex(/^[a-z0-9]+\/[a-z0-9]+(?:\/[a-z0-9]+)?$/, 'must be a platform such as linux/amd64 or linux/arm/v7')
      .optional()
      .meta({
        description: "Platform to build for (default: the target's hosts' platform, from docker info)",
        examples: ['linux/amd64', 'linux/arm64'],
      }),
    cache: z
      .enum(['local', 'registry', 'none'])
      .default('local')
      .meta({
        description:
          "local: this machine's build cache (buildx local cache in .gangway/cache where the builder can " +
          'export it) | ' +
          'registry: cache kept in the registry as <name>:buildcache (for CI runners that start empty) | none',
      }),
  })
  .strict();

const imageSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-z0-9]+(?:[._/:-][a-z0-9]+)*$/, 'must be an image name such as ghcr.io/acme/app (lower case, no tag)')
      .meta({
        description: 'Image name without tag; the compose file uses it with ${IMAGE_TAG}',
        examples: ['ghcr.io/acme/shop'],
      }),
    tag: text().default('git').meta({
      description: 'git (exact tag, else short SHA) | date (YYYY.MM.DD) | timestamp (YYYYMMDD_HHMMSS) | a literal tag',
    }),
    delivery: z
      .enum(['registry', 'archive', 'build', 'sync'])
      .default('registry')
      .meta({ description: 'How the image reaches the server (sync: only the layers it lacks travel over SSH)' }),
    archive: text()
      .optional()
      .meta({
        description: 'archive mode: a prebuilt image tar; without it, `docker save name:tag` locally',
        examples: ['build/shop.tar'],
      }),
    registry: z
      .object({
        server: text()
          .optional()
          .meta({
            description: "Registry host for docker login (default: the image name's registry)",
            examples: ['ghcr.io'],
          }),
        username: text()
          .optional()
          .meta({ description: 'User name for docker login on each host', examples: ['deploy-bot'] }),
        password_env: envKey.optional().meta({
          description: 'Name of the local environment variable holding the password or token',
          examples: ['REGISTRY_TOKEN'],
        }),
      })
      .strict()
      .optional()
      .meta({ description: 'Log in to a private registry on each host before the pull (registry delivery)' }),
    build: imageBuildSchema.optional().meta({
      description:
        "Build the image on this machine before delivery (docker buildx build, else docker build), for the hosts' " +
        'platform; registry delivery pushes it and the hosts pull it by digest',
    }),
  })
  .strict();

const httpCheck = z
  .object({
    url: z.url({ protocol: /^https?$/ }).meta({
      description: 'URL fetched with curl or wget on the server; it passes on a 2xx answer',
      examples: ['http://localhost:8080/health'],
    }),
    retries: z.int().min(1).default(5).meta({ description: 'Attempts before the check fails' }),
    interval: duration('24h').default('3s').meta({ description: 'Wait between attempts' }),
  })
  .strict();

const healthSchema = z
  .object({
    services: z
      .array(text())
      .default([])
      .meta({ description: 'Compose services whose Docker healthcheck must report healthy', examples: [['web']] }),
    http: z
      .array(httpCheck)
      .default([])
      .meta({ description: 'HTTP checks run on the server (localhost means the server)' }),
    smoke: z
      .array(z.url({ protocol: /^https?$/ }))
      .default([])
      .meta({ description: 'URLs that must answer 2xx after the deploy', examples: [['https://shop.example.com/']] }),
    fatal_logs: z
      .object({
        patterns: z
          .array(logPattern)
          .min(1)
          .meta({
            description: 'Fixed strings (not regular expressions): a service log line holding one fails the gate',
            examples: [['FATAL', 'Unhandled exception']],
          }),
        tail: z.int().min(1).default(100).meta({ description: 'How many of the last log lines are searched' }),
      })
      .strict()
      .optional()
      .meta({ description: "Fail the gate when the services' logs show one of these patterns" }),
    timeout: duration('24h')
      .default('120s')
      .meta({ description: 'The health gate fails when the checks have not all passed within this' }),
  })
  .strict();

const fingerprint = z
  .string()
  .regex(
    /^SHA256:[A-Za-z0-9+/]{43}=?$/,
    'must be an OpenSSH SHA256 fingerprint, e.g. SHA256:abc… (ssh-keygen -lf key.pub)',
  );

const sshSchema = z
  .object({
    key: text()
      .optional()
      .meta({
        description: 'Private key file (~ expanded, relative to gangway.yml)',
        examples: ['~/.ssh/deploy_ed25519'],
      }),
    passphrase_env: envKey.optional().meta({
      description: 'Local environment variable holding the key passphrase (default GANGWAY_SSH_PASSPHRASE)',
      examples: ['DEPLOY_KEY_PASSPHRASE'],
    }),
    known_hosts: text()
      .optional()
      .meta({ description: 'known_hosts file (default ~/.ssh/known_hosts)', examples: ['~/.ssh/known_hosts'] }),
    fingerprint: z
      .union([fingerprint, z.array(fingerprint).min(1)])
      .optional()
      .meta({
        description: 'Pinned host key fingerprint(s); when set, known_hosts is not consulted',
        examples: ['SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s'],
      }),
    jump: text()
      .optional()
      .meta({ description: 'Jump host, user@host[:port] (like ssh -J)', examples: ['ops@bastion.example.com'] }),
    config: z
      .union([text(), z.literal(false)])
      .optional()
      .meta({ description: 'ssh_config file to read (default ~/.ssh/config); false to ignore it' }),
    connect_timeout: duration('10m')
      .refine((t) => !DURATION_PATTERN.test(t) || parseDuration(t) >= 1000, 'must be at least 1s')
      .optional()
      .meta({
        description:
          'How long to wait for the TCP connect and the SSH handshake with a host (default 30s: a loaded server ' +
          'or CI runner can take seconds)',
      }),
    // No zod defaults here: a target's own keys override the top-level ssh: key by key, so an absent key must stay
    // absent (ssh-settings.ts fills the defaults in; `default` below only documents them).
    keepalive: duration('1h').optional().meta({
      description: 'Interval of SSH keepalives (a silent connection is dropped after 3 missed ones)',
      default: '15s',
    }),
    max_channels: z
      .int()
      .min(1)
      .max(64)
      .optional()
      .meta({ description: 'Concurrent SSH channels per host (OpenSSH allows 10 by default)', default: 8 }),
  })
  .strict();

/** A host name Caddy serves: DNS names (wildcards allowed) or an IP address; no scheme, port or path. */
const proxyDomain = z
  .string()
  .regex(
    /^(\*\.)?[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$|^[0-9a-fA-F:.]+$/,
    'must be a host name such as app.example.com',
  );
const port = z.int().min(1).max(65535);

const proxySchema = z
  .object({
    service: text().meta({
      description: 'The compose service that takes traffic (no container_name, no host ports)',
      examples: ['web'],
    }),
    port: port.meta({ description: 'Its container port', examples: [8080] }),
    domains: z
      .array(proxyDomain)
      .default([])
      .meta({
        description: 'Host names Caddy serves; empty: any name (catch-all, e.g. an intranet reached by IP)',
        examples: [['shop.example.com']],
      }),
    tls: z
      .enum(['auto', 'internal', 'off'])
      .optional()
      .meta({
        description:
          "auto (ACME, public names) | internal (Caddy's local CA) | off (plain HTTP). " +
          'Default: auto with domains, off without',
      }),
    listen: z
      .object({
        http: port.default(80).meta({ description: 'Host port of plain HTTP (and of ACME challenges)' }),
        https: port.default(443).meta({ description: 'Host port of HTTPS' }),
        address: text()
          .refine((a) => isIP(a) !== 0, 'must be an IP address of the host, such as 127.0.0.1')
          .optional()
          .meta({
            description:
              'The host address both ports are published on (default: every address); 127.0.0.1 behind a TLS ' +
              'terminator of your own on the same host',
            examples: ['127.0.0.1'],
          }),
      })
      .strict()
      .prefault({})
      .meta({ description: "The host ports of the proxy's HTTP and HTTPS" }),
    health: z
      .object({
        path: z
          .string()
          .regex(/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*$/, 'must be a URL path such as /health')
          .default('/')
          .meta({ description: 'The path probed on the new colour', examples: ['/health'] }),
        interval: duration('1m').default('1s').meta({ description: 'Wait between probes' }),
        passes: z.int().min(1).max(100).default(3).meta({ description: '2xx answers in a row that pass the gate' }),
        timeout: duration('1h')
          .default('60s')
          .meta({ description: 'The gate fails (traffic stays on the old colour) when it has not passed within this' }),
      })
      .strict()
      .prefault({})
      .meta({ description: "The new colour's gate, probed from the proxy's network: `passes` 2xx in a row" }),
    drain: duration('1h')
      .default('30s')
      .meta({ description: 'In-flight requests on the old colour may finish within this' }),
    standby: z
      .enum(['stopped', 'running'])
      .default('stopped')
      .meta({ description: 'The previous colour after the switch: stopped (kept for rollback) or left running' }),
    image: text().default('caddy:2').meta({ description: "The proxy's image" }),
    headers: z
      .record(
        z.string().regex(HEADER_KEY_PATTERN, 'must be a header name such as X-Frame-Options, or -Name to remove one'),
        z.string().regex(CONTROL_CHARS, CONTROL_MESSAGE),
      )
      .superRefine((headers, ctx) => {
        for (const [key, value] of Object.entries(headers))
          if (key.startsWith('-') && value !== '')
            ctx.addIssue({ code: 'custom', path: [key], message: 'removes the header: its value must be ""' });
      })
      .default({})
      .meta({
        description:
          'Response headers for the app: `Name: value` sets one (over the app\'s own), `-Name: ""` removes one. ' +
          'With tls on, Strict-Transport-Security (max-age=31536000), X-Content-Type-Options (nosniff) and ' +
          'Referrer-Policy (strict-origin-when-cross-origin) are set by default; name one here to change or ' +
          'remove it. Values are literal (no Caddy placeholders)',
        examples: [{ 'X-Frame-Options': 'DENY', '-Server': '' }],
      }),
    max_body: z
      .string()
      .regex(SIZE_PATTERN, 'must be a size such as 100MB (units B, KB, MB, GB; 1 KB = 1024 bytes)')
      .refine((t) => !SIZE_PATTERN.test(t) || parseSize(t) >= 1024, 'must be at least 1KB')
      .default('100MB')
      .meta({
        description:
          'Request bodies larger than this are refused with 413 before they reach the app (default 100MB; ' +
          '1 KB = 1024 bytes)',
        examples: ['10MB'],
      }),
    // Monitoring: the proxy's Prometheus metrics (monitoring-schema.ts).
    metrics: proxyMetricsAddress.optional(),
    // Progressive delivery: the new colour's share of traffic in judged steps (canary-schema.ts).
    canary: canarySchema.optional(),
  })
  .strict()
  .refine((p) => (p.tls ?? (p.domains.length ? 'auto' : 'off')) === 'off' || p.domains.length > 0, {
    message: 'tls auto and internal need proxy.domains (the names certificates are issued for)',
    path: ['tls'],
  })
  .refine((p) => p.listen.http !== p.listen.https, { message: 'http and https must differ', path: ['listen'] })
  .refine((p) => !p.metrics || ![p.listen.http, p.listen.https].includes(Number(p.metrics.split(':').at(-1))), {
    message: 'must not be the port of proxy.listen (the metrics stay off the public port)',
    path: ['metrics'],
  });

/** One entry of `backups:`; `${VAR}` values resolve from the env file when a backup runs, so no secret is here. */
const backupSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]*$/, 'must match [a-z0-9][a-z0-9_-]* (it names files and the cron entry)')
      .meta({
        description: 'Backup name: files are <name>-YYYYMMDD-HHMMSS.dump[.age] (postgres) or .tar.gz[.age] (files)',
        examples: ['db'],
      }),
    kind: z.enum(['postgres', 'files']).default('postgres').meta({
      description: 'postgres: pg_dump -Fc (custom format); files: a tar of paths (directories and named volumes)',
    }),
    service: text()
      .optional()
      .meta({ description: 'postgres: the compose service running PostgreSQL (required there)', examples: ['db'] }),
    database: text()
      .optional()
      .meta({
        description: 'postgres: database to dump (required there); ${VAR} resolves from the env file',
        examples: ['${POSTGRES_DB}'],
      }),
    user: text()
      .optional()
      .meta({
        description: 'postgres: database user (required there); ${VAR} resolves from the env file',
        examples: ['${POSTGRES_USER}'],
      }),
    paths: backupPaths,
    password: z
      .string()
      .regex(/^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/, 'must be one ${VAR} reference to a key of the env file')
      .optional()
      .meta({
        description: "${VAR}: the key of the server's .env holding the password (never the value itself)",
        examples: ['${POSTGRES_PASSWORD}'],
      }),
    dir: relativeDir
      .optional()
      .meta({ description: 'Backup directory under <dir> (default backups/<name>)', examples: ['backups/db'] }),
    schedule: z
      .string()
      .regex(/^\S+( \S+){4}$/, 'must be a 5-field cron expression such as "0 2 * * *"')
      .optional()
      .meta({
        description: 'Cron expression installed on the server by `gangway backup schedule`',
        examples: ['0 2 * * *'],
      }),
    keep: z
      .object({
        daily: z.int().min(1).default(7).meta({ description: 'Newest backup of each of the last N days with one' }),
        weekly: z.int().min(0).default(4).meta({ description: 'Newest backup of each of the last N weeks with one' }),
      })
      .strict()
      .prefault({})
      .meta({ description: 'Retention: what each backup run keeps (the rest is deleted)' }),
    verify: z.enum(['never', 'each', 'daily', 'weekly']).default('weekly').meta({
      description:
        'How often the scheduled run tests its backup (postgres: a throwaway container; files: a temp-dir extract)',
    }),
    rpo: duration('8760h').default('24h').meta({ description: 'status is NO-GO when the newest good backup is older' }),
    encrypt: z
      .object({
        age_recipients: z
          .array(z.string().regex(/^age1[02-9ac-hj-np-z]{58}$/, 'must be an age public key (age1…)'))
          .min(1)
          .meta({
            description: 'age public keys (age-keygen -y identity.txt); any of their identities can decrypt',
            examples: [['age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p']],
          }),
      })
      .strict()
      .optional()
      .meta({ description: 'Encrypt on the server to these age recipients; the identity never leaves this machine' }),
    copy_to: copyToSchema,
  })
  .strict();

export const TARGET_NAME = /^[a-z0-9][a-z0-9_-]*$/;

const rolloutSchema = z
  .object({
    canary: z
      .int()
      .min(0)
      .default(0)
      .meta({ description: 'Hosts that go first and must pass the gate before any other host moves' }),
    batch: z
      .union([z.int().min(1), z.string().regex(/^([1-9][0-9]?|100)%$/, 'must be a number or a percentage (1%–100%)')])
      .optional()
      .meta({
        description: 'Then this many hosts at a time (a number, or "25%" of the hosts); default: all at once',
        examples: ['25%'],
      }),
    pause: duration('24h').default('0s').meta({ description: 'Wait between batches' }),
    on_failure: z
      .enum(['rollback_all', 'stop'])
      .default('rollback_all')
      .meta({
        description:
          'rollback_all: when any host fails, every host that already moved goes back to its previous release; ' +
          'stop: leave them',
      }),
  })
  .strict();

const targetSchema = z
  .object({
    hosts: z
      .array(text())
      .min(1)
      .meta({
        description: 'user@host[:port], an ~/.ssh/config alias, or "local" for the local Docker engine',
        examples: [['deploy@203.0.113.10']],
      }),
    dir: text().meta({
      description: 'Deploy directory on each host (absolute or ~/…; relative to gangway.yml for local)',
      examples: ['/srv/shop'],
    }),
    ssh: sshSchema.optional().meta({ description: 'How gangway connects to the hosts over SSH' }),
    engine: z
      .enum(['compose', 'swarm'])
      .default('compose')
      .meta({
        description:
          'compose: docker compose on every host | swarm: `docker stack deploy` on a Swarm manager (the hosts are ' +
          'managers, tried in order as fallbacks)',
      }),
    rollout: rolloutSchema
      .prefault({})
      .meta({ description: 'Many hosts: how the release moves across them (canary, batches, on_failure)' }),
  })
  .strict();

const hookSchema = z
  .object({
    run: text().meta({
      description: 'The command (sh -c on servers and in services; the local shell here)',
      examples: ['npm run migrate'],
    }),
    on: z
      .enum(['local', 'server', 'service'])
      .default('local')
      .meta({ description: 'local: this machine, once | server: sh in <dir> on each host | service: in a service' }),
    service: text()
      .optional()
      .meta({ description: 'The compose service (on: service)', examples: ['web'] }),
    timeout: duration('24h').default('10m').meta({ description: 'The hook fails when it runs longer' }),
  })
  .strict();

const hooksSchema = z
  .object({
    before_deploy: z.array(hookSchema).default([]).meta({ description: 'A failure stops the deploy: nothing changes' }),
    after_deploy: z.array(hookSchema).default([]).meta({ description: 'After every host passed its gate' }),
    on_failure: z.array(hookSchema).default([]).meta({ description: 'After a failed deploy or rollback' }),
  })
  .strict();

/** What a notification reports; `notify.on` picks some (default: the ones that need a human). */
export const NOTIFY_EVENTS = [
  'deploy_succeeded',
  'deploy_failed',
  'rolled_back',
  'rollback',
  'no_go',
  'backup_succeeded',
  'backup_failed',
  'drift',
] as const;

/** One destination; which keys apply depends on `type` (load.ts reports a missing or misplaced one, located). */
const notifyDestination = z
  .object({
    type: z
      .enum(['slack', 'webhook', 'email'])
      .meta({ description: 'slack (incoming webhook) | webhook (a JSON POST) | email (SMTP, STARTTLS)' }),
    url_env: envKey.optional().meta({
      description: 'slack, webhook: the local environment variable holding the URL (it is a secret)',
      examples: ['SLACK_WEBHOOK_URL'],
    }),
    smtp_url_env: envKey.optional().meta({
      description: 'email: the local environment variable holding smtp://user:password@host:port (or smtps://)',
      examples: ['SMTP_URL'],
    }),
    to: z
      .array(z.email())
      .min(1)
      .optional()
      .meta({ description: 'email: the recipients', examples: [['ops@example.com']] }),
    from: z
      .email()
      .optional()
      .meta({ description: 'email: the sender (default gangway@<this machine>)', examples: ['gangway@example.com'] }),
  })
  .strict();

const notifySchema = z
  .object({
    on: z
      .array(z.enum(NOTIFY_EVENTS))
      .min(1)
      .default(['deploy_failed', 'rolled_back', 'rollback', 'no_go', 'backup_failed', 'drift'])
      .meta({ description: 'Events that send a notification (default: every one but the succeeded ones)' }),
    to: z.array(notifyDestination).min(1).meta({ description: 'Where notifications go' }),
    timeout: duration('1m').default('5s').meta({ description: 'Each attempt gives up after this' }),
    retries: z.int().min(0).max(5).default(2).meta({ description: 'Attempts after the first one fails' }),
  })
  .strict();

const metricsSchema = z
  .object({
    textfile: z
      .boolean()
      .default(true)
      .meta({
        description:
          'Write <dir>/.gangway/metrics.prom on each apply and backup, and a copy node_exporter (another user) ' +
          'can read: <dir>/.gangway-metrics/metrics.prom',
      }),
  })
  .strict();

export const configSchema = z
  .object({
    app: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]*$/, 'must match [a-z0-9][a-z0-9_-]* (it becomes the compose project name)')
      .meta({ description: 'Compose project name and state namespace', examples: ['shop'] }),
    compose: z
      .union([text(), z.array(text()).min(1)])
      .meta({ description: 'Compose file(s), uploaded as they are', examples: ['compose.yml'] }),
    env: envSchema.optional().meta({ description: 'The env file sent to the server, and the keys it must (not) have' }),
    image: imageSchema
      .optional()
      .meta({ description: 'The application image: its name, how each release is tagged and how it reaches hosts' }),
    proxy: proxySchema
      .optional()
      .meta({ description: 'Zero-downtime web deploys: the service runs in two colours behind Caddy on each host' }),
    dirs: z
      .array(relativeDir)
      .default([])
      .meta({ description: 'Directories created under <dir>', examples: [['data', 'uploads']] }),
    health: healthSchema
      .prefault({})
      .meta({ description: 'The health gate every deploy and rollback must pass (else it rolls back)' }),
    keep: z.int().min(1).default(5).meta({ description: 'Releases (and their images) kept on each host for rollback' }),
    status: z
      .object({
        cpu_percent: z
          .number()
          .positive()
          .default(80)
          .meta({ description: 'NO-GO when a service uses more CPU than this (docker stats %)' }),
        memory_percent: z
          .number()
          .positive()
          .max(100)
          .default(95)
          .meta({ description: 'NO-GO when a service uses more of its memory limit than this' }),
        disk_free_percent: z
          .number()
          .min(0)
          .max(100)
          .default(10)
          .meta({ description: "Warn when the deploy directory's filesystem has less free space than this" }),
      })
      .strict()
      .prefault({})
      .meta({ description: 'Go/No-Go thresholds of `gangway status`' }),
    backups: z
      .array(backupSchema)
      .default([])
      .meta({ description: 'PostgreSQL and file backups (gangway backup), with off-site copies' }),
    hooks: hooksSchema
      .prefault({})
      .meta({ description: 'Commands around deploys (GANGWAY_APP, _TARGET, _TAG, _HOST, _RELEASE, _STATUS set)' }),
    notify: notifySchema
      .optional()
      .meta({ description: 'Notifications (Slack, webhook, email) on deploys, rollbacks, backups, NO-GO and drift' }),
    metrics: metricsSchema
      .prefault({})
      .meta({ description: 'Prometheus metrics: <dir>/.gangway/metrics.prom, `gangway metrics`' }),
    // Monitoring: the alert rules of `gangway monitoring rules` (monitoring-schema.ts).
    monitoring: monitoringSchema
      .prefault({})
      .meta({ description: 'Prometheus alert rules, scrape config and Grafana dashboard (gangway monitoring)' }),
    records: text().default('.gangway/records').meta({ description: 'Local run records and release.log' }),
    ssh: sshSchema.optional().meta({
      description: "How gangway connects to every target's hosts; a target's own ssh: overrides it key by key",
    }),
    targets: z
      .record(z.string().regex(TARGET_NAME, 'target names must match [a-z0-9][a-z0-9_-]*'), targetSchema)
      .refine((t) => Object.keys(t).length > 0, 'at least one target is needed')
      .meta({ description: 'Where to deploy: each target (prod, staging, …) names its hosts and directory' }),
  })
  .strict()
  .meta({ title: 'gangway.yml', description: 'gangway deploy configuration' });

/** gangway.yml as written (before defaults). */
export type RawConfig = z.input<typeof configSchema>;
/** gangway.yml after validation and defaults, paths not yet resolved. */
export type ParsedConfig = z.output<typeof configSchema>;
export type ParsedTarget = ParsedConfig['targets'][string];
export type ParsedSsh = z.output<typeof sshSchema>;
export type ParsedBackup = z.output<typeof backupSchema>;
export type ParsedHook = z.output<typeof hookSchema>;
export type ParsedRollout = z.output<typeof rolloutSchema>;
export type ParsedProxy = z.output<typeof proxySchema>;
export type ParsedNotify = z.output<typeof notifySchema>;
