// The build copies the files the compiled code reads at run time next to it: the server-side shell scripts
// (dist/server/sh/) and the dashboard's page, script and style (dist/ui/assets/). layout.sh is written anew from
// the compiled layout.ts (the one definition; src/server/sh/layout.sh is its committed copy, checked in the tests).
import { cpSync, writeFileSync } from 'node:fs';
import { layoutShell } from '../dist/server/layout-shell.js';

cpSync('src/server/sh', 'dist/server/sh', { recursive: true });
writeFileSync('dist/server/sh/layout.sh', layoutShell());
cpSync('src/ui/assets', 'dist/ui/assets', { recursive: true });
