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
  writeFileSync(join(dir, '.env'), 'DB_PASSWORD=canary-init-secret-1\n# comment\nexport API_KEY="canary-init-secret-2"\nEMPTY=\n');
  writeFileSync(join(dir, '.gitignore'), 'node_modules/');
  const r = gangway(['init'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);

  const yml = readFileSync(join(dir, 'gangway.yml'), 'utf8');
  assert.match(yml.split('\n')[0]!, /^# yaml-language-server: \$schema=\S+gangway\.schema\.json$/);
  const schemaPath = yml.split('\n')[0]!.split('$schema=')[1]!;
  assert.ok(existsSync(schemaPath.startsWith('/') ? schemaPath : join(dir, schemaPath)), `schema reference resolves: ${schemaPath}`);
  const config = parseConfig(yml, join(dir, 'gangway.yml'));
  assert.equal(config.app, 'my-shop');
  assert.deepEqual(config.compose, [join(dir, 'compose.yaml')]);
  assert.equal(config.env?.template, join(dir, '.env.template'));

  const template = readFileSync(join(dir, '.env.template'), 'utf8');
  assert.deepEqual(template.split('\n').filter((l) => l && !l.startsWith('#')), ['DB_PASSWORD=', 'API_KEY=', 'EMPTY=']);
  const gitignore = readFileSync(join(dir, '.gitignore'), 'utf8');
  assert.match(gitignore, /^node_modules\/\n# gangway/);
  for (const line of ['.gangway/', '.env', '.env.*', '!.env.template']) assert.ok(gitignore.split('\n').includes(line), line);

  for (const out of [r.stdout, r.stderr, yml, template, gitignore]) assert.ok(!out.includes('canary-init-secret'), 'no value leaks');
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
