import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { gangway } from '../helpers/cli.js';
import { tempDir } from '../helpers/testenv.js';

test('init writes a valid gangway.yml with a $schema line, an env template of keys only, and .gitignore lines', () => {
  const dir = join(tempDir(), 'My Shop');
  mkdirSync(dir);
  writeFileSync(join(dir, 'compose.yaml'), 'services: {}\n');
  writeFileSync(
    join(dir, '.env'),
    'DB_PASSWORD=canary-init-secret-1\n# comment\nexport API_KEY="canary-init-secret-2"\nEMPTY=\n',
  );
  writeFileSync(join(dir, '.gitignore'), 'node_modules/');
  const r = gangway(['init'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);

  const yml = readFileSync(join(dir, 'gangway.yml'), 'utf8');
  const version = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
  // Not installed in this project: the published schema of this version, not a path on this machine.
  const published = `https://unpkg.com/gangway-deploy@${version}/schema/gangway.schema.json`;
  assert.equal(yml.split('\n')[0], `# yaml-language-server: $schema=${published}`);
  const config = parseConfig(yml, join(dir, 'gangway.yml'));
  assert.equal(config.app, 'my-shop');
  assert.deepEqual(config.compose, [join(dir, 'compose.yaml')]);
  assert.equal(config.env?.template, join(dir, '.env.template'));

  const template = readFileSync(join(dir, '.env.template'), 'utf8');
  assert.deepEqual(
    template.split('\n').filter((l) => l && !l.startsWith('#')),
    ['DB_PASSWORD=', 'API_KEY=', 'EMPTY='],
  );
  const gitignore = readFileSync(join(dir, '.gitignore'), 'utf8');
  assert.match(gitignore, /^node_modules\/\n# gangway/);
  for (const line of ['.gangway/', '.env', '.env.*', '!.env.template'])
    assert.ok(gitignore.split('\n').includes(line), line);

  for (const out of [r.stdout, r.stderr, yml, template, gitignore])
    assert.ok(!out.includes('canary-init-secret'), 'no value leaks');
});

test('init refuses to overwrite gangway.yml without --force, and adds .gitignore lines only once', () => {
  const dir = tempDir();
  assert.equal(gangway(['init'], { cwd: dir }).code, 0);
  const again = gangway(['init'], { cwd: dir });
  assert.equal(again.code, 2);
  assert.match(again.stderr, /gangway\.yml already exists \(use --force to overwrite\)/);
  assert.equal(gangway(['init', '--force'], { cwd: dir }).code, 0);
  assert.equal(readFileSync(join(dir, '.gitignore'), 'utf8').match(/\.gangway\//g)?.length, 1);
});

test("init points $schema at the project's own install, relative to gangway.yml, so it works for every clone", () => {
  const repo = tempDir();
  mkdirSync(join(repo, '.git'));
  mkdirSync(join(repo, 'node_modules/gangway-deploy/schema'), { recursive: true });
  writeFileSync(join(repo, 'node_modules/gangway-deploy/schema/gangway.schema.json'), '{}');
  mkdirSync(join(repo, 'deploy'));
  assert.equal(gangway(['init'], { cwd: repo }).code, 0);
  assert.equal(schemaLine(join(repo, 'gangway.yml')), './node_modules/gangway-deploy/schema/gangway.schema.json');
  assert.equal(gangway(['-c', 'deploy/gangway.yml', 'init'], { cwd: repo }).code, 0);
  const ref = schemaLine(join(repo, 'deploy/gangway.yml'));
  assert.equal(ref, '../node_modules/gangway-deploy/schema/gangway.schema.json');
  assert.ok(existsSync(join(repo, 'deploy', ref)));
});

function schemaLine(file: string): string {
  return readFileSync(file, 'utf8').split('\n')[0]!.split('$schema=')[1]!;
}

test("init writes image.name from the compose file's ${IMAGE_TAG} image, archive delivery for one built here", () => {
  const dir = tempDir();
  writeFileSync(
    join(dir, 'docker-compose.yml'),
    'services:\n  web:\n    image: "shop/web:${IMAGE_TAG:?set by gangway}"\n    build: .\n' +
      '    healthcheck: { test: ["CMD", "true"] }\n  db:\n    image: postgres:16\n',
  );
  const r = gangway(['init'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /image: shop\/web \(service web\)/);
  const config = parseConfig(readFileSync(join(dir, 'gangway.yml'), 'utf8'), join(dir, 'gangway.yml'));
  assert.equal(config.image?.name, 'shop/web');
  assert.equal(config.image?.delivery, 'archive');
  assert.deepEqual(config.health.services, ['web']);
});
