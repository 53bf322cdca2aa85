#!/usr/bin/env node
// Thin launcher: the CLI, bundled (dist/bundle/, by `npm run build`, or on install via `prepare`).
import('../dist/bundle/main.js').then((m) => m.main(process.argv));
