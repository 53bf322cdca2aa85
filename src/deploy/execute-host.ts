/**
 * Apply a deploy plan on one host: lock, directories, image delivery, release upload, detached apply,
 * then follow the server-side run log until the apply reports its outcome — reconnecting if the SSH
 * connection drops, since the apply goes on without us.
 */
import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import type { Config, Target } from '../config/config.js';
import { deliverImage } from '../delivery/index.js';
import { buildSource } from '../compose/build-context.js';
import { detectCompose } from '../docker/compose-cli.js';
import { ExitCode, GangwayError } from '../errors.js';
import { execOk, type Host, type TransferProgress } from '../hosts/host.js';
import { formatBytes } from '../output/reporter.js';
import { registryPassword } from '../redact/register.js';
import { applyScript, EVENT_PREFIX } from './apply-script.js';
import { remoteLayout, type RemoteLayout } from './layout.js';
import { acquireLock, type LockHandle } from './lock.js';
import type { DeployPlan } from './plan.js';

export interface StepTiming {
  step: string;
  status: 'ok' | 'fail';
  ms: number;
  detail?: string;
}

export interface HostOutcome {
  host: string;
  status: 'succeeded' | 'rolled_back' | 'failed' | 'rollback' | 'unknown';
  /** The tag serving after the run ('none' when nothing is). */
  serving: string;
  failingStep?: string;
  reason?: string;
  /** First matching error line of the failing service's log (masked by the caller's outputs). */
  firstErrorLine?: string;
  imageId?: string;
  bytesSent: number;
  steps: StepTiming[];
  runLog: string;
}

export interface HostCallbacks {
  /** A step finished (lock, deliver, upload, compose up, health gate…). */
  onStep(host: string, step: StepTiming): void;
  /** A plain line from the server's run log (shown with -v). */
  onLog(host: string, line: string): void;
  onProgress?(host: string, label: string): ((p: TransferProgress) => void) | undefined;
  onLockWait?(host: string, holder: string): void;
}

export interface ExecuteHostInput {
  config: Config;
  target: Target;
  plan: DeployPlan;
  open(): Promise<Host>;
  /** A new connection after the old one broke. */
  reopen(): Promise<Host>;
  envText?: string;
  lockWaitMs: number;
  callbacks: HostCallbacks;
  /** Env file text found on the server (the one being replaced, a rollback's source): its values are secrets too. */
  registerSecrets?: (envText: string) => void;
  /** The run's scrubber, for output cut to length before it reaches the reporter (see delivery/errors.ts). */
  mask?: (text: string) => string;
}

const POLL_MS = 500;
const RECONNECT_ATTEMPTS = 10;

export async function executeOnHost(label: string, input: ExecuteHostInput): Promise<HostOutcome> {
  const { config, plan, callbacks } = input;
  const steps: StepTiming[] = [];
  const timed = async <T>(step: string, work: () => Promise<T>, detail?: (v: T) => string | undefined): Promise<T> => {
    const started = performance.now();
    try {
      const value = await work();
      const t: StepTiming = { step, status: 'ok', ms: performance.now() - started, ...(detail?.(value) && { detail: detail(value)! }) };
      steps.push(t);
      callbacks.onStep(label, t);
      return value;
    } catch (e) {
      const t: StepTiming = { step, status: 'fail', ms: performance.now() - started, detail: (e as Error).message };
      steps.push(t);
      callbacks.onStep(label, t);
      throw e;
    }
  };

  let host = await timed('connect', () => input.open());
  let lock: LockHandle | undefined;
  let applyStarted = false;
  let bytesSent = 0;
  let imageId: string | undefined;
  try {
    const dir = await host.resolvePath(input.target.dir);
    const layout = remoteLayout(dir);
    await registerRemoteEnv(host, posix.join(dir, '.env'), input);
    const compose = await detectCompose(host);
    if (!compose) throw new GangwayError('E_NO_COMPOSE', ExitCode.failed, `${label}: neither docker compose nor docker-compose is installed`);

    lock = await timed('lock', () =>
      acquireLock(host, layout, { who: plan.who, since: new Date().toISOString(), tag: plan.tag, target: plan.target, pid: process.pid, operation: plan.mode }, {
        waitMs: input.lockWaitMs,
        onWait: (holder) => callbacks.onLockWait?.(label, holder?.who ? `${holder.who} since ${holder.since}` : 'unknown holder'),
      }),
    (l) => l.recoveredFrom && `recovered a stale lock: ${l.recoveredFrom}`);

    const release = layout.release(plan.releaseId);
    await timed('dirs', () => execOk(host, ['mkdir', '-p', dir, ...config.dirs.map((d) => posix.join(dir, d)), release, posix.join(layout.state, 'runs')], { timeoutMs: 60_000 }));

    if (plan.delivery !== 'none' && plan.image) {
      const source = plan.delivery === 'build' ? await buildSource(config, plan.image) : undefined;
      const result = await timed(
        'deliver',
        () =>
          deliverImage(host, {
            image: plan.image!,
            mode: plan.delivery as 'registry' | 'archive' | 'build',
            ...(config.image?.archive && { archive: config.image.archive }),
            ...(source && { context: source.context, exclude: source.exclude }),
            ...(source?.dockerfile && { dockerfile: source.dockerfile }),
            mask: input.mask,
            ...registryCredentials(config),
            ...(callbacks.onProgress && { onProgress: callbacks.onProgress(label, `deliver ${plan.image}`) }),
            onLog: (line) => callbacks.onLog(label, line),
          }),
        (r) => `${r.imageId.slice(0, 19)}${r.bytesSent ? `, ${formatBytes(r.bytesSent)} sent` : ''}`,
      );
      bytesSent += result.bytesSent;
      imageId = result.imageId;
    }

    const { tag, files } = await timed(plan.mode === 'rollback' ? 'choose release' : 'upload', () => uploadRelease(host, layout, input, compose.argv, imageId), (t) => `release ${plan.releaseId} (tag ${t.tag})`);

    await timed('start apply', () => startApply(host, layout, plan.releaseId), (p) => `server pid ${p}`);
    applyStarted = true;
    lock.stopHeartbeat(); // the apply holds the lock from here and releases it itself
    const result = await followRunLog(label, layout.runLog(plan.releaseId), host, input, (h) => (host = h));
    const outcome: HostOutcome = {
      host: label,
      status: result.status,
      serving: result.serving,
      ...(result.failing_step && { failingStep: result.failing_step }),
      ...(result.reason && { reason: result.reason }),
      ...(imageId && { imageId }),
      bytesSent,
      steps,
      runLog: layout.runLog(plan.releaseId),
    };
    if (result.status !== 'succeeded' && result.failing_step) {
      const line = await firstErrorLine(host, dir, files, tag, config, compose.argv, result.failing_step).catch(() => undefined);
      if (line) outcome.firstErrorLine = line;
    }
    return outcome;
  } finally {
    if (lock && !applyStarted) await lock.release().catch(() => {});
    await host.close().catch(() => {});
  }
}

async function registerRemoteEnv(host: Host, path: string, input: ExecuteHostInput): Promise<void> {
  if (!input.registerSecrets) return;
  const text = await host.readFile(path).then((b) => b.toString('utf8')).catch(() => undefined);
  if (text !== undefined) input.registerSecrets(text);
}

/** Upload the release; returns the tag and compose files it deploys (env-only and rollback take them from the server). */
async function uploadRelease(host: Host, layout: RemoteLayout, input: ExecuteHostInput, composeArgv: string[], imageId: string | undefined): Promise<{ tag: string; files: string[] }> {
  const { plan, config } = input;
  const release = layout.release(plan.releaseId);
  let tag = plan.tag;
  let files = plan.composeFiles.map((f) => f.name);
  if (plan.mode === 'env-only') {
    // Same compose files as the release in place; only the env changes.
    const copy = `cur=$(cat "$1/current" 2>/dev/null) && [ -n "$cur" ] && [ -d "$1/releases/$cur" ] || { echo "nothing is deployed here yet: run a full deploy first" >&2; exit 1; }
for f in $(cat "$1/releases/$cur/files"); do cp "$1/releases/$cur/$f" "$2/$f" || exit 1; done
cp "$1/releases/$cur/files" "$2/files" && cat "$1/releases/$cur/tag"`;
    tag = (await execOk(host, ['sh', '-c', copy, 'sh', layout.state, release], { timeoutMs: 60_000 })).stdout.trim();
    files = (await host.readFile(posix.join(release, 'files'))).toString('utf8').split('\n').filter(Boolean);
  } else if (plan.mode === 'rollback') {
    ({ tag, files } = await copyRollbackSource(host, layout, release, plan.rollbackTo));
    await registerRemoteEnv(host, posix.join(release, '.env'), input);
  } else {
    for (const f of plan.composeFiles) await host.writeFileAtomic(posix.join(release, f.name), await readFile(f.localPath), { mode: 0o644 });
    await host.writeFileAtomic(posix.join(release, 'files'), `${files.join('\n')}\n`, { mode: 0o644 });
  }
  if (input.envText !== undefined) await host.writeFileAtomic(posix.join(release, '.env'), input.envText); // 0600
  await host.writeFileAtomic(posix.join(release, 'tag'), `${tag}\n`, { mode: 0o644 });
  const manifest = {
    id: plan.releaseId,
    app: plan.app,
    tag,
    image: plan.image ?? null,
    image_id: imageId ?? null,
    mode: plan.mode,
    who: plan.who,
    target: plan.target,
    host: host.label,
    delivery: plan.delivery,
    created: new Date().toISOString(),
    sha256: { compose: Object.fromEntries(plan.composeFiles.map((f) => [f.name, f.sha256])), env: plan.env?.sha256 ?? null },
  };
  await host.writeFileAtomic(posix.join(release, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o644 });
  const script = applyScript({
    mode: plan.mode,
    app: plan.app,
    dir: layout.dir,
    releaseId: plan.releaseId,
    tag,
    ...(config.image && { imageName: config.image.name }),
    composeFiles: files,
    composeArgv,
    health: config.health,
    keep: config.keep,
    record: {
      id: plan.releaseId,
      tag,
      operation: plan.mode,
      who: plan.who,
      target: plan.target,
      host: host.label,
      delivery: plan.delivery,
      image: plan.image ?? null,
      image_ids: imageId ? [imageId] : [],
      sha256: manifest.sha256,
    },
  });
  await host.writeFileAtomic(posix.join(release, 'apply.sh'), script);
  return { tag, files };
}

/**
 * Rollback: pick the release to go back to — `--to TAG` (newest retained release with that tag), else the newest
 * retained release before the one in place that passed its gate — and copy its compose files, env and tag.
 */
async function copyRollbackSource(host: Host, layout: RemoteLayout, release: string, want: string | undefined): Promise<{ tag: string; files: string[] }> {
  const choose = `g=$1 rel=$2 want=$3
cur=$(cat "$g/current" 2>/dev/null)
pick=
for d in $(ls -1 "$g/releases" | sort -r); do
  [ "$d" = "$cur" ] || [ "$g/releases/$d" = "$rel" ] || [ ! -f "$g/releases/$d/files" ] && continue
  t=$(cat "$g/releases/$d/tag" 2>/dev/null)
  if [ -n "$want" ]; then
    [ "$t" = "$want" ] && { pick=$d; break; }
  elif [ -z "$cur" ] || [ "$(printf '%s\\n%s\\n' "$d" "$cur" | sort | head -n 1)" = "$d" ]; then
    grep -F "\\"id\\":\\"$d\\"" "$g/releases.jsonl" 2>/dev/null | grep -q -e '"status":"succeeded"' -e '"status":"rollback"' && { pick=$d; break; }
  fi
done
if [ -z "$pick" ]; then
  printf 'retained:'; for d in $(ls -1 "$g/releases" | sort -r); do [ "$g/releases/$d" = "$rel" ] || printf ' %s' "$(cat "$g/releases/$d/tag" 2>/dev/null)"; done; echo
  exit 3
fi
for f in $(cat "$g/releases/$pick/files"); do cp "$g/releases/$pick/$f" "$rel/$f" || exit 1; done
cp "$g/releases/$pick/files" "$rel/files" || exit 1
if [ -f "$g/releases/$pick/.env" ]; then (umask 077 && cp "$g/releases/$pick/.env" "$rel/.env") || exit 1; fi
echo "$pick"; cat "$g/releases/$pick/tag"`;
  const r = await host.exec(['sh', '-c', choose, 'sh', layout.state, release, want ?? ''], { timeoutMs: 30_000 });
  if (r.code === 3) {
    const retained = r.stdout.replace(/^retained:/, '').trim().split(/\s+/).filter(Boolean);
    const list = retained.length ? [...new Set(retained)].join(', ') : 'none';
    throw new GangwayError('E_ROLLBACK_TARGET', ExitCode.failed, want
      ? `${host.label}: tag ${want} is no longer retained (retained tags: ${list})`
      : `${host.label}: no earlier release that passed its health gate is retained (retained tags: ${list})`);
  }
  if (r.code !== 0) throw new GangwayError('E_REMOTE', ExitCode.failed, `${host.label}: could not prepare the rollback: ${r.stderr.trim().split('\n')[0] ?? `exit ${r.code}`}`);
  const [, tag] = r.stdout.trim().split('\n');
  const files = (await host.readFile(posix.join(release, 'files'))).toString('utf8').split('\n').filter(Boolean);
  return { tag: tag!.trim(), files };
}

/** Start the apply in its own session, immune to the SSH session ending; returns its pid. */
async function startApply(host: Host, layout: RemoteLayout, releaseId: string): Promise<string> {
  const start = `cd "$1" || exit 1
if command -v setsid >/dev/null 2>&1; then
  setsid nohup sh "$2" >>"$3" 2>&1 </dev/null &
else
  nohup sh "$2" >>"$3" 2>&1 </dev/null &
fi
echo $!`;
  const pid = (await execOk(host, ['sh', '-c', start, 'sh', layout.dir, posix.join(layout.release(releaseId), 'apply.sh'), layout.runLog(releaseId)], { timeoutMs: 60_000 })).stdout.trim();
  return pid;
}

interface ResultEvent {
  status: HostOutcome['status'];
  serving: string;
  failing_step?: string;
  reason?: string;
}

/**
 * Read the run log from where we left off, every half second, until the result event. Reading by offset
 * (not `tail -f`) leaves no process behind on the server and resumes exactly after a reconnect.
 */
async function followRunLog(label: string, log: string, first: Host, input: ExecuteHostInput, swap: (h: Host) => void): Promise<ResultEvent> {
  let host = first;
  let offset = 0;
  let partial = '';
  for (;;) {
    let chunk: string;
    try {
      const r = await host.exec(['sh', '-c', 'tail -c +"$1" "$2" 2>/dev/null || true', 'sh', String(offset + 1), log], { timeoutMs: 30_000 });
      chunk = r.stdout;
    } catch (e) {
      host = await reconnect(label, input, e as Error);
      swap(host);
      continue;
    }
    offset += Buffer.byteLength(chunk, 'utf8');
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith(EVENT_PREFIX)) {
        input.callbacks.onLog(label, line);
        continue;
      }
      const event = JSON.parse(line.slice(EVENT_PREFIX.length)) as { event: 'step'; step: string; status: string; detail?: string } | ({ event: 'result' } & ResultEvent);
      if (event.event === 'result') return event;
      input.callbacks.onStep(label, { step: event.step, status: event.status === 'ok' ? 'ok' : 'fail', ms: 0, ...(event.detail && { detail: event.detail }) });
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

async function reconnect(label: string, input: ExecuteHostInput, cause: Error): Promise<Host> {
  input.callbacks.onLog(label, `connection lost (${cause.message}); the apply goes on on the server — reconnecting`);
  for (let attempt = 1; attempt <= RECONNECT_ATTEMPTS; attempt++) {
    await new Promise((r) => setTimeout(r, Math.min(1000 * attempt, 5000)));
    try {
      const host = await input.reopen();
      input.callbacks.onLog(label, 'reconnected; following the run log again');
      return host;
    } catch {
      // try again
    }
  }
  throw new GangwayError('E_CONNECTION_LOST', ExitCode.failed, `${label}: connection lost during the apply and not regained; the server finishes on its own — see \`gangway status\``, { cause });
}

/** For the Minimum Failure Record: the first line of the failing service's recent log that looks like an error. */
async function firstErrorLine(host: Host, dir: string, composeFiles: string[], tag: string, config: Config, composeArgv: string[], failingStep: string): Promise<string | undefined> {
  const service = /^health (\S+)/.exec(failingStep)?.[1];
  const files = composeFiles.flatMap((f) => ['-f', posix.join(dir, f)]);
  const args = [...composeArgv, '-p', config.app, '--project-directory', dir, ...files, '--env-file', posix.join(dir, '.env'), 'logs', '--no-color', '--tail', '50', ...(service ? [service] : [])];
  const r = await host.exec(['env', `IMAGE_TAG=${tag}`, ...args], { timeoutMs: 30_000 });
  const patterns = config.health.fatalLogs?.patterns ?? [];
  const lines = r.stdout.split('\n').filter((l) => l.trim() !== '');
  return lines.find((l) => patterns.some((p) => l.includes(p))) ?? lines.find((l) => /error|fatal|panic|exception|traceback/i.test(l)) ?? lines.at(-1);
}


function registryCredentials(config: Config): { registry?: { server: string; username: string; password: NonNullable<ReturnType<typeof registryPassword>> } } {
  const password = registryPassword(config);
  const username = config.image?.registry?.username;
  if (!password || !username || !config.image) return {};
  const server = config.image.registry?.server ?? config.image.name.split('/')[0]!;
  return { registry: { server, username, password } };
}
