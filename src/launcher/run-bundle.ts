/**
 * How bin/gangway.js runs the CLI (issue 27): the one-file bundle (scripts/bundle-cli.mjs) compiled with V8's
 * code cache of an earlier run. Compiling the CLI and its packages is a third of a short command's CPU, and on a
 * busy machine that CPU is shared with the server a check waits on; Node 22.8+ has a compile cache of its own,
 * Node 20 none that covers a program's own code. Kept per command (a check's cache holds what a check compiles)
 * under ~/.cache/gangway (XDG_CACHE_HOME), a directory only the user may write: V8 runs what it finds there. V8
 * refuses a cache made by another V8 or with other flags; the bundle's hash in the directory's name keeps one
 * build's cache from another's. NODE_DISABLE_COMPILE_CACHE=1 (Node's own switch) turns it off. Anything that
 * goes wrong with the cache only means compiling from source, as without one. Hand-written: the maintained require
 * hook (v8-compile-cache) keeps one cache per file whichever command made it, so a `--version` run's cache would
 * serve a check, and it predates the bundle's rewritten import() this runner supplies.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Script } from 'node:vm';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The bundle's first line, written by scripts/bundle-cli.mjs: `// gangway-bundle <hash>`. */
const HEADER = /^\/\/ gangway-bundle ([0-9a-f]{16})\n/;

export interface RunOptions {
  /** Where the caches live; undefined: none. Default: defaultCacheDir(). */
  cacheDir?: string | undefined;
  /** The bundle's way to import an ES module (code compiled by vm.Script has no import() of its own). */
  importEsm?: (specifier: string) => Promise<unknown>;
}

/** Run the bundle's `main(argv)`. */
export async function runBundle(file: string, argv: string[], options: RunOptions = {}): Promise<void> {
  const text = readFileSync(file).toString('latin1'); // the bundle is ASCII (checked when it is built)
  const hash = HEADER.exec(text)?.[1];
  const root = 'cacheDir' in options ? options.cacheDir : defaultCacheDir();
  const cache =
    root && hash ? new CodeCache(root, `${process.version}-${process.arch}-${hash}`, commandOf(argv)) : undefined;
  const cached = cache?.read();
  // The parameters of a CommonJS module, the import the bundle's `import()` calls were rewritten to, and the URL
  // its modules' `import.meta.url` are found from (scripts/bundle-cli.mjs).
  const parameters = 'exports, require, module, __filename, __dirname, __gangwayImportEsm, __gangwayBundleUrl';
  const wrapped = `(function (${parameters}) {${text}\n})`;
  const script = new Script(wrapped, { filename: file, ...(cached && { cachedData: cached.data }) });
  if (cache) {
    process.once('exit', (code) => {
      if (!cached || script.cachedDataRejected === true || (cached.failed && code === 0))
        cache.write(script.createCachedData(), code !== 0);
    });
  }
  const module = { exports: {} as { main?: (argv: string[]) => Promise<void> } };
  const importEsm = options.importEsm ?? ((specifier: string) => import(specifier));
  (script.runInThisContext() as (...args: unknown[]) => void)(
    module.exports,
    createRequire(file),
    module,
    file,
    dirname(file),
    importEsm,
    pathToFileURL(file).href,
  );
  await module.exports.main!(argv);
}

/** ~/.cache/gangway (or under XDG_CACHE_HOME; LOCALAPPDATA on Windows); undefined when turned off. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.NODE_DISABLE_COMPILE_CACHE) return undefined;
  try {
    const base = env.XDG_CACHE_HOME || (process.platform === 'win32' && env.LOCALAPPDATA) || join(homedir(), '.cache');
    return join(base, 'gangway');
  } catch {
    return undefined; // no home directory
  }
}

/** The command a run is for, as the cache's name: its first word that is not an option (nor -c's value). */
export function commandOf(argv: readonly string[]): string {
  for (let i = 2; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--') break;
    if (word === '-c' || word === '--config') i++;
    else if (!word.startsWith('-')) return /^[a-z][a-z0-9-]{0,31}$/.test(word) ? word : 'other';
  }
  return 'none';
}

/** No group or others may write to it (on Windows a user's profile is private, and modes say nothing). */
function privateDir(dir: string): boolean {
  return process.platform === 'win32' || (statSync(dir).mode & 0o022) === 0;
}

/**
 * One command's cache: `<root>/<build>/<command>.ok` from a run that succeeded, else `<command>.failed` (made
 * again once a run succeeds: a run that stopped early compiled less of the command).
 */
class CodeCache {
  private readonly dir: string;

  constructor(
    private readonly root: string,
    private readonly build: string,
    private readonly command: string,
  ) {
    this.dir = join(root, build);
  }

  read(): { data: Buffer; failed: boolean } | undefined {
    try {
      if (!privateDir(this.root)) return undefined; // others could have written it
    } catch {
      return undefined;
    }
    for (const failed of [false, true]) {
      try {
        return { data: readFileSync(this.file(failed)), failed };
      } catch {
        // none of this kind
      }
    }
    return undefined;
  }

  write(data: Buffer, failed: boolean): void {
    try {
      mkdirSync(this.root, { recursive: true, mode: 0o700 });
      if (!privateDir(this.root)) return;
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      const temp = `${this.file(failed)}.${process.pid}.tmp`;
      writeFileSync(temp, data, { mode: 0o600 });
      renameSync(temp, this.file(failed)); // whole, whatever runs at the same time
      if (!failed) rmSync(this.file(true), { force: true });
      this.removeOldBuilds();
    } catch {
      // no cache this time
    }
  }

  private file(failed: boolean): string {
    return join(this.dir, `${this.command}.${failed ? 'failed' : 'ok'}`);
  }

  /**
   * Caches of other builds for this Node that nothing wrote to for a day: an upgrade's old one (several checkouts
   * used in turn keep theirs; another Node's stay too, for nvm users who switch back and forth).
   */
  private removeOldBuilds(): void {
    const sameNode = this.build.slice(0, this.build.lastIndexOf('-') + 1);
    for (const name of readdirSync(this.root)) {
      const dir = join(this.root, name);
      if (name.startsWith(sameNode) && name !== this.build && Date.now() - statSync(dir).mtimeMs > DAY_MS)
        rmSync(dir, { recursive: true, force: true });
    }
  }
}
