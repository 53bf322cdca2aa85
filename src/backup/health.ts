/**
 * The health gate after a restore into the live database: every `health.services` entry running and, when it
 * has a healthcheck, healthy, within `health.timeout`. (The deploy gate's HTTP checks run in apply.sh; here
 * the stack was not redeployed, only its data replaced, so its containers' own health is what can change.)
 */
import type { HealthSettings } from '../config/config.js';
import type { Host } from '../hosts/host.js';
import { inspectServices } from '../operate/inspect.js';

export async function waitHealthy(host: Host, app: string, health: HealthSettings): Promise<string | undefined> {
  const deadline = Date.now() + health.timeoutMs;
  let problem: string | undefined;
  for (;;) {
    // With blue/green the proxied service runs in a colour project; the stopped standby colour does not count.
    const states = await inspectServices(host, [app, `${app}-blue`, `${app}-green`], undefined);
    problem = undefined;
    for (const name of health.services) {
      const s =
        states.find((x) => x.service === name && x.state === 'running') ?? states.find((x) => x.service === name);
      if (!s) problem = `${name} has no container`;
      else if (s.state !== 'running') problem = `${name} is ${s.state}`;
      else if (s.health !== 'healthy' && s.health !== 'none') problem = `${name} is ${s.health}`;
      if (problem) break;
    }
    if (!problem || Date.now() > deadline) return problem;
    await new Promise((r) => setTimeout(r, 500));
  }
}
