#!/usr/bin/env node
// Thin launcher: the CLI, bundled (dist/bundle/, by `npm run build`, or on install via `prepare`), which
// dist/bundle/launcher.js runs with a code cache (src/launcher/run-bundle.ts).
import module from 'node:module';
import { fileURLToPath } from 'node:url';

// Node >= 22.8 keeps compiled packages loaded as installed (ajv, nodemailer) on disk between runs, as the launcher
// does for the bundle (issue 27). Older Node has no such call: nothing to do.
module.enableCompileCache?.();
const { runBundle } = await import('../dist/bundle/launcher.js');
await runBundle(fileURLToPath(new URL('../dist/bundle/gangway.cjs', import.meta.url)), process.argv);
