/**
 * Following a detached apply: read its run log from where we left off until the result event. Each read waits on
 * the server (up to WAIT_S) for the log to grow, so a new line — the result above all — arrives as soon as it is
 * written, with one round trip per burst of output rather than per poll. Reading by offset (not `tail -f`) leaves
 * no process behind on the server and resumes exactly after a reconnect. Each read asks whether the apply still
 * lives, so an apply that died is noticed at once.
 */
import { ExitCode, GangwayError } from '../../errors.js';
import type { ExecResult } from '../../hosts/host.js';
import type { Outcome, RecordStatus } from '../../server/records.js';
import type { StepContext } from './context.js';

export type FollowContext = Pick<StepContext, 'label' | 'layout' | 'session' | 'events'>;

/** Lines starting with this are machine-readable events for the CLI (`::gangway:: {json}`). */
export const EVENT_PREFIX = '::gangway::';

export interface ResultEvent {
  status: RecordStatus;
  outcome: Outcome;
  serving: string;
  failing_step?: string;
  reason?: string;
}

export type RunResult = ({ kind: 'finished' } & ResultEvent) | { kind: 'died' };

/** The longest a read waits on the server for new output (in steps of 0.2 s). */
export const WAIT_S = 2;

/**
 * $1 pid, $2 the first byte not read yet (1-based), $3 the log, $4 waiting steps. Waits while the log has nothing
 * new and the apply runs; alive is checked before reading, so whatever the apply wrote before dying is in the same
 * read. `sleep 1` where sleep takes no fractions.
 */
export const READ = [
  'n=$4',
  'while [ "$n" -gt 0 ] && [ "$(wc -c 2>/dev/null <"$3" || echo 0)" -lt "$2" ] && kill -0 "$1" 2>/dev/null; do',
  '  sleep 0.2 2>/dev/null || sleep 1',
  '  n=$((n - 1))',
  'done',
  // A killed apply stays a zombie until init reaps it, and kill -0 still succeeds on a zombie.
  'if kill -0 "$1" 2>/dev/null && ! ps -o stat= -p "$1" 2>/dev/null | grep -q Z; then echo alive >&2; fi',
  'tail -c +"$2" "$3" 2>/dev/null || true',
].join('\n');

/** argv of one read of `log` from byte `offset` (0-based) while the apply `pid` runs. */
export function readCommand(pid: string, offset: number, log: string, waitS = WAIT_S): string[] {
  return ['sh', '-c', READ, 'follow', pid, String(offset + 1), log, String(Math.round(waitS * 5))];
}

export async function followRun(
  ctx: FollowContext,
  releaseId: string,
  pid: string,
  startOffset: number,
  deadlineMs: number,
): Promise<RunResult> {
  const log = ctx.layout.runLog(releaseId);
  const deadline = Date.now() + deadlineMs;
  let offset = startOffset;
  let partial = '';
  for (;;) {
    let r: ExecResult;
    try {
      r = await ctx.session.host.exec(readCommand(pid, offset, log), { timeoutMs: 30_000 + WAIT_S * 1000 });
    } catch (e) {
      await ctx.session.reconnect(e as Error);
      continue;
    }
    if (r.code !== 0) {
      // READ always exits 0: anything else is the connection failing under it.
      await ctx.session.reconnect(new Error(r.signal ? `killed by ${r.signal}` : `exit ${r.code ?? 'without a code'}`));
      continue;
    }
    offset += Buffer.byteLength(r.stdout, 'utf8');
    const lines = (partial + r.stdout).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const result = handleLine(ctx, line);
      if (result) return { kind: 'finished', ...result };
    }
    if (!r.stderr.includes('alive')) {
      const last = partial && handleLine(ctx, partial);
      return last ? { kind: 'finished', ...last } : { kind: 'died' };
    }
    if (Date.now() > deadline) {
      throw new GangwayError(
        'E_APPLY_DEADLINE',
        ExitCode.failed,
        `${ctx.label}: the apply has not finished within ${Math.round(deadlineMs / 1000)}s; it goes on on the server ` +
          `— see \`gangway status\` and ${log}`,
      );
    }
    // No pause here: the next read waits on the server until there is something to read.
  }
}

function handleLine(ctx: FollowContext, line: string): ResultEvent | undefined {
  if (!line.startsWith(EVENT_PREFIX)) {
    ctx.events.onLog(line);
    return undefined;
  }
  const event = JSON.parse(line.slice(EVENT_PREFIX.length)) as
    { event: 'step'; step: string; status: string; detail?: string } | ({ event: 'result' } & ResultEvent);
  if (event.event === 'result') return event;
  ctx.events.onStep({
    step: event.step,
    status: event.status === 'ok' ? 'ok' : 'fail',
    ms: 0,
    ...(event.detail && { detail: event.detail }),
  });
  return undefined;
}
