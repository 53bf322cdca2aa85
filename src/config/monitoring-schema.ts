/**
 * `monitoring:` in gangway.yml (the alert rules `gangway monitoring rules` writes) and `proxy.metrics` (where the
 * proxy's Prometheus metrics are served). Kept apart from schema.ts, which only places them.
 */
import * as z from 'zod';
import { DURATION_PATTERN, durationWithin, parseDuration } from '../util/duration.js';

const forText = z
  .string()
  .regex(DURATION_PATTERN, 'must be a duration such as 30s, 5m or 1h')
  .refine((t) => !DURATION_PATTERN.test(t) || durationWithin(t, '24h'), 'must be at most 24h');
const forDuration = (fallback: string) =>
  forText.default(fallback).meta({
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

// The long form: one mapping per alert (enabled, its threshold, for:). Every alert has it.
const longForm = {
  error_rate: z
    .object({ enabled, percent: percent(5, 'share of HTTP 5xx answers at the proxy'), for: forDuration('5m') })
    .strict()
    .meta({ description: 'Long form of http_5xx_ratio: { enabled, percent, for }' }),
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
    .meta({ description: 'Critical: the database does not accept connections (needs postgres_exporter)' }),
  disk: z
    .object({ enabled, percent: percent(90, 'use of a filesystem'), for: forDuration('5m') })
    .strict()
    .meta({ description: 'Long form of disk_used: { enabled, percent, for }' }),
  memory: z
    .object({ enabled, percent: percent(95, 'use of memory'), for: forDuration('5m') })
    .strict()
    .meta({ description: 'Long form of memory_used: { enabled, percent, for }' }),
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
    .meta({ description: 'Long form of response_p99: { enabled, seconds, for }' }),
  cpu: z
    .object({ enabled, percent: percent(80, 'CPU use of a host'), for: forDuration('15m') })
    .strict()
    .meta({ description: 'Long form of cpu_used: { enabled, percent, for }' }),
  backup_failed: z
    .object({ enabled, for: forDuration('0s') })
    .strict()
    .meta({ description: "Warning: a backup's newest run failed (gangway's textfile metrics)" }),
  deploy_failed: z
    .object({ enabled, for: forDuration('0s') })
    .strict()
    .meta({ description: 'Warning: the last deploy failed its gate or was rolled back (textfile metrics)' }),
};

/** `5%`, `0.5%` or a plain number of percent. */
const PERCENT = /^\d+(\.\d+)?%$/;
const PERCENT_MESSAGE = 'must be a percentage such as 5% (or a number of percent)';
const percentOf = (v: string | number) => (typeof v === 'number' ? v : Number(v.slice(0, -1)));
const wellFormed = (v: string | number) => typeof v === 'number' || PERCENT.test(v);
const shortPercent = z
  .union([z.number(), z.string().regex(PERCENT, PERCENT_MESSAGE)], { error: PERCENT_MESSAGE })
  .refine((v) => !wellFormed(v) || percentOf(v) > 0, 'must be above 0%')
  .refine((v) => !wellFormed(v) || percentOf(v) <= 100, 'must be at most 100%');

const DURATION_MESSAGE = 'must be a duration such as 3s or 800ms';
const shortDuration = z
  .string()
  .regex(DURATION_PATTERN, DURATION_MESSAGE)
  .refine((t) => !DURATION_PATTERN.test(t) || parseDuration(t) >= 1, 'must be at least 1ms')
  .refine((t) => !DURATION_PATTERN.test(t) || durationWithin(t, '1h'), 'must be at most 1h');

/**
 * The short form (SPEC.md's): the threshold alone (`disk_used: 90%`), or `{ above, for, enabled }` for the rest.
 * A value that is neither gets one message naming both forms; inside the mapping each key is checked on its own.
 */
interface ShortAlert<T extends z.ZodType> {
  threshold: T;
  /** What the threshold must be, for the message of a value of neither form. */
  form: string;
  /** The defaults, for the docs: the threshold and `for:`. */
  above: string;
  for: string;
  what: string;
}

const shortAlert = <T extends z.ZodType>(s: ShortAlert<T>) =>
  z
    .union(
      [
        s.threshold,
        z
          .object({
            above: s.threshold
              .optional()
              .meta({ description: `Fires above this (default ${s.above})`, examples: [s.above] }),
            for: forText.optional().meta({
              description: `How long the condition must hold before the alert fires (default ${s.for}, at most 24h)`,
              examples: [s.for],
              'x-duration-max': '24h',
            }),
            enabled: z.boolean().optional().meta({ description: 'false: leave this alert out of the rules' }),
          })
          .strict(),
      ],
      { error: `${s.form}, or a mapping such as { above: ${s.above}, for: ${s.for} }` },
    )
    .optional()
    .meta({
      description: `${s.what} (default ${s.above}, for ${s.for}): the threshold, or { above, for, enabled }`,
      examples: [s.above],
    });

/** Each short key and the alert (long key) it sets. */
const SHORT_KEYS = {
  http_5xx_ratio: 'error_rate',
  disk_used: 'disk',
  memory_used: 'memory',
  response_p99: 'response_time',
  cpu_used: 'cpu',
} as const;
type ShortKey = keyof typeof SHORT_KEYS;
type ShortValue = string | number | { above?: string | number; for?: string; enabled?: boolean } | undefined;

const alertsInput = z
  .object({
    http_5xx_ratio: shortAlert({
      threshold: shortPercent,
      form: PERCENT_MESSAGE,
      above: '5%',
      for: '5m',
      what: 'Critical: the app is failing — this share of its requests answer HTTP 5xx at the proxy',
    }),
    disk_used: shortAlert({
      threshold: shortPercent,
      form: PERCENT_MESSAGE,
      above: '90%',
      for: '5m',
      what: 'Critical: a filesystem of a host is fuller than this (node_exporter)',
    }),
    memory_used: shortAlert({
      threshold: shortPercent,
      form: PERCENT_MESSAGE,
      above: '95%',
      for: '5m',
      what: "Critical: a host's memory is used above this (node_exporter)",
    }),
    response_p99: shortAlert({
      threshold: shortDuration,
      form: DURATION_MESSAGE,
      above: '3s',
      for: '15m',
      what: "Warning: the p99 of the app's request durations at the proxy is above this",
    }),
    cpu_used: shortAlert({
      threshold: shortPercent,
      form: PERCENT_MESSAGE,
      above: '80%',
      for: '15m',
      what: "Warning: a host's CPU use is above this (node_exporter)",
    }),
    error_rate: longForm.error_rate.optional(),
    database_down: longForm.database_down.prefault({}),
    disk: longForm.disk.optional(),
    memory: longForm.memory.optional(),
    response_time: longForm.response_time.optional(),
    cpu: longForm.cpu.optional(),
    backup_failed: longForm.backup_failed.prefault({}),
    deploy_failed: longForm.deploy_failed.prefault({}),
  })
  .strict()
  .superRefine((a, ctx) => {
    for (const [short, long] of Object.entries(SHORT_KEYS))
      if (a[short as ShortKey] !== undefined && a[long] !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: [short],
          message: `is also set as monitoring.alerts.${long}: keep one (${short} is its short form)`,
        });
  });

/** A short value as the long form's input: the threshold under the long form's own name and unit. */
function longInput(value: ShortValue, threshold: 'percent' | 'seconds') {
  if (value === undefined) return {};
  const { above, ...rest } = typeof value === 'object' ? value : { above: value };
  if (above === undefined) return rest;
  const v = threshold === 'seconds' ? parseDuration(String(above)) / 1000 : percentOf(above);
  return { ...rest, [threshold]: v };
}

/** Both forms onto one structure (the long form's), defaults filled in: what the rules read. */
const alertsSchema = alertsInput.transform((a) => ({
  error_rate: a.error_rate ?? longForm.error_rate.parse(longInput(a.http_5xx_ratio, 'percent')),
  database_down: a.database_down,
  disk: a.disk ?? longForm.disk.parse(longInput(a.disk_used, 'percent')),
  memory: a.memory ?? longForm.memory.parse(longInput(a.memory_used, 'percent')),
  response_time: a.response_time ?? longForm.response_time.parse(longInput(a.response_p99, 'seconds')),
  cpu: a.cpu ?? longForm.cpu.parse(longInput(a.cpu_used, 'percent')),
  backup_failed: a.backup_failed,
  deploy_failed: a.deploy_failed,
}));

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
