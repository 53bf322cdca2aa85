/** Dispatch on the delivery mode. (Being replaced by the delivery implementation.) */
import { ExitCode, GangwayError } from '../errors.js';
import type { Host } from '../hosts/host.js';
import type { DeliveryRequest, DeliveryResult } from './delivery.js';

export async function deliverImage(host: Host, request: DeliveryRequest): Promise<DeliveryResult> {
  throw new GangwayError('E_NOT_IMPLEMENTED', ExitCode.usage, `${host.label}: image delivery "${request.mode}" is not implemented yet`);
}
