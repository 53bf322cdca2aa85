import assert from 'node:assert/strict';
import { test } from 'node:test';
import { composeConfigItem } from '../../src/check/compose-config.js';
import type { ComposeCli } from '../../src/docker/compose-cli.js';

const v2: ComposeCli = { flavour: 'v2', version: '2.29.1', argv: ['docker', 'compose'] };

test("a failed compose config shows Compose's cause, not the warnings printed before it", () => {
  const stderr =
    'time="2026-12-07T03:00:00Z" level=warning msg="/tmp/x/docker-compose.yml: the attribute `version` is ' +
    'obsolete, it will be ignored"\nservice "web" refers to undefined volume data: invalid compose project\n';
  const item = composeConfigItem('compose config', v2, 15, stderr);
  assert.equal(item.status, 'fail');
  assert.equal(item.detail, 'service "web" refers to undefined volume data: invalid compose project');
});

test('only warnings on stderr: the last of them; nothing at all: the exit code', () => {
  const item = composeConfigItem('compose config', v2, 1, 'WARNING: a\nWARNING: b\n');
  assert.equal(item.detail, 'WARNING: b');
  assert.equal(composeConfigItem('compose config', v2, 1, '').detail, 'exit 1');
  assert.equal(composeConfigItem('compose config', v2, 0, 'level=warning msg=x').status, 'ok');
});
