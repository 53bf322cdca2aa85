/**
 * The test registry (scripts/test-env.sh, 127.0.0.1:5000 here) as a test host sees it: a second registry process on
 * the same storage, listening on the host's side of its link (10.77.N.1:5009, which its engine trusts — see
 * scripts/test-hosts.sh). An image pushed to 127.0.0.1:5000/REPO here is pulled there as 10.77.N.1:5009/REPO.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tracked } from './children.js';
import { tempDir, testEnv, type TestHost } from './testenv.js';

export interface HostRegistry {
  /** `10.77.N.1:5009`: the registry's name in the host's image references. */
  name: string;
  stop(): Promise<void>;
}

export async function serveRegistryTo(host: TestHost): Promise<HostRegistry> {
  const n = /^10\.77\.(\d+)\.2$/.exec(host.address)?.[1];
  if (!n) throw new Error(`not a test host of scripts/test-hosts.sh: ${host.address}`);
  const name = `10.77.${n}.1:5009`;
  const config = join(tempDir('gangway-registry-'), 'registry.yml');
  const shared = readFileSync(join(testEnv().dir, 'registry.yml'), 'utf8');
  writeFileSync(config, shared.replace(/^(\s*addr:).*$/m, `$1 ${name}`));
  const child = tracked(spawn('docker-registry', ['serve', config], { stdio: 'ignore' }));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const up = () => spawnSync('curl', ['-fsS', '--max-time', '2', `http://${name}/v2/`]).status === 0;
  const deadline = Date.now() + 30_000;
  while (!up()) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the registry on ${name} did not start (another one listening there?)`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    name,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
