/** Step `deliver`: get the image onto the host's engine (registry, archive or build); retried after a drop. */
import { buildSource } from '../../compose/build-context.js';
import { deliverImage, type DeliveryRequest } from '../../delivery/index.js';
import { formatBytes } from '../../output/reporter.js';
import { registryPassword } from '../../redact/register.js';
import type { DeliverStep } from '../plan.js';
import type { StepContext } from './context.js';

export async function deliver(ctx: StepContext, step: DeliverStep): Promise<string> {
  const request = await deliveryRequest(ctx, step);
  const result = await ctx.session.retrying((host) => deliverImage(host, request));
  ctx.results.imageId = result.imageId;
  ctx.results.bytesSent += result.bytesSent;
  return `${result.imageId.slice(0, 19)}${result.bytesSent ? `, ${formatBytes(result.bytesSent)} sent` : ''}`;
}

async function deliveryRequest(ctx: StepContext, step: DeliverStep): Promise<DeliveryRequest> {
  const d = step.delivery;
  const common = {
    image: d.image,
    mode: d.mode,
    ...(ctx.events.onProgress && { onProgress: ctx.events.onProgress(`deliver ${d.image}`) }),
    onLog: (line: string) => ctx.events.onLog(line),
    mask: ctx.events.mask,
  };
  if (d.mode === 'archive') return { ...common, ...(d.archive && { archive: d.archive }) };
  if (d.mode === 'build') {
    const source = await buildSource(ctx.config, d.image);
    return {
      ...common,
      context: source.context,
      exclude: source.exclude,
      ...(source.dockerfile && { dockerfile: source.dockerfile }),
    };
  }
  const password = registryPassword(ctx.config);
  if (!d.login || !password) return common;
  return { ...common, registry: { server: d.login.server, username: d.login.username, password } };
}
