#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm run build`, or on install via `prepare`).
import('../dist/cli/main.js').then((m) => m.main(process.argv));
