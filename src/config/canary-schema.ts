/**
 * `proxy.canary:` in gangway.yml — the new colour takes real traffic in steps after its health gate, each step
 * judged from the proxy's own figures (src/server/sh/canary.sh). Kept apart from schema.ts, which only places it.
 */
import * as z from 'zod';
import { DURATION_PATTERN, durationWithin, parseDuration } from '../util/duration.js';

/** A bounded duration of at least `min` (a step shorter than a second measures nothing). */
const duration = (min: string, max: string) =>
  z
    .string()
    .regex(DURATION_PATTERN, 'must be a duration such as 500ms, 3s, 2m or 1h')
    .refine((t) => !DURATION_PATTERN.test(t) || durationWithin(t, max), `must be at most ${max}`)
    .refine((t) => !DURATION_PATTERN.test(t) || parseDuration(t) >= parseDuration(min), `must be at least ${min}`)
    .meta({ description: `A duration: 500ms, 3s, 2m, 1h (${min} to ${max})`, 'x-duration-max': max });

/** `1%`, `0.5%` or a plain number of percent. */
const PERCENT = /^\d+(\.\d+)?%$/;
export const percentValue = (v: string | number) => (typeof v === 'number' ? v : Number(v.slice(0, -1)));
const percent = z
  .union([z.number(), z.string().regex(PERCENT, 'must be a percentage such as 1% or 0.5%')])
  .refine((v) => typeof v === 'string' || (v >= 0 && v <= 100), 'must be a percentage from 0 to 100')
  .refine((v) => typeof v === 'number' || percentValue(v) <= 100, 'must be at most 100%');

export const canarySchema = z
  .object({
    steps: z
      .array(z.int().min(1).max(99))
      .min(1)
      .max(10)
      .default([5, 25, 50])
      .refine((s) => s.every((v, i) => i === 0 || v > s[i - 1]!), 'must go up (e.g. [5, 25, 50])')
      .meta({ description: "The new colour's share of requests (percent) at each step, in order; then 100" }),
    interval: duration('1s', '1h')
      .default('30s')
      .meta({ description: 'How long each step lasts (and is measured) before it is judged' }),
    max_error_rate: percent
      .default('1%')
      .meta({ description: "The step fails when the new colour's share of 5xx answers is above this (e.g. 1%)" }),
    max_p99: duration('1ms', '1h')
      .default('800ms')
      .meta({ description: "The step fails when the new colour's p99 response time (at the proxy) is above this" }),
    min_requests: z
      .int()
      .min(1)
      .max(1_000_000)
      .default(50)
      .meta({
        description:
          'Requests the new colour must answer in a step before it is judged; the step waits up to 3 × interval ' +
          'for them, then goes on on the health gate alone',
      }),
  })
  .strict()
  .meta({
    description:
      'Canary: after the health gate the new colour takes `steps` of the real traffic, each for `interval`, judged ' +
      "on the proxy's own figures (5xx share, p99) against these limits and against the old colour; a failed " +
      'step sends all traffic back to the old colour and fails the deploy (default: off, one switch)',
  });

export type ParsedCanary = z.output<typeof canarySchema>;
