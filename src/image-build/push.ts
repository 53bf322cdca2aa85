/**
 * `docker push` of the built image (registry delivery): progress line by line (layers pushed, layers the registry
 * already had), and the manifest digest the registry answered, which the hosts then pull by — a tag can move
 * between the build and the pull, a digest cannot.
 */
import { GangwayError, ExitCode } from '../errors.js';
import { runDocker } from '../docker/local-docker.js';

export interface PushResult {
  /** `sha256:…` of the pushed manifest. */
  digest: string;
  pushed: number;
  present: number;
}

export async function pushImage(
  image: string,
  options: { env?: Record<string, string>; onLine: (line: string) => void; mask: (text: string) => string },
): Promise<PushResult> {
  let pushed = 0;
  let present = 0;
  const result = await runDocker(['push', image], {
    ...(options.env && { env: options.env }),
    onLine: (line) => {
      if (/: Pushed$/.test(line)) pushed++;
      else if (/: (Layer already exists|Mounted from .*)$/.test(line)) present++;
      options.onLine(line);
    },
  });
  const digest = parsePushDigest(result.stdout);
  if (result.code !== 0 || !digest) {
    const why = options.mask(result.stderr.trim().split('\n').at(-1) ?? '');
    const denied = /denied|unauthorized|authentication required/i.test(result.stderr);
    throw new GangwayError(
      'E_IMAGE_PUSH',
      ExitCode.failed,
      `local: docker push ${image} failed${why ? `: ${why}` : ''}; nothing was changed on any host`,
      {
        hints: denied
          ? ['the registry refused the push: set image.registry.username and password_env, or docker login first']
          : [`check that this machine can reach the registry of ${image}`],
      },
    );
  }
  return { digest, pushed, present };
}

/** The `<tag>: digest: sha256:… size: N` line docker push ends with. */
export function parsePushDigest(stdout: string): string | undefined {
  return /digest: (sha256:[0-9a-f]{64})/.exec(stdout)?.[1];
}
