#!/usr/bin/env node
// Thin launcher: the CLI, bundled (dist/bundle/, by `npm run build`, or on install via `prepare`).
import module from 'node:module';

// Node >= 22.8 keeps the compiled code of the bundle and of ssh2 on disk between runs (its own cache directory),
// which takes most of the CLI's start off every later run (issue 27). Older Node has no such call: nothing to do.
module.enableCompileCache?.();
import('../dist/bundle/main.js').then((m) => m.main(process.argv));
