/** A parsed gangway.yml for the strategies' tests: shop, one compose file, the given extra keys. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import type { Config } from '../../src/config/config.js';
import { parseConfig } from '../../src/config/load.js';
import type { PlanApplyInput } from '../../src/strategy/strategy.js';

export const COMPOSE = 'services:\n  web:\n    image: ghcr.io/acme/shop:${IMAGE_TAG}\n  db:\n    image: postgres:16\n';

const project = mkdtempSync(join(tmpdir(), 'gangway-strategy-'));
after(() => rmSync(project, { recursive: true, force: true }));
writeFileSync(join(project, 'docker-compose.yml'), COMPOSE);

export function config(extra: string, engine: 'compose' | 'swarm' = 'compose'): Config {
  return parseConfig(
    `app: shop
compose: docker-compose.yml
image: { name: ghcr.io/acme/shop }
health: { services: [web], timeout: 2m }
keep: 4
${extra}
targets:
  prod: { hosts: ["deploy@203.0.113.10", "deploy@203.0.113.11"], dir: /srv/shop, engine: ${engine} }
`,
    join(project, 'gangway.yml'),
  );
}

/** What a strategy plans from: the compose file as uploaded. */
export function planInput(c: Config): PlanApplyInput {
  const bytes = Buffer.from(COMPOSE);
  const composeFiles = [
    { name: 'docker-compose.yml', localPath: join(project, 'docker-compose.yml'), sha256: 'x', bytes: bytes.length },
  ];
  return { config: c, tag: { kind: 'given', value: 'v2' }, releaseId: 'r1', composeFiles, composeBytes: [bytes] };
}
