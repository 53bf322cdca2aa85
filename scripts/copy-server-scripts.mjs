// The build copies the files the compiled code reads at run time next to it: the server-side shell scripts
// (dist/server/sh/) and the dashboard's page, script and style (dist/ui/assets/).
import { cpSync } from 'node:fs';

cpSync('src/server/sh', 'dist/server/sh', { recursive: true });
cpSync('src/ui/assets', 'dist/ui/assets', { recursive: true });
