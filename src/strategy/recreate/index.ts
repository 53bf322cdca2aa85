/**
 * Recreate: `compose up -d` of the release in place on every host, the health gate, and the release before it
 * put back when the gate fails. The strategy of a compose target without a proxy.
 */
import { serverScript } from '../../server/scripts.js';
import type { Strategy } from '../strategy.js';
import { composeDeadlineMs, healthSummary, tagText } from '../plan-text.js';

export const recreate: Strategy<'recreate'> = {
  name: 'recreate',
  planApply: ({ config, tag, releaseId }) => ({
    kind: 'apply',
    title: 'apply detached on the server, health gate, roll back on failure',
    health: config.health,
    keep: config.keep,
    strategy: 'recreate',
    does: [
      `back up a changed <dir>/.env to .env.bak-YYYYMMDD-HHMMSS; put the release in place`,
      `IMAGE_TAG=${tagText(tag)} compose -p ${config.app} up -d --remove-orphans`,
      `health gate within ${Math.round(config.health.timeoutMs / 1000)}s: ${healthSummary(config.health)}`,
      `pass: last_good_tag, keep ${config.keep} good tags; fail: previous release back, gated again`,
      `record: <dir>/.gangway/releases.jsonl; log: <dir>/.gangway/runs/${releaseId}.log`,
    ],
  }),
  deployHosts: (hosts) => hosts,
  pullsByDigest: true,
  deadlineMs: (step) => composeDeadlineMs(step.health.timeoutMs),
  release: () => ({
    vars: [['STRATEGY', 'recreate']],
    files: [{ name: 'recreate.sh', content: serverScript('recreate.sh'), mode: 0o644 }],
  }),
  readStatus: async (_host, _stateDir, config) => ({ projects: [config.app] }),
};
