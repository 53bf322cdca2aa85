/** Small image helpers on a host's Docker engine: ids, tags. Every command goes through `host.exec` (argv). */
import { CommandFailedError } from '../hosts/command-failed.js';
import { execOk, type Host } from '../hosts/host.js';

const NO_SUCH_IMAGE = /no such (image|object)/i;

/** The image id (`sha256:…`) of `ref` (a name:tag or an id) on the host, or undefined when it has none. */
export async function imageId(host: Host, ref: string): Promise<string | undefined> {
  const argv = ['docker', 'image', 'inspect', '--format', '{{.Id}}', ref];
  const result = await host.exec(argv, { timeoutMs: 60_000 });
  if (result.code === 0) return result.stdout.trim() || undefined;
  if (NO_SUCH_IMAGE.test(result.stderr)) return undefined;
  throw new CommandFailedError(host.label, argv, result);
}

/** Give image `source` (an id or a ref) the name `target` (`name:tag`). */
export async function tagImage(host: Host, source: string, target: string): Promise<void> {
  await execOk(host, ['docker', 'tag', source, target], { timeoutMs: 60_000 });
}

/**
 * Remove the name `ref` (a name:tag, not an id). The image itself goes only when that was its last name and no
 * container uses it; parents are kept (--no-prune). Absent names are fine.
 */
export async function untagImage(host: Host, ref: string): Promise<void> {
  const argv = ['docker', 'image', 'rm', '--no-prune', ref];
  const result = await host.exec(argv, { timeoutMs: 60_000 });
  if (result.code !== 0 && !NO_SUCH_IMAGE.test(result.stderr)) throw new CommandFailedError(host.label, argv, result);
}

/** A short form for messages: `sha256:0123456789ab`. */
export function shortId(id: string): string {
  return id.startsWith('sha256:') ? id.slice(0, 19) : id.slice(0, 12);
}

/**
 * The familiar form of an image reference, as `docker images` and `manifest.json` RepoTags show it:
 * `docker.io/library/busybox:latest` → `busybox:latest`, `docker.io/acme/app:1` → `acme/app:1`; a name
 * without a tag or digest gets `:latest`.
 */
export function familiarRef(ref: string): string {
  let r = ref;
  if (r.startsWith('docker.io/')) r = r.slice('docker.io/'.length);
  else if (r.startsWith('index.docker.io/')) r = r.slice('index.docker.io/'.length);
  if (r.startsWith('library/') && r.split('/').length === 2) r = r.slice('library/'.length);
  const lastSlash = r.lastIndexOf('/');
  if (!r.includes('@') && !r.slice(lastSlash + 1).includes(':')) r += ':latest';
  return r;
}
