/** What every strategy's planning shares: the compose files as uploaded, parsed; phrases of its plan lines. */
import { parseComposeFile, type ComposeFile } from '../compose/compose-file.js';
import type { HealthSettings } from '../config/config.js';
import type { PlanTag } from '../plan/plan-types.js';
import type { PlanApplyInput } from './strategy.js';

/** The compose files exactly as they will be uploaded (one that does not parse is left out: check says why). */
export function uploadedCompose({ composeFiles, composeBytes }: PlanApplyInput): ComposeFile[] {
  return composeFiles.flatMap(
    (f, i) => parseComposeFile(composeBytes[i]!.toString('utf8'), f.localPath, f.name).file ?? [],
  );
}

/** The tag as the apply's lines show it: given, or decided on the server. */
export function tagText(tag: PlanTag): string {
  return tag.kind === 'given' ? tag.value : '<tag>';
}

/** The health gate in one line. */
export function healthSummary(h: HealthSettings): string {
  const parts = [
    h.services.length ? `healthy: ${h.services.join(', ')}` : '',
    ...h.http.map((c) => `${c.url} (${c.retries}×)`),
    ...h.smoke.map((u) => `smoke ${u}`),
    h.fatalLogs ? `no ${h.fatalLogs.patterns.join('/')} in the last ${h.fatalLogs.tail} log lines` : '',
  ].filter(Boolean);
  return parts.length ? parts.join('; ') : 'containers up (no checks configured)';
}

/** Compose up of the release and of the one put back, two gates, and room for slow engines. */
export function composeDeadlineMs(healthTimeoutMs: number, extraMs = 0): number {
  return 2 * healthTimeoutMs + extraMs + 5 * 60_000;
}
