/**
 * `gangway rollback` before any host answers: the SSH handshakes start as soon as the target is known, so they
 * run while the plan is made (the run takes the connections from the pool); a dry run opens none.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runRollback } from '../../../src/cli/commands/rollback.js';
import type { CommandContext } from '../../../src/cli/context.js';
import { config } from '../../strategy/helpers.js';

/** A context that notes what it is asked in order; the heading stops the command there. */
function context(): { ctx: CommandContext; asked: string[] } {
  const c = config('proxy: { service: web, port: 8000 }');
  const asked: string[] = [];
  const ctx = {
    loadConfig: async () => c,
    target: () => c.targets['prod']!,
    openHost: (_t: unknown, spec: { label: string }) => {
      asked.push(`open ${spec.label}`);
      return new Promise(() => {}); // a handshake under way
    },
    scrubber: { add: () => {} },
    reporter: {
      heading: () => {
        asked.push('heading');
        throw new Error('stop here');
      },
    },
  } as unknown as CommandContext;
  return { ctx, asked };
}

test('rollback: every host of the target is being connected to before anything is printed or planned', async () => {
  const { ctx, asked } = context();
  await assert.rejects(runRollback(ctx, undefined, { lockWaitMs: 0, dryRun: false, yes: true }), /stop here/);
  assert.deepEqual(asked, ['open deploy@203.0.113.10', 'open deploy@203.0.113.11', 'heading']);
});

test('rollback --dry-run connects to nothing', async () => {
  const { ctx, asked } = context();
  await assert.rejects(runRollback(ctx, undefined, { lockWaitMs: 0, dryRun: true }), /stop here/);
  assert.deepEqual(asked, ['heading']);
});
