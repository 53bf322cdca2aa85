/**
 * A fake server for apply.sh's unit tests: a temp dir with `<dir>/.gangway`, release directories written
 * with the real applyFiles(), and a stub `docker` / `docker-compose` / `curl` first on PATH
 * (test/fixtures/server/docker-stub.sh). No Docker, no sshd: apply.sh runs under the local `sh`.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HealthSettings, ProxySettings } from '../../src/config/config.js';
import type { ProxyPlan } from '../../src/plan/plan-types.js';
import { parseEnv } from '../../src/env/parse.js';
import { appRouteFiles } from '../../src/proxy/caddy-route.js';
import type { Operation } from '../../src/server/records.js';
import { applyFiles } from '../../src/server/release-files.js';
import { serverScript } from '../../src/server/scripts.js';
import { blueGreen } from '../../src/strategy/blue-green/index.js';
import { recreate } from '../../src/strategy/recreate/index.js';
import { proxySettings } from '../helpers/proxy-settings.js';

const STUB = new URL('../fixtures/server/docker-stub.sh', import.meta.url);
export const DEFAULT_COMPOSE = 'services:\n  web:\n    image: acme/web:${IMAGE_TAG}\n';

export interface ReleaseSpec {
  id: string;
  tag: string;
  operation?: Operation;
  /** Compose files by name (default: one docker-compose.yml); ignored with `copyFrom`. */
  files?: Record<string, string>;
  /** The release's .env text (none when undefined). */
  env?: string;
  /** Fill the release from a retained one with the real copy-release.sh (rollback and env-only releases). */
  copyFrom?: { id: string; withEnv: boolean };
  health?: Partial<HealthSettings>;
  keep?: number;
  imageName?: string;
  app?: string;
  composeArgv?: string[];
  /** Blue/green behind the shared proxy (bluegreen.sh), with these settings over QUICK_PROXY. */
  proxy?: Partial<ProxySettings>;
  /** deploy --end-maintenance (blue/green). */
  endMaintenance?: boolean;
  /** More fields the CLI knows before the apply (e.g. the image_digest image.build pushed). */
  record?: Record<string, unknown>;
}

/** The proxy as apply.sh's tests run it: proxySettings() with a quick health gate and no drain. */
const QUICK_PROXY: Partial<ProxySettings> = {
  health: { path: '/health', intervalMs: 100, passes: 1, timeoutMs: 5_000 },
  drainMs: 0,
};

export interface StartOptions {
  path?: string;
  leads?: 'session' | 'group';
}

/** One call the stub received: its name (docker, docker-compose, curl), IMAGE_TAG, argv. */
export interface StubCall {
  name: string;
  imageTag: string;
  argv: string[];
}

export class FakeServer {
  readonly root = mkdtempSync(join(tmpdir(), 'gangway-apply-'));
  readonly dir: string;
  readonly g: string;
  readonly stub = join(this.root, 'stub');
  readonly bin = join(this.root, 'bin');

  constructor(dirName = 'app') {
    this.dir = join(this.root, 'srv', dirName);
    this.g = join(this.dir, '.gangway');
    mkdirSync(join(this.g, 'releases'), { recursive: true });
    mkdirSync(this.stub);
    mkdirSync(this.bin);
    for (const name of ['docker', 'docker-compose', 'curl', 'caddy', 'wget']) {
      copyFileSync(STUB, join(this.bin, name));
      chmodSync(join(this.bin, name), 0o755);
    }
  }

  rel(id: string): string {
    return join(this.g, 'releases', id);
  }

  /** Write a release directory as gangway's release step does; returns its path. */
  release(spec: ReleaseSpec): string {
    const rel = this.rel(spec.id);
    mkdirSync(rel, { recursive: true });
    let files: string[];
    let tag = spec.tag;
    if (spec.copyFrom) {
      const how = spec.copyFrom.withEnv ? 'with-env' : 'without-env';
      const r = this.sh(serverScript('copy-release.sh'), 'copy-release.sh', [this.g, spec.copyFrom.id, rel, how]);
      if (r.status !== 0) throw new Error(`copy-release.sh: ${r.stderr}`);
      tag = r.stdout.split('\n')[0]!;
      files = readFileSync(join(rel, 'files'), 'utf8').split('\n').filter(Boolean);
    } else {
      const compose = spec.files ?? { 'docker-compose.yml': DEFAULT_COMPOSE };
      files = Object.keys(compose);
      for (const [name, text] of Object.entries(compose)) writeFileSync(join(rel, name), text);
      writeFileSync(join(rel, 'files'), `${files.join('\n')}\n`);
    }
    if (spec.env !== undefined) writeFileSync(join(rel, '.env'), spec.env, { mode: 0o600 });
    const envText = spec.env ?? (existsSync(join(rel, '.env')) ? readFileSync(join(rel, '.env'), 'utf8') : undefined);
    const health: HealthSettings = { services: ['web'], http: [], smoke: [], timeoutMs: 5_000, ...spec.health };
    const operation = spec.operation ?? 'deploy';
    const record = {
      id: spec.id,
      tag,
      operation,
      strategy: 'recreate',
      who: 'tester@laptop',
      target: 'prod',
      ...spec.record,
    };
    const envValues = envText === undefined ? [] : parseEnv(envText).entries.map((e) => e.value);
    const app = spec.app ?? 'shop';
    const proxy = spec.proxy && proxySettings({ ...QUICK_PROXY, ...spec.proxy });
    const step = { kind: 'apply' as const, title: '', does: [], health, keep: spec.keep ?? 3 };
    const generated = applyFiles(
      {
        dir: this.dir,
        app,
        releaseId: spec.id,
        tag,
        operation,
        ...(spec.imageName && { imageName: spec.imageName }),
        keep: spec.keep ?? 3,
        health,
        composeArgv: spec.composeArgv ?? ['docker', 'compose'],
        record,
        strategy: proxy
          ? blueGreen.release(
              {
                ...step,
                strategy: 'blue-green',
                proxy: { ...proxyPlan(app, proxy), endMaintenance: spec.endMaintenance === true },
              },
              new Map(),
            )
          : recreate.release({ ...step, strategy: 'recreate' }, new Map()),
      },
      envValues,
    );
    for (const f of generated) writeFileSync(join(rel, f.name), f.content, { mode: f.mode });
    writeFileSync(join(rel, 'tag'), `${tag}\n`);
    return rel;
  }

  /** The deploy lock as the CLI leaves it before starting the apply. */
  lock(token = 'T'): void {
    mkdirSync(join(this.g, 'lock'), { recursive: true });
    writeFileSync(join(this.g, 'lock', 'info'), `${JSON.stringify({ who: 'tester@laptop', token })}\n`);
  }

  /** `sh <rel>/apply.sh <rel> ACTION TOKEN`; for `apply` the lock is taken first unless `lock: false`. */
  apply(id: string, options: { action?: 'apply' | 'apply-hold' | 'recover'; token?: string; lock?: boolean } = {}) {
    const action = options.action ?? 'apply';
    const applies = action !== 'recover' && options.lock !== false;
    if (applies) this.lock();
    const rel = this.rel(id);
    if (applies) this.noteStart(id);
    return this.run('sh', [join(rel, 'apply.sh'), rel, action, options.token ?? 'T']);
  }

  /**
   * `apply` (lock taken) running while the test goes on: its output so far, and its end. The test kills `child`
   * when it ends early; a backstop ends a run that outlives two minutes.
   */
  applyAsync(id: string): { child: ChildProcess; stdout: () => string; done: Promise<{ status: number | null }> } {
    this.lock();
    this.noteStart(id);
    const rel = this.rel(id);
    const child = spawn('sh', [join(rel, 'apply.sh'), rel, 'apply', 'T'], {
      cwd: this.root,
      env: { PATH: `${this.bin}:/usr/bin:/bin`, HOME: this.root },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 120_000,
    });
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    const done = new Promise<{ status: number | null }>((resolve) =>
      child.on('close', (status) => resolve({ status })),
    );
    return { child, stdout: () => out, done };
  }

  /** What start.sh does before it starts an apply: note the release in place, mark the apply under way. */
  noteStart(id: string): void {
    const current = existsSync(join(this.g, 'current')) ? readFileSync(join(this.g, 'current'), 'utf8').trim() : '';
    writeFileSync(join(this.rel(id), 'prev'), `${current === id ? '' : current}\n`);
    writeFileSync(join(this.g, 'applying'), `${id}\n`);
  }

  /**
   * The real start.sh, as the CLI runs it: the apply (or recover) detached, in a process group of its own.
   * Returns the apply's pid. `path` replaces the PATH after the stubs (e.g. one without setsid); `leads`: start.sh
   * runs as the leader of a session of its own (as sshd runs each command) or of a process group only (as a
   * shell with job control runs a command); by default in the test's own group.
   */
  start(id: string, action: 'apply' | 'recover', token = 'T', options: StartOptions = {}): number {
    const script = ['sh', '-c', serverScript('start.sh'), 'start.sh', this.dir, this.rel(id), this.runLog(id)];
    const argv = [...script, action, token];
    if (options.leads === 'session') argv.unshift('/usr/bin/setsid', '-w');
    if (options.leads === 'group') argv.unshift('bash', '-c', 'set -m; "$@" & wait $!', 'bash');
    const r = this.run(argv[0]!, argv.slice(1), options.path);
    if (r.status !== 0) throw new Error(`start.sh: ${r.stdout}${r.stderr}`);
    return Number(r.stdout.split(' ')[0]);
  }

  runLog(id: string): string {
    return join(this.g, 'runs', `${id}.log`);
  }

  /** `sh -c SCRIPT NAME ARGS…`, as gangway runs its server scripts. */
  sh(script: string, name: string, args: string[]): SpawnSyncReturns<string> {
    return this.run('sh', ['-c', script, name, ...args]);
  }

  private run(cmd: string, args: string[], path = '/usr/bin:/bin'): SpawnSyncReturns<string> {
    return spawnSync(cmd, args, {
      encoding: 'utf8',
      timeout: 120_000, // a backstop: apply.sh under the stubs takes seconds, a loaded machine's far longer
      cwd: this.root,
      env: { PATH: `${this.bin}:${path}`, HOME: this.root },
    });
  }

  /** Set (or with undefined remove) one of the stub's state files. */
  stubState(name: string, content: string | undefined): void {
    if (content === undefined) rmSync(join(this.stub, name), { force: true });
    else writeFileSync(join(this.stub, name), content);
  }

  calls(): StubCall[] {
    const log = join(this.stub, 'argv.log');
    if (!existsSync(log)) return [];
    return readFileSync(log, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [name = '', env = '', ...argv] = line.split('\x1f');
        return { name, imageTag: env.slice('IMAGE_TAG='.length), argv };
      });
  }

  /** Compose calls with the given subcommand (the argv item right after the global options). */
  composeCalls(sub: string): StubCall[] {
    return this.calls().filter((c) => c.name !== 'curl' && composeSubcommand(c) === sub);
  }

  clearCalls(): void {
    rmSync(join(this.stub, 'argv.log'), { force: true });
  }

  records(): Record<string, unknown>[] {
    const file = join(this.g, 'releases.jsonl');
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  read(path: string): string | undefined {
    const file = join(this.g, path);
    return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** The Compose subcommand of a stub call (undefined for plain docker commands other than compose). */
export function composeSubcommand(call: StubCall): string | undefined {
  const argv = call.name === 'docker' ? (call.argv[0] === 'compose' ? call.argv.slice(1) : undefined) : call.argv;
  if (!argv) return undefined;
  let i = 0;
  while (['-p', '-f', '--project-directory', '--env-file'].includes(argv[i]!)) i += 2;
  return argv[i];
}

/** The `-f` values of a Compose call, in order. */
export function composeFiles(call: StubCall): string[] {
  return call.argv.flatMap((a, i) => (call.argv[i - 1] === '-f' ? [a] : []));
}

function proxyPlan(app: string, settings: ProxySettings): ProxyPlan {
  return { settings, colourFile: 'services: {}\n', route: appRouteFiles(app, settings) };
}
