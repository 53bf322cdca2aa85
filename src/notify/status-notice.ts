/** `gangway status` NO-GO's notice: the hosts that are NO-GO and their reasons. */
import type { Config } from '../config/config.js';
import { whoAmI } from '../util/who.js';
import { notify, type NotifyContext } from './notify.js';

export async function notifyNoGo(
  ctx: NotifyContext,
  config: Config,
  target: string,
  hosts: readonly { host: string; verdict: string; reasons: string[]; currentTag?: string | null }[],
): Promise<void> {
  const noGo = hosts.filter((h) => h.verdict !== 'GO');
  const tags = [...new Set(hosts.flatMap((h) => (h.currentTag ? [h.currentTag] : [])))];
  await notify(ctx, config, ['no_go'], {
    app: config.app,
    target,
    tag: tags.length ? tags.join(', ') : null,
    result: 'NO-GO',
    reason: noGo.map((h) => `${h.host}: ${h.reasons.join('; ')}`).join(' | '),
    duration_s: null,
    record_id: null,
    hosts: noGo.map((h) => ({
      host: h.host,
      result: 'NO-GO',
      ...(h.currentTag && { serving: h.currentTag }),
      reason: h.reasons.join('; '),
    })),
    who: whoAmI(),
  });
}
