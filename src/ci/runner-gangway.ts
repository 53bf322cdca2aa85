/** Which gangway the CI runner runs: the repository's own locked npm dependency, else this exact published version. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathExists } from '../util/fs.js';
import { PACKAGE_NAME } from '../version.js';
import type { GangwayOnRunner } from './github-workflow.js';

/**
 * The project's own install when its package.json declares gangway-deploy and a lock file pins it (`npm ci` needs
 * one); otherwise `version` from the registry, so the runner never resolves the bare name `gangway` (another package).
 */
export async function gangwayOnRunner(repoRoot: string, version: string): Promise<GangwayOnRunner> {
  const registry: GangwayOnRunner = { from: 'registry', version };
  const manifest = await readFile(path.join(repoRoot, 'package.json'), 'utf8').catch(() => undefined);
  if (manifest === undefined) return registry;
  let pkg: unknown;
  try {
    pkg = JSON.parse(manifest);
  } catch {
    return registry;
  }
  const declares = (field: string) => {
    const deps = (pkg as Record<string, unknown> | null)?.[field];
    return typeof deps === 'object' && deps !== null && PACKAGE_NAME in deps;
  };
  if (!declares('dependencies') && !declares('devDependencies')) return registry;
  for (const lock of ['package-lock.json', 'npm-shrinkwrap.json'])
    if (await pathExists(path.join(repoRoot, lock))) return { from: 'project' };
  return registry;
}
