import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diskItems } from '../../src/check/disk-checks.js';
import { parseProbe, type HostFacts } from '../../src/check/host-probe.js';

const GiB = 1024 ** 3;
const df = (fs: string, mount: string, freeGiB: number, totalGiB = 100) =>
  `${fs} ${totalGiB * 1024 ** 2} 0 ${Math.round(freeGiB * 1024 ** 2)} 1% ${mount}`;

function facts(root: string, dir: string): HostFacts {
  const stdout = ['path /srv/app', 'dir creatable /srv', `df-dir ${dir}`, 'docker 0 24.0.7|/var/lib/docker'];
  stdout.push(`df-root ${root}`);
  return parseProbe(stdout.join('\n'), '', '/srv/app');
}
const images = { bytes: 2 * GiB, reason: 'default for an image pull or build' };

test('images are measured in the data root: a full data root fails even when the deploy dir has room', () => {
  const [img, dir] = diskItems(facts(df('/dev/sdb1', '/var/lib/docker', 1), df('/dev/sda1', '/', 90)), images);
  assert.equal(img!.status, 'fail');
  assert.equal(
    img!.detail,
    'Docker data root /var/lib/docker: 1.0 GiB free on /dev/sdb1 ' +
      '(mounted on /var/lib/docker); ' +
      'needs 2.0 GiB (default for an image pull or build)',
  );
  assert.equal(dir!.status, 'ok');
  assert.match(dir!.detail, /^deploy dir \/srv\/app: 90\.0 GiB free on \/dev\/sda1 \(mounted on \/\); needs 50\.0 MiB/);
});

test('the deploy dir needs only a release: a small filesystem there is fine, a nearly full one fails', () => {
  const roomy = diskItems(facts(df('/dev/sdb1', '/var/lib/docker', 50), df('/dev/sda1', '/srv', 0.5)), images);
  assert.deepEqual(
    roomy.map((i) => i.status),
    ['ok', 'warn'],
  ); // 0.5 of 100 GiB free: under 10 %
  const full = diskItems(facts(df('/dev/sdb1', '/var/lib/docker', 50), df('/dev/sda1', '/srv', 0.01, 1)), images);
  assert.equal(full[1]!.status, 'fail');
  assert.match(full[1]!.detail, /^deploy dir \/srv\/app: 10\.2 MiB free on \/dev\/sda1 \(mounted on \/srv\); needs 50/);
});

test('one filesystem for both (also through a bind mount): the images item needs both amounts', () => {
  const [img] = diskItems(facts(df('/dev/vda', '/var/lib/docker', 2.02), df('/dev/vda', '/', 2.02)), images);
  assert.equal(img!.status, 'fail');
  assert.match(img!.detail, /needs 2\.0 GiB \(default for an image pull or build, plus the release: same filesystem\)/);
  const [tmpfs] = diskItems(facts(df('tmpfs', '/var/lib/docker', 2.02, 4), df('tmpfs', '/tmp', 2.02, 4)), images);
  assert.equal(tmpfs!.status, 'ok', 'two tmpfs mounts are two filesystems');
});

test('no data root to measure: Docker failed, or the path is not on this host (Docker Desktop)', () => {
  const dirOnly = `path /srv/app\ndir writable\ndf-dir ${df('/dev/sda1', '/', 9, 10)}`;
  const noDocker = parseProbe(dirOnly, 'permission denied', '/srv/app');
  assert.deepEqual(
    diskItems(noDocker, images).map((i) => i.status),
    ['warn', 'ok'],
  );
  const desktop = parseProbe(`${dirOnly}\ndocker 0 27.0.1|/var/lib/docker`, '', '/srv/app');
  assert.match(diskItems(desktop, images)[0]!.detail, /not measured: \/var\/lib\/docker is not visible on this host/);
});
