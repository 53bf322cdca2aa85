/** One host's drift: run drift.sh, and when .env differs read both copies to name the keys (never the values). */
import { posix } from 'node:path';
import type { Config, Target } from '../config/config.js';
import { detectCompose } from '../docker/compose-cli.js';
import { diffEnv, type EnvDiff } from '../env/diff.js';
import { parseEnv } from '../env/parse.js';
import { execOk, type Host } from '../hosts/host.js';
import { registerServerEnvSecrets } from '../operate/server-secrets.js';
import { registerEnvSecrets } from '../redact/register.js';
import type { Scrubber } from '../redact/scrubber.js';
import { remoteLayout } from '../server/layout.js';
import { runScript } from '../server/scripts.js';
import { strategyFor } from '../strategy/index.js';
import { parseDriftFacts } from './facts.js';
import { judgeDrift, type DriftFinding } from './judge.js';

export async function hostDrift(
  host: Host,
  config: Config,
  target: Pick<Target, 'dir' | 'engine'>,
  scrubber: Scrubber,
): Promise<{ release?: string; findings: DriftFinding[] }> {
  const layout = remoteLayout(await host.resolvePath(target.dir));
  await registerServerEnvSecrets(host, layout.dir, scrubber); // Compose's error lines may quote a value
  const compose = await detectCompose(host);
  const args = [
    layout.dir,
    config.app,
    (compose?.argv ?? ['docker', 'compose']).join('\n'),
    config.dirs.join('\n'),
    config.backups.map((b) => b.dir).join('\n'),
    strategyFor(config, target).colouredService?.(config) ?? '',
  ];
  const r = await execOk(host, runScript('drift.sh', args), { timeoutMs: 120_000 });
  const facts = parseDriftFacts(r.stdout);
  let envDiff: EnvDiff | undefined;
  if (facts.current && facts.env === 'changed') {
    const read = (file: string) => host.readFile(file).then((b) => parseEnv(b.toString('utf8')).entries);
    const [live, released] = await Promise.all([
      read(posix.join(layout.dir, '.env')),
      read(posix.join(layout.release(facts.current.id), '.env')),
    ]);
    registerEnvSecrets(scrubber, [...live, ...released]);
    envDiff = diffEnv(live, released);
  }
  return {
    ...(facts.current && { release: `${facts.current.id} (${facts.current.tag})` }),
    findings: judgeDrift(facts, envDiff),
  };
}
