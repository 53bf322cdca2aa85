/**
 * metrics.sh under the local sh, on state files as apply.sh and backup.sh write them: the exposition it writes
 * (read back with the exposition parser), under this machine's awk and busybox's (the awk of small servers).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseExposition } from '../../src/metrics/exposition.js';
import { metricsFamiliesTemplate } from '../../src/metrics/server-families.js';
import { serverScript } from '../../src/server/scripts.js';
import { tempDir } from '../helpers/testenv.js';

const RELEASES = [
  // A compose file named "status" in the static part must not be taken for the record's status.
  '{"id":"r0","tag":"v0","operation":"deploy","sha256":{"compose":{"status":"x"}},"status":"succeeded",' +
    '"outcome":"succeeded","started":"2026-11-22T18:00:00Z","finished":"2026-11-22T18:00:09Z","duration_s":9}',
  '{"id":"r1","tag":"v1","operation":"deploy","status":"rolled_back","outcome":"rolled_back",' +
    '"finished":"2026-11-22T18:10:39Z","duration_s":39,"failing_step":"health web",' +
    '"reason":"a \\"status\\":\\"zzz\\""}',
  '{"id":"r2","tag":"v0","operation":"rollback","status":"rollback","outcome":"succeeded",' +
    '"finished":"2026-02-28T23:59:59Z","duration_s":5}',
].join('\n');
const BACKUPS = [
  '{"op":"backup","name":"db","outcome":"succeeded","finished":"2026-11-22T18:20:03Z","file":"db-1.dump",' +
    '"size":12345}',
  '{"op":"backup","name":"db","outcome":"failed","finished":"2026-11-22T18:30:03Z","reason":"pg_dump failed"}',
  '{"op":"verify","name":"db","outcome":"succeeded","finished":"2026-11-22T18:21:03Z"}',
].join('\n');

/** PATH dirs whose `awk` differs: this machine's, and busybox's when it is installed. */
function awks(): { name: string; path: string }[] {
  const list = [{ name: 'system awk', path: process.env.PATH ?? '' }];
  if (existsSync('/bin/busybox')) {
    const bin = tempDir('gangway-awk-');
    symlinkSync('/bin/busybox', join(bin, 'awk'));
    list.push({ name: 'busybox awk', path: `${bin}:${process.env.PATH}` });
  }
  return list;
}

function run(dir: string, script: string, path: string) {
  const lib = join(dir, 'metrics.sh');
  writeFileSync(lib, serverScript('metrics.sh'));
  writeFileSync(join(dir, 'layout.sh'), serverScript('layout.sh'));
  // As apply.sh and backup.sh source it: after layout.sh, with the layout of DIR set.
  const r = spawnSync('sh', ['-c', `. '${join(dir, 'layout.sh')}'; layout "$DIR"; . '${lib}'\n${script}`], {
    encoding: 'utf8',
    env: {
      PATH: path,
      DIR: dir,
      APP: 'obs"app',
      METRICS: '1',
      METRICS_FAMILIES: metricsFamiliesTemplate(),
      REL: join(dir, 'rel'),
      ID: 'r1',
      BYTES_SENT: '4096',
    },
  });
  assert.equal(r.status, 0, r.stderr);
  return r;
}

const sample = (text: string, name: string, ...labels: string[]) =>
  parseExposition(text)
    .families.find((f) => f.name === name)
    ?.samples.find((s) => labels.every((l) => s.labels.some(([k, v]) => `${k}=${v}` === l)))?.value;

for (const awk of awks()) {
  test(`an apply's metrics: counters, last run, steps by phase, backups (${awk.name})`, () => {
    const dir = tempDir('gangway-metrics-');
    mkdirSync(join(dir, '.gangway'));
    mkdirSync(join(dir, 'rel'));
    writeFileSync(join(dir, '.gangway', 'releases.jsonl'), `${RELEASES}\n`);
    writeFileSync(join(dir, '.gangway', 'backups.jsonl'), `${BACKUPS}\n`);
    writeFileSync(join(dir, '.gangway', 'current'), 'r2\n');
    run(
      dir,
      'metrics_step "compose up" ok; metrics_step "http http://localhost/health" fail; metrics_phase restore\n' +
        'metrics_step "compose up" ok; metrics_step "health gate" ok; metrics_apply_done',
      awk.path,
    );
    const file = join(dir, '.gangway', 'metrics.prom');
    assert.equal(statSync(file).mode & 0o777, 0o644);
    const text = readFileSync(file, 'utf8');
    const { skipped, families } = parseExposition(text);
    assert.equal(skipped, 0, text);
    assert.equal(sample(text, 'gangway_deploys_total', 'app=obs"app', 'status=succeeded'), 1);
    assert.equal(sample(text, 'gangway_deploys_total', 'status=rolled_back'), 1);
    assert.equal(sample(text, 'gangway_deploys_total', 'operation=rollback', 'status=rollback'), 1);
    assert.equal(sample(text, 'gangway_rollbacks_total', 'kind=automatic'), 1);
    assert.equal(sample(text, 'gangway_rollbacks_total', 'kind=manual'), 1);
    assert.equal(sample(text, 'gangway_last_deploy_success'), 1);
    assert.equal(sample(text, 'gangway_last_deploy_timestamp_seconds'), Date.UTC(2026, 1, 28, 23, 59, 59) / 1000);
    assert.equal(sample(text, 'gangway_last_good_timestamp_seconds'), Date.UTC(2026, 1, 28, 23, 59, 59) / 1000);
    assert.equal(sample(text, 'gangway_release_info', 'release=r2', 'tag=v0'), 1);
    assert.equal(sample(text, 'gangway_last_deploy_delivered_bytes'), 4096);
    // The failed http check counts as the gate; a URL never becomes a label value.
    assert.notEqual(
      sample(text, 'gangway_last_deploy_step_duration_seconds', 'phase=deploy', 'step=health gate'),
      undefined,
    );
    assert.notEqual(
      sample(text, 'gangway_last_deploy_step_duration_seconds', 'phase=restore', 'step=compose up'),
      undefined,
    );
    assert.doesNotMatch(text, /localhost/);
    assert.equal(sample(text, 'gangway_backups_total', 'backup=db', 'outcome=failed'), 1);
    assert.equal(sample(text, 'gangway_backup_last_size_bytes', 'backup=db'), 12345);
    assert.equal(sample(text, 'gangway_backup_last_verify_success', 'backup=db'), 1);
    // The newest run failed (a succeeded one came before): the backup alert's gauge is 0.
    assert.equal(sample(text, 'gangway_backup_last_success', 'backup=db'), 0);
    // node_exporter (another user) reads the copy: .gangway itself stays the deploy user's.
    const copy = join(dir, '.gangway-metrics', 'metrics.prom');
    assert.equal(readFileSync(copy, 'utf8'), text);
    assert.equal(statSync(copy).mode & 0o777, 0o644);
    assert.equal(statSync(join(dir, '.gangway-metrics')).mode & 0o777, 0o755);
    for (const f of families) assert.ok(f.samples.length > 0 && f.help, f.name);
  });

  test(`a first backup on a host with no deploy yet; METRICS=0 writes nothing (${awk.name})`, () => {
    const dir = tempDir('gangway-metrics-');
    mkdirSync(join(dir, '.gangway'));
    writeFileSync(join(dir, '.gangway', 'backups.jsonl'), `${BACKUPS.split('\n')[0]}\n`);
    run(dir, 'metrics_write', awk.path);
    const text = readFileSync(join(dir, '.gangway', 'metrics.prom'), 'utf8');
    assert.deepEqual(
      parseExposition(text).families.map((f) => f.name),
      [
        'gangway_backups_total',
        'gangway_backup_last_success',
        'gangway_backup_last_success_timestamp_seconds',
        'gangway_backup_last_size_bytes',
      ],
    );
    const off = tempDir('gangway-metrics-');
    mkdirSync(join(off, '.gangway'));
    run(off, 'METRICS=0; metrics_write', awk.path);
    assert.equal(existsSync(join(off, '.gangway', 'metrics.prom')), false);
  });
}
