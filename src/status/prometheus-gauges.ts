/** `gangway status --format prometheus`: the go/no-go and what it rests on, as gauges (one sample per host). */
import type { ServiceState } from '../operate/inspect.js';
import type { Family, Sample } from '../metrics/exposition.js';

export interface StatusForGauges {
  host: string;
  verdict: 'GO' | 'NO-GO';
  reasons: string[];
  warnings: string[];
  services: ServiceState[];
  endpoints: { url: string; ok: boolean }[];
  disk?: { freePercent: number };
  lock?: string;
  /** null: the host could not be read, so there is no sample (absent, not 0). */
  locked?: boolean | null;
  drifted?: boolean | null;
}

export function statusFamilies(app: string, target: string, hosts: readonly StatusForGauges[]): Family[] {
  const per = (h: StatusForGauges, extra: [string, string][] = []): [string, string][] => [
    ['app', app],
    ['target', target],
    ['host', h.host],
    ...extra,
  ];
  const gauge = (name: string, help: string, samples: Sample[]): Family => ({ name, type: 'gauge', help, samples });
  const each = (value: (h: StatusForGauges) => number | undefined) =>
    hosts.flatMap((h) => {
      const v = value(h);
      return v === undefined ? [] : [{ labels: per(h), value: v }];
    });
  return [
    gauge(
      'gangway_status_go',
      '1 when the host is GO, 0 when NO-GO.',
      each((h) => (h.verdict === 'GO' ? 1 : 0)),
    ),
    gauge(
      'gangway_status_no_go_reasons',
      'How many reasons make the host NO-GO.',
      each((h) => h.reasons.length),
    ),
    gauge(
      'gangway_status_warnings',
      'Warnings that do not make the host NO-GO.',
      each((h) => h.warnings.length),
    ),
    gauge(
      'gangway_status_service_up',
      '1 when the service runs and is healthy (or has no healthcheck).',
      hosts.flatMap((h) =>
        h.services.map((s) => ({
          labels: per(h, [['service', s.service]]),
          value: s.state === 'running' && s.health !== 'unhealthy' && s.health !== 'starting' ? 1 : 0,
        })),
      ),
    ),
    gauge(
      'gangway_status_service_restarts',
      "The service container's restart count.",
      hosts.flatMap((h) => h.services.map((s) => ({ labels: per(h, [['service', s.service]]), value: s.restarts }))),
    ),
    gauge(
      'gangway_status_endpoint_up',
      '1 when the health or smoke URL answered 2xx from the server.',
      hosts.flatMap((h) => h.endpoints.map((e) => ({ labels: per(h, [['url', e.url]]), value: e.ok ? 1 : 0 }))),
    ),
    gauge(
      'gangway_status_disk_free_ratio',
      "Free space on the deploy directory's filesystem (0-1).",
      each((h) => (h.disk ? Math.round(h.disk.freePercent * 10) / 1000 : undefined)),
    ),
    gauge(
      'gangway_status_locked',
      '1 while the deploy lock is held.',
      each((h) => (h.locked === null ? undefined : h.lock ? 1 : 0)),
    ),
    gauge(
      'gangway_status_drifted',
      '1 when the server changed outside gangway (gangway drift).',
      each((h) => (h.drifted === undefined || h.drifted === null ? undefined : h.drifted ? 1 : 0)),
    ),
  ];
}
