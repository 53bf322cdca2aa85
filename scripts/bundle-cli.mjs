// Part of the build (after tsc): the CLI as the launcher runs it, bundled by esbuild into dist/bundle/ (issue 27).
// Node spends most of a short command's start loading files: unbundled, `gangway check` loads ~200 before its
// SSH handshake starts (zod alone 95, 64 of them its locales, which every zod entry point imports). The bundle
// leaves out what is never used (the locales but English) and keeps the commands' lazy imports as chunks.
// dist/ from tsc stays: the tests import it, and the files the code reads next to itself live there.
import { build } from 'esbuild';
import { readFile, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath, URL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'dist/bundle');

// A module that finds files next to itself (`new URL('./sh/x.sh', import.meta.url)`) does so from where tsc put
// it in dist/, not from the chunk it ends up in.
const moduleUrlAsCompiled = {
  name: 'module-url-as-compiled',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, async ({ path }) => {
      const text = await readFile(path, 'utf8');
      if (!text.includes('import.meta.url')) return { contents: text, loader: 'ts' };
      const compiled = join(root, 'dist', relative(join(root, 'src'), path)).replace(/\.ts$/, '.js');
      const url = `new URL(${JSON.stringify(relative(out, compiled).split('\\').join('/'))}, import.meta.url).href`;
      return { contents: text.replaceAll('import.meta.url', url), loader: 'ts' };
    });
  },
};

await rm(out, { recursive: true, force: true });
await build({
  entryPoints: [join(root, 'src/cli/main.ts')],
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  plugins: [moduleUrlAsCompiled],
  // Loaded as installed: ssh2 has optional native parts, and the others are loaded late or seldom.
  external: ['ssh2', 'cpu-features', 'ajv', 'nodemailer', 'open'],
  // The bundled CommonJS packages (commander) require Node's own modules.
  banner: {
    js:
      "import { createRequire as bundleCreateRequire } from 'node:module';\n" +
      'const require = bundleCreateRequire(import.meta.url);',
  },
});
