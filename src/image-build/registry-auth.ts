/**
 * Registry credentials for this machine's push, without touching the user's Docker config: a private
 * DOCKER_CONFIG directory (0700) for the run, logged in with `docker login --password-stdin`, removed at the end.
 * It keeps what the user's config gives the CLI — its plugins (buildx), contexts (Docker Desktop's) and builders
 * — by linking them, and the current context by name. Hand-written: no maintained package manages a throwaway
 * Docker config.
 */
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { GangwayError, ExitCode } from '../errors.js';
import type { Secret } from '../redact/secret.js';
import { runDocker } from '../docker/local-docker.js';

export interface RegistryLogin {
  server: string;
  username: string;
  password: Secret;
}

export interface DockerConfigDir {
  /** Environment for every docker command of the build and push. */
  env: Record<string, string>;
  remove(): Promise<void>;
}

export async function loggedInConfig(login: RegistryLogin, mask: (text: string) => string): Promise<DockerConfigDir> {
  const original = process.env.DOCKER_CONFIG ?? join(homedir(), '.docker');
  const dir = await mkdtemp(join(tmpdir(), 'gangway-docker-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    const currentContext = await readCurrentContext(original);
    await writeFile(join(dir, 'config.json'), JSON.stringify(currentContext ? { currentContext } : {}), {
      mode: 0o600,
    });
    for (const name of ['cli-plugins', 'contexts', 'buildx'])
      await symlink(join(original, name), join(dir, name)).catch(() => {});
    const env = { DOCKER_CONFIG: dir };
    const result = await runDocker(['login', '--username', login.username, '--password-stdin', login.server], {
      env,
      stdin: login.password.reveal(),
    });
    if (result.code !== 0) {
      const why = mask(`${result.stderr}`.trim().split('\n').at(-1) ?? '');
      throw new GangwayError(
        'E_REGISTRY_LOGIN',
        ExitCode.failed,
        `local: docker login to ${login.server} as ${login.username} failed${why ? `: ${why}` : ''}`,
        { hints: [`check image.registry.username and the token in ${login.password.name}`] },
      );
    }
    return { env, remove };
  } catch (e) {
    await remove();
    throw e;
  }
}

async function readCurrentContext(configDir: string): Promise<string | undefined> {
  try {
    const parsed = JSON.parse(await readFile(join(configDir, 'config.json'), 'utf8')) as { currentContext?: unknown };
    return typeof parsed.currentContext === 'string' ? parsed.currentContext : undefined;
  } catch {
    return undefined;
  }
}
