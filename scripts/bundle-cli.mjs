// Part of the build (after tsc): the CLI as the launcher runs it, bundled by esbuild into dist/bundle/ (issue 27).
// Node spends most of a short command's start loading files and compiling them: unbundled, `gangway check` loads
// ~200 files before its SSH handshake starts (zod alone 95, 64 of them its locales, which every zod entry point
// imports), and split into lazily loaded chunks still ~50, each resolved and linked. So the CLI is one CommonJS
// file, ssh2 included, that src/launcher/run-bundle.ts (dist/bundle/launcher.js) compiles with V8's code cache of
// an earlier run — what Node 22.8+ does for modules by itself, and Node 20 cannot do for ES modules at all. What a
// command does not use is in the file but never run (esbuild wraps each module in a function called on import).
// The bundle leaves out what is never used (zod's locales but English). dist/ from tsc stays: the tests import it,
// and the files the code reads next to itself live there.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath, URL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'dist/bundle');
const bundle = join(out, 'gangway.cjs');

// A module that finds files next to itself (`new URL('./sh/x.sh', import.meta.url)`) does so from where tsc put
// it in dist/, not from the bundle (`__gangwayBundleUrl`: the bundle's own URL, which the launcher passes in).
// The compose-spec validator the build wrote (build-compose-validator.mjs) goes into the bundle, so that it too
// is compiled from the code cache.
const moduleUrlAsCompiled = {
  name: 'module-url-as-compiled',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, async ({ path }) => {
      let text = await readFile(path, 'utf8');
      if (path.endsWith(join('src', 'compose', 'validate.ts'))) text = withValidatorBundled(text);
      if (!text.includes('import.meta.url')) return { contents: text, loader: 'ts' };
      const compiled = join(root, 'dist', relative(join(root, 'src'), path)).replace(/\.ts$/, '.js');
      const url = `new URL(${JSON.stringify(relative(out, compiled).split('\\').join('/'))}, __gangwayBundleUrl).href`;
      return { contents: text.replaceAll('import.meta.url', url), loader: 'ts' };
    });
  },
};

function withValidatorBundled(text) {
  const load = 'require(fileURLToPath(file))';
  if (!text.includes(load)) throw new Error(`bundle-cli: src/compose/validate.ts no longer loads it by ${load}`);
  const using = text.replace(load, 'loadPrebuiltValidator()');
  return `import { loadPrebuiltValidator } from 'gangway:prebuilt-validator';\n${using}`;
}
const prebuiltValidator = {
  name: 'prebuilt-validator',
  setup(b) {
    b.onResolve({ filter: /^gangway:prebuilt-validator$/ }, () => ({
      path: 'prebuilt-validator',
      namespace: 'gangway',
    }));
    b.onLoad({ filter: /.*/, namespace: 'gangway' }, () => ({
      contents: "export const loadPrebuiltValidator = () => require('./compose-spec-validator.cjs');",
      resolveDir: join(root, 'dist', 'compose'),
      loader: 'js',
    }));
  },
};

// A package's native addon (ssh2's optional crypto binding) stays where the package is installed, and is found
// from there when it was built (ssh2 falls back to JavaScript when it was not); so are the files a package finds
// next to itself (ssh2's Pageant helper for Windows): its __dirname is where it is installed, not the bundle's.
const packageFilesInPlace = {
  name: 'package-files-in-place',
  setup(b) {
    b.onResolve({ filter: /\.node$/ }, ({ path, resolveDir }) => {
      const inPackage = /[\\/]node_modules[\\/](.+)$/.exec(join(resolveDir, path));
      return inPackage ? { path: inPackage[1].split('\\').join('/'), external: true } : undefined;
    });
    b.onResolve({ filter: /.*/ }, ({ path, kind }) =>
      kind === 'require-resolve' ? { path, external: true } : undefined,
    );
    b.onLoad({ filter: /[\\/]node_modules[\\/].*\.c?js$/ }, async ({ path }) => {
      const text = await readFile(path, 'utf8');
      if (!/\b__(dirname|filename)\b/.test(text)) return undefined;
      const id = /.*[\\/]node_modules[\\/](.+)$/.exec(path)[1].split('\\').join('/');
      const file = `require.resolve(${JSON.stringify(id)})`;
      const dir = `require("node:path").dirname(${file})`;
      return { contents: text.replace(/\b__filename\b/g, file).replace(/\b__dirname\b/g, dir), loader: 'js' };
    });
  },
};

await rm(out, { recursive: true, force: true });
await build({
  entryPoints: [join(root, 'src/cli/main.ts')],
  outfile: bundle,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  plugins: [moduleUrlAsCompiled, prebuiltValidator, packageFilesInPlace],
  // Loaded as installed: optional native parts, packages loaded late or seldom, and `open`, an ES module.
  external: ['cpu-features', 'ajv', 'nodemailer', 'open'],
});
// The launcher, an ES module of its own (it runs the bundle, and gives it import()).
await build({
  entryPoints: [join(root, 'src/launcher/run-bundle.ts')],
  outfile: join(out, 'launcher.js'),
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
});

// Code compiled by vm.Script has no import() of its own: the bundle's (of ES modules it leaves out) go through
// the function the launcher gives it. Then only ASCII (the launcher reads it as Latin-1, the fastest decoding):
// esbuild escapes what is not in strings and names, leaving comments; escaped there too. Then its hash on top,
// which names its code cache.
let text = (await readFile(bundle, 'utf8')).replace(/\bimport\((".*?")\)/g, '__gangwayImportEsm($1)');
const stray = /\bimport\(/.exec(text);
if (stray)
  throw new Error(`bundle-cli: an import() the launcher cannot serve: ${text.slice(stray.index, stray.index + 80)}`);
text = text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
await writeFile(bundle, `// gangway-bundle ${hash}\n${text}`);
