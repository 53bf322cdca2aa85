import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { colourAlias, colourOverride } from '../../src/proxy/colour-override.js';
import { composeText } from '../compose/helpers.js';

test("every network and volume becomes the app project's own (external), the service joins the proxy's network", () => {
  const base = composeText(
    [
      'services:',
      '  web: { image: app }',
      'networks:',
      '  back: {}',
      '  shared: { external: true }',
      'volumes:',
      '  uploads: {}',
      '  named: { name: fixed-name }',
    ].join('\n'),
  );
  const override = parse(colourOverride([base], 'shop', 'web')) as Record<string, Record<string, unknown>>;
  assert.deepEqual(override.networks, {
    default: { name: 'shop_default', external: true },
    back: { name: 'shop_back', external: true },
    shared: { name: 'shared', external: true },
    'gangway-proxy': { name: 'gangway-proxy', external: true },
  });
  assert.deepEqual(override.volumes, {
    uploads: { name: 'shop_uploads', external: true },
    named: { name: 'fixed-name', external: true },
  });
  // Without networks of its own the service stays on default as well.
  assert.deepEqual(override.services, {
    web: { networks: { default: {}, 'gangway-proxy': { aliases: ['gangway-shop-${GANGWAY_COLOUR:?}'] } } },
  });
});

test('a service with networks of its own keeps them (compose merges the override into them)', () => {
  const base = composeText('services:\n  web: { image: app, networks: [front] }\nnetworks: { front: {} }\n');
  const override = parse(colourOverride([base], 'shop', 'web')) as { services: { web: { networks: object } } };
  assert.deepEqual(Object.keys(override.services.web.networks), ['gangway-proxy']);
  assert.equal(colourAlias('shop', 'blue'), 'gangway-shop-blue');
});
