/**
 * `hooks:` — commands around a deploy, run in the order written: `on: local` once on this machine (the local
 * shell, in gangway.yml's directory), `on: server` with sh in `<dir>` on every host, `on: service` in the
 * service's running container on every host. Each gets GANGWAY_APP, _TARGET, _TAG, _HOST, _RELEASE and
 * _STATUS; its output is shown line by line, masked, prefixed by where it ran. The first failing hook ends the
 * event's list.
 */
import { spawn } from 'node:child_process';
import type { Hook, HookEvent } from '../config/config.js';
import type { Host } from '../hosts/host.js';
import { execInService } from '../operate/service-exec.js';
import type { RemoteLayout } from '../server/layout.js';
import { LineSplitter } from '../util/lines.js';

export interface HookHost {
  label: string;
  host: Host;
  layout: RemoteLayout;
}

export interface HookRun {
  event: HookEvent;
  hooks: readonly Hook[];
  app: string;
  target: string;
  tag: string;
  release: string;
  status: string;
  hosts: readonly HookHost[];
  /** Where local hooks run (gangway.yml's directory). */
  baseDir: string;
  /** One line of a hook's output or a note about it (the caller masks and prints it). */
  say(line: string): void;
}

export type HookResult = { ok: true } | { ok: false; message: string };

export async function runHooks(run: HookRun): Promise<HookResult> {
  for (const [i, hook] of run.hooks.entries()) {
    const name = `${run.event}[${i}] (on: ${hook.on}${hook.service ? ` ${hook.service}` : ''})`;
    run.say(`hook ${name}: ${hook.run}`);
    const failures =
      hook.on === 'local'
        ? await localHook(run, hook, name)
        : (await Promise.all(run.hosts.map((h) => remoteHook(run, hook, name, h)))).flat();
    if (failures.length) return { ok: false, message: `hook ${name} failed: ${failures.join('; ')}` };
  }
  return { ok: true };
}

function variables(run: HookRun, host: string): Record<string, string> {
  return {
    GANGWAY_APP: run.app,
    GANGWAY_TARGET: run.target,
    GANGWAY_TAG: run.tag,
    GANGWAY_HOST: host,
    GANGWAY_RELEASE: run.release,
    GANGWAY_STATUS: run.status,
  };
}

/** Returns what failed (empty when it passed). */
function localHook(run: HookRun, hook: Hook, name: string): Promise<string[]> {
  const lines = new LineSplitter((line) => run.say(`${name} | ${line}`));
  return new Promise((resolve) => {
    const child = spawn(hook.run, {
      shell: true,
      cwd: run.baseDir,
      env: { ...process.env, ...variables(run, run.hosts.map((h) => h.label).join(',')) },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: hook.timeoutMs,
    });
    child.stdout.on('data', (d: Buffer) => lines.push(d));
    child.stderr.on('data', (d: Buffer) => lines.push(d));
    child.on('error', (e) => resolve([`could not start: ${e.message}`]));
    child.on('close', (code, signal) => {
      lines.flush();
      if (code === 0) resolve([]);
      else resolve([signal ? `killed by ${signal} (timeout ${hook.timeoutMs} ms?)` : `exit ${code}`]);
    });
  });
}

async function remoteHook(run: HookRun, hook: Hook, name: string, h: HookHost): Promise<string[]> {
  const lines = new LineSplitter((line) => run.say(`${h.label} ${name} | ${line}`));
  const options = {
    onStdout: (d: Buffer) => lines.push(d),
    onStderr: (d: Buffer) => lines.push(d),
    timeoutMs: hook.timeoutMs,
  };
  const env = variables(run, h.label);
  try {
    const r =
      hook.on === 'server'
        ? await h.host.exec(
            [
              'env',
              ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
              'sh',
              '-c',
              'cd "$1" || exit 1; sh -c "$2"',
              'hook',
              h.layout.dir,
              hook.run,
            ],
            options,
          )
        : await execInService(h.host, h.layout, run.app, hook.service!, ['sh', '-c', hook.run], env, options);
    lines.flush();
    return r.code === 0 ? [] : [`${h.label}: exit ${r.code ?? r.signal}`];
  } catch (e) {
    lines.flush();
    return [`${h.label}: ${(e as Error).message}`];
  }
}
