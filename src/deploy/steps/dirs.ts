/** Step `dirs`: the deploy directory, the `dirs` of gangway.yml, the release directory, the runs directory. */
import { posix } from 'node:path';
import { execOk } from '../../hosts/host.js';
import type { DirsStep } from '../plan.js';
import type { StepContext } from './context.js';

export async function makeDirs(ctx: StepContext, step: DirsStep): Promise<void> {
  const { layout } = ctx;
  const paths = [
    layout.dir,
    ...step.dirs.map((d) => posix.join(layout.dir, d)),
    layout.release(ctx.plan.releaseId),
    posix.dirname(layout.runLog('x')),
  ];
  await ctx.session.retrying((host) => execOk(host, ['mkdir', '-p', ...paths], { timeoutMs: 60_000 }));
}
