/**
 * sync mode: only the layers the host lacks travel. The image is saved locally once (saved-image.ts); the host
 * says which layer chains it has (the layer lists of its images); the tar sent to `docker load` leaves out the
 * files of those layers, compressed like archive mode, with the same verification of the image id. When the
 * host refuses it (a layer deleted since it was listed, an engine whose store needs every layer), the full tar
 * is sent once, and the log says so.
 */
import { formatBytes } from '../output/reporter.js';
import type { Host } from '../hosts/host.js';
import { imageId } from '../docker/image.js';
import { openArchive, transfer, noLocalImage } from './archive.js';
import type { DeliveryRequest, DeliveryResult } from './delivery.js';
import { DeliveryError } from './errors.js';
import {
  HOST_LAYERS_SCRIPT,
  imageStore,
  planLayers,
  presentChains,
  type ImageStore,
  type LayerPlan,
} from './layers.js';
import { compressedSize } from './layer-sizes.js';
import { ociLayoutWithout } from './oci-layout.js';
import { savedImage, tarWithout, type SavedImage } from './saved-image.js';

export async function deliverSync(host: Host, request: DeliveryRequest): Promise<DeliveryResult> {
  const started = Date.now();
  if (host.kind === 'local') {
    // The image is already in the engine it would be sent to.
    const id = await imageId(host, request.image);
    if (!id) throw noLocalImage(request.image);
    return { imageId: id, bytesSent: 0, durationMs: Date.now() - started };
  }
  const image = await savedImage(request.image);
  const { plan, store } = await layersToSend(host, image);
  const note = describePlan(plan);
  request.onLog?.(`sync: ${host.label} ${note}`);
  if (plan.missing.length === 0 && (await imageId(host, request.image)) === image.id)
    return { imageId: image.id, bytesSent: 0, durationMs: Date.now() - started, note };
  // Both attempts count towards the bytes sent, and progress never goes back when the full image follows.
  let offset = 0;
  let partialSent = 0;
  let sending = `${plan.missing.length} of ${image.layers.length} layers`;
  const tracked: DeliveryRequest = {
    ...request,
    onProgress: (p) => {
      if (offset === 0) partialSent = p.sent;
      request.onProgress?.({ ...p, sent: p.sent + offset, note: sending });
    },
  };
  try {
    // The classic store takes Docker's layout without the layers it has; the containerd store an OCI layout: the
    // saved one when there is one (its manifest names the layers as they were saved), else one made here.
    const stream =
      store === 'containerd' && !image.oci
        ? ociLayoutWithout(image, request.image, plan.skip)
        : tarWithout(image.file, plan.skip);
    const what = `docker save ${request.image} without ${plan.present.length} layer(s) the host has`;
    const r = await transfer(
      host,
      tracked,
      { stream, compressed: false, what, localId: image.id, close: () => stream.destroy() },
      started,
    );
    return { ...r, note };
  } catch (e) {
    if (plan.skip.size === 0 || !(e instanceof DeliveryError) || e.code === 'E_IMAGE_SOURCE') throw e;
    request.onLog?.(`sync: ${host.label} refused the partial image (${e.message}); sending all of it once`);
    offset = partialSent;
    sending = 'the whole image (the partial one was refused)';
    const r = await sendAll(host, tracked, image, started);
    return { ...r, bytesSent: r.bytesSent + offset, note: `${note}; refused: sent the whole image` };
  }
}

/** The fallback: the whole saved image, once; its failure says that it came after a refused partial image. */
async function sendAll(
  host: Host,
  request: DeliveryRequest,
  image: SavedImage,
  started: number,
): Promise<DeliveryResult> {
  const full = { ...(await openArchive(image.file)), what: `docker save ${request.image}, every layer` };
  try {
    return await transfer(host, request, full, started);
  } catch (e) {
    if (!(e instanceof DeliveryError)) throw e;
    throw new DeliveryError(e.code, `${e.message} (sending the whole image after the partial one was refused)`, {
      cause: e,
      hints: e.hints,
      ...(e.details && { details: e.details }),
    });
  } finally {
    full.close();
  }
}

async function layersToSend(host: Host, image: SavedImage): Promise<{ plan: LayerPlan; store: ImageStore }> {
  const r = await host.exec(['sh', '-c', HOST_LAYERS_SCRIPT], { timeoutMs: 60_000 });
  // Only whole layer lists count (see HOST_LAYERS_SCRIPT); none at all: everything travels.
  const plan = planLayers(image.layers, presentChains(r.stdout));
  return { plan, store: imageStore(r.stdout) };
}

function describePlan(plan: LayerPlan): string {
  const sum = (layers: { bytes: number }[]) => formatBytes(layers.reduce((n, l) => n + l.bytes, 0));
  return (
    `has ${plan.present.length} of ${plan.present.length + plan.missing.length} layers ` +
    `(${sum(plan.present)}); sending ${plan.missing.length} (${sum(plan.missing)} in the saved tar)`
  );
}

/**
 * What a sync to a host would move (for `check`): the layers it lacks, their size in the saved tar and
 * gzip-compressed as they would travel.
 */
export async function syncEstimate(
  host: Host,
  image: string,
): Promise<{ layers: number; bytes: number; compressed: number; of: number }> {
  const saved = await savedImage(image);
  const { plan } = await layersToSend(host, saved);
  return {
    layers: plan.missing.length,
    bytes: plan.missing.reduce((n, l) => n + l.bytes, 0),
    compressed: await compressedSize(
      saved,
      plan.missing.map((l) => l.path),
    ),
    of: saved.layers.length,
  };
}
