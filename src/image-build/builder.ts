/**
 * The local builder: `docker buildx` when this machine's Docker has it (its current builder's driver decides
 * whether the image lands in the engine by itself and whether a cache can be exported), else the classic
 * `docker build`, which builds only for the engine's own platform and has no build secrets.
 */
import { formatPlatform, hostPlatform, type Platform } from '../delivery/platform.js';
import { runDocker } from '../docker/local-docker.js';

export interface LocalBuilder {
  kind: 'buildx' | 'classic';
  /** buildx: the current builder's driver (docker, docker-container, kubernetes, remote). */
  driver?: string;
  /** The docker driver builds into the engine's image store; the others need --load (or --push). */
  loadsIntoEngine: boolean;
  /** Whether --cache-to type=local|registry works (not with the docker driver on the classic image store). */
  exportsCache: boolean;
  /** Platforms the builder says it can build (buildx), e.g. linux/amd64, linux/arm64 with QEMU installed. */
  platforms: string[];
  /** The local engine's own platform. */
  engine?: Platform;
}

/** The builder probes answer locally in well under a second; a hung Docker must not hang the deploy. */
const PROBE_TIMEOUT_MS = 30_000;

export async function probeBuilder(): Promise<LocalBuilder> {
  const [inspect, version] = await Promise.all([
    runDocker(['buildx', 'inspect'], { timeoutMs: PROBE_TIMEOUT_MS }),
    runDocker(['version', '--format', '{{.Server.Os}} {{.Server.Arch}}'], { timeoutMs: PROBE_TIMEOUT_MS }),
  ]);
  const [os = '', arch = ''] = version.code === 0 ? version.stdout.trim().split(' ') : [];
  const engine = hostPlatform(os, arch);
  if (inspect.code !== 0)
    return { kind: 'classic', loadsIntoEngine: true, exportsCache: false, platforms: [], ...(engine && { engine }) };
  return { kind: 'buildx', ...parseInspect(inspect.stdout), ...(engine && { engine }) };
}

/** The parts of `docker buildx inspect` (the current builder) the build needs. */
export function parseInspect(
  text: string,
): Pick<LocalBuilder, 'driver' | 'loadsIntoEngine' | 'exportsCache' | 'platforms'> {
  const driver = /^Driver:\s*(\S+)/m.exec(text)?.[1] ?? 'docker';
  const platforms = [...text.matchAll(/^Platforms:\s*(.+)$/gm)]
    .flatMap((m) => m[1]!.split(','))
    .map((p) => p.trim().replace(/\*$/, ''))
    .filter(Boolean);
  const docker = driver === 'docker';
  return { driver, loadsIntoEngine: docker, exportsCache: !docker, platforms };
}

/**
 * Why this builder cannot build for `platform`, with what to install; undefined when it can. buildx builds any
 * platform for a Dockerfile without RUN steps; RUN steps of a foreign architecture need QEMU (binfmt), which shows
 * in the builder's platform list.
 */
export function cannotBuild(
  builder: LocalBuilder,
  platform: string | undefined,
  secrets: string[],
): string | undefined {
  if (builder.kind === 'buildx') return undefined;
  if (secrets.length)
    return (
      `build secrets (${secrets.join(', ')}) need BuildKit, and this machine's Docker has no buildx: install the ` +
      'buildx plugin (Debian/Ubuntu: apt-get install docker-buildx; Docker Desktop has it)'
    );
  if (platform && builder.engine && platform !== formatPlatform(builder.engine))
    return (
      `the image must be built for ${platform}, this machine's engine is ${formatPlatform(builder.engine)} and its ` +
      'Docker has no buildx to build for another platform: install the buildx plugin (Debian/Ubuntu: apt-get ' +
      `install docker-buildx) and, for RUN steps, QEMU (docker run --privileged --rm tonistiigi/binfmt --install all)`
    );
  return undefined;
}

/** A warning when buildx will emulate the platform (slow) or may lack the emulator for RUN steps. */
export function emulationNote(builder: LocalBuilder, platform: string | undefined): string | undefined {
  if (!platform || builder.kind !== 'buildx' || !builder.engine) return undefined;
  if (platform === formatPlatform(builder.engine)) return undefined;
  if (builder.platforms.includes(platform)) return `${platform} is built under emulation (QEMU): slower than native`;
  return (
    `the builder lists no ${platform} emulator: a Dockerfile with RUN steps fails with "exec format error"; ` +
    'install QEMU (docker run --privileged --rm tonistiigi/binfmt --install all) or build on a machine of that platform'
  );
}
