/**
 * The examples and notes of every command: shown at the end of its `--help` and in docs/commands.md (both
 * generated from this table, so the two cannot differ). Keyed by the command's path without `gangway`.
 */

export interface Example {
  /** What it does, one line. */
  what: string;
  /** The command line, starting with `gangway`. */
  run: string;
}

export interface CommandHelp {
  examples: Example[];
  /** A paragraph after the examples (exit codes of this command, what to know). */
  notes?: string;
}

export const EXIT_CODES: [number, string][] = [
  [0, 'success'],
  [1, 'the operation failed (a failed deploy says whether it rolled back)'],
  [2, 'usage or configuration error'],
  [3, 'preflight failed, or an image refused before any change (nothing was changed)'],
  [4, 'lock held by someone else'],
  [130, 'interrupted (Ctrl-C, SIGTERM): a rollout put its moved hosts back and released its locks'],
];

export const ENVIRONMENT: [string, string][] = [
  ['NO_COLOR', 'disable colours (like --no-color)'],
  ['GANGWAY_SSH_PASSPHRASE', 'passphrase of an encrypted SSH key (name it with targets.<t>.ssh.passphrase_env)'],
  ['SSH_AUTH_SOCK', 'ssh-agent socket (on Windows the OpenSSH agent pipe is used when unset)'],
];

export const COMMAND_HELP: Record<string, CommandHelp> = {
  '': {
    examples: [
      { what: 'check the configuration and every host of the only target', run: 'gangway check' },
      {
        what: 'deploy with another configuration file, more detail',
        run: 'gangway -c deploy/gangway.yml -v deploy prod',
      },
      { what: 'status as one JSON document, without colours', run: 'gangway --json --no-color status prod' },
      {
        what: 'first connection to a new server: record its host key',
        run: 'gangway --accept-new-host-key check prod',
      },
      { what: 'the installed version', run: 'gangway --version' },
    ],
  },
  init: {
    examples: [
      { what: "scaffold gangway.yml and an env template from .env's keys", run: 'gangway init' },
      {
        what: 'take the keys from another env file, replacing gangway.yml',
        run: 'gangway init --env .env.prod --force',
      },
    ],
  },
  check: {
    examples: [
      { what: 'preflight the only target', run: 'gangway check' },
      { what: 'preflight the target prod', run: 'gangway check prod' },
    ],
  },
  deploy: {
    examples: [
      { what: 'deploy the tag of the image.tag rule to every host of prod', run: 'gangway deploy prod' },
      { what: 'show the plan only', run: 'gangway deploy prod --dry-run' },
      { what: 'a given tag, from a script (no question)', run: 'gangway deploy prod --tag v1.4.2 --yes' },
      { what: 'only the env file changed', run: 'gangway deploy prod --env-only' },
      {
        what: 'image.build for arm64 servers, from an amd64 laptop',
        run: 'gangway deploy prod --platform linux/arm64',
      },
      {
        what: 'the image gangway build made earlier, without building again',
        run: 'gangway deploy prod --tag v1.4.2 --no-build --yes',
      },
      {
        what: 'one host, waiting up to 5 minutes for a running deploy',
        run: 'gangway deploy prod --host web1 --lock-wait 5m',
      },
      {
        what: 'the fix made during maintenance mode, which ends once it serves',
        run: 'gangway deploy prod --tag v1.4.3 --end-maintenance',
      },
    ],
  },
  build: {
    examples: [
      { what: "build (and push) the image for prod's hosts", run: 'gangway build prod' },
      { what: 'show the build command only', run: 'gangway build prod --dry-run' },
      {
        what: 'in CI, once for several targets: build and push v1.4.2',
        run: 'gangway build prod --tag v1.4.2 --yes',
      },
      { what: 'for arm64 servers, without asking them', run: 'gangway build prod --platform linux/arm64' },
    ],
  },
  rollback: {
    examples: [
      { what: 'back to the last good release', run: 'gangway rollback prod' },
      { what: 'to a retained tag, showing the plan only', run: 'gangway rollback prod --to v1.4.1 --dry-run' },
      { what: 'one host, from a script', run: 'gangway rollback prod --host web1 --yes --lock-wait 2m' },
    ],
  },
  ci: {
    examples: [{ what: 'write the GitHub Actions workflow of prod', run: 'gangway ci github --target prod' }],
  },
  'ci github': {
    examples: [
      { what: 'the workflow of the only target', run: 'gangway ci github' },
      {
        what: 'of prod, to a file of your choice',
        run: 'gangway ci github --target prod --out .github/workflows/prod.yml',
      },
    ],
  },
  status: {
    examples: [
      { what: 'GO / NO-GO of every host of prod', run: 'gangway status prod' },
      {
        what: 'one host, for a monitoring script (no notification)',
        run: 'gangway status prod --host web1 --no-notify',
      },
      { what: 'as Prometheus gauges', run: 'gangway status prod --format prometheus' },
    ],
  },
  drift: {
    examples: [{ what: 'has anyone changed the servers of prod by hand?', run: 'gangway drift prod' }],
    notes: 'Exit code: 0 no drift, 1 drift (or a host could not be checked).',
  },
  metrics: {
    examples: [{ what: "every host's metrics, for a Prometheus scrape via a script", run: 'gangway metrics prod' }],
    notes:
      'Each deploy, rollback and backup writes <dir>/.gangway/metrics.prom on its host (metrics.textfile, default ' +
      "true) for node_exporter's textfile collector; this prints them all, each sample labelled host=….",
  },
  monitoring: {
    examples: [
      { what: 'alert rules for prod', run: 'gangway monitoring rules prod --out monitoring/prometheus/rules.yml' },
      { what: 'scrape jobs for every host of prod', run: 'gangway monitoring scrape prod' },
      { what: 'the Grafana dashboard', run: 'gangway monitoring dashboard --out monitoring/grafana/dashboard.json' },
    ],
  },
  'monitoring rules': {
    examples: [
      { what: "every target's alert rules into one file", run: 'gangway monitoring rules --out monitoring/rules.yml' },
      { what: "prod's alone", run: 'gangway monitoring rules prod --out monitoring/rules-prod.yml' },
      { what: 'print them (to check with promtool check rules)', run: 'gangway monitoring rules prod' },
    ],
    notes:
      'Critical: HTTP 5xx share, database down (pg_up of postgres_exporter), disk, memory; warning: p99 response ' +
      'time, CPU, a failed backup, a failed or rolled-back deploy. Thresholds and for: durations: monitoring.alerts. ' +
      'The rules select the labels the jobs of `gangway monitoring scrape` add (gangway_app, _target, _host). ' +
      'Without a target and with several: one group per target (gangway-<app>-<target>) in one file.',
  },
  'monitoring scrape': {
    examples: [{ what: 'scrape jobs for prod, for prometheus.yml', run: 'gangway monitoring scrape prod' }],
    notes:
      "node_exporter (:9100) on each host, its textfile collector reading <dir>/.gangway-metrics (gangway's deploy, " +
      "gate and backup metrics); with proxy.metrics, the proxy's request metrics.",
  },
  'monitoring dashboard': {
    examples: [
      { what: 'write the dashboard', run: 'gangway monitoring dashboard --out monitoring/grafana/dashboard.json' },
    ],
    notes:
      'One dashboard for every target: its target variable (all, or some) picks which. ' +
      "Import it in Grafana and pick the Prometheus data source. Per-app request panels need the proxy's " +
      'metrics (proxy.metrics); apps sharing one proxy are told apart by host name from Caddy 2.9 on.',
  },
  ui: {
    examples: [
      { what: 'the dashboard on a free port, opened in the browser', run: 'gangway ui --open' },
      { what: 'on a fixed port', run: 'gangway ui --port 8700' },
    ],
    notes:
      'The URL printed holds a random token: requests without it get 401, requests for another host name 403. ' +
      'Deploy, rollback and lock release ask for confirmation on the page, then run exactly as the CLI does.',
  },
  releases: {
    examples: [
      { what: 'release history of every host of prod', run: 'gangway releases prod' },
      { what: 'the last 5 per host', run: 'gangway releases prod --limit 5' },
    ],
  },
  logs: {
    examples: [
      { what: 'the last 100 lines of every service on every host', run: 'gangway logs prod' },
      { what: 'follow one service', run: 'gangway logs prod web -f' },
      { what: 'the last 20 lines of one host', run: 'gangway logs prod web --tail 20 --host web1' },
    ],
  },
  exec: {
    examples: [
      { what: 'run a command in the web service on every host of the only target', run: 'gangway exec web -- ls /app' },
      {
        what: 'a migration on one host of prod, stopped after 10 minutes',
        run: 'gangway exec prod web --host web1 --timeout 10m --yes -- npm run migrate',
      },
    ],
    notes: "The exit code is the worst of the hosts' (the command's own, or 1 when it could not run).",
  },
  backup: {
    examples: [
      { what: 'back up the only backups: entry now', run: 'gangway backup prod' },
      { what: 'the entry db, and copy it here', run: 'gangway backup prod db --download ./backups' },
      {
        what: 'from a script (--yes: nothing asks here, accepted as by every command that changes a server)',
        run: 'gangway backup prod db --yes',
      },
    ],
  },
  'backup schedule': {
    examples: [
      { what: 'install the cron entry of every backup with a schedule', run: 'gangway backup schedule prod' },
      { what: 'from a script', run: 'gangway backup schedule prod --yes' },
    ],
  },
  backups: {
    examples: [
      { what: 'every backup of every host', run: 'gangway backups prod' },
      { what: 'the backups of the entry db', run: 'gangway backups prod db' },
    ],
  },
  restore: {
    examples: [
      { what: 'prove the newest backup of db restores (throwaway container)', run: 'gangway restore prod db --verify' },
      {
        what: 'an encrypted one, decrypted here',
        run: 'gangway restore prod db db-20260101-020000.dump.age --verify --identity ~/.age/key.txt',
      },
      { what: 'replace the live database with the newest backup', run: 'gangway restore prod db --into-live --yes' },
      {
        what: 'a files backup: extract it to a temp dir, compare with its manifest',
        run: 'gangway restore prod uploads --verify',
      },
    ],
  },
  lock: {
    examples: [
      { what: 'who holds the deploy lock of prod', run: 'gangway lock status prod' },
      { what: 'release it', run: 'gangway lock release prod' },
    ],
  },
  'lock status': {
    examples: [{ what: 'who holds the deploy lock of prod, since when', run: 'gangway lock status prod' }],
  },
  'lock release': {
    examples: [
      { what: "release your own lock (or a dead holder's)", run: 'gangway lock release prod' },
      { what: "release someone else's, from a script (recorded)", run: 'gangway lock release prod --force --yes' },
    ],
  },
  maintenance: {
    examples: [
      {
        what: 'put prod into maintenance with a message',
        run: 'gangway maintenance on prod --message "Back at 14:00"',
      },
      { what: 'and out again', run: 'gangway maintenance off prod' },
    ],
  },
  'maintenance on': {
    examples: [
      { what: 'the default page', run: 'gangway maintenance on prod' },
      { what: 'one host of the target only', run: 'gangway maintenance on prod --host web1' },
      {
        what: 'a message of your own, from a script',
        run: 'gangway maintenance on prod --message "Back at 14:00" --yes',
      },
    ],
    notes:
      'Apps with proxy: only (exit 2 otherwise). The proxy answers 503 with the page and Retry-After: 120 for ' +
      'every request of the app; no config reload, so no connection is closed. The colours stay up and their ' +
      'health is still probed, so a deploy during maintenance works and keeps it on (deploy --end-maintenance ' +
      'ends it once the new release serves). gangway status shows it. Exit 1 when a host could not be switched.',
  },
  'maintenance off': {
    examples: [
      { what: 'the app answers again', run: 'gangway maintenance off prod' },
      { what: 'on one host only, from a script', run: 'gangway maintenance off prod --host web1 --yes' },
    ],
  },
  env: {
    examples: [{ what: "compare the local env file with prod's", run: 'gangway env diff prod' }],
  },
  'env diff': {
    examples: [
      { what: 'keys added, removed and changed versus prod', run: 'gangway env diff prod' },
      { what: 'in CI: fail when they differ', run: 'gangway env diff prod --exit-code' },
    ],
  },
};

/** The text after a command's `--help` (examples, then notes). */
export function helpAfter(path: string): string {
  const help = COMMAND_HELP[path];
  if (!help) return '';
  const examples = help.examples.map((e) => `  # ${e.what}\n  ${e.run}`).join('\n');
  return `\nExamples:\n${examples}\n${help.notes ? `\n${wrap(help.notes, 80)}\n` : ''}`;
}

/** Word-wrapped like commander's own help text (it wraps at 80 columns when the width is unknown). */
function wrap(text: string, width: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line].join('\n');
}
