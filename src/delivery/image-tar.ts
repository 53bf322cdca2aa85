/**
 * What an image tar (`docker save`) holds, read on the fly from the bytes as they go by: only the small JSON
 * files are kept (manifest.json, index.json, image configs, JSON blobs under 1 MiB), every layer is skipped.
 *
 * Two layouts exist:
 * - Docker's (≤ 24): `manifest.json` = [{ Config: "<hex>.json", RepoTags: ["name:tag"], Layers: […] }].
 * - OCI (docker ≥ 25 writes both): `index.json` → manifests[].digest → `blobs/sha256/<hex>` (an image manifest
 *   with `config.digest`, or a nested index), names in the annotations; `manifest.json` then says
 *   `Config: "blobs/sha256/<hex>"`.
 * An image's id on a classic engine is its config digest; the containerd image store uses the manifest or
 * index digest instead — so each image carries every id it may have.
 */
import { Writable } from 'node:stream';
import tar from 'tar-stream';
import { familiarRef } from '../docker/image.js';

export interface TarImage {
  /** The config digest (`sha256:…`): the id a classic engine gives the image. */
  configId: string;
  /** Every id the image may get on an engine: the config digest, and the manifest/index digests of an OCI layout. */
  ids: string[];
  /** Names in familiar form (`busybox:latest`, `127.0.0.1:5000/app:1`). */
  repoTags: string[];
  /** The image config (architecture, os, created, config, rootfs.diff_ids), when the tar holds it. */
  config?: ImageConfig;
}

export interface ImageConfig {
  architecture?: unknown;
  variant?: unknown;
  os?: unknown;
  created?: unknown;
  config?: Record<string, unknown> | null;
  rootfs?: { diff_ids?: unknown };
}

export type ImageTarContents = { ok: true; images: TarImage[] } | { ok: false; reason: string };

const MAX_JSON_BLOB = 1024 * 1024;
const DIGEST_PATH = /(?:^|\/)([a-f0-9]{64})(?:\.json)?$/;

/** A writable that parses the tar written into it; `result` settles when it ends (never rejects). */
export function imageTarSniffer(): { stream: Writable; result: Promise<ImageTarContents> } {
  const extract = tar.extract();
  const files = new Map<string, Buffer>();
  let failure: string | undefined;
  let entries = 0;

  extract.on('entry', (header, body, next) => {
    entries++;
    body.on('error', () => {}); // a truncated entry fails the whole extract, reported there
    const name = header.name.replace(/^(\.\/)+/, '').replace(/^\/+/, '');
    const wanted =
      header.type === 'file' &&
      (name === 'manifest.json' ||
        name === 'index.json' ||
        ((name.startsWith('blobs/sha256/') || /^[a-f0-9]{64}\.json$/.test(name)) &&
          (header.size ?? 0) <= MAX_JSON_BLOB));
    if (!wanted) {
      body.on('end', () => next());
      body.resume();
      return;
    }
    const chunks: Buffer[] = [];
    body.on('data', (c) => void chunks.push(c as Buffer));
    body.on('end', () => {
      const content = Buffer.concat(chunks);
      // Layer blobs are tars or compressed: only JSON is worth keeping.
      if (!name.startsWith('blobs/') || content[0] === 0x7b /* { */) files.set(name, content);
      next();
    });
  });

  let closed!: () => void;
  const finished = new Promise<void>((resolve) => (closed = resolve));
  extract.on('error', (e) => {
    failure ??= (e as Error).message;
    closed();
  });
  extract.on('close', () => closed());

  const waitDrain = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        extract.off('drain', done);
        extract.off('close', done);
        resolve();
      };
      extract.on('drain', done);
      extract.on('close', done);
    });

  let resolveResult!: (r: ImageTarContents) => void;
  const result = new Promise<ImageTarContents>((resolve) => (resolveResult = resolve));

  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      // After a parse error the bytes still flow (the transfer goes on); they are just not looked at.
      if (failure !== undefined || extract.destroyed) return callback();
      if (extract.write(chunk)) callback();
      else waitDrain().then(() => callback());
    },
    final(callback) {
      // streamx typings want an argument; undefined writes nothing
      if (failure === undefined && !extract.destroyed) extract.end(undefined);
      finished.then(() => {
        resolveResult(
          failure !== undefined
            ? { ok: false, reason: `not a valid tar (${failure})` }
            : entries === 0
              ? { ok: false, reason: 'an empty tar' }
              : interpret(files),
        );
        callback();
      });
    },
    destroy(error, callback) {
      extract.destroy();
      resolveResult({ ok: false, reason: error ? `reading stopped (${error.message})` : 'reading stopped' });
      callback(error);
    },
  });
  return { stream, result };
}

function digestOf(path: unknown): string | undefined {
  if (typeof path !== 'string') return undefined;
  const m = DIGEST_PATH.exec(path);
  return m ? `sha256:${m[1]}` : undefined;
}

function parseJson(content: Buffer | undefined): unknown {
  if (!content) return undefined;
  try {
    return JSON.parse(content.toString('utf8'));
  } catch {
    return undefined;
  }
}

interface Descriptor {
  digest?: unknown;
  mediaType?: unknown;
  annotations?: Record<string, unknown>;
  platform?: { os?: unknown; architecture?: unknown };
}

function interpret(files: Map<string, Buffer>): ImageTarContents {
  const images = new Map<string, TarImage>();
  const configOf = (configId: string): ImageConfig | undefined => {
    const hex = configId.slice('sha256:'.length);
    const parsed = parseJson(files.get(`blobs/sha256/${hex}`) ?? files.get(`${hex}.json`));
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as ImageConfig) : undefined;
  };
  const add = (configId: string, ids: string[], repoTags: string[]) => {
    const config = configOf(configId);
    const image = images.get(configId) ?? { configId, ids: [configId], repoTags: [], ...(config && { config }) };
    for (const id of ids) if (!image.ids.includes(id)) image.ids.push(id);
    for (const t of repoTags) if (!image.repoTags.includes(t)) image.repoTags.push(t);
    images.set(configId, image);
  };

  const manifest = parseJson(files.get('manifest.json'));
  if (files.has('manifest.json') && !Array.isArray(manifest))
    return { ok: false, reason: 'manifest.json is not a list of images' };
  for (const entry of (manifest as { Config?: unknown; RepoTags?: unknown }[] | undefined) ?? []) {
    const configId = digestOf(entry?.Config);
    if (!configId)
      return {
        ok: false,
        reason: `manifest.json names a config that is not a sha256 digest (${String(entry?.Config)})`,
      };
    const tags = Array.isArray(entry.RepoTags)
      ? entry.RepoTags.filter((t): t is string => typeof t === 'string').map(familiarRef)
      : [];
    add(configId, [], tags);
  }

  const index = parseJson(files.get('index.json')) as { manifests?: Descriptor[] } | undefined;
  for (const descriptor of index?.manifests ?? []) {
    const ids: string[] = [];
    const configId = resolveDescriptor(descriptor, files, ids, 0);
    if (!configId) continue; // a manifest whose blobs were not saved (another platform)
    const names = [
      descriptor.annotations?.['io.containerd.image.name'],
      descriptor.annotations?.['org.opencontainers.image.ref.name'],
    ]
      // ref.name is only a full reference when it has a name part (docker writes just the tag there)
      .filter((n): n is string => typeof n === 'string' && /[/:]/.test(n) && !/^[\w.-]+$/.test(n))
      .map(familiarRef);
    add(configId, ids, names);
  }

  if (images.size === 0) {
    return {
      ok: false,
      reason:
        files.has('manifest.json') || files.has('index.json')
          ? 'it lists no image'
          : 'it has no manifest.json or index.json (not made by docker save?)',
    };
  }
  return { ok: true, images: [...images.values()] };
}

/** Follow an OCI descriptor to its config digest, collecting the manifest/index digests on the way. */
function resolveDescriptor(
  descriptor: Descriptor,
  files: Map<string, Buffer>,
  ids: string[],
  depth: number,
): string | undefined {
  const digest =
    typeof descriptor.digest === 'string' && /^sha256:[a-f0-9]{64}$/.test(descriptor.digest)
      ? descriptor.digest
      : undefined;
  if (!digest || depth > 4) return undefined;
  const blob = parseJson(files.get(`blobs/sha256/${digest.slice(7)}`)) as
    { manifests?: Descriptor[]; config?: { digest?: unknown } } | undefined;
  if (!blob) return undefined;
  if (blob.config) {
    const config =
      typeof blob.config.digest === 'string' && /^sha256:[a-f0-9]{64}$/.test(blob.config.digest)
        ? blob.config.digest
        : undefined;
    if (config) ids.push(digest);
    return config;
  }
  for (const child of blob.manifests ?? []) {
    if (child.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest') continue;
    if (child.platform?.os === 'unknown') continue;
    const childIds: string[] = [];
    const config = resolveDescriptor(child, files, childIds, depth + 1);
    if (config) {
      ids.push(digest, ...childIds);
      return config;
    }
  }
  return undefined;
}

/**
 * The image of the archive that `ref` names: the one whose names include it, else the only image of the
 * archive (saved under another name, or by id). Undefined when that does not single one out.
 */
export function pickImage(images: readonly TarImage[], ref: string): TarImage | undefined {
  const wanted = familiarRef(ref);
  const named = images.filter((i) => i.repoTags.includes(wanted));
  if (named.length === 1) return named[0];
  if (named.length === 0 && images.length === 1) return images[0];
  return undefined;
}
