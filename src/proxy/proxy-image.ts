/**
 * The proxy's image on a server that cannot pull (archive delivery: no registry there): when the server lacks
 * it, it travels the way the app's image does, once; afterwards the server has it.
 */
import type { DeliveryResult } from '../delivery/index.js';
import type { Host } from '../hosts/host.js';

export async function ensureProxyImage(
  host: Host,
  image: string,
  send: (image: string) => Promise<DeliveryResult>,
): Promise<DeliveryResult | undefined> {
  const have = await host.exec(['docker', 'image', 'inspect', '--format', '{{.Id}}', image], { timeoutMs: 30_000 });
  if (have.code === 0) return undefined;
  return send(image);
}
