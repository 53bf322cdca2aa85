/** buildSource: where build mode builds from, and which files it must never send. */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildSource } from '../../src/compose/build-context.js';
import { parseConfig } from '../../src/config/load.js';
import { tempDir } from '../helpers/testenv.js';

test('the build context of the image, excluding the env file and the .env of each local target', async (t) => {
  const dir = tempDir('gangway-build-source-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'compose.yml'), 'services:\n  web:\n    image: acme/web:${IMAGE_TAG}\n    build: ./web\n');
  const config = parseConfig(
    `app: shop
compose: compose.yml
env: { file: secrets/prod.env }
image: { name: acme/web, delivery: build }
targets:
  local: { hosts: [local], dir: ./.gangway/local }
  prod: { hosts: [deploy@example.com], dir: /srv/shop }
`,
    join(dir, 'gangway.yml'),
  );
  assert.deepEqual(await buildSource(config, 'acme/web:v1'), {
    context: join(dir, 'web'),
    exclude: [join(dir, 'secrets/prod.env'), join(dir, '.gangway/local/.env')],
  });
});
