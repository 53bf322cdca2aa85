/**
 * The build context of build mode: which files of the context directory are sent, and the tar stream of them.
 *
 * Which files — the choice, and why:
 * - In a git work tree: the files git tracks (`git ls-files --cached`, submodules included) PLUS the untracked
 *   files git does not ignore (`--others --exclude-standard`). Untracked-but-not-ignored files are included
 *   because they are what a plain `docker build` of the work tree would see and what the developer is working
 *   on (a new source file not `git add`ed yet must not silently vanish from the image), while .gitignore'd
 *   files — `.env`, keys, `node_modules`, local build output — are the ones that must not leave the machine
 *   by accident when a .dockerignore forgot them. So: the work tree as git sees it, not the last commit.
 * - A .gitignore'd file the build needs (a binary or `dist/` built before the deploy, like the quickstart's
 *   `web/busybox`) is sent only when `.dockerignore` re-includes it explicitly with a `!path` line: the
 *   .dockerignore is the file that speaks about the build context, so its explicit exception wins. A build
 *   that fails on a missing file gets a hint that names this (see build.ts).
 * - When git lists no file at all in the context (not a git work tree, git not installed, or a directory git
 *   ignores as a whole, e.g. a generated `build/docker/`): every file, as `docker build` would.
 * - Then `.dockerignore` applies, with Docker's matching rules (@balena/dockerignore). The Dockerfile and
 *   .dockerignore are always sent, as the docker CLI does.
 * - The env file (`exclude`: gangway.yml's env.file, a local target's .env) and `.env.bak-*` backups are never
 *   sent, whatever git or .dockerignore say: outside git, or untracked and not ignored, they would be.
 * Files are sent as they are in the work tree (uncommitted changes included); symlinks stay symlinks; owners
 * are 0:0 (the local user's ids mean nothing on the host); modes are kept (0755 on Windows, like docker).
 */
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile, readlink, realpath } from 'node:fs/promises';
import { join, posix, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import dockerignoreModule from '@balena/dockerignore';
import tar from 'tar-stream';

// A CommonJS module: its `module.exports` (the factory) is the namespace's default under Node's ESM loader.
const dockerignore = dockerignoreModule.default;
type Ignore = ReturnType<typeof dockerignore>;
type TarHeader = Partial<tar.Header> & { name: string };

export interface ContextEntry {
  /** Path in the tar, `/`-separated, relative to the context. */
  path: string;
  type: 'file' | 'directory' | 'symlink';
  mode: number;
  size: number;
  mtime: Date;
  linkname?: string;
}

export interface BuildContext {
  dir: string;
  /** `git` (tracked + untracked-not-ignored, + .dockerignore re-includes) or `files` (every file). */
  selection: 'git' | 'files';
  entries: ContextEntry[];
  /** Sum of the file sizes. */
  bytes: number;
  /** The Dockerfile's path in the tar. */
  dockerfile: string;
  /** The lines of .dockerignore that count (for explaining what was left out). */
  ignorePatterns: string[];
}

export class ContextError extends Error {}

/**
 * Collect the entries of the build context in `dir` (see the top of this file for which files); `exclude`:
 * absolute paths of files that hold secrets.
 */
export async function collectContext(
  dir: string,
  dockerfile = 'Dockerfile',
  exclude: string[] = [],
): Promise<BuildContext> {
  const root = resolve(dir);
  const rootInfo = await lstat(root).catch(() => undefined);
  if (!rootInfo?.isDirectory()) throw new ContextError(`the build context ${dir} is not a directory`);
  const dockerfilePath = toContextPath(root, dockerfile);
  const patterns = await readDockerignore(root);
  const ignored = dockerignore().add(patterns);
  const reincluded = patterns
    .filter((p) => p.startsWith('!'))
    .map((p) => p.slice(1).trim())
    .filter((p) => p !== '');

  const fromGit = await gitFiles(root, reincluded);
  const candidates = fromGit ?? (await walk(root, reincluded.length === 0 ? ignored : undefined));
  const forced = new Set([dockerfilePath, '.dockerignore']);
  const paths = new Set<string>();
  for (const p of candidates) if (!ignored.ignores(p)) paths.add(p);
  for (const p of forced) paths.add(p);
  const secret = await secretFiles(root, exclude);
  for (const p of paths) if (secret(p)) paths.delete(p);

  const entries: ContextEntry[] = [];
  const dirs = new Set<string>();
  let bytes = 0;
  for (const path of paths) {
    const abs = join(root, ...path.split('/'));
    const info = await lstat(abs).catch(() => undefined);
    if (!info) {
      // A tracked file deleted in the work tree, or no .dockerignore: not sent. A missing Dockerfile is an error.
      if (path === dockerfilePath)
        throw new ContextError(`the Dockerfile ${dockerfile} does not exist in the build context ${dir}`);
      continue;
    }
    let entry: ContextEntry;
    if (info.isSymbolicLink())
      entry = {
        path,
        type: 'symlink',
        mode: info.mode & 0o7777,
        size: 0,
        mtime: info.mtime,
        linkname: await readlink(abs),
      };
    else if (info.isFile())
      entry = { path, type: 'file', mode: fileMode(info.mode), size: info.size, mtime: info.mtime };
    else continue; // a directory (an uninitialised submodule), a socket, a fifo: nothing to send
    entries.push(entry);
    bytes += entry.size;
    for (let d = posix.dirname(path); d !== '.' && !dirs.has(d); d = posix.dirname(d)) dirs.add(d);
  }
  for (const d of dirs) {
    const info = await lstat(join(root, ...d.split('/')));
    entries.push({ path: d, type: 'directory', mode: fileMode(info.mode), size: 0, mtime: info.mtime });
  }
  // Parents before children; a stable order makes the tar reproducible.
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    dir: root,
    selection: fromGit ? 'git' : 'files',
    entries,
    bytes,
    dockerfile: dockerfilePath,
    ignorePatterns: patterns,
  };
}

/**
 * Why `path` (relative to the context, as a failed COPY names it) was not in the context sent, for a hint;
 * undefined when it was sent (then the failure is about something else).
 */
export async function whyNotSent(context: BuildContext, path: string): Promise<string | undefined> {
  const rel = posix
    .normalize(path.replace(/\\/g, '/'))
    .replace(/^(\.\/|\/)+/, '')
    .replace(/\/+$/, '');
  if (rel === '' || rel === '.' || rel.startsWith('../')) return undefined;
  if (context.entries.some((e) => e.path === rel || e.path.startsWith(`${rel}/`))) return undefined;
  if (!(await lstat(join(context.dir, ...rel.split('/'))).catch(() => undefined))) {
    return `${rel} does not exist in ${context.dir} (is it made by a step that did not run before the deploy?)`;
  }
  if (dockerignore().add(context.ignorePatterns).ignores(rel))
    return `${rel} is excluded by ${join(context.dir, '.dockerignore')}`;
  if (context.selection === 'git') {
    return (
      `${rel} is ignored by git, and gangway sends only the files git tracks or would track: add the line ` +
      `"!${rel}" to ${join(context.dir, '.dockerignore')} to send it`
    );
  }
  return undefined;
}

/** The tar of the context, produced as it is read (files are streamed, never held whole in memory). */
export function packContext(context: BuildContext): Readable {
  const pack = tar.pack();
  const write = async () => {
    for (const entry of context.entries) {
      const header: TarHeader = {
        name: entry.path,
        type: entry.type,
        mode: entry.mode,
        mtime: entry.mtime,
        uid: 0,
        gid: 0,
        uname: '',
        gname: '',
      };
      if (entry.type === 'symlink') header.linkname = entry.linkname ?? '';
      if (entry.type !== 'file') {
        await new Promise<void>((resolvePromise, reject) =>
          pack.entry(header, (err) => (err ? reject(err) : resolvePromise())),
        );
        continue;
      }
      header.size = entry.size;
      await writeFileEntry(pack, header, join(context.dir, ...entry.path.split('/')), entry);
    }
    pack.finalize();
  };
  write().catch((err: Error) => pack.destroy(err));
  return Readable.from(pack, { objectMode: false });
}

async function writeFileEntry(pack: tar.Pack, header: TarHeader, abs: string, entry: ContextEntry): Promise<void> {
  let failed: Error | undefined;
  const done = new Promise<void>((resolvePromise, reject) => {
    const sink = pack.entry(header, (err) => (err ? reject(failed ?? err) : resolvePromise()));
    sink.on('error', () => {}); // reported through the entry callback above
    (async () => {
      let left = entry.size;
      for await (const chunk of createReadStream(abs, { highWaterMark: 256 * 1024 })) {
        const part = (chunk as Buffer).subarray(0, left);
        left -= part.length;
        if (part.length > 0 && !sink.write(part)) await new Promise<void>((r) => sink.once('drain', () => r()));
        if (left === 0) break;
      }
      if (left !== 0)
        throw new ContextError(`${entry.path} changed while it was being sent (shorter than ${entry.size} bytes)`);
      sink.end(undefined); // streamx typings want an argument; undefined writes nothing
    })().catch((err: Error) => {
      failed =
        err instanceof ContextError
          ? err
          : new ContextError(`cannot read ${entry.path}: ${(err as NodeJS.ErrnoException).code ?? err.message}`);
      sink.destroy(failed);
    });
  });
  await done;
}

/** Whether a context path is a file of secrets: one of `exclude` (compared through symlinks too) or an env backup. */
async function secretFiles(root: string, exclude: string[]): Promise<(path: string) => boolean> {
  const realRoot = await realpath(root).catch(() => root);
  const paths = new Set<string>();
  for (const file of exclude) {
    const real = await realpath(file).catch(() => file);
    for (const rel of [relative(root, resolve(file)), relative(realRoot, real)]) paths.add(rel.split(sep).join('/'));
  }
  return (path) => paths.has(path) || posix.basename(path).startsWith('.env.bak-');
}

/** On Windows there are no permission bits to speak of: 0755, as the docker CLI sends. */
function fileMode(mode: number): number {
  return process.platform === 'win32' ? 0o755 : mode & 0o7777;
}

/** The Dockerfile's path inside the context, `/`-separated; it must be inside the context. */
function toContextPath(root: string, dockerfile: string): string {
  const rel = relative(root, resolve(root, dockerfile));
  if (rel === '' || rel.startsWith('..') || resolve(root, rel) !== resolve(root, dockerfile)) {
    throw new ContextError(`the Dockerfile ${dockerfile} is not inside the build context ${root}`);
  }
  return rel.split(sep).join('/');
}

async function readDockerignore(root: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(join(root, '.dockerignore'), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new ContextError(`cannot read ${join(root, '.dockerignore')}: ${(e as Error).message}`);
  }
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/**
 * Files git shows in `root` (relative to it): tracked (submodules too) + untracked-not-ignored, + the ignored
 * ones that a `!pattern` of .dockerignore names. Undefined when git is not there, `root` is not in a work tree,
 * or git lists nothing in it.
 */
async function gitFiles(root: string, reincluded: string[]): Promise<string[] | undefined> {
  let inside: string;
  try {
    inside = (await git(root, ['rev-parse', '--is-inside-work-tree'])).toString().trim();
  } catch (e) {
    // No git, or not a repository: every file. Any other failure (e.g. git refusing a repository owned by
    // someone else) must not silently widen the context to .gitignore'd files: it is an error.
    if (e instanceof GitError && (e.notInstalled || /not a git repository/i.test(e.stderr))) return undefined;
    throw e;
  }
  if (inside !== 'true') return undefined;
  const [tracked, untracked] = await Promise.all([
    git(root, ['ls-files', '-z', '--cached', '--recurse-submodules']),
    git(root, ['ls-files', '-z', '--others', '--exclude-standard']),
  ]);
  const files = new Set([...splitZ(tracked), ...splitZ(untracked)]);
  if (files.size === 0) return undefined;
  if (reincluded.length > 0) {
    const wanted = dockerignore().add(reincluded);
    for (const p of splitZ(await git(root, ['ls-files', '-z', '--others', '--ignored', '--exclude-standard'])))
      if (wanted.ignores(p)) files.add(p);
  }
  return [...files];
}

class GitError extends ContextError {
  constructor(
    message: string,
    readonly stderr: string,
    readonly notInstalled: boolean,
  ) {
    super(message);
  }
}

function git(cwd: string, args: string[]): Promise<Buffer> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      'git',
      ['-c', 'core.quotePath=false', ...args],
      { cwd, encoding: 'buffer', maxBuffer: 512 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (!err) return resolvePromise(stdout);
        const text = stderr.toString().trim();
        const notInstalled = (err as NodeJS.ErrnoException).code === 'ENOENT';
        reject(
          new GitError(`git ${args[0]} in ${cwd} failed: ${text.split('\n')[0] || err.message}`, text, notInstalled),
        );
      },
    );
  });
}

function splitZ(buffer: Buffer): string[] {
  return buffer
    .toString('utf8')
    .split('\0')
    .filter((p) => p !== '');
}

/** Every file under root (relative, `/`-separated); directories `prune` ignores are not entered. */
async function walk(root: string, prune: Ignore | undefined): Promise<string[]> {
  const out: string[] = [];
  const visit = async (rel: string): Promise<void> => {
    const entries = await readdir(rel === '' ? root : join(root, ...rel.split('/')), { withFileTypes: true });
    for (const e of entries) {
      const path = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) {
        if (!prune?.ignores(path)) await visit(path);
      } else out.push(path);
    }
  };
  await visit('');
  return out;
}
