/**
 * `gangway drift [TARGET]`: has a server changed outside gangway? Per host, what differs from the release in place
 * (names only, never values). Exit 0 clean, 1 drifted or unreadable; `--json` for machines; notifies `drift`.
 */
import { hostDrift } from '../../drift/host-drift.js';
import type { DriftFinding } from '../../drift/judge.js';
import { ExitCode, GangwayError } from '../../errors.js';
import { whoAmI } from '../../util/who.js';
import { notify } from '../../notify/notify.js';
import { registerLocalEnvSecrets } from '../../operate/server-secrets.js';
import type { CommandContext } from '../context.js';
import { composeOnly } from '../swarm-target.js';
import { UNREACHABLE } from '../../status/verdict.js';

interface HostDrift {
  host: string;
  release?: string;
  /** null: not known (the host could not be reached or read), never false. */
  drifted: boolean | null;
  findings: DriftFinding[];
  error?: string;
}

export async function runDrift(ctx: CommandContext, targetName: string | undefined): Promise<void> {
  const { reporter } = ctx;
  const config = await ctx.loadConfig();
  const target = composeOnly(config, ctx.target(config, targetName), 'gangway drift');
  await registerLocalEnvSecrets(config, ctx.scrubber);
  const started = performance.now();
  const hosts = await Promise.all(
    target.hosts.map(async (spec): Promise<HostDrift> => {
      let host;
      try {
        host = await ctx.openHost(target, spec);
      } catch (e) {
        return { host: spec.label, drifted: null, findings: [], error: `${UNREACHABLE}: ${(e as Error).message}` };
      }
      try {
        const r = await hostDrift(host, config, target, ctx.scrubber);
        return { host: spec.label, ...r, drifted: r.findings.length > 0 };
      } catch (e) {
        return { host: spec.label, drifted: null, findings: [], error: `could not check: ${(e as Error).message}` };
      }
    }),
  );
  for (const h of hosts) {
    reporter.heading(`host ${h.host}${h.release ? `: release ${h.release}` : ''}`);
    if (h.error) reporter.item('fail', 'drift', h.error);
    else if (!h.drifted) reporter.item('ok', 'clean', 'matches the release in place');
    for (const f of h.findings) reporter.item('fail', `${f.kind} ${f.name}`, f.detail);
  }
  const drifted = hosts.filter((h) => h.drifted);
  const failed = hosts.filter((h) => h.error);
  const document = {
    target: target.name,
    drifted: drifted.length > 0 ? true : failed.length > 0 ? null : false,
    hosts,
  };
  if (drifted.length > 0)
    await notify(ctx, config, ['drift'], {
      app: config.app,
      target: target.name,
      tag: null,
      result: 'drifted',
      reason: drifted.map((h) => `${h.host}: ${h.findings.map((f) => `${f.kind} ${f.name}`).join(', ')}`).join('; '),
      duration_s: Math.round((performance.now() - started) / 100) / 10,
      record_id: null,
      hosts: drifted.map((h) => ({
        host: h.host,
        result: 'drifted',
        reason: h.findings.map((f) => `${f.kind} ${f.name}: ${f.detail}`).join('; '),
      })),
      who: whoAmI(),
    });
  if (drifted.length > 0 || failed.length > 0)
    throw new GangwayError(
      drifted.length > 0 ? 'E_DRIFT' : 'E_DRIFT_UNKNOWN',
      ExitCode.failed,
      [
        drifted.length > 0 &&
          `drift on ${drifted.map((h) => `${h.host} (${h.findings.length} finding(s))`).join(', ')}: the server ` +
            'changed outside gangway; `gangway deploy` puts the release back in place',
        failed.length > 0 && `could not check ${failed.map((h) => h.host).join(', ')}`,
      ]
        .filter(Boolean)
        .join('; '),
      { details: document },
    );
  reporter.info('\nno drift');
  reporter.result({ ok: true, ...document });
}
