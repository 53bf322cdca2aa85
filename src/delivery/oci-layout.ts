/**
 * For an engine with the containerd image store: the saved image as an OCI image layout (index.json, oci-layout,
 * blobs/sha256/…) without the blobs of the layers the engine has. Its importer takes such a layout when the
 * missing blobs are in its content store (verified here on Docker 26.1 with containerd 1.7), where a Docker-format
 * tar (manifest.json) must hold every layer. Layers stay uncompressed (their digest is their diff ID), like the
 * ones a `docker load` put there; the loaded image's id is the manifest's digest.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import type { SavedImage } from './saved-image.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** `name:tag` as containerd names images: with its registry (docker.io and library/ for Docker Hub). */
export function fullImageName(ref: string): string {
  const first = ref.split('/')[0]!;
  if (ref.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')) return ref;
  return `docker.io/${ref.includes('/') ? ref : `library/${ref}`}`;
}

export function ociManifest(image: SavedImage): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: `sha256:${sha256(image.config.bytes)}`,
        size: image.config.bytes.length,
      },
      layers: image.layers.map((l) => ({
        mediaType: 'application/vnd.oci.image.layer.v1.tar',
        digest: l.diffId,
        size: l.bytes,
      })),
    }),
  );
}

export function ociLayoutWithout(image: SavedImage, ref: string, skip: ReadonlySet<string>): Readable {
  const manifest = ociManifest(image);
  const tag = ref.slice(ref.lastIndexOf(':') + 1);
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: `sha256:${sha256(manifest)}`,
        size: manifest.length,
        annotations: { 'io.containerd.image.name': fullImageName(ref), 'org.opencontainers.image.ref.name': tag },
      },
    ],
  };
  const blobOf = new Map(image.layers.map((l) => [l.path, l.diffId.slice('sha256:'.length)]));
  const written = new Set<string>();
  const pack = tar.pack();
  const small = (name: string, content: Buffer | string) => pack.entry({ name, mode: 0o644 }, content);
  small('oci-layout', '{"imageLayoutVersion":"1.0.0"}');
  small('index.json', JSON.stringify(index));
  small(`blobs/sha256/${sha256(manifest)}`, manifest);
  small(`blobs/sha256/${sha256(image.config.bytes)}`, image.config.bytes);
  const extract = tar.extract();
  extract.on('entry', (header, body, next) => {
    body.on('error', () => {}); // a truncated entry fails the whole extract, which fails the pack
    const name = header.name.replace(/^(\.\/)+/, '');
    const blob = blobOf.get(name);
    if (!blob || skip.has(name) || written.has(blob)) {
      body.on('end', next);
      body.resume();
      return;
    }
    written.add(blob);
    const entry = pack.entry({ name: `blobs/sha256/${blob}`, size: header.size ?? 0, mode: 0o644 }, (err) =>
      err ? extract.destroy(err) : next(),
    );
    entry.on('error', () => {}); // reported through the extract and the pack
    body.pipe(entry);
  });
  extract.on('finish', () => pack.finalize());
  extract.on('error', (e) => pack.destroy(e));
  createReadStream(image.file)
    .on('error', (e) => extract.destroy(e))
    .pipe(extract);
  return Readable.from(pack);
}
