/**
 * The health gate after a restore into the live database, within `health.timeout`: every `health.services` entry
 * running and, when it has a healthcheck, healthy; every `health.http` URL and `health.smoke` URL answering 2xx
 * from the server — the deploy's gate, minus what only a new release can change (fatal log lines of new
 * containers). The stack is not redeployed, only its data replaced.
 */
import type { HealthSettings } from '../config/config.js';
import type { Host } from '../hosts/host.js';
import { checkEndpoints } from '../operate/endpoints.js';
import { inspectServices } from '../operate/inspect.js';

export async function waitHealthy(host: Host, app: string, health: HealthSettings): Promise<string | undefined> {
  const deadline = Date.now() + health.timeoutMs;
  const urls = [...health.http.map((h) => h.url), ...health.smoke];
  for (;;) {
    const problem = (await servicesProblem(host, app, health.services)) ?? (await endpointsProblem(host, urls));
    if (!problem || Date.now() > deadline) return problem;
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function servicesProblem(host: Host, app: string, services: string[]): Promise<string | undefined> {
  if (services.length === 0) return undefined;
  // With blue/green the proxied service runs in a colour project; the stopped standby colour does not count.
  const states = await inspectServices(host, [app, `${app}-blue`, `${app}-green`], undefined);
  for (const name of services) {
    const s = states.find((x) => x.service === name && x.state === 'running') ?? states.find((x) => x.service === name);
    if (!s) return `${name} has no container`;
    if (s.state !== 'running') return `${name} is ${s.state}`;
    if (s.health !== 'healthy' && s.health !== 'none') return `${name} is ${s.health}`;
  }
  return undefined;
}

async function endpointsProblem(host: Host, urls: string[]): Promise<string | undefined> {
  if (urls.length === 0) return undefined;
  const failing = (await checkEndpoints(host, urls)).find((e) => !e.ok);
  return failing && `${failing.url}: ${failing.detail}`;
}
