/** drift.sh's facts, one tab-separated line each, as data; what a newer script adds is ignored. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDriftFacts } from '../../src/drift/facts.js';

test('each kind of line: the release in place, files, env, modes, dirs, containers, expected hashes', () => {
  const facts = parseDriftFacts(
    [
      'current\t20261120-000000-0001\tv2',
      'file\tdocker-compose.yml\tsame',
      'file\tdocker-compose.prod.yml\tchanged',
      'env\tchanged',
      'mode\t/srv/shop/.env\t644',
      'dir\tdata',
      'container\tshop-web-1\tweb\tFalse\tabc123\tghcr.io/acme/shop:v2\tUp 2 hours\t(healthy)',
      'expect\tweb\tabc123',
      'a-newer-fact\twhatever',
      '',
    ].join('\n'),
  );
  assert.deepEqual(facts.current, { id: '20261120-000000-0001', tag: 'v2' });
  assert.deepEqual(facts.files, [
    { name: 'docker-compose.yml', state: 'same' },
    { name: 'docker-compose.prod.yml', state: 'changed' },
  ]);
  assert.equal(facts.env, 'changed');
  assert.deepEqual(facts.modes, [{ path: '/srv/shop/.env', mode: '644' }]);
  assert.deepEqual(facts.missingDirs, ['data']);
  assert.deepEqual(facts.containers, [
    {
      name: 'shop-web-1',
      service: 'web',
      oneoff: 'False',
      hash: 'abc123',
      image: 'ghcr.io/acme/shop:v2',
      status: 'Up 2 hours\t(healthy)',
    },
  ]);
  assert.deepEqual([...facts.expected], [['web', 'abc123']]);
  assert.equal(facts.expectError, undefined);
});

test('nothing deployed (current -), values outside their set, and the expected hashes failing', () => {
  const facts = parseDriftFacts('current\t-\nfile\tx.yml\tweird\nenv\tmaybe\nexpect-error\tcompose config\tfailed\n');
  assert.equal(facts.current, undefined);
  assert.deepEqual(facts.files, []);
  assert.equal(facts.env, undefined);
  assert.equal(facts.expectError, 'compose config\tfailed');
});
