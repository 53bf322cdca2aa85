/** Host key identity and the verification policy: pinned fingerprints, then known_hosts. */
import { createHash } from 'node:crypto';
import { entriesFor, type KnownHostEntry } from './known-hosts.js';

/** OpenSSH's `SHA256:…` fingerprint of a public key blob (base64 without padding). */
export function fingerprintOf(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside an SSH public key blob (its first length-prefixed string). */
export function keyTypeOf(key: Buffer): string {
  if (key.length < 4) return 'unknown';
  const length = key.readUInt32BE(0);
  return key.subarray(4, 4 + length).toString('ascii');
}

export type HostKeyVerdict =
  | { status: 'trusted'; by: 'pinned fingerprint' | `known_hosts line ${number}` }
  | { status: 'unknown' }
  | { status: 'changed'; reason: string }
  | { status: 'revoked'; reason: string };

export interface HostKeyPolicy {
  /** known_hosts lookup name: `host` or `[host]:port`. */
  name: string;
  pinned: readonly string[];
  knownHosts: readonly KnownHostEntry[];
}

export function verifyHostKey(key: Buffer, policy: HostKeyPolicy): HostKeyVerdict {
  const matching = entriesFor(policy.knownHosts, policy.name);
  const revoked = matching.find((e) => e.marker === 'revoked' && e.key.equals(key));
  if (revoked) return { status: 'revoked', reason: `marked @revoked in known_hosts line ${revoked.line}` };
  if (policy.pinned.length > 0) {
    return policy.pinned.some((pin) => samePin(pin, fingerprintOf(key)))
      ? { status: 'trusted', by: 'pinned fingerprint' }
      : { status: 'changed', reason: `does not match the pinned fingerprint ${policy.pinned.join(', ')}` };
  }
  const plain = matching.filter((e) => e.marker === undefined);
  const same = plain.find((e) => e.key.equals(key));
  if (same) return { status: 'trusted', by: `known_hosts line ${same.line}` };
  if (plain.length > 0) return { status: 'changed', reason: `known_hosts line ${plain[0]!.line} has a different key` };
  return { status: 'unknown' };
}

/** A pin copied with the base64 padding some ssh-keygen output shows (`SHA256:…=`) is the same fingerprint. */
function samePin(pin: string, fingerprint: string): boolean {
  return pin.replace(/=+$/, '') === fingerprint;
}

/** ssh2 host-key algorithm names for a known_hosts key type, to ask the server for keys we can check. */
export function algorithmsForKeyType(keyType: string): string[] {
  return keyType === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [keyType];
}
