/**
 * The server's families: metrics.sh fills the template rendered by formatExposition, so what it writes is what
 * the TypeScript writer writes for the same samples, byte for byte (read back, written again: no change).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatExposition, parseExposition } from '../../src/metrics/exposition.js';
import { metricsFamiliesTemplate, SERVER_FAMILIES } from '../../src/metrics/server-families.js';
import { serverScript } from '../../src/server/scripts.js';
import { HOSTILE } from '../helpers/hostile.js';
import { tempDir } from '../helpers/testenv.js';

function metricsOf(app: string, value: string, awkPath: string): string {
  const dir = tempDir('gangway-families-');
  mkdirSync(join(dir, '.gangway'));
  mkdirSync(join(dir, 'rel'));
  const finished = '2026-11-22T18:00:09Z';
  const releases = [
    { id: 'r0', tag: value, operation: 'deploy', status: 'succeeded', outcome: 'succeeded', finished, duration_s: 9 },
    { id: 'r1', tag: 'v1', operation: value, status: value, outcome: 'rolled_back', finished, duration_s: 3 },
  ];
  const backups = [
    { op: 'backup', name: value, outcome: 'succeeded', finished, size: 12345 },
    { op: 'verify', name: value, outcome: 'failed', finished },
  ];
  const jsonl = (rows: object[]) => rows.map((r) => `${JSON.stringify(r)}\n`).join('');
  writeFileSync(join(dir, '.gangway', 'releases.jsonl'), jsonl(releases));
  writeFileSync(join(dir, '.gangway', 'backups.jsonl'), jsonl(backups));
  writeFileSync(join(dir, '.gangway', 'current'), 'r0\n');
  writeFileSync(join(dir, 'metrics.sh'), serverScript('metrics.sh'));
  writeFileSync(join(dir, 'layout.sh'), serverScript('layout.sh'));
  const script = '. ./layout.sh; layout "$DIR"; . ./metrics.sh; metrics_step "compose up" ok; metrics_apply_done';
  const r = spawnSync('sh', ['-c', script], {
    cwd: dir,
    encoding: 'utf8',
    env: {
      PATH: awkPath,
      DIR: dir,
      APP: app,
      METRICS: '1',
      REL: join(dir, 'rel'),
      ID: 'r0',
      BYTES_SENT: '77',
      METRICS_FAMILIES: metricsFamiliesTemplate(),
    },
  });
  assert.equal(r.status, 0, r.stderr);
  return readFileSync(join(dir, '.gangway', 'metrics.prom'), 'utf8');
}

function awks(): string[] {
  const paths = [process.env.PATH ?? ''];
  if (existsSync('/bin/busybox')) {
    const bin = tempDir('gangway-awk-');
    symlinkSync('/bin/busybox', join(bin, 'awk'));
    paths.push(`${bin}:${process.env.PATH}`);
  }
  return paths;
}

test('metrics.sh writes what formatExposition writes for the same samples, hostile values included', () => {
  for (const path of awks())
    // A CR stays raw in the text format (only \\, " and \n are escaped); no app name or value holds one.
    for (const value of HOSTILE.filter((v) => v !== '' && !v.includes('\r'))) {
      const text = metricsOf(`app ${value}`, value, path);
      const { families, skipped } = parseExposition(text);
      assert.equal(skipped, 0, text);
      assert.equal(formatExposition(families), text, JSON.stringify(value));
      assert.ok(families.length >= 12, text);
      assert.ok(families.every((f) => f.samples.every((s) => s.labels[0]?.[1] === `app ${value}`)));
    }
});

test("each family's name, type, help and labels are the table's (server-families.ts)", () => {
  const text = metricsOf('shop', 'v1', process.env.PATH ?? '');
  for (const f of parseExposition(text).families) {
    const want = SERVER_FAMILIES.find((w) => w.name === f.name);
    assert.ok(want, f.name);
    assert.deepEqual([f.type, f.help], [want.type, want.help]);
    for (const s of f.samples)
      assert.deepEqual(
        s.labels.map(([k]) => k),
        ['app', ...want.labels],
        f.name,
      );
  }
});

test('the template: HELP, TYPE and one sample line per family, its slots where awk fills them', () => {
  const lines = metricsFamiliesTemplate().trimEnd().split('\n');
  assert.equal(lines.length, SERVER_FAMILIES.length * 3);
  assert.equal(lines[0], `# HELP gangway_deploys_total ${SERVER_FAMILIES[0]!.help}`);
  assert.equal(lines[1], '# TYPE gangway_deploys_total counter');
  assert.equal(
    lines[2],
    'gangway_deploys_total{app="\u001fapp\u001f",operation="\u001fa\u001f",status="\u001fb\u001f"} \u001ev\u001e',
  );
});
