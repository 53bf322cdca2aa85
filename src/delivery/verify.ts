/**
 * Is the image the host has the one the archive holds?
 *
 * A classic engine names an image by its config digest, which the archive states: the ids must be equal. The
 * containerd image store (Docker Desktop; Docker Engine ≥ 29 on fresh installs) names it by its manifest or
 * index digest instead. For an OCI-layout tar (docker ≥ 25) those digests are in the tar too; for a tar in
 * Docker's older layout, the engine writes a manifest of its own whose digest cannot be known in advance.
 * Only then — the host's engine uses the containerd store, and the id is none of the tar's — the image is
 * compared by content: layers (diff ids), platform, creation time and the run configuration.
 */
import type { Host } from '../hosts/host.js';
import type { ImageConfig, TarImage } from './image-tar.js';

export class ImageIdentity {
  private containerd?: Promise<boolean>;

  constructor(
    private readonly host: Host,
    private readonly expected: TarImage,
  ) {}

  /** Whether the host's image `id` is the expected one. */
  async matches(id: string): Promise<boolean> {
    if (this.expected.ids.includes(id)) return true;
    if (!this.expected.config) return false;
    this.containerd ??= usesContainerdStore(this.host);
    if (!(await this.containerd)) return false;
    const inspected = await inspectImage(this.host, id);
    return inspected !== undefined && sameImage(inspected, this.expected.config);
  }
}

export async function usesContainerdStore(host: Host): Promise<boolean> {
  const r = await host.exec(['docker', 'info', '--format', '{{json .DriverStatus}}'], { timeoutMs: 60_000 });
  return r.code === 0 && r.stdout.includes('io.containerd.snapshotter');
}

/** What `docker image inspect` says of an image (the fields compared). */
export interface InspectedImage {
  Architecture?: unknown;
  Os?: unknown;
  Created?: unknown;
  Config?: Record<string, unknown> | null;
  RootFS?: { Layers?: unknown };
}

async function inspectImage(host: Host, id: string): Promise<InspectedImage | undefined> {
  const r = await host.exec(['docker', 'image', 'inspect', '--format', '{{json .}}', id], { timeoutMs: 60_000 });
  if (r.code !== 0) return undefined;
  try {
    return JSON.parse(r.stdout) as InspectedImage;
  } catch {
    return undefined;
  }
}

const RUN_CONFIG = [
  'Cmd',
  'Entrypoint',
  'Env',
  'Labels',
  'User',
  'WorkingDir',
  'ExposedPorts',
  'Volumes',
  'StopSignal',
];

/** The same layers, platform, creation time and run configuration. */
export function sameImage(inspected: InspectedImage, config: ImageConfig): boolean {
  const layers = inspected.RootFS?.Layers;
  const diffIds = config.rootfs?.diff_ids;
  if (!Array.isArray(layers) || !Array.isArray(diffIds) || canonical(layers) !== canonical(diffIds)) return false;
  if (inspected.Architecture !== config.architecture || inspected.Os !== config.os) return false;
  if (typeof config.created === 'string' && Date.parse(String(inspected.Created)) !== Date.parse(config.created))
    return false;
  return RUN_CONFIG.every((key) => canonical(inspected.Config?.[key]) === canonical(config.config?.[key]));
}

/** JSON with sorted keys; null, undefined, '', [] and {} are all "nothing". */
function canonical(value: unknown): string {
  const empty =
    value === null ||
    value === undefined ||
    value === '' ||
    (Array.isArray(value) && value.length === 0) ||
    (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0);
  if (empty) return 'null';
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object') {
    return `{${Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}
