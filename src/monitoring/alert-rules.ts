/**
 * `gangway monitoring rules`: the operations plan's alerts as one Prometheus rules file for an app's target(s).
 * Thresholds and `for:` durations come from `monitoring.alerts`; every alert carries severity, app and target
 * labels, and a summary naming the app, the target and the host (gangway_host, from the scrape config).
 */
import { stringify } from 'yaml';
import type { Config } from '../config/config.js';
import type { ParsedMonitoring } from '../config/monitoring-schema.js';
import { appTraffic } from '../strategy/index.js';
import { LABEL, proxyMatchers, REAL_FS, scopeMatchers } from './selectors.js';

export type AlertKey = keyof ParsedMonitoring['alerts'];

export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: { summary: string; description: string };
}

const H = `{{ $labels.${LABEL.host} }}`;

export function alertRules(config: Config, target: string): AlertRule[] {
  const a = config.monitoring.alerts;
  const scope = scopeMatchers(config.app, target);
  const proxy = proxyMatchers(config.app, target, appTraffic(config));
  const who = `${config.app} (${target})`;
  const requests = `caddy_http_request_duration_seconds_count{${proxy}}`;
  const byHost = `sum by (${LABEL.host})`;
  const rules: Record<AlertKey, Omit<AlertRule, 'for' | 'labels'> & { severity: 'critical' | 'warning' }> = {
    error_rate: {
      alert: 'GangwayHighErrorRate',
      severity: 'critical',
      expr:
        `${byHost} (rate(caddy_http_request_duration_seconds_count{${proxy},code=~"5.."}[5m]))` +
        ` / ${byHost} (rate(${requests}[5m])) * 100 > ${a.error_rate.percent}`,
      annotations: {
        summary: `${who} on ${H}: {{ $value | printf "%.1f" }}% of requests answer HTTP 5xx`,
        description: `More than ${a.error_rate.percent}% of the requests to ${config.app} at the proxy fail.`,
      },
    },
    database_down: {
      alert: 'GangwayDatabaseDown',
      severity: 'critical',
      expr: `max by (${LABEL.host}) (${a.database_down.metric}{${scope}}) == 0`,
      annotations: {
        summary: `${who} on ${H}: the database does not accept connections`,
        description: `${a.database_down.metric} is 0: the exporter cannot connect to the database.`,
      },
    },
    disk: {
      alert: 'GangwayDiskFull',
      severity: 'critical',
      expr:
        `(1 - node_filesystem_avail_bytes{${scope},${REAL_FS}} / node_filesystem_size_bytes{${scope},${REAL_FS}})` +
        ` * 100 > ${a.disk.percent}`,
      annotations: {
        summary: `${who} on ${H}: {{ $labels.mountpoint }} is {{ $value | printf "%.0f" }}% full`,
        description: `A filesystem of the host is over ${a.disk.percent}% full.`,
      },
    },
    memory: {
      alert: 'GangwayMemoryFull',
      severity: 'critical',
      expr:
        `(1 - node_memory_MemAvailable_bytes{${scope}} / node_memory_MemTotal_bytes{${scope}}) * 100` +
        ` > ${a.memory.percent}`,
      annotations: {
        summary: `${who} on ${H}: {{ $value | printf "%.0f" }}% of memory is in use`,
        description: `The host uses over ${a.memory.percent}% of its memory.`,
      },
    },
    response_time: {
      alert: 'GangwaySlowResponses',
      severity: 'warning',
      expr:
        `histogram_quantile(0.99, sum by (${LABEL.host}, le) ` +
        `(rate(caddy_http_request_duration_seconds_bucket{${proxy}}[5m]))) > ${a.response_time.seconds}`,
      annotations: {
        summary: `${who} on ${H}: p99 response time is {{ $value | printf "%.2f" }}s`,
        description: `99% of the requests should be answered within ${a.response_time.seconds}s.`,
      },
    },
    cpu: {
      alert: 'GangwayHighCpu',
      severity: 'warning',
      expr:
        `(1 - avg by (${LABEL.host}) (rate(node_cpu_seconds_total{${scope},mode="idle"}[5m]))) * 100` +
        ` > ${a.cpu.percent}`,
      annotations: {
        summary: `${who} on ${H}: CPU is {{ $value | printf "%.0f" }}% busy`,
        description: `The host's CPUs are over ${a.cpu.percent}% busy.`,
      },
    },
    backup_failed: {
      alert: 'GangwayBackupFailed',
      severity: 'warning',
      expr: `gangway_backup_last_success{${scope}} == 0`,
      annotations: {
        summary: `${who} on ${H}: the newest run of backup {{ $labels.backup }} failed`,
        description: 'gangway backups lists it; the run log on the server says why.',
      },
    },
    deploy_failed: {
      alert: 'GangwayDeployFailed',
      severity: 'warning',
      expr: `gangway_last_deploy_success{${scope}} == 0`,
      annotations: {
        summary: `${who} on ${H}: the last deploy failed its health gate or was rolled back`,
        description: 'gangway releases shows the release in place; the run record says which step failed.',
      },
    },
  };
  return (Object.keys(rules) as AlertKey[])
    .filter((k) => a[k].enabled)
    .map((k) => {
      const { severity, ...rule } = rules[k];
      return {
        alert: rule.alert,
        expr: rule.expr,
        for: a[k].for,
        labels: { severity, app: config.app, target },
        annotations: rule.annotations,
      };
    });
}

/**
 * The rules file: one group per target (its own name; its alerts carry its target label and select its series), so
 * that one file covers every target of the app.
 */
export function alertRulesFile(config: Config, ...targets: string[]): string {
  const groups = targets.map((target) => ({
    name: `gangway-${config.app}-${target}`,
    rules: alertRules(config, target),
  }));
  const head =
    `# Generated by gangway monitoring rules for ${config.app} (${targets.join(', ')}): load it with rule_files in ` +
    'prometheus.yml.\n# The series come from the jobs of `gangway monitoring scrape` (labels gangway_app, ' +
    'gangway_target, gangway_host).\n';
  return head + stringify({ groups }, { lineWidth: 0 });
}
