// The build copies the server-side shell scripts next to the compiled code that reads them (dist/server/sh/).
import { cpSync } from 'node:fs';

cpSync('src/server/sh', 'dist/server/sh', { recursive: true });
