/**
 * The local image, saved once per run into a temporary file (`docker save`), with its layers' files, diff IDs,
 * chain IDs and sizes read from the tar. Sync delivery sends each host a copy of it without the layers the
 * host has; to many hosts the save happens once. The file is removed when the process exits.
 */
import { createReadStream, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { imageId } from '../docker/image.js';
import { LocalHost } from '../hosts/local-host.js';
import { spawn } from 'node:child_process';
import { DeliveryError } from './errors.js';
import { chainIds, type SavedLayer } from './layers.js';
import { noLocalImage } from './archive.js';

export interface SavedImage {
  file: string;
  /** The local engine's id of the image. */
  id: string;
  layers: SavedLayer[];
  /**
   * The tar is also an OCI image layout (index.json: docker ≥ 25 writes both). A local engine on the containerd
   * store saves its layers as its content store holds them, often gzip-compressed under their own digests.
   */
  oci: boolean;
  /** The image config's file in the tar and its bytes (an OCI layout names it by their digest). */
  config: { path: string; bytes: Buffer };
}

const saved = new Map<string, Promise<SavedImage>>();
const dirs = new Set<string>();
const removeAll = () => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
};
process.once('exit', removeAll);

/**
 * A saved image can be gigabytes: an interrupted run (Ctrl-C, a CI job cancelled) removes it too, then dies of the
 * same signal as it would have without this handler. While a rollout winds down on its own first Ctrl-C
 * (cli/interrupt-signals.ts handles the signal too), the hosts still delivering need the files: 'exit' removes them.
 */
let guarded = false;
function removeOnSignals(): void {
  if (guarded) return;
  guarded = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const handler = () => {
      if (process.listenerCount(signal) > 1) return;
      process.off(signal, handler);
      removeAll();
      process.kill(process.pid, signal);
    };
    process.on(signal, handler);
  }
}

/** Saved once per local image id: a name rebuilt since (a long-lived process, tests) is saved again. */
export async function savedImage(image: string): Promise<SavedImage> {
  const id = await imageId(new LocalHost(), image);
  if (!id) throw noLocalImage(image);
  const key = `${image}\n${id}`;
  let entry = saved.get(key);
  if (!entry) {
    entry = save(image, id);
    saved.set(key, entry);
    entry.catch(() => saved.delete(key));
  }
  return entry;
}

async function save(image: string, id: string): Promise<SavedImage> {
  const dir = await mkdtemp(join(tmpdir(), 'gangway-sync-'));
  removeOnSignals();
  dirs.add(dir);
  const file = join(dir, 'image.tar');
  const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn('docker', ['save', '-o', file, image], { stdio: ['ignore', 'ignore', 'pipe'] });
    const stderr: Buffer[] = [];
    child.stderr.on('data', (c: Buffer) => stderr.push(c));
    child.on('error', (e) => resolve({ code: null, stderr: e.message }));
    child.on('close', (code) => resolve({ code, stderr: Buffer.concat(stderr).toString('utf8') }));
  });
  if (r.code !== 0) {
    await rm(dir, { recursive: true, force: true });
    throw new DeliveryError('E_IMAGE_SOURCE', `local: docker save ${image} failed: ${r.stderr.trim().split('\n')[0]}`);
  }
  return { file, id, ...(await readLayers(file, image)) };
}

/** manifest.json's Layers[i] is the file of the config's rootfs.diff_ids[i] (Docker's layout and OCI's alike). */
async function readLayers(file: string, image: string): Promise<Pick<SavedImage, 'layers' | 'config' | 'oci'>> {
  const sizes = new Map<string, number>();
  const small = new Map<string, Buffer>();
  const extract = tar.extract();
  extract.on('entry', (header, body, next) => {
    const name = header.name.replace(/^(\.\/)+/, '');
    sizes.set(name, header.size ?? 0);
    if ((header.size ?? 0) > 1024 * 1024) {
      body.on('end', next);
      body.resume();
      return;
    }
    const chunks: Buffer[] = [];
    body.on('data', (c) => chunks.push(c as Buffer));
    body.on('end', () => {
      small.set(name, Buffer.concat(chunks));
      next();
    });
  });
  await pipeline(createReadStream(file), extract);
  const bad = (why: string) => new DeliveryError('E_IMAGE_ARCHIVE', `docker save ${image}: ${why}`);
  const manifest = JSON.parse(small.get('manifest.json')?.toString('utf8') ?? 'null') as
    { Config: string; Layers: string[] }[] | null;
  const entry = manifest?.[0];
  if (!entry) throw bad('no manifest.json in the tar');
  const config = JSON.parse(small.get(entry.Config)?.toString('utf8') ?? 'null') as {
    rootfs?: { diff_ids?: string[] };
  } | null;
  const diffIds = config?.rootfs?.diff_ids;
  if (!diffIds || diffIds.length !== entry.Layers.length) throw bad('its config does not list one diff ID per layer');
  const chains = chainIds(diffIds);
  const layers = entry.Layers.map((path, i) => ({
    path,
    diffId: diffIds[i]!,
    chainId: chains[i]!,
    bytes: sizes.get(path) ?? 0,
  }));
  return { layers, config: { path: entry.Config, bytes: small.get(entry.Config)! }, oci: small.has('index.json') };
}

/** The saved tar without the files in `skip`, as a stream (a tar `docker load` takes). */
export function tarWithout(file: string, skip: ReadonlySet<string>): Readable {
  const extract = tar.extract();
  const pack = tar.pack();
  extract.on('entry', (header, body, next) => {
    body.on('error', () => {}); // a truncated entry fails the whole extract, which fails the pack
    const name = header.name.replace(/^(\.\/)+/, '');
    if (skip.has(name)) {
      body.on('end', next);
      body.resume();
      return;
    }
    const entry = pack.entry(header, (err) => (err ? extract.destroy(err) : next()));
    entry.on('error', () => {}); // reported through the extract and the pack
    body.pipe(entry);
  });
  extract.on('finish', () => pack.finalize());
  extract.on('error', (e) => pack.destroy(e));
  createReadStream(file)
    .on('error', (e) => extract.destroy(e))
    .pipe(extract);
  return Readable.from(pack);
}
