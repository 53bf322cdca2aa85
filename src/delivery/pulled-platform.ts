/**
 * registry mode: the pulled image must run on the host. Checked right after `docker pull` and before the deliver
 * step returns, so before the release is put in place: asking the registry before the pull would need the
 * host's credentials and a registry client there (`docker manifest inspect` is experimental on older CLIs,
 * `docker buildx imagetools` often missing), while the pull itself changes nothing the app runs. On a mismatch
 * the name goes back to the image it named before the pull.
 */
import type { Host } from '../hosts/host.js';
import { restoreName } from './archive.js';
import { DeliveryError } from './errors.js';
import { hostPlatform, imagePlatform, platformMismatch, runsOn } from './platform.js';

/** One round trip: the engine's platform line, then the image's inspect JSON (Variant is absent before 20.10). */
const SCRIPT = `docker info --format '{{.OSType}}|{{.Architecture}}' </dev/null || exit
docker image inspect --format '{{json .}}' "$1" </dev/null`;

export async function checkPulledPlatform(host: Host, image: string, previous: string | undefined): Promise<void> {
  const r = await host.exec(['sh', '-c', SCRIPT, 'sh', image], { timeoutMs: 60_000 });
  if (r.code !== 0) return; // an engine that cannot say: the pull succeeded, as before this check existed
  const [info = '', json = ''] = r.stdout.split('\n');
  const [os = '', arch = ''] = info.split('|');
  const engine = hostPlatform(os, arch);
  let inspect: { Os?: unknown; Architecture?: unknown; Variant?: unknown };
  try {
    inspect = JSON.parse(json) as typeof inspect;
  } catch {
    return;
  }
  const pulled = imagePlatform({ os: inspect.Os, architecture: inspect.Architecture, variant: inspect.Variant });
  if (!engine || !pulled || runsOn(pulled, engine)) return;
  const { reason, fix } = platformMismatch(image, pulled, host.label, engine);
  const restored = await restoreName(host, image, previous);
  // The step's line shows only the message (not hints): the fix goes in it.
  throw new DeliveryError(
    'E_IMAGE_PLATFORM',
    `${reason} (${restored}): ${fix}, push it (or a multi-platform image with ${engine.architecture}) and deploy again`,
  );
}
