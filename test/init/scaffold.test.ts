import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gangwayYaml, schemaRef } from '../../src/init/scaffold.js';

test("$schema points into the project's own node_modules, relative to gangway.yml", () => {
  assert.equal(schemaRef('/repo', '/repo', '1.2.3'), './node_modules/gangway-deploy/schema/gangway.schema.json');
  const nested = schemaRef('/repo/deploy/prod', '/repo', '1.2.3');
  assert.equal(nested, '../../node_modules/gangway-deploy/schema/gangway.schema.json');
});

test('$schema falls back to the published schema of this version, never a path on this machine', () => {
  const published = 'https://unpkg.com/gangway-deploy@1.2.3/schema/gangway.schema.json';
  assert.equal(schemaRef('/repo', undefined, '1.2.3'), published);
});

test('the $schema reference is the first line of gangway.yml', () => {
  const ref = './node_modules/gangway-deploy/schema/gangway.schema.json';
  const yml = gangwayYaml({ app: 'shop', composeFile: 'compose.yaml', schemaRef: ref });
  assert.equal(yml.split('\n')[0], `# yaml-language-server: $schema=${ref}`);
});

test('gangway.yml takes image.name, its delivery and the health-gated services from the compose file', () => {
  const yml = gangwayYaml({
    app: 'shop',
    composeFile: 'compose.yaml',
    schemaRef: 'x',
    image: { name: 'acme/shop', service: 'web', delivery: 'archive' },
    healthServices: ['web', 'db'],
  });
  assert.match(yml, /^ {2}name: acme\/shop +# service web's image$/m);
  assert.match(yml, /^ {2}delivery: archive +#/m);
  assert.match(yml, /^ {2}services: \[web, db\] +# they have a healthcheck in the compose file$/m);
});

test('without an image in the compose file, gangway.yml says how to write one', () => {
  const yml = gangwayYaml({ app: 'shop', composeFile: 'compose.yaml', schemaRef: 'x' });
  assert.match(yml, /^ {2}name: shop +# write the compose file's image as shop:\$\{IMAGE_TAG:\?\}$/m);
  assert.match(yml, /^ {2}services: \[\] +#/m);
});

test('a service with build: gets image.build, so gangway builds it for the servers', () => {
  const yaml = gangwayYaml({
    app: 'shop',
    composeFile: 'compose.yaml',
    schemaRef: './s.json',
    image: { name: 'shop/web', service: 'web', delivery: 'archive', build: true },
  });
  assert.match(yaml, /^ {2}build: \{\} +# built here for the servers' platform from service web's build:$/m);
  assert.doesNotMatch(gangwayYaml({ app: 'shop', composeFile: 'c.yaml', schemaRef: './s.json' }), /build:/);
});
