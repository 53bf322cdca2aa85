/** Step `dirs`: the deploy directory, the `dirs` of gangway.yml, the release directory, the runs directory. */
import { posix } from 'node:path';
import { execOk } from '../../hosts/host.js';
import type { RemoteLayout } from '../../server/layout.js';
import type { DirsStep } from '../../plan/plan-types.js';
import { madeDirs } from './after-lock.js';
import type { StepContext } from './context.js';

// The first COUNT paths with the session's umask; the rest made 0700 (and set so, when an older gangway made them).
const SCRIPT = `n=$1
shift
for p do
  if [ "$n" -gt 0 ]; then
    mkdir -p -- "$p" || exit 1
  else
    (umask 077 && mkdir -p -- "$p") && chmod 700 -- "$p" || exit 1
  fi
  n=$((n - 1))
done`;

/**
 * argv making them: `<dir>` and the `dirs` with the session's umask (they are the user's, and may be bind-mounted
 * into containers that run as other users); `.gangway/`, `releases/`, the release and `runs/` 0700 (env values,
 * secrets and run logs are in them).
 */
export function dirsCommand(layout: RemoteLayout, dirs: readonly string[], releaseId: string): string[] {
  const user = [layout.dir, ...dirs.map((d) => posix.join(layout.dir, d))];
  const release = layout.release(releaseId);
  const own = [layout.state, posix.dirname(release), release, posix.dirname(layout.runLog('x'))];
  return ['sh', '-c', SCRIPT, 'dirs', String(user.length), ...user, ...own];
}

/** Made here unless the lock's round trip made them (then: the step's detail says so). */
export async function makeDirs(
  ctx: Pick<StepContext, 'plan' | 'layout' | 'lock' | 'session'>,
  step: DirsStep,
): Promise<string | undefined> {
  const argv = dirsCommand(ctx.layout, step.dirs, ctx.plan.releaseId);
  if (madeDirs(ctx.lock.then, argv)) return 'made with the lock';
  // Not made, or it failed there: run on its own, which says why when it fails again.
  await ctx.session.retrying((host) => execOk(host, argv, { timeoutMs: 60_000 }));
  return undefined;
}
