import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  appendKnownHostsLine,
  entriesFor,
  hashHostName,
  hostFieldMatches,
  knownHostsName,
  parseKnownHosts,
} from '../../../src/hosts/ssh/known-hosts.js';

const KEY_A = 'AAAAC3NzaC1lZDI1NTE5AAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const KEY_B = 'AAAAC3NzaC1lZDI1NTE5AAAAIBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB';

test('lookup names follow OpenSSH: bare on port 22, [host]:port otherwise', () => {
  assert.equal(knownHostsName('example.com', 22), 'example.com');
  assert.equal(knownHostsName('10.0.0.1', 2222), '[10.0.0.1]:2222');
});

test('parses plain, bracketed, marked and commented lines; reports broken ones', () => {
  const { entries, invalidLines } = parseKnownHosts(
    [
      '# comment',
      '',
      `web1,10.0.0.1 ssh-ed25519 ${KEY_A} root@web1`,
      `[10.0.0.1]:2222 ssh-ed25519 ${KEY_B}`,
      `@revoked * ssh-ed25519 ${KEY_B}`,
      `@cert-authority *.example.com ssh-ed25519 ${KEY_A}`,
      '@bogus host ssh-ed25519 AAAA',
      'only-two-fields ssh-ed25519',
      `crlf-host ssh-ed25519 ${KEY_A}\r`,
    ].join('\n'),
  );
  assert.deepEqual(
    entries.map((e) => [e.line, e.marker ?? '', e.hosts, e.keyType]),
    [
      [3, '', 'web1,10.0.0.1', 'ssh-ed25519'],
      [4, '', '[10.0.0.1]:2222', 'ssh-ed25519'],
      [5, 'revoked', '*', 'ssh-ed25519'],
      [6, 'cert-authority', '*.example.com', 'ssh-ed25519'],
      [9, '', 'crlf-host', 'ssh-ed25519'],
    ],
  );
  assert.deepEqual(entries[0]!.key, Buffer.from(KEY_A, 'base64'));
  assert.deepEqual(invalidLines, [7, 8]);
});

test('patterns: lists, wildcards, negation, case-insensitive names, ports kept apart', () => {
  assert.ok(hostFieldMatches('web1,10.0.0.1', '10.0.0.1'));
  assert.ok(hostFieldMatches('*.example.com', 'API.example.com'));
  assert.ok(hostFieldMatches('web?', 'web7'));
  assert.ok(!hostFieldMatches('web?', 'web10'));
  assert.ok(!hostFieldMatches('*.example.com,!bad.example.com', 'bad.example.com'));
  assert.ok(hostFieldMatches('*.example.com,!bad.example.com', 'good.example.com'));
  assert.ok(!hostFieldMatches('10.0.0.1', '[10.0.0.1]:2222'));
  assert.ok(hostFieldMatches('[10.0.0.1]:2222', '[10.0.0.1]:2222'));
  assert.ok(!hostFieldMatches('a.b', 'aXb'), 'dots are literal');
});

test('hashed entries match only their host (HMAC-SHA1 with the stored salt)', () => {
  const hashed = hashHostName('[127.0.0.1]:2222', randomBytes(20));
  assert.ok(hostFieldMatches(hashed, '[127.0.0.1]:2222'));
  assert.ok(!hostFieldMatches(hashed, '127.0.0.1'));
  assert.ok(!hostFieldMatches('|1|broken', '127.0.0.1'));
  const { entries } = parseKnownHosts(`${hashed} ssh-ed25519 ${KEY_A}\nother ssh-ed25519 ${KEY_B}\n`);
  assert.deepEqual(
    entriesFor(entries, '[127.0.0.1]:2222').map((e) => e.line),
    [1],
  );
});

test('hashed entries match the host name in any case (OpenSSH hashes it lowercased)', () => {
  const hashed = hashHostName('web1.example.com', randomBytes(20));
  assert.ok(hostFieldMatches(hashed, 'Web1.Example.COM'));
  assert.ok(hostFieldMatches(hashHostName('[db.example.com]:2222', randomBytes(20)), '[DB.example.com]:2222'));
});

test('appending to a known_hosts without a final newline ends that line first', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'gangway-kh-')), 'known_hosts');
  writeFileSync(file, `old ssh-ed25519 ${KEY_A}`);
  await appendKnownHostsLine(file, `new ssh-ed25519 ${KEY_B}`);
  assert.equal(readFileSync(file, 'utf8'), `old ssh-ed25519 ${KEY_A}\nnew ssh-ed25519 ${KEY_B}\n`);
  await appendKnownHostsLine(file, `third ssh-ed25519 ${KEY_A}`);
  const { entries, invalidLines } = parseKnownHosts(readFileSync(file, 'utf8'));
  assert.deepEqual([entries.map((e) => e.hosts), invalidLines], [['old', 'new', 'third'], []]);
});

test('appending creates known_hosts (and its directory) when missing', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'gangway-kh-')), 'ssh', 'known_hosts');
  await appendKnownHostsLine(file, `new ssh-ed25519 ${KEY_B}`);
  assert.equal(readFileSync(file, 'utf8'), `new ssh-ed25519 ${KEY_B}\n`);
});
