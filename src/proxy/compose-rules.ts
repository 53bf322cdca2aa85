/**
 * What the proxied service must look like for blue/green: it runs twice at once (two colours), so it cannot
 * have a fixed container name or publish host ports, and it must share the stack's networks (no network_mode).
 * The rest of the stack must not depend on it: the app's own project runs it at scale 0.
 */
import type { ComposeFile } from '../compose/compose-file.js';
import type { ConfigProblem } from '../errors.js';

const FORBIDDEN: Record<string, string> = {
  container_name: 'two colours run at once, so a fixed container name would clash; remove it',
  ports: 'the proxy publishes the ports (proxy.listen); remove the host ports of the proxied service',
  network_mode: "the proxy reaches the service over the stack's networks; remove network_mode",
};

export function proxiedServiceProblems(files: readonly ComposeFile[], service: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  let defined = false;
  for (const f of files) {
    const services = record(record(f.doc)?.services) ?? {};
    const def = record(services[service]);
    if (def) {
      defined = true;
      for (const [key, why] of Object.entries(FORBIDDEN)) {
        if (def[key] === undefined || def[key] === null) continue;
        const at = f.source.locate(['services', service], key);
        problems.push({ file: f.file, ...at, key: `services.${service}.${key}`, message: why });
      }
    }
    for (const [name, other] of Object.entries(services)) {
      if (name === service || !dependsOn(record(other)?.depends_on, service)) continue;
      const at = f.source.locate(['services', name, 'depends_on']);
      problems.push({
        file: f.file,
        ...at,
        key: `services.${name}.depends_on`,
        message: `depends on the proxied service ${service}, which runs in its own colour projects; remove it`,
      });
    }
  }
  if (!defined) {
    const names = new Set(files.flatMap((f) => Object.keys(record(record(f.doc)?.services) ?? {})));
    problems.push({
      file: files[0]?.file ?? 'compose',
      key: 'proxy.service',
      message: `"${service}" is not a service of the compose files (services: ${[...names].join(', ')})`,
    });
  }
  return problems;
}

function dependsOn(value: unknown, service: string): boolean {
  if (Array.isArray(value)) return value.includes(service);
  return record(value)?.[service] !== undefined;
}

export function record(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}
