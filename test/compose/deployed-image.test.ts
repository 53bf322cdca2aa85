import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  deployedImage,
  latestImages,
  servicesTakingTheTag,
  splitImageReference,
} from '../../src/compose/deployed-image.js';
import { composeServices } from '../../src/compose/services.js';
import { composeText } from './helpers.js';

const services = (text: string) => composeServices([composeText(text)]);
const none = () => undefined;

test('an image reference splits at the tag colon: not a registry port, not a colon inside ${…}', () => {
  assert.deepEqual(splitImageReference('ghcr.io/acme/shop:${IMAGE_TAG:?tag needed}'), {
    name: 'ghcr.io/acme/shop',
    tag: '${IMAGE_TAG:?tag needed}',
  });
  assert.deepEqual(splitImageReference('registry.local:5000/shop'), { name: 'registry.local:5000/shop' });
  assert.deepEqual(splitImageReference('registry.local:5000/shop:v1'), { name: 'registry.local:5000/shop', tag: 'v1' });
  assert.deepEqual(splitImageReference('redis@sha256:abc'), { name: 'redis' });
  assert.deepEqual(splitImageReference('${REGISTRY:-ghcr.io}/shop'), { name: '${REGISTRY:-ghcr.io}/shop' });
});

test('the deployed image is the one tagged ${IMAGE_TAG}, before a service that only builds', () => {
  const s = services(`services:
  worker: { image: acme/worker:v1, build: ./worker }
  web: { image: "ghcr.io/acme/shop:\${IMAGE_TAG:-dev}" }
`);
  assert.deepEqual(deployedImage(s), { service: 'web', name: 'ghcr.io/acme/shop', usesTag: true });
});

test('without ${IMAGE_TAG}, a service with build: names the image; names with variables are never offered', () => {
  assert.deepEqual(deployedImage(services('services:\n  app: { image: acme/app:v2, build: . }\n')), {
    service: 'app',
    name: 'acme/app',
    usesTag: false,
  });
  assert.equal(
    deployedImage(services('services:\n  app: { image: "${REG}/app:${IMAGE_TAG}", build: . }\n')),
    undefined,
  );
  assert.equal(deployedImage(services('services:\n  db: { image: postgres:16 }\n')), undefined);
});

test('check finds the services that take the tag gangway sets, with variables from the env file', () => {
  const s = services(`services:
  web: { image: "\${REGISTRY}/shop:\${IMAGE_TAG:?}" }
  db: { image: postgres:16 }
`);
  const env = (name: string) => (name === 'REGISTRY' ? 'ghcr.io/acme' : undefined);
  assert.deepEqual(servicesTakingTheTag(s, 'ghcr.io/acme/shop', env), ['web']);
  assert.deepEqual(servicesTakingTheTag(s, 'ghcr.io/acme/other', env), []);
  const fixed = services('services:\n  web: { image: ghcr.io/acme/shop:v1 }\n');
  assert.deepEqual(servicesTakingTheTag(fixed, 'ghcr.io/acme/shop', none), [], 'a fixed tag does not take the tag');
});

test(':latest and untagged images are found; tagged and digest-pinned ones are not', () => {
  const s = services(`services:
  a: { image: redis }
  b: { image: "nginx:latest" }
  c: { image: "postgres:16" }
  d: { image: "caddy@sha256:0123" }
  e: { image: "acme/app:\${IMAGE_TAG}" }
`);
  assert.deepEqual(
    latestImages(s, (n) => (n === 'IMAGE_TAG' ? 'v3' : undefined)),
    [
      { service: 'a', image: 'redis' },
      { service: 'b', image: 'nginx:latest' },
    ],
  );
});
