/**
 * Disk space where each part of a deploy lands: images in Docker's data root, the release files in the deploy
 * dir. Each item names the path, the filesystem, what is free and what is needed.
 */
import { formatBytes } from '../output/reporter.js';
import { fail, ok, warn, type CheckItem } from '../checklist.js';
import { RELEASE_REQUIRED_BYTES, sameFilesystem, type DiskSpace } from './disk.js';
import type { HostFacts } from './host-probe.js';

export interface SpaceNeed {
  bytes: number;
  reason: string;
}

export const IMAGES_TITLE = 'disk space (images)';
export const DIR_TITLE = 'disk space (deploy dir)';
const RELEASE: SpaceNeed = { bytes: RELEASE_REQUIRED_BYTES, reason: 'a release: compose files, env file, records' };

export function diskItems(facts: HostFacts, images: SpaceNeed): CheckItem[] {
  const dir = facts.dirDisk
    ? spaceItem(DIR_TITLE, `deploy dir ${facts.path}`, facts.dirDisk, RELEASE)
    : warn(DIR_TITLE, `could not measure the filesystem of ${facts.path} (df gave no usable output)`);
  return [imagesItem(facts, images), dir];
}

function imagesItem(facts: HostFacts, images: SpaceNeed): CheckItem {
  if ('error' in facts.docker) return warn(IMAGES_TITLE, 'not measured: Docker did not say where its data root is');
  const what = `Docker data root ${facts.docker.rootDir}`;
  // Docker Desktop keeps its data root inside its VM, out of reach of df.
  if (!facts.rootDisk) return warn(IMAGES_TITLE, `not measured: ${facts.docker.rootDir} is not visible on this host`);
  if (facts.dirDisk && sameFilesystem(facts.rootDisk, facts.dirDisk)) {
    const both = { bytes: images.bytes + RELEASE.bytes, reason: `${images.reason}, plus the release: same filesystem` };
    return spaceItem(IMAGES_TITLE, what, facts.rootDisk, both);
  }
  return spaceItem(IMAGES_TITLE, what, facts.rootDisk, images);
}

function spaceItem(title: string, what: string, space: DiskSpace, need: SpaceNeed): CheckItem {
  const where = `${what}: ${formatBytes(space.availableBytes)} free on ${space.filesystem} (mounted on ${space.mount})`;
  const needs = `needs ${formatBytes(need.bytes)} (${need.reason})`;
  if (space.availableBytes < need.bytes) return fail(title, `${where}; ${needs}`);
  const share = space.totalBytes > 0 ? space.availableBytes / space.totalBytes : 1;
  if (share < 0.1) return warn(title, `${where}, under 10% of the filesystem; ${needs}`);
  return ok(title, `${where}; ${needs}`);
}
