/**
 * build mode: the build context (build-context.ts says which files) is packed into a tar as it is read,
 * gzip-compressed (level 1; not for the local engine), and streamed into `docker build -t IMAGE -f DOCKERFILE -` on the
 * host through the exec channel's stdin: no temporary file on either side. The build output goes to onLog line by
 * line.
 */
import { pipeline } from 'node:stream';
import { createGzip } from 'node:zlib';
import { imageId } from '../docker/image.js';
import type { ExecResult, Host } from '../hosts/host.js';
import { GZIP_LEVEL } from './archive.js';
import { collectContext, ContextError, packContext, whyNotSent, type BuildContext } from './build-context.js';
import type { DeliveryRequest, DeliveryResult } from './delivery.js';
import { DeliveryError, errorLine, exitStatus } from './errors.js';
import { LineSplitter } from '../util/lines.js';
import { ProgressMeter } from './progress.js';

export async function deliverBuild(host: Host, request: DeliveryRequest): Promise<DeliveryResult> {
  const started = Date.now();
  const { image } = request;
  const dir = request.context ?? process.cwd();
  let context: BuildContext;
  try {
    context = await collectContext(dir, request.dockerfile ?? 'Dockerfile', request.exclude);
  } catch (e) {
    throw new DeliveryError(
      'E_IMAGE_SOURCE',
      `local: cannot collect the build context of ${image}: ${(e as Error).message}`,
      { cause: e },
    );
  }

  const stop = new AbortController();
  const onAbort = () => stop.abort();
  request.signal?.addEventListener('abort', onAbort, { once: true });
  const meter = new ProgressMeter(request.onProgress);
  const tar = packContext(context);
  const output = meter.countSent();
  let sourceError: unknown;
  // docker build detects a gzip-compressed context; into the local engine it is sent as it is.
  const stages =
    host.kind === 'local' ? [tar, meter.countRead()] : [tar, meter.countRead(), createGzip({ level: GZIP_LEVEL })];
  pipeline([...stages, output], (err) => {
    if (err && !stop.signal.aborted) {
      sourceError = err;
      stop.abort(); // docker build must not wait forever for the rest of its context
    }
  });

  const log = new LineSplitter(request.onLog);
  const sourceFailure = () => {
    const message =
      sourceError instanceof ContextError
        ? sourceError.message
        : `reading ${dir} failed: ${(sourceError as Error).message}`;
    return new DeliveryError('E_IMAGE_SOURCE', `local: build context of ${image}: ${message}`, { cause: sourceError });
  };
  let result: ExecResult;
  try {
    result = await host.exec(['docker', 'build', '-t', image, '-f', context.dockerfile, '-'], {
      stdin: output,
      signal: stop.signal,
      onStdout: log.push,
      onStderr: log.push,
    });
  } catch (e) {
    if (sourceError) throw sourceFailure();
    throw e;
  } finally {
    request.signal?.removeEventListener('abort', onAbort);
    log.flush();
    meter.finish();
    tar.destroy();
  }
  if (sourceError) throw sourceFailure();
  if (result.code !== 0) {
    const why = errorLine(result, { last: true, mask: request.mask });
    const hint = await missingFileHint(context, `${result.stdout}\n${result.stderr}`);
    throw new DeliveryError(
      'E_IMAGE_BUILD',
      `${host.label}: docker build of ${image} failed (${exitStatus(result)})${why ? `: ${why}` : ''}`,
      {
        ...(hint && { hints: [hint] }),
      },
    );
  }

  const id = await imageId(host, image);
  if (!id)
    throw new DeliveryError(
      'E_IMAGE_MISSING',
      `${host.label}: docker build of ${image} succeeded but the engine has no image ${image}`,
    );
  return { imageId: id, bytesSent: meter.sent, durationMs: Date.now() - started };
}

/** The paths a failed COPY/ADD could not find, as the legacy builder and BuildKit word it. */
const MISSING = [
  /file not found in build context or excluded by \.dockerignore: stat ([^:\n]+): file does not exist/g,
  /(?:COPY|ADD) failed: stat \S*?docker-builder\d+\/([^:\n]+): no such file or directory/g,
  /"\/([^"\n]+)": not found/g,
];

async function missingFileHint(context: BuildContext, output: string): Promise<string | undefined> {
  for (const pattern of MISSING) {
    for (const match of output.matchAll(pattern)) {
      const reason = await whyNotSent(context, match[1]!);
      if (reason) return reason;
    }
  }
  return undefined;
}
