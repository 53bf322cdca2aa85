/**
 * OpenSSH known_hosts: parsing and lookup. Hand-written because no maintained npm package parses this
 * format (hashed entries, markers, negated patterns, [host]:port) — see sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT".
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export type KnownHostMarker = 'revoked' | 'cert-authority';

export interface KnownHostEntry {
  /** 1-based line in the file, for messages. */
  line: number;
  marker?: KnownHostMarker;
  /** The host field as written (comma-separated patterns, or one `|1|salt|hash`). */
  hosts: string;
  keyType: string;
  /** The raw public key blob. */
  key: Buffer;
}

export interface KnownHostsParse {
  entries: KnownHostEntry[];
  /** Lines that could not be parsed (OpenSSH ignores them too); reported, never fatal. */
  invalidLines: number[];
}

export function parseKnownHosts(text: string): KnownHostsParse {
  const entries: KnownHostEntry[] = [];
  const invalidLines: number[] = [];
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    let marker: KnownHostMarker | undefined;
    if (fields[0]?.startsWith('@')) {
      const m = fields.shift()!.slice(1);
      if (m !== 'revoked' && m !== 'cert-authority') {
        invalidLines.push(index + 1);
        continue;
      }
      marker = m;
    }
    const [hosts, keyType, keyBase64] = fields;
    if (!hosts || !keyType || !keyBase64 || !/^[A-Za-z0-9+/]+=*$/.test(keyBase64)) {
      invalidLines.push(index + 1);
      continue;
    }
    entries.push({ line: index + 1, ...(marker && { marker }), hosts, keyType, key: Buffer.from(keyBase64, 'base64') });
  }
  return { entries, invalidLines };
}

/** The name OpenSSH looks a host up by: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** Does this entry's host field match the lookup name? Handles hashed entries, wildcards and negation. */
export function hostFieldMatches(hostsField: string, name: string): boolean {
  if (hostsField.startsWith('|1|')) return hashedMatches(hostsField, name);
  let matched = false;
  for (const pattern of hostsField.split(',')) {
    const negated = pattern.startsWith('!');
    if (globMatches(negated ? pattern.slice(1) : pattern, name)) {
      if (negated) return false; // a matching negation rejects the whole line
      matched = true;
    }
  }
  return matched;
}

/** OpenSSH lowercases the host name before hashing it (as it does before every lookup). */
function hashedMatches(field: string, name: string): boolean {
  const [, , saltB64, hashB64] = field.split('|');
  if (!saltB64 || !hashB64) return false;
  const expected = Buffer.from(hashB64, 'base64');
  const actual = createHmac('sha1', Buffer.from(saltB64, 'base64')).update(name.toLowerCase()).digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

function globMatches(pattern: string, name: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`, 'i').test(name);
}

/** `|1|salt|hash` for a name, as `ssh-keygen -H` writes it (used by tests and by hashed recording). */
export function hashHostName(name: string, salt: Buffer): string {
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

/** Entries that apply to a host (markers included, so callers can see revocations). */
export function entriesFor(entries: readonly KnownHostEntry[], name: string): KnownHostEntry[] {
  return entries.filter((e) => hostFieldMatches(e.hosts, name));
}

/** Append one line to known_hosts, first ending a last line that has no newline (else both lines break). */
export async function appendKnownHostsLine(file: string, line: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const existing = await readFile(file).catch(() => Buffer.alloc(0));
  const separator = existing.length > 0 && existing.at(-1) !== 0x0a ? '\n' : '';
  await appendFile(file, `${separator}${line}\n`, { mode: 0o600 });
}
