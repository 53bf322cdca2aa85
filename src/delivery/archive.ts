/**
 * archive mode: an image tar — a prebuilt one (`image.archive`), or `docker save` of the local engine streamed
 * from the child process (no copy on the local disk) — compressed on the fly and streamed into `docker load` on
 * the host, through the one exec channel.
 *
 * - Compression: zlib gzip level 1. On a fast link the compressor is the bottleneck, and level 1 keeps most
 *   of level 6's ratio at twice its speed (100 MB of shared libraries: level 1 → 40.9 MB in 1.4 s, level 3 →
 *   39.7 MB in 1.7 s, level 6 → 37.5 MB in 2.9 s). A prebuilt `.tar.gz` is sent as it is; into a local
 *   engine nothing is compressed.
 * - Decompression: `docker load` itself (it detects gzip, as it does bzip2 and xz), so the host needs no gzip
 *   binary and no shell pipeline, and there is no uncompressed fallback to get wrong.
 * - Verification: the tar is parsed while it streams (image-tar.ts) to learn the image it holds (config
 *   digest, names). After the load, the host's `name:tag` must be that image (verify.ts). A tar saved under another
 *   name is tagged `name:tag` on the host. A mismatch (a tampered archive, a local image retagged while it was saved)
 *   fails with E_IMAGE_MISMATCH, and `name:tag` on the host goes back to what it was before.
 */
import { spawn } from 'node:child_process';
import { open, stat } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { pipeline, Readable, Transform, type Writable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { familiarRef, imageId, shortId, tagImage, untagImage } from '../docker/image.js';
import type { ExecResult, Host } from '../hosts/host.js';
import { LocalHost } from '../hosts/local-host.js';
import type { DeliveryRequest, DeliveryResult } from './delivery.js';
import { DeliveryError, errorLine, exitStatus, ImageMismatchError } from './errors.js';
import { imageTarSniffer, pickImage, type TarImage } from './image-tar.js';
import { LineSplitter } from '../util/lines.js';
import { ImageIdentity } from './verify.js';
import { ProgressMeter } from './progress.js';

/** gzip level: speed matters more than ratio (see above). */
export const GZIP_LEVEL = 1;

/** An image tar to send: archive.ts opens a file or `docker save`; sync.ts sends a tar without some layers. */
export interface Source {
  stream: Readable;
  /** Already gzip-compressed (a prebuilt .tar.gz): sent as it is. */
  compressed: boolean;
  /** Size in bytes when known. */
  total?: number;
  /** For messages: `archive build/app.tar`, `docker save app:1`. */
  what: string;
  /** The local engine's id of the image (docker save only). */
  localId?: string;
  close(): void;
}

export async function deliverArchive(host: Host, request: DeliveryRequest): Promise<DeliveryResult> {
  const started = Date.now();
  const { image } = request;

  if (!request.archive && host.kind === 'local') {
    // `docker save` + `docker load` into the engine the image comes from would be a no-op copy.
    const id = await imageId(host, image);
    if (!id) throw noLocalImage(image);
    return { imageId: id, bytesSent: 0, durationMs: Date.now() - started };
  }

  const source = request.archive ? await openArchive(request.archive) : await dockerSave(image, request.mask);
  try {
    return await transfer(host, request, source, started);
  } finally {
    source.close();
  }
}

/** Stream `source` into `docker load` on the host and make sure `request.image` there is the image it holds. */
export async function transfer(
  host: Host,
  request: DeliveryRequest,
  source: Source,
  started: number,
): Promise<DeliveryResult> {
  const { image } = request;
  const previous = await imageId(host, image);

  const stop = new AbortController();
  const onAbort = () => stop.abort();
  request.signal?.addEventListener('abort', onAbort, { once: true });

  const meter = new ProgressMeter(request.onProgress, source.total);
  const sniffer = imageTarSniffer();
  let sniffHead: Writable = sniffer.stream;
  if (source.compressed) {
    const gunzip = createGunzip();
    pipeline(gunzip, sniffer.stream, () => {});
    sniffHead = gunzip;
  }

  let sourceError: unknown;
  let pipelineEnded!: () => void;
  const pipelineDone = new Promise<void>((resolve) => (pipelineEnded = resolve));
  const stages: (Readable | Transform)[] = [source.stream, meter.countRead(), tee(sniffHead)];
  // Into the local engine the bytes never cross a network: compressing them would only cost time.
  if (!source.compressed && host.kind !== 'local') stages.push(createGzip({ level: GZIP_LEVEL }));
  const output = meter.countSent();
  pipeline([...stages, output], (err) => {
    if (err && !stop.signal.aborted) {
      sourceError = err;
      stop.abort(); // the host command must not wait forever for the rest of its stdin
    }
    pipelineEnded();
  });

  // What docker load says it loaded: `Loaded image: name:tag` per name,
  // `Loaded image ID: sha256:…` per unnamed image.
  const loaded = { refs: [] as string[], ids: [] as string[], unpackError: undefined as string | undefined };
  const stdoutLines = new LineSplitter((line) => {
    request.onLog?.(line);
    const id = /^Loaded image ID: (sha256:[a-f0-9]{64})$/.exec(line.trim());
    const ref = /^Loaded image: (\S+)$/.exec(line.trim());
    if (id) loaded.ids.push(id[1]!);
    else if (ref) loaded.refs.push(ref[1]!);
    // The containerd store after Docker 26 imports the image, fails to unpack it (a layer neither in the tar nor
    // on the engine) and still exits 0 with this line: the image is named but cannot run.
    else if (/^Error unpacking image /.test(line.trim())) loaded.unpackError ??= line.trim();
  });
  const stderrLines = new LineSplitter(request.onLog);

  let result: ExecResult;
  try {
    result = await host.exec(['docker', 'load'], {
      stdin: output,
      signal: stop.signal,
      onStdout: stdoutLines.push,
      onStderr: stderrLines.push,
    });
  } catch (e) {
    if (sourceError) throw sourceFailure(source, sourceError);
    throw e;
  } finally {
    request.signal?.removeEventListener('abort', onAbort);
    stdoutLines.flush();
    stderrLines.flush();
    meter.finish();
  }
  if (sourceError) throw sourceFailure(source, sourceError);
  if (result.code !== 0 || loaded.unpackError) {
    const why = loaded.unpackError ?? errorLine(result, { mask: request.mask });
    const status = result.code === 0 ? 'exit 0, but not unpacked' : exitStatus(result);
    // The containerd store may have named an image it then failed to unpack: nothing half-loaded stays named.
    const now = await imageId(host, image).catch(() => previous);
    const restored = now === previous ? '' : `; ${await restoreName(host, image, previous)}`;
    throw new DeliveryError(
      'E_IMAGE_LOAD',
      `${host.label}: docker load of ${image} (${source.what}) failed (${status})${why ? `: ${why}` : ''}${restored}`,
      {
        ...(/no space left/i.test(result.stderr) && {
          hints: [`free disk space on ${host.label} (docker system df; docker image prune)`],
        }),
      },
    );
  }

  // docker load read its stdin to the end, so the tar went through the sniffer; the guard is against a hang.
  await Promise.race([pipelineDone, delay(30_000, undefined, { ref: false })]);
  const contents = await Promise.race([sniffer.result, delay(30_000, undefined, { ref: false })]);
  if (!contents)
    throw new DeliveryError('E_IMAGE_ARCHIVE', `${source.what}: the image tar could not be read to its end`);
  if (!contents.ok)
    throw new DeliveryError('E_IMAGE_ARCHIVE', `${source.what} is not a docker image archive: ${contents.reason}`);
  const expected = pickImage(contents.images, image);
  if (!expected) {
    const names = contents.images.flatMap((i) => i.repoTags);
    throw new DeliveryError(
      'E_IMAGE_ARCHIVE',
      `${source.what} holds ${contents.images.length} images and none is named ${image}`,
      {
        hints: names.length ? [`it holds: ${names.join(', ')}`] : [],
      },
    );
  }
  if (source.localId && !expected.ids.includes(source.localId)) {
    const restored = await restoreName(host, image, previous);
    throw new ImageMismatchError(
      `local: ${image} is ${shortId(source.localId)} but docker save sent ${shortId(expected.configId)}: the image ` +
        `changed while it was being saved (on ${host.label}, ${restored})`,
      source.localId,
      expected.configId,
    );
  }

  const id = await settleName(host, image, expected, loaded, previous, source);
  return { imageId: id, bytesSent: meter.sent, durationMs: Date.now() - started };
}

/** Make `image` on the host name the expected image; returns the host's id of it, or throws a mismatch. */
async function settleName(
  host: Host,
  image: string,
  expected: TarImage,
  loaded: { refs: string[]; ids: string[] },
  previous: string | undefined,
  source: Source,
): Promise<string> {
  const identity = new ImageIdentity(host, expected);
  const actual = await imageId(host, image);
  if (actual && (await identity.matches(actual))) return actual;

  if (expected.repoTags.includes(familiarRef(image))) {
    // docker load named `image` itself, and it is not the image the archive describes: tampered or corrupt.
    const restored = await restoreName(host, image, previous);
    throw new ImageMismatchError(
      `${host.label}: ${image} loaded from ${source.what} is ${actual ? shortId(actual) : 'missing'}, but the ` +
        `archive says ${shortId(expected.configId)}: the archive is corrupt or was modified (${restored})`,
      expected.configId,
      actual,
    );
  }

  // Saved under another name (or by id): find what docker load loaded and name it `image`.
  const loadedIds = [...loaded.ids];
  for (const ref of loaded.refs) {
    const id = await imageId(host, ref);
    if (id) loadedIds.push(id);
  }
  let hit: string | undefined;
  for (const id of loadedIds) if (!hit && (await identity.matches(id))) hit = id;
  if (!hit) {
    throw new ImageMismatchError(
      `${host.label}: docker load of ${source.what} loaded ` +
        `${loadedIds.length ? loadedIds.map(shortId).join(', ') : 'no image it named'}, but the archive says ` +
        `${shortId(expected.configId)}: the archive is corrupt or was modified`,
      expected.configId,
      loadedIds[0],
    );
  }
  await tagImage(host, hit, image);
  const now = await imageId(host, image);
  if (now !== hit)
    throw new ImageMismatchError(
      `${host.label}: ${image} is ${now ? shortId(now) : 'missing'} right after docker tag ${shortId(hit)}`,
      hit,
      now,
    );
  return hit;
}

/** Point `image` on the host back at `previous` (or remove the name); says what it did, for the message. */
export async function restoreName(host: Host, image: string, previous: string | undefined): Promise<string> {
  try {
    if (previous) {
      await tagImage(host, previous, image);
      return `${image} points at ${shortId(previous)} again`;
    }
    await untagImage(host, image);
    return `the name ${image} was removed again`;
  } catch (e) {
    return `${image} could not be restored: ${(e as Error).message}`;
  }
}

/** A pass-through that also feeds `sink` (respecting its backpressure); a failing sink is just left behind. */
function tee(sink: Writable): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (sink.destroyed || sink.writableEnded) return done(null, chunk);
      if (sink.write(chunk)) return done(null, chunk);
      const go = () => {
        sink.off('drain', go);
        sink.off('close', go);
        done(null, chunk);
      };
      sink.on('drain', go);
      sink.on('close', go);
    },
    flush(done) {
      if (!sink.destroyed && !sink.writableEnded) sink.end();
      done();
    },
  });
}

export async function openArchive(path: string): Promise<Source> {
  let size: number;
  const head = Buffer.alloc(512);
  let read = 0;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new Error('not a regular file');
    size = info.size;
    const handle = await open(path, 'r');
    try {
      ({ bytesRead: read } = await handle.read(head, 0, 512, 0));
    } finally {
      await handle.close();
    }
  } catch (e) {
    throw new DeliveryError(
      'E_IMAGE_SOURCE',
      `cannot read the image archive ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      { cause: e },
    );
  }
  const gzip = read >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  const tar = read === 512 && head.toString('latin1', 257, 262) === 'ustar';
  if (!gzip && !tar) {
    throw new DeliveryError(
      'E_IMAGE_ARCHIVE',
      `${path} is not an image archive: expected a tar written by docker save (or that tar gzip-compressed)`,
    );
  }
  const stream = createReadStream(path, { highWaterMark: 1024 * 1024 });
  return {
    stream,
    compressed: gzip,
    ...(!gzip && { total: size }),
    what: `archive ${path}`,
    close: () => stream.destroy(),
  };
}

/** `docker save image` of the local engine, streamed from the child's stdout; a failing save fails the stream. */
export async function dockerSave(image: string, mask: ((text: string) => string) | undefined): Promise<Source> {
  const localId = await imageId(new LocalHost(), image).catch((e: Error) => {
    throw new DeliveryError('E_IMAGE_SOURCE', `local: cannot inspect ${image} for docker save: ${e.message}`, {
      cause: e,
    });
  });
  if (!localId) throw noLocalImage(image);

  const child = spawn('docker', ['save', image], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    if (stderr.length < 64 * 1024) stderr += c.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
    child.on('error', (error) => resolve({ code: null, signal: null, error }));
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  async function* chunks(): AsyncGenerator<Buffer> {
    for await (const chunk of child.stdout) yield chunk as Buffer;
    const end = await exited;
    if (end.error) throw new Error(`cannot run docker: ${end.error.message}`);
    if (end.code !== 0) {
      const why = errorLine({ stderr, stdout: '' }, { mask });
      throw new Error(
        `docker save ${image} failed (${exitStatus({ code: end.code, ...(end.signal && { signal: end.signal }) })})` +
          `${why ? `: ${why}` : ''}`,
      );
    }
  }
  const stream = Readable.from(chunks(), { objectMode: false });
  return {
    stream,
    compressed: false,
    what: `docker save ${image}`,
    localId,
    close: () => {
      stream.destroy();
      if (child.exitCode === null && child.signalCode === null) child.kill();
    },
  };
}

export function noLocalImage(image: string): DeliveryError {
  return new DeliveryError('E_IMAGE_SOURCE', `local: the local Docker engine has no image ${image} to send`, {
    hints: [`build or pull ${image} locally first, or set image.archive to a prebuilt docker save tar`],
  });
}

function sourceFailure(source: Source, error: unknown): DeliveryError {
  if (error instanceof DeliveryError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new DeliveryError('E_IMAGE_SOURCE', `local: reading ${source.what} failed: ${message}`, { cause: error });
}
