/**
 * `monitoring:` in gangway.yml (the alert rules `gangway monitoring rules` writes) and `proxy.metrics` (where the
 * proxy's Prometheus metrics are served). Kept apart from schema.ts, which only places them.
 */
import * as z from 'zod';
import { DURATION_PATTERN, durationWithin } from '../util/duration.js';

const forDuration = (fallback: string) =>
  z
    .string()
    .regex(DURATION_PATTERN, 'must be a duration such as 30s, 5m or 1h')
    .refine((t) => !DURATION_PATTERN.test(t) || durationWithin(t, '24h'), 'must be at most 24h')
    .default(fallback)
    .meta({
      description: 'How long the condition must hold before the alert fires (at most 24h)',
      'x-duration-max': '24h',
    });

const enabled = z.boolean().default(true).meta({ description: 'false: leave this alert out of the rules' });
const percent = (fallback: number, what: string) =>
  z
    .number()
    .positive()
    .max(100)
    .default(fallback)
    .meta({ description: `Fires above this ${what} (percent)` });

const alertsSchema = z
  .object({
    error_rate: z
      .object({ enabled, percent: percent(5, 'share of HTTP 5xx answers at the proxy'), for: forDuration('5m') })
      .strict()
      .prefault({})
      .meta({ description: 'Critical: the app is failing (HTTP 5xx share of its requests at the proxy)' }),
    database_down: z
      .object({
        enabled,
        for: forDuration('1m'),
        metric: z
          .string()
          .regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'must be a Prometheus metric name')
          .default('pg_up')
          .meta({ description: "A 0/1 gauge of the database's reachability (postgres_exporter's pg_up)" }),
      })
      .strict()
      .prefault({})
      .meta({ description: 'Critical: the database does not accept connections (needs postgres_exporter)' }),
    disk: z
      .object({ enabled, percent: percent(90, 'use of a filesystem'), for: forDuration('5m') })
      .strict()
      .prefault({})
      .meta({ description: 'Critical: a filesystem of a host is nearly full (node_exporter)' }),
    memory: z
      .object({ enabled, percent: percent(95, 'use of memory'), for: forDuration('5m') })
      .strict()
      .prefault({})
      .meta({ description: "Critical: a host's memory is nearly used up (node_exporter)" }),
    response_time: z
      .object({
        enabled,
        seconds: z
          .number()
          .positive()
          .default(3)
          .meta({ description: "Fires when the p99 of the app's requests is above" }),
        for: forDuration('15m'),
      })
      .strict()
      .prefault({})
      .meta({ description: "Warning: the app answers slowly (p99 of its requests' durations at the proxy)" }),
    cpu: z
      .object({ enabled, percent: percent(80, 'CPU use of a host'), for: forDuration('15m') })
      .strict()
      .prefault({})
      .meta({ description: 'Warning: a host is busy (node_exporter)' }),
    backup_failed: z
      .object({ enabled, for: forDuration('0s') })
      .strict()
      .prefault({})
      .meta({ description: "Warning: a backup's newest run failed (gangway's textfile metrics)" }),
    deploy_failed: z
      .object({ enabled, for: forDuration('0s') })
      .strict()
      .prefault({})
      .meta({ description: 'Warning: the last deploy failed its gate or was rolled back (textfile metrics)' }),
  })
  .strict();

export const monitoringSchema = z
  .object({
    alerts: alertsSchema
      .prefault({})
      .meta({ description: 'The alerts of `gangway monitoring rules`: thresholds and how long they must hold' }),
  })
  .strict();

/**
 * host:port of a private interface (or loopback): the proxy serves its Prometheus metrics there. A wildcard
 * address would put them on the public interface, so one is not accepted.
 */
export const proxyMetricsAddress = z
  .string()
  .regex(
    /^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):\d{1,5}$/,
    'must be an IP address and a port such as 127.0.0.1:2020 (a private interface, never a public one)',
  )
  .refine((a) => !/^(0\.0\.0\.0|\[::\]):/.test(a), 'must not be 0.0.0.0 or [::] (every interface, the public one too)')
  .refine((a) => Number(a.slice(a.lastIndexOf(':') + 1)) <= 65535, 'the port must be at most 65535')
  .meta({
    description: "Serve the proxy's Prometheus metrics (requests by status, durations) on this address (default: off)",
    examples: ['127.0.0.1:2020'],
  });

export type ParsedMonitoring = z.output<typeof monitoringSchema>;
