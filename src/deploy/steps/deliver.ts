/** Step `deliver`: get the image onto the host's engine (registry, archive or build); retried after a drop. */
import { type Deliver, deliverImage, type DeliveryRequest } from '../../delivery/index.js';
import { formatBytes } from '../../output/reporter.js';
import { ensureProxyImage } from '../../proxy/proxy-image.js';
import { secretFromEnv } from '../../redact/register.js';
import { strategyOf } from '../../strategy/index.js';
import type { ApplyStep, DeliverStep } from '../../plan/plan-types.js';
import type { StepContext } from './context.js';

export type DeliverContext = Pick<StepContext, 'plan' | 'session' | 'events' | 'results'>;

/** `send`: the delivery itself (a unit test's stands in for docker on this machine and the server). */
export async function deliver(ctx: DeliverContext, step: DeliverStep, send: Deliver = deliverImage): Promise<string> {
  const request = await deliveryRequest(ctx, step);
  const result = await ctx.session.retrying((host) => send(host, request));
  ctx.results.imageId = result.imageId;
  ctx.results.bytesSent += result.bytesSent;
  const own = await deliverOwnImage(ctx, step, request, send);
  const sent = result.bytesSent ? `, ${formatBytes(result.bytesSent)} sent` : '';
  const note = result.note ? `; ${result.note}` : '';
  return `${result.imageId.slice(0, 19)}${sent}${note}${own ? `; ${own}` : ''}`;
}

/** The strategy's own image (blue/green: the proxy's) with archive or sync: the server cannot pull it either. */
async function deliverOwnImage(
  ctx: DeliverContext,
  step: DeliverStep,
  request: DeliveryRequest,
  send: Deliver,
): Promise<string | undefined> {
  const apply = ctx.plan.hosts[0]?.steps.find((s): s is ApplyStep => s.kind === 'apply');
  const own = apply && strategyOf(apply).ownImage?.(apply);
  if (!own || (step.delivery.mode !== 'archive' && step.delivery.mode !== 'sync')) return undefined;
  const { image } = own;
  // Not the app's prebuilt archive, nor its progress label: `docker save` of that image, under its name.
  const { archive: _appArchive, onProgress: _appProgress, ...common } = request;
  const onProgress = ctx.events.onProgress?.(`deliver ${image}`);
  const result = await ctx.session.retrying((host) =>
    ensureProxyImage(host, image, (proxyImage) =>
      send(host, { ...common, image: proxyImage, ...(onProgress && { onProgress }) }),
    ),
  );
  if (!result) return undefined;
  ctx.results.bytesSent += result.bytesSent;
  return `${own.label} ${image} sent (${formatBytes(result.bytesSent)})`;
}

async function deliveryRequest(ctx: DeliverContext, step: DeliverStep): Promise<DeliveryRequest> {
  const d = step.delivery;
  const common = {
    image: d.image,
    mode: d.mode,
    ...(ctx.events.onProgress && { onProgress: ctx.events.onProgress(`deliver ${d.image}`) }),
    onLog: (line: string) => ctx.events.onLog(line),
    mask: ctx.events.mask,
  };
  if (d.mode === 'archive') return { ...common, ...(d.archive && { archive: d.archive }) };
  if (d.mode === 'sync') return common;
  if (d.mode === 'build') {
    const source = ctx.plan.payload.buildSource;
    if (!source) throw new Error(`build delivery of ${d.image} planned without its build source`);
    return {
      ...common,
      context: source.context,
      exclude: source.exclude,
      ...(source.dockerfile && { dockerfile: source.dockerfile }),
    };
  }
  const pinned = { ...common, ...(d.digest && { digest: d.digest }) };
  const password = d.login && secretFromEnv(d.login.passwordEnv);
  if (!d.login || !password) return pinned;
  return { ...pinned, registry: { server: d.login.server, username: d.login.username, password } };
}
