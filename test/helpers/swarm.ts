/**
 * The test Swarm of scripts/test-hosts.sh (`swarm 21 22 23`: host 21 the manager, 22 and 23 workers, each its own
 * network namespace, dockerd, sshd and user, joined over a link of their own with a registry every node pulls
 * from), and throwaway swarm projects deployed to it through the real sshd of the manager.
 */
import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, writeFileSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { bounded } from './children.js';
import { localImageId } from './images.js';
import { tempDir, testEnv, testHost, type TestHost } from './testenv.js';

const run = promisify(execFile);
const BIN = new URL('../../bin/gangway.js', import.meta.url).pathname;

export interface Cluster {
  manager: TestHost;
  workers: TestHost[];
  /** `10.78.21.1:5009`: the registry on the cluster's own link (reached from the nodes, not from here). */
  registry: string;
  /** Whether this kernel runs overlay networks (vxlan), as test-hosts.sh found when it built the cluster. */
  overlay: boolean;
}

/** The cluster scripts/test.sh starts; a clear error when it is not running. */
export function swarmCluster(manager = 21): Cluster {
  let text: string;
  try {
    text = readFileSync(join(testEnv().dir, `swarm-${manager}.env`), 'utf8');
  } catch {
    throw new Error(`the test Swarm is not running: run scripts/test-hosts.sh swarm ${manager} 22 23 (as root)`);
  }
  const vars = Object.fromEntries(
    text
      .trim()
      .split('\n')
      .map((l) => l.split('=', 2) as [string, string]),
  );
  return {
    manager: testHost(Number(vars.GANGWAY_SWARM_MANAGER)),
    workers: (vars.GANGWAY_SWARM_WORKERS ?? '').split(' ').filter(Boolean).map(Number).map(testHost),
    registry: vars.GANGWAY_SWARM_REGISTRY!,
    overlay: vars.GANGWAY_SWARM_OVERLAY === 'yes',
  };
}

/** `docker` against one node's engine (test checks only; gangway goes through SSH). */
export async function nodeDocker(node: TestHost, args: string[]): Promise<string> {
  const { stdout } = await run('docker', ['-H', node.docker, ...args], { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/**
 * Put a local image into the cluster's registry as `<registry>/<name>`: loaded into the manager's engine and
 * pushed from there (the registry is on the cluster's link only). Skipped when the manager has that image already.
 */
export async function pushToCluster(cluster: Cluster, local: string, name: string): Promise<string> {
  const ref = `${cluster.registry}/${name}`;
  const id = await localImageId(local);
  if (!id) throw new Error(`no local image ${local}`);
  const there = await nodeDocker(cluster.manager, ['image', 'inspect', '-f', '{{.Id}}', ref]).catch(() => '');
  if (there.trim() !== id) {
    await new Promise<void>((resolve, reject) => {
      const save = spawn('docker', ['save', local], { stdio: ['ignore', 'pipe', 'inherit'] });
      const load = spawn('docker', ['-H', cluster.manager.docker, 'load', '-q'], {
        stdio: ['pipe', 'ignore', 'inherit'],
      });
      save.stdout.pipe(load.stdin);
      load.on('error', reject);
      load.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`docker load: exit ${code}`))));
    });
    await nodeDocker(cluster.manager, ['tag', local, ref]);
  }
  await nodeDocker(cluster.manager, ['push', ref]);
  return ref;
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let counter = 0;

/** A project whose stack (`sw<pid>x<n>`) lives on the test Swarm; `hosts` are the target's hosts in order. */
export class SwarmProject {
  readonly app = `sw${process.pid % 10000}x${++counter}`;
  readonly dir = tempDir('gangway-swarm-');
  readonly config = join(this.dir, 'gangway.yml');

  constructor(
    readonly cluster: Cluster,
    files: { compose: string; env?: string; gangway: (app: string) => string; extra?: Record<string, string> },
  ) {
    writeFileSync(join(this.dir, 'docker-compose.yml'), files.compose);
    writeFileSync(join(this.dir, '.env'), files.env ?? '');
    for (const [name, content] of Object.entries(files.extra ?? {})) writeFileSync(join(this.dir, name), content);
    writeFileSync(this.config, files.gangway(this.app));
  }

  /** The deploy directory on the manager (`~/app` of its user). */
  get serverDir(): string {
    return join(this.cluster.manager.home, this.app);
  }

  write(name: string, content: string): void {
    writeFileSync(join(this.dir, name), content);
  }

  start(args: string[], env: NodeJS.ProcessEnv = {}): { done: Promise<Run>; kill: () => void } {
    const child = bounded(
      spawn(process.execPath, [BIN, '-c', this.config, ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      }),
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const done = new Promise<Run>((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
    return { done, kill: () => child.kill('SIGKILL') };
  }

  run(args: string[]): Promise<Run> {
    return this.start(args).done;
  }

  releases(): Record<string, unknown>[] {
    try {
      return readFileSync(join(this.serverDir, '.gangway', 'releases.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    } catch {
      return [];
    }
  }

  /** Every file the runs wrote here and on the manager (records, run logs, releases.jsonl), for leak scans. */
  written(): Record<string, string> {
    const out: Record<string, string> = {};
    const walk = (dir: string, skip: (name: string) => boolean) => {
      let entries: Dirent[];
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw e;
      }
      for (const e of entries) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p, skip);
        else if (!skip(e.name)) {
          // A detached apply may still be pruning old releases: a file gone meanwhile cannot leak.
          const text = readIfThere(p);
          if (text !== undefined) out[p] = text;
        }
      }
    };
    walk(join(this.dir, 'records'), () => false);
    // The release's own copies of the env file and secrets (0600) are where they must be; logs and records are not.
    walk(
      join(this.serverDir, '.gangway'),
      (n) => n.startsWith('.env') || n.startsWith('swarm-secret-') || n === '.mask',
    );
    return out;
  }

  async service(name: string, template: string): Promise<string> {
    return (
      await nodeDocker(this.cluster.manager, ['service', 'inspect', '-f', template, `${this.app}_${name}`])
    ).trim();
  }

  async secrets(): Promise<string[]> {
    const out = await nodeDocker(this.cluster.manager, [
      'secret',
      'ls',
      '--filter',
      `label=com.docker.stack.namespace=${this.app}`,
      '--format',
      '{{.Name}}',
    ]);
    return out.split('\n').filter(Boolean).sort();
  }

  /** The stack removed (services, networks, secrets and configs), and the deploy directory. */
  cleanup(): void {
    const docker = (args: string[]) =>
      spawnSync('docker', ['-H', this.cluster.manager.docker, ...args], { encoding: 'utf8' }).stdout ?? '';
    const label = `label=com.docker.stack.namespace=${this.app}`;
    docker(['stack', 'rm', this.app]);
    // Secrets, configs and networks still used by a task that is shutting down: removed once the tasks are gone.
    for (let i = 0; i < 40; i++) {
      const left = (kind: string) => docker([kind, 'ls', '-q', '--filter', label]).split('\n').filter(Boolean);
      const [secrets, configs, networks] = [left('secret'), left('config'), left('network')];
      if (secrets.length + configs.length + networks.length + left('service').length === 0) break;
      if (secrets.length) docker(['secret', 'rm', ...secrets]);
      if (configs.length) docker(['config', 'rm', ...configs]);
      if (networks.length) docker(['network', 'rm', ...networks]);
      execFileSync('sleep', ['0.5']);
    }
    rmSync(this.serverDir, { recursive: true, force: true });
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function readIfThere(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** GET http://address:port/path from here, or undefined. */
export function fetchText(address: string, port: number, path: string): string | undefined {
  try {
    return execFileSync('curl', ['-fsS', '--max-time', '30', `http://${address}:${port}${path}`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}

export async function waitFor(condition: () => Promise<boolean> | boolean, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Every process's argv on this machine (the nodes share its process table), sampled every 20 ms until stopped:
 * what a secret must never be part of.
 */
export function sampleArgv(): { stop(): string } {
  const seen = new Set<string>();
  const timer = setInterval(() => {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        seen.add(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '));
      } catch {
        // gone meanwhile
      }
    }
  }, 20);
  return {
    stop() {
      clearInterval(timer);
      return [...seen].join('\n');
    },
  };
}
