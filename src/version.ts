import { createRequire } from 'node:module';

const pkg = createRequire(import.meta.url)('../package.json') as { name: string; version: string };

/** The package version, read from package.json so there is one place to change it. */
export const VERSION: string = pkg.version;
/** The npm package name (`gangway-deploy`; the command it installs is `gangway`): what `npm install`/`npx` take. */
export const PACKAGE_NAME: string = pkg.name;
