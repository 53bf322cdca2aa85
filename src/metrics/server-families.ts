/**
 * The families metrics.sh writes on each server (<dir>/.gangway/metrics.prom, read by node_exporter's textfile
 * collector and merged by the CLI), shaped here and written by the one writer of the text format,
 * formatExposition: rendered at deploy and backup time as a template (src/shell/json-template.ts's slots) that
 * vars.sh carries as METRICS_FAMILIES. metrics.sh's awk counts the records and fills each sample's slots with its
 * label values (escaped for the exposition) and value; it writes no name, help, type or label name of its own.
 * Each sample template has the slots app, a and b (label values, in the order of `labels`) and v (the value).
 */
import { rawSlot, strSlot } from '../shell/json-template.js';
import { formatExposition, type MetricType } from './exposition.js';

interface ServerFamily {
  name: string;
  type: MetricType;
  help: string;
  /** The labels after `app`, filled from awk's a and b in this order. */
  labels: string[];
}

export const SERVER_FAMILIES: readonly ServerFamily[] = [
  {
    name: 'gangway_deploys_total',
    type: 'counter',
    help: 'Deploys and rollbacks recorded on this host, by operation and status.',
    labels: ['operation', 'status'],
  },
  {
    name: 'gangway_rollbacks_total',
    type: 'counter',
    help:
      'Rollbacks: automatic (a release failed its gate, the previous one was put back) and manual ' +
      '(gangway rollback).',
    labels: ['kind'],
  },
  {
    name: 'gangway_last_deploy_success',
    type: 'gauge',
    help: '1 when the last deploy or rollback passed its health gate.',
    labels: [],
  },
  {
    name: 'gangway_last_deploy_timestamp_seconds',
    type: 'gauge',
    help: 'When the last deploy or rollback finished.',
    labels: [],
  },
  {
    name: 'gangway_last_deploy_duration_seconds',
    type: 'gauge',
    help: 'How long the last apply took on the server.',
    labels: [],
  },
  {
    name: 'gangway_last_good_timestamp_seconds',
    type: 'gauge',
    help: 'When the last release that passed its gate finished.',
    labels: [],
  },
  {
    name: 'gangway_release_info',
    type: 'gauge',
    help: 'The release in place and its tag (value 1).',
    labels: ['release', 'tag'],
  },
  {
    name: 'gangway_last_deploy_step_duration_seconds',
    type: 'gauge',
    help: 'Duration of each server-side step of the last apply (phase restore: putting the previous release back).',
    labels: ['phase', 'step'],
  },
  {
    name: 'gangway_last_health_gate_duration_seconds',
    type: 'gauge',
    help: 'How long the last release took to pass its gate.',
    labels: [],
  },
  {
    name: 'gangway_last_deploy_delivered_bytes',
    type: 'gauge',
    help: 'Bytes the last deploy sent to this host for the image.',
    labels: [],
  },
  {
    name: 'gangway_backups_total',
    type: 'counter',
    help: 'Backups taken on this host, by backup name and outcome.',
    labels: ['backup', 'outcome'],
  },
  {
    name: 'gangway_backup_last_success',
    type: 'gauge',
    help: '1 when the newest run of the backup succeeded, 0 when it failed.',
    labels: ['backup'],
  },
  {
    name: 'gangway_backup_last_success_timestamp_seconds',
    type: 'gauge',
    help: 'When the newest good backup finished (its age: time() minus this).',
    labels: ['backup'],
  },
  {
    name: 'gangway_backup_last_size_bytes',
    type: 'gauge',
    help: 'Size of the newest good backup.',
    labels: ['backup'],
  },
  {
    name: 'gangway_backup_last_verify_timestamp_seconds',
    type: 'gauge',
    help: 'When the newest restore test finished.',
    labels: ['backup'],
  },
  {
    name: 'gangway_backup_last_verify_success',
    type: 'gauge',
    help: '1 when the newest restore test passed.',
    labels: ['backup'],
  },
];

/** METRICS_FAMILIES: each family's HELP and TYPE lines, then its sample template line. */
export function metricsFamiliesTemplate(): string {
  const VALUE = 8_000_000_000_000_123; // formatExposition writes numbers only: this one becomes the v slot
  const text = formatExposition(
    SERVER_FAMILIES.map((f) => ({
      ...f,
      samples: [
        {
          labels: [
            ['app', strSlot('app')] as [string, string],
            ...f.labels.map((l, i): [string, string] => [l, strSlot('ab'[i]!)]),
          ],
          value: VALUE,
        },
      ],
    })),
  );
  return text.replaceAll(` ${String(VALUE)}\n`, ` ${rawSlot('v')}\n`);
}
