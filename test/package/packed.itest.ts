/**
 * The package a user gets: this checkout `npm pack`ed, the tarball installed into an empty prefix, and the installed
 * `gangway` run: --version, `init` in an empty project, and a local deploy of the quickstart. It catches a file the
 * code reads at run time that `files` leaves out of the tarball (the server scripts, the dashboard's page).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { copyExample } from '../helpers/example.js';
import { tempDir } from '../helpers/testenv.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
const WORK = tempDir('gangway-packed-');
const PREFIX = join(WORK, 'prefix');
const BIN = join(PREFIX, 'bin', 'gangway');
// The quickstart under names and a port of its own: test/deploy/quickstart.itest.ts may deploy the original meanwhile.
const APP = 'packed-quickstart';
const IMAGE = 'gangway-packed/web';
const PORT = 18097;

function npm(args: string[], cwd: string): string {
  return execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });
}

/** The installed command by its path, as a user runs it, never from this checkout. */
function installed(args: string[], cwd: string) {
  const r = spawnSync(BIN, args, {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    encoding: 'utf8',
    timeout: 300_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

before(() => {
  // The dist/ the test command just built: `prepare` (which npm pack runs) would rebuild it under the test files
  // running from it at the same time. The tarball holds exactly what a publish of this build would.
  const packed = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', WORK], ROOT)) as {
    filename: string;
  }[];
  // Dependencies' install scripts do not run: npm 12 blocks them by default, and gangway needs none of them (ssh2's
  // and cpu-features' native speed-ups are optional), so this is the least a user can get.
  npm(
    [
      'install',
      '-g',
      '--prefix',
      PREFIX,
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
      join(WORK, packed[0]!.filename),
    ],
    WORK,
  );
});

after(() => {
  execFileSync('sh', [
    '-c',
    `docker ps -aq --filter label=com.docker.compose.project=${APP} | xargs -r docker rm -f >/dev/null 2>&1; ` +
      `docker network rm ${APP}_default >/dev/null 2>&1; ` +
      // By name and tag, never by ID: the same build elsewhere (the quickstart's own tests) has the same image ID.
      `docker images --format '{{.Repository}}:{{.Tag}}' ${IMAGE} | xargs -r docker rmi >/dev/null 2>&1 || true`,
  ]);
  rmSync(WORK, { recursive: true, force: true });
});

test('the installed package is gangway-deploy and its command is gangway', () => {
  assert.equal(pkg.name, 'gangway-deploy');
  const home = join(PREFIX, 'lib', 'node_modules', 'gangway-deploy');
  assert.equal(realpathSync(BIN), join(home, 'bin', 'gangway.js'));
  const r = installed(['--version'], WORK);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `${pkg.version}\n`);
});

test('the installed gangway init writes gangway.yml in an empty project, its $schema the published one', () => {
  const project = tempDir('gangway-packed-init-');
  const r = installed(['init'], project);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const yml = readFileSync(join(project, 'gangway.yml'), 'utf8');
  assert.equal(
    yml.split('\n')[0],
    `# yaml-language-server: $schema=https://unpkg.com/gangway-deploy@${pkg.version}/schema/gangway.schema.json`,
  );
  rmSync(project, { recursive: true, force: true });
});

test('the installed gangway deploys the quickstart to the local engine (its server scripts from the tarball)', () => {
  const dir = copyExample('quickstart');
  const edit = (file: string, from: RegExp, to: string) => {
    const text = readFileSync(join(dir, file), 'utf8');
    assert.match(text, from, file);
    writeFileSync(join(dir, file), text.replace(from, to));
  };
  edit('gangway.yml', /^app: quickstart$/m, `app: ${APP}`);
  edit('gangway.yml', /name: gangway-quickstart\/web/, `name: ${IMAGE}`);
  edit('gangway.yml', /localhost:8080/, `localhost:${PORT}`);
  edit('docker-compose.yml', /image: gangway-quickstart\/web:/, `image: ${IMAGE}:`);
  edit('quickstart.env', /^WEB_PORT=8080$/m, `WEB_PORT=${PORT}`);
  execFileSync(join(dir, 'prepare.sh'), { stdio: 'ignore' });
  const r = installed(['-c', 'gangway.yml', 'deploy', 'local'], dir);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /\[ok\] health gate — \d{8}_\d{6} passed/);
  assert.match(r.stdout, /\[ok\] local — serving \d{8}_\d{6}/);
  const page = execFileSync('curl', ['-fsS', '--max-time', '30', `http://127.0.0.1:${PORT}/`], { encoding: 'utf8' });
  assert.match(page, /gangway quickstart/);
  rmSync(dirname(dir), { recursive: true, force: true });
});
