/**
 * Test images built FROM scratch with Debian's static busybox (package busybox-static): no registry on the
 * internet is needed. Built with the local engine's `docker build` from a temporary context directory.
 *
 * The web image: busybox httpd serving /www on `port`, /www/version holds the version text, /www/health
 * exists only when healthy. Its HEALTHCHECK fetches /health with busybox wget every 3 seconds (2 retries), so a
 * healthy variant reports `healthy` within about 3 s and an unhealthy one (no /health: 404) reports `unhealthy`
 * within about 6. Not every second: each probe is a `runc exec`, and ~20 test containers probing every second
 * saturate a 2-core machine (Docker 20.10, the test engine, has no --start-interval for a quick first probe).
 * /bin holds busybox and a symlink per applet, so /bin/sh, wget, cat… exist (CMD-SHELL healthchecks and
 * `docker exec … sh -c` work).
 */
import { execFile, spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BUSYBOX = '/bin/busybox';
/** The label that records what a test image was built from, so an identical request skips the build. */
const SPEC_LABEL = 'gangway.test.spec';

export interface WebImageOptions {
  version: string;
  /** Default true. An unhealthy image serves no /health, so its healthcheck fails. */
  healthy?: boolean;
  /** Default 8080. */
  port?: number;
  /**
   * Also serve /cgi-bin/version (a busybox sh CGI): the version, or a 500 on every `errorEvery`-th request, after
   * `delayMs` on every `slowEvery`-th (default: every) request — a release that passes its health gate but fails
   * or slows real requests (the canary). Counted, not random: a judge of 20 requests always sees the bad ones.
   */
  cgi?: { errorEvery?: number; delayMs?: number; slowEvery?: number };
}

async function docker(args: string[], options: { maxBuffer?: number } = {}): Promise<string> {
  try {
    const { stdout } = await run('docker', args, { maxBuffer: options.maxBuffer ?? 16 * 1024 * 1024 });
    return stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`docker ${args.slice(0, 2).join(' ')} failed: ${(err.stderr ?? err.message).trim()}`);
  }
}

/**
 * `docker build`, again when the legacy builder lost a cached parent image mid-build: the test files share one
 * engine, and a deploy's retention elsewhere (`docker image rm` of an old tag) removes untagged parents with it.
 */
async function build(args: string[]): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await docker(['build', ...args]);
    } catch (e) {
      if (attempt >= 3 || !/unable to find image|No such image/i.test((e as Error).message)) throw e;
    }
  }
}

/** The local engine's id of `ref`, or undefined when it has no such image. */
export async function localImageId(ref: string): Promise<string | undefined> {
  try {
    const { stdout } = await run('docker', ['image', 'inspect', '--format', '{{.Id}}', ref]);
    return stdout.trim();
  } catch {
    return undefined;
  }
}

async function imageLabel(ref: string, label: string): Promise<string | undefined> {
  try {
    const { stdout } = await run('docker', [
      'image',
      'inspect',
      '--format',
      `{{index .Config.Labels ${JSON.stringify(label)}}}`,
      ref,
    ]);
    return stdout.trim();
  } catch {
    return undefined;
  }
}

let applets: Promise<string[]> | undefined;

function busyboxApplets(): Promise<string[]> {
  applets ??= run(BUSYBOX, ['--list']).then(({ stdout }) =>
    stdout.split('\n').filter((a) => /^[a-z0-9_.[-]+$/.test(a) && a !== 'busybox'),
  );
  return applets;
}

/** Build (or reuse) the busybox web image `ref`; returns its image id. */
export async function buildWebImage(ref: string, options: WebImageOptions): Promise<string> {
  const healthy = options.healthy ?? true;
  const port = options.port ?? 8080;
  // v: the recipe's version (2: the 3-second healthcheck), so an image built by an older recipe is rebuilt.
  const spec = JSON.stringify({
    v: 2,
    version: options.version,
    healthy,
    port,
    ...(options.cgi && { cgi: options.cgi }),
  });
  if ((await imageLabel(ref, SPEC_LABEL)) === spec) return (await localImageId(ref))!;

  const dir = await mkdtemp(join(tmpdir(), 'gangway-image-'));
  try {
    await mkdir(join(dir, 'bin'));
    await copyFile(BUSYBOX, join(dir, 'bin', 'busybox'));
    for (const applet of await busyboxApplets()) await symlink('busybox', join(dir, 'bin', applet)).catch(() => {});
    await mkdir(join(dir, 'www'));
    await writeFile(join(dir, 'www', 'version'), options.version);
    await writeFile(
      join(dir, 'www', 'index.html'),
      `<!doctype html><title>gangway test web</title><p>version ${options.version}</p>\n`,
    );
    if (healthy) await writeFile(join(dir, 'www', 'health'), 'ok\n');
    if (options.cgi) await writeCgi(dir, options.version, options.cgi);
    const url = `http://127.0.0.1:${port}/health`;
    await writeFile(
      join(dir, 'Dockerfile'),
      [
        'FROM scratch',
        'COPY bin /bin',
        'COPY www /www',
        ...(options.cgi ? ['COPY tmp /tmp'] : []), // the CGI's request count
        `LABEL ${SPEC_LABEL}=${JSON.stringify(spec)}`,
        // A generous probe timeout: a probe that a loaded machine slows down is no failure.
        'HEALTHCHECK --interval=3s --timeout=10s --retries=2 ' +
          `CMD ["/bin/busybox", "wget", "-q", "-O", "/dev/null", "${url}"]`,
        `EXPOSE ${port}`,
        `CMD ["/bin/busybox", "httpd", "-f", "-p", "${port}", "-h", "/www"]`,
        '',
      ].join('\n'),
    );
    await build(['-q', '-t', ref, dir]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return (await localImageId(ref))!;
}

async function writeCgi(dir: string, version: string, cgi: NonNullable<WebImageOptions['cgi']>): Promise<void> {
  await mkdir(join(dir, 'www', 'cgi-bin'));
  await mkdir(join(dir, 'tmp'));
  // The request count: written whole (rename) so a concurrent reader never sees an empty file; two concurrent
  // requests may read the same count, but each count is reached (one is written only after the one before).
  const count =
    'n=$(($(cat /tmp/requests 2>/dev/null || echo 0) + 1)); ' +
    'echo "$n" > /tmp/requests.$$ && mv -f /tmp/requests.$$ /tmp/requests';
  const every = (k: number) => `[ $((n % ${k})) -eq 0 ]`;
  const script = [
    '#!/bin/sh',
    cgi.errorEvery || cgi.delayMs ? count : '',
    cgi.delayMs ? `${every(cgi.slowEvery ?? 1)} && sleep ${cgi.delayMs / 1000}` : '',
    // busybox httpd passes an answer that starts with its own status line through as it is.
    cgi.errorEvery
      ? `${every(cgi.errorEvery)} && ` +
        `{ printf 'HTTP/1.1 500 Internal Server Error\\r\\nContent-Type: text/plain\\r\\n\\r\\nerror\\n'; exit 0; }`
      : '',
    `printf 'Content-Type: text/plain\\r\\n\\r\\n%s' ${JSON.stringify(version)}`,
    '',
  ];
  await writeFile(join(dir, 'www', 'cgi-bin', 'version'), script.join('\n'), { mode: 0o755 });
}

/**
 * Build `ref` from `dockerfile` lines and a context of `files` (path → content). Every file and directory gets
 * one fixed mtime, so the same files COPY'd onto another base make a layer with the same diff ID.
 */
export async function buildImage(ref: string, dockerfile: string[], files: Record<string, string | Buffer>) {
  const dir = await mkdtemp(join(tmpdir(), 'gangway-image-'));
  const when = new Date('2026-01-01T00:00:00Z');
  try {
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), content);
    }
    for (const path of Object.keys(files))
      for (let p = path; p !== '.'; p = dirname(p)) await utimes(join(dir, p), when, when);
    await writeFile(join(dir, 'Dockerfile'), [...dockerfile, ''].join('\n'));
    await build(['-q', '-t', ref, dir]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return (await localImageId(ref))!;
}

/** Push `ref` (e.g. 127.0.0.1:5000/gangway-test/web:v1) to its registry. */
export async function pushImage(ref: string): Promise<void> {
  await docker(['push', ref]);
}

/** Remove `ref` from the local engine (a tag, or an id with all its tags); no error when it is absent. */
export async function removeImage(ref: string): Promise<void> {
  if ((await localImageId(ref)) === undefined) return;
  await docker(['image', 'rm', '-f', ref]);
}

/** Add tag `target` to the local image `source`. */
export async function tagImage(source: string, target: string): Promise<void> {
  await docker(['tag', source, target]);
}

/** `docker save` of the local engine into `file`. */
export async function saveImage(refs: string | string[], file: string): Promise<void> {
  await docker(['save', '-o', file, ...(Array.isArray(refs) ? refs : [refs])]);
}

/** Run a throwaway container of `ref` and return its stdout: e.g. `['/bin/busybox', 'cat', '/www/version']`. */
export async function runInImage(
  ref: string,
  argv: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', [
      'run',
      '--rm',
      '--network',
      'none',
      '--entrypoint',
      argv[0]!,
      ref,
      ...argv.slice(1),
    ]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
