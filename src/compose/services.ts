/**
 * The services of a compose project as compose merges its files: in file order, a later file overrides
 * `image`, adds `build`, and merges `healthcheck` key by key (`!reset` clears, `!override` replaces).
 */
import type { ComposeFile } from './compose-file.js';

export type HealthcheckState = 'defined' | 'disabled' | 'none';

export interface ComposeService {
  /** As written (not interpolated): may contain `${IMAGE_TAG}`. */
  image?: string;
  /** Where the effective `image` is written. */
  imageAt?: { file: string; line?: number; col?: number };
  /** Some file gives the service a `build`. */
  build: boolean;
  /**
   * `defined`: the merged healthcheck has a test; `disabled`: `disable: true` or `test: ["NONE"]`;
   * `none`: no healthcheck test in the compose files (the image's own HEALTHCHECK, if any, applies).
   */
  healthcheck: HealthcheckState;
  /** Where the service is first defined. */
  file: string;
  line?: number;
  col?: number;
}

interface Accumulated {
  service: ComposeService;
  healthcheck?: Record<string, unknown>;
}

export function composeServices(files: readonly ComposeFile[]): Map<string, ComposeService> {
  const acc = new Map<string, Accumulated>();
  for (const f of files) {
    const services = record(record(f.doc)?.services);
    const resetOrOverride = (list: PropertyKey[][], name: string, key: string) =>
      list.some((p) => p.length === 3 && p[0] === 'services' && p[1] === name && p[2] === key);
    const serviceNames = new Set([
      ...Object.keys(services ?? {}),
      ...f.resets.filter((p) => p[0] === 'services' && p.length >= 2).map((p) => String(p[1])),
    ]);
    for (const name of serviceNames) {
      const def = record(services?.[name]);
      const whole = (list: PropertyKey[][]) => list.some((p) => p.length === 2 && p[0] === 'services' && p[1] === name);
      if (whole(f.resets) || whole(f.overrides)) acc.delete(name);
      let entry = acc.get(name);
      if (!entry) {
        if (!def) continue; // reset of a service no earlier file defines
        entry = {
          service: { build: false, healthcheck: 'none', file: f.file, ...f.source.locate(['services'], name) },
        };
        acc.set(name, entry);
      }
      const s = entry.service;
      if (resetOrOverride(f.resets, name, 'image')) {
        delete s.image;
        delete s.imageAt;
      }
      if (resetOrOverride(f.resets, name, 'build')) s.build = false;
      if (resetOrOverride(f.resets, name, 'healthcheck')) delete entry.healthcheck;
      if (!def) continue;
      if (typeof def.image === 'string') {
        s.image = def.image;
        s.imageAt = { file: f.file, ...f.source.locate(['services', name, 'image']) };
      }
      if (def.build !== undefined && def.build !== null) s.build = true;
      const hc = record(def.healthcheck);
      if (hc) {
        entry.healthcheck = resetOrOverride(f.overrides, name, 'healthcheck')
          ? { ...hc }
          : { ...entry.healthcheck, ...hc };
      }
    }
  }
  const out = new Map<string, ComposeService>();
  for (const [name, { service, healthcheck }] of acc) {
    service.healthcheck = healthcheckState(healthcheck);
    out.set(name, service);
  }
  return out;
}

function healthcheckState(hc: Record<string, unknown> | undefined): HealthcheckState {
  if (!hc) return 'none';
  if (hc.disable === true || (typeof hc.disable === 'string' && hc.disable.toLowerCase() === 'true')) return 'disabled';
  const test = hc.test;
  if (Array.isArray(test) && test[0] === 'NONE') return 'disabled';
  if ((Array.isArray(test) && test.length > 0) || (typeof test === 'string' && test !== '')) return 'defined';
  return 'none';
}

function record(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}
