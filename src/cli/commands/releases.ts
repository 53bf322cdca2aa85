/** `gangway releases [TARGET]`: release history per host, newest first. */
import { remoteLayout } from '../../server/layout.js';
import { ExitCode, GangwayError } from '../../errors.js';
import type { ReleaseRecord } from '../../server/records.js';
import { isGood } from '../../server/records.js';
import { readServerState } from '../../server/state.js';
import type { CommandContext } from '../context.js';
import { managerTarget } from '../swarm-target.js';

export async function runReleases(
  ctx: CommandContext,
  targetName: string | undefined,
  options: { limit: number },
): Promise<void> {
  const { reporter } = ctx;
  const config = await ctx.loadConfig();
  const target = await managerTarget(ctx, config, ctx.target(config, targetName));
  const hosts = await Promise.all(
    target.hosts.map(async (spec) => {
      try {
        const host = await ctx.openHost(target, spec);
        const state = await readServerState(host, remoteLayout(await host.resolvePath(target.dir)));
        const releases = state.records.slice().reverse().slice(0, options.limit);
        return { host: spec.label, current: state.current?.id ?? null, releases };
      } catch (e) {
        return { host: spec.label, error: (e as Error).message, releases: [] as ReleaseRecord[] };
      }
    }),
  );
  for (const h of hosts) {
    reporter.heading(`host ${h.host}`);
    if ('error' in h && h.error) {
      reporter.item('fail', 'releases', h.error);
      continue;
    }
    if (h.releases.length === 0) reporter.info('  no releases yet');
    for (const r of h.releases) {
      const status = isGood(r) ? 'ok' : 'fail';
      const when = (r.started ?? '').replace('T', ' ').replace('Z', ' UTC');
      const failure = r.failing_step ? ` — failed at ${r.failing_step}: ${r.reason ?? ''}` : '';
      reporter.item(
        status,
        `${r.id}  ${r.tag}  ${r.status}`,
        `${when} by ${r.who ?? '?'}, ` +
          `${r.duration_s ?? '?'}s${r.serving && r.serving !== r.tag ? `, serving ${r.serving}` : ''}` +
          `${imageDigest(r)}${failure}`,
      );
    }
  }
  const document = { target: target.name, hosts };
  if (hosts.some((h) => 'error' in h && h.error))
    throw new GangwayError('E_RELEASES', ExitCode.failed, 'could not read the releases of every host', {
      details: document,
    });
  reporter.result({ ok: true, ...document });
}

/**
 * What the release ran, short: the manifest digest (image.build pushed it, Swarm resolved it, the host pulled it),
 * else the image id a Compose host pinned (archive, sync, build) — a tag may name another image by now.
 */
export function imageDigest(r: ReleaseRecord): string {
  const short = (v: unknown) => (typeof v === 'string' ? /^sha256:[0-9a-f]{12}/.exec(v)?.[0] : undefined);
  const digest = short(r.image_digest);
  if (digest) return `, image ${digest}`;
  const id = short(r.image_id);
  return id ? `, image id ${id}` : '';
}
