/**
 * The platform of the image a deploy is about to send, read without loading it anywhere: from a prebuilt
 * archive's config JSON (the layers stream past unread), from the tar that sync saved once for the run, or from
 * the local engine's view of the image that `docker save` will send (the same config).
 */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { execOk } from '../hosts/host.js';
import { LocalHost } from '../hosts/local-host.js';
import { openArchive } from './archive.js';
import { imageTarSniffer, pickImage } from './image-tar.js';
import { imagePlatform, type Platform } from './platform.js';
import { savedImage } from './saved-image.js';

/** The platform of `ref` in the archive at `path` (a docker save tar, gzip-compressed or not). */
export async function archivePlatform(path: string, ref: string): Promise<Platform> {
  const source = await openArchive(path); // the same checks (readable, tar or gzip) as the delivery's
  source.close();
  const sniffer = imageTarSniffer();
  const read = createReadStream(path, { highWaterMark: 1024 * 1024 });
  await pipeline(source.compressed ? [read, createGunzip(), sniffer.stream] : [read, sniffer.stream]);
  const contents = await sniffer.result;
  if (!contents.ok) throw new Error(`${path} is not a docker image archive: ${contents.reason}`);
  const image = pickImage(contents.images, ref);
  if (!image) throw new Error(`${path} holds no single image named ${ref}`);
  return known(imagePlatform(image.config ?? {}), `${path}: the config of ${ref}`);
}

/** sync mode: the config of the tar saved for this run (saved-image.ts), which is the one the hosts receive. */
export async function savedImagePlatform(ref: string): Promise<Platform> {
  const { config } = await savedImage(ref);
  return known(imagePlatform(JSON.parse(config.bytes.toString('utf8')) as object), `the saved config of ${ref}`);
}

/** archive mode without a prebuilt archive: the local engine's image, which `docker save` sends. */
export async function localImagePlatform(ref: string): Promise<Platform> {
  const out = await execOk(new LocalHost(), ['docker', 'image', 'inspect', '--format', '{{json .}}', ref], {
    timeoutMs: 60_000,
  });
  const inspect = JSON.parse(out.stdout) as { Os?: unknown; Architecture?: unknown; Variant?: unknown };
  const platform = { os: inspect.Os, architecture: inspect.Architecture, variant: inspect.Variant };
  return known(imagePlatform(platform), `local: docker image inspect ${ref}`);
}

function known(platform: Platform | undefined, what: string): Platform {
  if (!platform) throw new Error(`${what} names no architecture`);
  return platform;
}
