/**
 * Image delivery: `deliverImage(host, request)` gets `name:tag` onto the host's engine, by the request's mode.
 * One file per mode: registry.ts (docker pull, login through stdin), archive.ts (docker save / a prebuilt tar
 * into docker load), build.ts (the build context into docker build).
 */
import { UsageError } from '../errors.js';
import { deliverArchive } from './archive.js';
import { deliverBuild } from './build.js';
import type { Deliver } from './delivery.js';
import { deliverFromRegistry } from './registry.js';
import { deliverSync } from './sync.js';

export type { Deliver, DeliveryProgress, DeliveryRequest, DeliveryResult } from './delivery.js';
export { DeliveryError, ImageMismatchError } from './errors.js';

/** A reference docker accepts as a positional argument: no whitespace, and no leading `-` (it would be an option). */
const IMAGE_REF = /^[A-Za-z0-9][^\s]*$/;

export const deliverImage: Deliver = async (host, request) => {
  if (!IMAGE_REF.test(request.image)) throw new UsageError(`not an image reference: ${JSON.stringify(request.image)}`);
  switch (request.mode) {
    case 'registry':
      return deliverFromRegistry(host, request);
    case 'archive':
      return deliverArchive(host, request);
    case 'build':
      return deliverBuild(host, request);
    case 'sync':
      return deliverSync(host, request);
    default:
      throw new UsageError(`unknown image delivery mode ${JSON.stringify(request.mode satisfies never)}`);
  }
};
