/**
 * Which of an image's layers a host already has. Docker identifies a layer stack by its chain ID:
 * chain(L1) = diffID(L1), chain(Ln) = sha256(chain(Ln-1) + " " + diffID(Ln)). `docker load` skips a layer whose
 * chain ID exists on the engine before it opens the layer's file (moby image/tarexport/load.go; verified here on
 * Docker 20.10), so such a layer's file may be left out of the tar.
 */
import { createHash } from 'node:crypto';

export function chainIds(diffIds: readonly string[]): string[] {
  const chains: string[] = [];
  for (const diffId of diffIds) {
    const previous = chains.at(-1);
    chains.push(previous ? `sha256:${createHash('sha256').update(`${previous} ${diffId}`).digest('hex')}` : diffId);
  }
  return chains;
}

/** The chain IDs present on a host, from the layer lists of its images (one JSON array per line). */
export function presentChains(layerLists: string): Set<string> {
  const present = new Set<string>();
  for (const line of layerLists.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('[')) continue;
    try {
      const diffIds = JSON.parse(trimmed) as unknown;
      if (Array.isArray(diffIds) && diffIds.every((d) => typeof d === 'string'))
        for (const chain of chainIds(diffIds)) present.add(chain);
    } catch {
      // a line that is not a layer list (an image removed while listed): nothing present from it
    }
  }
  return present;
}

/**
 * The host's image store (its DriverStatus: the containerd store says `io.containerd.snapshotter…`), then the
 * layer lists of every image on it (also the untagged ones, which hold layers too) and of every container's image:
 * the containerd store leaves out of `image ls` an image whose layer blobs it lacks — one a sync loaded with layers
 * that were there only as snapshots (Docker 26.1) — though it runs. An image gone between the listing and the
 * inspect makes the inspect exit 1 after printing the others; their lists still count.
 */
export const HOST_LAYERS_SCRIPT =
  "docker info --format 'store {{json .DriverStatus}}'; c=$(docker ps -aq --no-trunc); " +
  `ids=$({ docker image ls -aq --no-trunc; [ -z "$c" ] || docker inspect --format '{{.Image}}' $c; } | sort -u); ` +
  `[ -z "$ids" ] || docker image inspect --format '{{json .RootFS.Layers}}' $ids`;

export type ImageStore = 'classic' | 'containerd';

export function imageStore(output: string): ImageStore {
  const line = output.split('\n').find((l) => l.startsWith('store ')) ?? '';
  return line.includes('io.containerd.snapshotter') ? 'containerd' : 'classic';
}

export interface SavedLayer {
  /** The layer's file in the tar (`<id>/layer.tar`, or `blobs/sha256/<hex>` in an OCI layout). */
  path: string;
  diffId: string;
  chainId: string;
  /** Its size in the tar, uncompressed. */
  bytes: number;
}

export interface LayerPlan {
  /** Files to leave out of the tar: layers the host has. */
  skip: Set<string>;
  present: SavedLayer[];
  missing: SavedLayer[];
}

export function planLayers(layers: readonly SavedLayer[], present: ReadonlySet<string>): LayerPlan {
  const have = layers.filter((l) => present.has(l.chainId));
  // A path may hold two identical layers of one image; it is sent when any of them is missing.
  const needed = new Set(layers.filter((l) => !present.has(l.chainId)).map((l) => l.path));
  return {
    skip: new Set(have.map((l) => l.path).filter((p) => !needed.has(p))),
    present: have,
    missing: layers.filter((l) => !present.has(l.chainId)),
  };
}
