/**
 * `backups[].copy_to` made concrete, on its own (the loader's located errors: backup-files-schema.test.ts): the
 * host and dir of an sftp copy, the bucket and prefix of an S3 one, and a label that names each copy once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ParsedCopyTo } from '../../src/config/backup-files-schema.js';
import { resolveCopyTo } from '../../src/config/copy-to.js';

function resolve(c: ParsedCopyTo) {
  const reports: string[] = [];
  const value = resolveCopyTo(c, (key, message) => reports.push(`${key ?? '(copy_to)'}: ${message}`));
  return { value, reports };
}

test('sftp: user, host, port and dir; trailing slashes go, the root stays /', () => {
  const { value, reports } = resolve({ sftp: 'backup@dr.example.com:2222:/srv/backups/app//' });
  assert.deepEqual(reports, []);
  assert.deepEqual(value, {
    kind: 'sftp',
    label: 'sftp://backup@dr.example.com:2222/srv/backups/app',
    host: { kind: 'ssh', label: 'backup@dr.example.com:2222', host: 'dr.example.com', user: 'backup', port: 2222 },
    dir: '/srv/backups/app',
  });
  assert.equal(resolve({ sftp: 'u@h:/' }).value?.label, 'sftp://u@h/');
  assert.equal(resolve({ sftp: 'u@h://' }).value?.label, 'sftp://u@h/');
  const fp = `SHA256:${'A'.repeat(43)}`;
  const pinned = resolve({ sftp: 'u@h:/x', fingerprint: fp }).value;
  assert.ok(pinned?.kind === 'sftp');
  assert.equal(pinned.fingerprint, fp);
});

test('sftp: the dir is everything after the first ":/" (a colon later in it is part of the dir)', () => {
  const { value } = resolve({ sftp: 'u@h:/a:/b' });
  assert.ok(value?.kind === 'sftp');
  assert.equal(value.dir, '/a:/b');
  assert.equal(value.host.label, 'u@h');
});

test('sftp: an IPv6 host is bracketed in the label, so its port cannot read as part of the address', () => {
  const withPort = resolve({ sftp: 'u@[2001:db8::1]:2222:/srv/b' }).value;
  const otherHost = resolve({ sftp: 'u@[2001:db8::1:2222]:/srv/b' }).value;
  assert.equal(withPort?.label, 'sftp://u@[2001:db8::1]:2222/srv/b');
  assert.equal(otherHost?.label, 'sftp://u@[2001:db8::1:2222]/srv/b');
  assert.ok(withPort?.kind === 'sftp' && withPort.host.kind === 'ssh');
  assert.equal(withPort.host.host, '2001:db8::1');
});

test('sftp: a bad port or host, or no user, is reported at the sftp key', () => {
  assert.deepEqual(resolve({ sftp: 'u@h:99999:/a' }), {
    value: undefined,
    reports: ['sftp: port "99999" must be a number from 1 to 65535'],
  });
  assert.deepEqual(resolve({ sftp: 'u@bad_host!:/a' }).reports, ['sftp: "bad_host!" is not a valid host name']);
  assert.deepEqual(resolve({ sftp: 'local:/a' }).reports, ['sftp: must name the user: user@host:/dir']);
});

test('s3: bucket, prefix without edge slashes, the endpoint host in the label, the key variables by name', () => {
  const c: ParsedCopyTo = {
    s3: {
      bucket: 'acme',
      prefix: '//shop/uploads//',
      endpoint: 'https://s3.example.net:9000/base',
      region: 'eu-1',
      access_key_env: 'A',
      secret_key_env: 'S',
    },
  };
  assert.deepEqual(resolve(c), {
    value: {
      kind: 's3',
      label: 's3://s3.example.net:9000/acme/shop/uploads',
      bucket: 'acme',
      prefix: 'shop/uploads',
      endpoint: 'https://s3.example.net:9000/base',
      region: 'eu-1',
      accessKeyEnv: 'A',
      secretKeyEnv: 'S',
    },
    reports: [],
  });
  const aws = resolve({ s3: { bucket: 'b-1', prefix: '/', access_key_env: 'A', secret_key_env: 'S' } }).value;
  assert.deepEqual(aws, {
    kind: 's3',
    label: 's3://b-1',
    bucket: 'b-1',
    prefix: '',
    accessKeyEnv: 'A',
    secretKeyEnv: 'S',
  });
});

test('both, neither, or a fingerprint for S3: reported, and the fingerprint alone does not stop the copy', () => {
  const s3 = { bucket: 'b-1', access_key_env: 'A', secret_key_env: 'S' };
  assert.deepEqual(resolve({ sftp: 'u@h:/x', s3 }), {
    value: undefined,
    reports: ['(copy_to): names both sftp and s3: one copy per backup (keep one of the two)'],
  });
  assert.deepEqual(resolve({}).reports, [
    '(copy_to): needs sftp (user@host:/dir) or s3 ({ bucket, access_key_env, secret_key_env })',
  ]);
  const withFp = resolve({ s3, fingerprint: `SHA256:${'A'.repeat(43)}` });
  assert.deepEqual(withFp.reports, ['fingerprint: is for copy_to.sftp (an S3 copy is reached over HTTPS)']);
  assert.equal(withFp.value?.label, 's3://b-1');
});
