import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fingerprintOf, keyTypeOf, verifyHostKey } from '../../../src/hosts/ssh/host-key.js';
import { parseKnownHosts } from '../../../src/hosts/ssh/known-hosts.js';

// Two syntactically valid ed25519 public key blobs (type string + 32-byte key).
function blob(fill: number): Buffer {
  const type = Buffer.from('ssh-ed25519');
  const key = Buffer.alloc(32, fill);
  const out = Buffer.alloc(4 + type.length + 4 + key.length);
  out.writeUInt32BE(type.length, 0);
  type.copy(out, 4);
  out.writeUInt32BE(key.length, 4 + type.length);
  key.copy(out, 8 + type.length);
  return out;
}
const A = blob(1);
const B = blob(2);
const line = (host: string, key: Buffer, marker = '') => `${marker}${host} ssh-ed25519 ${key.toString('base64')}`;
const known = (...lines: string[]) => parseKnownHosts(lines.join('\n')).entries;

test('fingerprint and key type are read the way ssh-keygen -l shows them', () => {
  assert.equal(keyTypeOf(A), 'ssh-ed25519');
  assert.match(fingerprintOf(A), /^SHA256:[A-Za-z0-9+/]{43}$/);
  assert.notEqual(fingerprintOf(A), fingerprintOf(B));
});

test('a key in known_hosts is trusted; another key for the same host is a change', () => {
  const entries = known(line('[h]:2222', A));
  assert.deepEqual(verifyHostKey(A, { name: '[h]:2222', pinned: [], knownHosts: entries }), {
    status: 'trusted',
    by: 'known_hosts line 1',
  });
  const changed = verifyHostKey(B, { name: '[h]:2222', pinned: [], knownHosts: entries });
  assert.equal(changed.status, 'changed');
});

test('a host with no entry is unknown (the key of another host does not count)', () => {
  assert.deepEqual(verifyHostKey(A, { name: 'other', pinned: [], knownHosts: known(line('h', A)) }), {
    status: 'unknown',
  });
});

test('@revoked wins over everything, even a pinned fingerprint', () => {
  const entries = known(line('h', A), line('*', A, '@revoked '));
  assert.equal(verifyHostKey(A, { name: 'h', pinned: [fingerprintOf(A)], knownHosts: entries }).status, 'revoked');
});

test('a pinned fingerprint decides alone: match trusted, mismatch changed', () => {
  assert.deepEqual(verifyHostKey(A, { name: 'h', pinned: [fingerprintOf(A)], knownHosts: [] }), {
    status: 'trusted',
    by: 'pinned fingerprint',
  });
  assert.equal(
    verifyHostKey(B, { name: 'h', pinned: [fingerprintOf(A)], knownHosts: known(line('h', B)) }).status,
    'changed',
  );
});

test('@cert-authority lines do not make a plain key trusted', () => {
  assert.equal(
    verifyHostKey(A, { name: 'h', pinned: [], knownHosts: known(line('h', A, '@cert-authority ')) }).status,
    'unknown',
  );
});

test('a pinned fingerprint written with its base64 padding (SHA256:…=) matches', () => {
  const padded = `${fingerprintOf(A)}=`;
  const verdict = verifyHostKey(A, { name: 'h', pinned: [padded], knownHosts: [] });
  assert.deepEqual(verdict, { status: 'trusted', by: 'pinned fingerprint' });
  assert.equal(verifyHostKey(B, { name: 'h', pinned: [padded], knownHosts: [] }).status, 'changed');
});
