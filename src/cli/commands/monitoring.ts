/**
 * `gangway monitoring rules|scrape|dashboard`: Prometheus alert rules (for a target, or every target) and scrape
 * jobs for a target, and a Grafana dashboard for the app (every target: its `target` variable picks) — written to
 * --out, or printed. Offline: they read gangway.yml only, no host.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { alertRules, alertRulesFile } from '../../monitoring/alert-rules.js';
import { dashboardJson, dashboardPanels } from '../../monitoring/dashboard.js';
import { scrapeConfig, scrapeWarnings } from '../../monitoring/scrape-config.js';
import type { CommandContext } from '../context.js';

async function emit(ctx: CommandContext, text: string, out: string | undefined, what: string, extra: object) {
  if (out !== undefined) {
    const file = path.resolve(out);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text);
    ctx.reporter.item('ok', path.relative(process.cwd(), file) || file, what);
    ctx.reporter.result({ ok: true, file, ...extra });
    return;
  }
  if (!ctx.reporter.json) process.stdout.write(ctx.scrubber.scrub(text));
  ctx.reporter.result({ ok: true, ...extra, text });
}

/** A target named: its rules. None: the only target's, or — as SPEC.md runs it — every target's, a group each. */
export async function runMonitoringRules(ctx: CommandContext, targetName: string | undefined, out?: string) {
  const config = await ctx.loadConfig();
  const all = Object.keys(config.targets);
  const targets = targetName === undefined && all.length > 1 ? all : [ctx.target(config, targetName).name];
  const alerts = targets.flatMap((target) =>
    alertRules(config, target).map((r) => ({ alert: r.alert, severity: r.labels.severity, target })),
  );
  const what = `${alerts.length} alert rules for ${targets.join(', ')}`;
  await emit(ctx, alertRulesFile(config, ...targets), out, what, {
    ...(targets.length === 1 && { target: targets[0] }),
    targets,
    alerts,
  });
}

export async function runMonitoringScrape(ctx: CommandContext, targetName: string | undefined) {
  const config = await ctx.loadConfig();
  const target = ctx.target(config, targetName);
  const warnings = scrapeWarnings(config, target);
  for (const warning of warnings) ctx.reporter.warn(warning);
  await emit(ctx, scrapeConfig(config, target), undefined, 'scrape jobs', {
    target: target.name,
    ...(warnings.length && { warnings }),
  });
}

export async function runMonitoringDashboard(ctx: CommandContext, out?: string) {
  const config = await ctx.loadConfig();
  const panels = dashboardPanels(config).map((p) => p.title);
  await emit(ctx, dashboardJson(config), out, `Grafana dashboard (${panels.length} panels)`, { panels });
}
