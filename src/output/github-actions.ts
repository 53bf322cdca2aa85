/**
 * Output for GitHub Actions (GITHUB_ACTIONS=true): workflow commands on stdout (`::add-mask::`, `::error::`,
 * `::group::`) and the job summary ($GITHUB_STEP_SUMMARY). Hand-written: @actions/core does the same in more
 * code, but it reads its own environment and writes without passing through gangway's scrubber.
 */
import { appendFileSync } from 'node:fs';
import type { HostRow } from './host-table.js';

export function underGithubActions(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.GITHUB_ACTIONS === 'true';
}

/** The runner's escaping of a command's data (it unescapes before acting). */
export function escapeData(text: string): string {
  return text.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

export function maskCommand(value: string): string {
  return `::add-mask::${escapeData(value)}`;
}

export function errorCommand(message: string, title?: string): string {
  const props = title ? ` title=${escapeData(title).replaceAll(':', '%3A').replaceAll(',', '%2C')}` : '';
  return `::error${props}::${escapeData(message)}`;
}

export function groupCommand(name: string): string {
  return `::group::${escapeData(name)}`;
}

export const END_GROUP = '::endgroup::';

/** The per-host table as Markdown for the job summary; cells are scrubbed and their pipes escaped. */
export function summaryMarkdown(title: string, rows: readonly HostRow[], scrub: (t: string) => string): string {
  const cell = (t: string) => scrub(t).replaceAll('|', '\\|').replaceAll('\n', ' ');
  const secs = (ms: number) => (ms <= 0 ? '-' : `${(ms / 1000).toFixed(1)} s`);
  return [
    `### ${cell(title)}`,
    '',
    '| host | from | to | result | duration |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${[r.host, r.from, r.to, r.result].map(cell).join(' | ')} | ${secs(r.durationMs)} |`),
    '',
  ].join('\n');
}

/** Appends to $GITHUB_STEP_SUMMARY when running under Actions; nothing otherwise. */
export function writeStepSummary(markdown: string, env: NodeJS.ProcessEnv = process.env): void {
  if (!underGithubActions(env) || !env.GITHUB_STEP_SUMMARY) return;
  appendFileSync(env.GITHUB_STEP_SUMMARY, `${markdown}\n`);
}
