/**
 * registry mode: the host pulls the image itself. With credentials, `docker login --password-stdin` first: the
 * password travels only on the command's stdin — never in argv (a process list would show it), never in a
 * message or a log line (whatever docker prints is scrubbed of it first, in case it ever echoed the value).
 */
import { imageId, tagImage } from '../docker/image.js';
import type { Host } from '../hosts/host.js';
import { Scrubber } from '../redact/scrubber.js';
import type { DeliveryRequest, DeliveryResult } from './delivery.js';
import { DeliveryError, errorLine, exitStatus } from './errors.js';
import { LineSplitter } from '../util/lines.js';
import { checkPulledPlatform } from './pulled-platform.js';

export async function deliverFromRegistry(host: Host, request: DeliveryRequest): Promise<DeliveryResult> {
  const started = Date.now();
  const { image, registry, signal } = request;
  // Defence in depth: docker never prints the password, but if it ever did, no form of it gets out of here.
  const scrubber = new Scrubber();
  if (registry) scrubber.add(registry.password);
  const mask = (text: string) => scrubber.scrub(request.mask ? request.mask(text) : text);
  const log = new LineSplitter(request.onLog && ((line) => request.onLog!(mask(line))));

  if (registry) {
    const login = await host.exec(
      ['docker', 'login', '--username', registry.username, '--password-stdin', registry.server],
      {
        stdin: registry.password.reveal(),
        timeoutMs: 120_000,
        ...(signal && { signal }),
      },
    );
    if (login.code !== 0) {
      const why = errorLine(login, { mask });
      throw new DeliveryError(
        'E_REGISTRY_LOGIN',
        `${host.label}: docker login to ${registry.server} as ${registry.username} failed ` +
          `(${exitStatus(login)})${why ? `: ${why}` : ''}`,
        {
          hints: [
            `check the registry username and the password or token for ${registry.server} (given through the ` +
              `environment variable named in gangway.yml)`,
          ],
        },
      );
    }
  }

  const previous = await imageId(host, image);
  // By digest: the manifest that was pushed for this run, whatever the tag points at by now.
  const source = request.digest ? `${image.slice(0, image.lastIndexOf(':'))}@${request.digest}` : image;
  const pull = await host.exec(['docker', 'pull', source], {
    onStdout: log.push,
    onStderr: log.push,
    ...(signal && { signal }),
  });
  log.flush();
  if (pull.code !== 0) {
    const why = errorLine(pull, { mask });
    const denied = /unauthorized|denied|authentication required|no basic auth credentials/i.test(pull.stderr);
    throw new DeliveryError(
      'E_IMAGE_PULL',
      `${host.label}: docker pull ${source} failed (${exitStatus(pull)})${why ? `: ${why}` : ''}`,
      {
        hints: denied
          ? [
              registry
                ? `the registry refused ${registry.username}: check that the account may pull ${image}`
                : 'the registry wants credentials: set image.registry.username and password_env in gangway.yml',
            ]
          : [`check that ${image} exists in its registry and that ${host.label} can reach the registry`],
      },
    );
  }

  if (request.digest) await tagImage(host, source, image);
  await checkPulledPlatform(host, image, previous);
  const id = await imageId(host, image);
  if (!id)
    throw new DeliveryError(
      'E_IMAGE_MISSING',
      `${host.label}: docker pull ${image} succeeded but the engine has no image ${image}`,
    );
  return { imageId: id, bytesSent: 0, durationMs: Date.now() - started };
}
