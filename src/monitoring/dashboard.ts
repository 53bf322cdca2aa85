/**
 * `gangway monitoring dashboard`: a Grafana dashboard (JSON) for one app — deploys and their results, time since
 * the last good deploy, health-gate durations, delivered bytes, the proxy's request rate, error rate and p99,
 * backups' age and size, and the hosts' disk, memory and CPU. A `target` variable picks the app's target(s).
 */
import type { Config } from '../config/config.js';
import { appTraffic } from '../strategy/index.js';
import { LABEL, proxyMatchers, REAL_FS, scopeMatchers } from './selectors.js';

export interface PanelQuery {
  expr: string;
  legend: string;
}

export interface PanelSpec {
  title: string;
  unit: string;
  queries: PanelQuery[];
  /** stat: one number per series; timeseries: a graph. */
  kind: 'stat' | 'timeseries';
}

/** Grafana replaces it with the chosen targets (a regular expression of them). */
export const TARGET_VARIABLE = '$target';

export function dashboardPanels(config: Config): PanelSpec[] {
  const target = { regex: TARGET_VARIABLE };
  const s = scopeMatchers(config.app, target);
  const p = proxyMatchers(config.app, target, appTraffic(config));
  const h = `{{${LABEL.host}}}`;
  const byHost = `sum by (${LABEL.target}, ${LABEL.host})`;
  const requests = `rate(caddy_http_request_duration_seconds_count{${p}}[5m])`;
  return [
    {
      title: 'Deploys and rollbacks by result',
      unit: 'short',
      kind: 'stat',
      queries: [
        { expr: `sum by (operation, status) (gangway_deploys_total{${s}})`, legend: '{{operation}} {{status}}' },
      ],
    },
    {
      title: 'Last deploy passed its gate',
      unit: 'bool_yes_no',
      kind: 'stat',
      queries: [{ expr: `gangway_last_deploy_success{${s}}`, legend: h }],
    },
    {
      title: 'Time since the last good deploy',
      unit: 's',
      kind: 'stat',
      queries: [{ expr: `time() - gangway_last_good_timestamp_seconds{${s}}`, legend: h }],
    },
    {
      title: 'Health-gate and step durations (last deploy)',
      unit: 's',
      kind: 'stat',
      queries: [
        { expr: `gangway_last_health_gate_duration_seconds{${s}}`, legend: `${h} gate` },
        { expr: `gangway_last_deploy_step_duration_seconds{${s}}`, legend: `${h} {{phase}} {{step}}` },
      ],
    },
    {
      title: 'Bytes delivered by the last deploy',
      unit: 'bytes',
      kind: 'stat',
      queries: [{ expr: `gangway_last_deploy_delivered_bytes{${s}}`, legend: h }],
    },
    {
      title: 'Requests per second (proxy)',
      unit: 'reqps',
      kind: 'timeseries',
      queries: [{ expr: `${byHost} (${requests})`, legend: h }],
    },
    {
      title: 'HTTP 5xx share of requests (proxy)',
      unit: 'percentunit',
      kind: 'timeseries',
      // No 5xx at all is 0, not "no data": the request rate times 0 stands in for the missing 5xx series.
      queries: [
        {
          expr:
            `(${byHost} (rate(caddy_http_request_duration_seconds_count{${p},code=~"5.."}[5m])) or ` +
            `${byHost} (${requests}) * 0) / ${byHost} (${requests})`,
          legend: h,
        },
      ],
    },
    {
      title: 'Response time p99 (proxy)',
      unit: 's',
      kind: 'timeseries',
      queries: [
        {
          expr:
            `histogram_quantile(0.99, sum by (${LABEL.target}, ${LABEL.host}, le) ` +
            `(rate(caddy_http_request_duration_seconds_bucket{${p}}[5m])))`,
          legend: h,
        },
      ],
    },
    {
      title: 'Age of the newest good backup',
      unit: 's',
      kind: 'stat',
      queries: [{ expr: `time() - gangway_backup_last_success_timestamp_seconds{${s}}`, legend: `${h} {{backup}}` }],
    },
    {
      title: 'Size of the newest good backup',
      unit: 'bytes',
      kind: 'stat',
      queries: [{ expr: `gangway_backup_last_size_bytes{${s}}`, legend: `${h} {{backup}}` }],
    },
    {
      title: 'Disk used',
      unit: 'percentunit',
      kind: 'timeseries',
      queries: [
        {
          expr: `1 - node_filesystem_avail_bytes{${s},${REAL_FS}} / node_filesystem_size_bytes{${s},${REAL_FS}}`,
          legend: `${h} {{mountpoint}}`,
        },
      ],
    },
    {
      title: 'Memory used',
      unit: 'percentunit',
      kind: 'timeseries',
      queries: [{ expr: `1 - node_memory_MemAvailable_bytes{${s}} / node_memory_MemTotal_bytes{${s}}`, legend: h }],
    },
    {
      title: 'CPU busy',
      unit: 'percentunit',
      kind: 'timeseries',
      queries: [
        {
          expr: `1 - avg by (${LABEL.target}, ${LABEL.host}) (rate(node_cpu_seconds_total{${s},mode="idle"}[5m]))`,
          legend: h,
        },
      ],
    },
  ];
}

const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

export function dashboardJson(config: Config): string {
  const width = 8;
  const height = 7;
  const panels = dashboardPanels(config).map((panel, i) => ({
    id: i + 1,
    type: panel.kind,
    title: panel.title,
    datasource: DATASOURCE,
    gridPos: { h: height, w: width, x: (i % 3) * width, y: Math.floor(i / 3) * height },
    fieldConfig: { defaults: { unit: panel.unit }, overrides: [] },
    options: panel.kind === 'stat' ? { reduceOptions: { calcs: ['lastNotNull'] }, textMode: 'value_and_name' } : {},
    targets: panel.queries.map((q, j) => ({
      refId: String.fromCharCode(65 + j),
      datasource: DATASOURCE,
      expr: q.expr,
      legendFormat: q.legend,
    })),
  }));
  const dashboard = {
    title: `gangway: ${config.app}`,
    uid: `gangway-${config.app}`.slice(0, 40),
    tags: ['gangway'],
    schemaVersion: 39,
    editable: true,
    time: { from: 'now-24h', to: 'now' },
    refresh: '1m',
    templating: {
      list: [
        { name: 'datasource', label: 'Prometheus', type: 'datasource', query: 'prometheus' },
        {
          name: 'target',
          label: 'Target',
          type: 'query',
          datasource: DATASOURCE,
          query: `label_values(up{${LABEL.app}="${config.app}"}, ${LABEL.target})`,
          refresh: 2,
          multi: true,
          includeAll: true,
          allValue: '.*',
          current: { text: 'All', value: '$__all' },
        },
      ],
    },
    panels,
  };
  return `${JSON.stringify(dashboard, null, 2)}\n`;
}
