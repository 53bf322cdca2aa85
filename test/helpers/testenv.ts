/** The real test environment started by scripts/test-env.sh: addresses, keys, and settings built from them. */
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SshSettings } from '../../src/config/config.js';
import { fingerprintOf } from '../../src/hosts/ssh/host-key.js';

export interface TestEnv {
  dir: string;
  host: string;
  port: number;
  jumpPort: number;
  /** An sshd whose docker CLI has no Compose v2 plugin: only docker-compose v1. */
  v1Port: number;
  registry: string;
  clientKey: string;
  passphraseKey: string;
  agentSocket: string;
  hostKeyPub(name: 'target' | 'jump' | 'other' | 'v1'): { type: string; base64: string };
}

let cached: TestEnv | undefined;

export function testEnv(): TestEnv {
  if (cached) return cached;
  const dir = process.env.GANGWAY_TESTENV ?? '/tmp/gangway-testenv';
  let text: string;
  try {
    text = readFileSync(join(dir, 'env'), 'utf8');
  } catch {
    throw new Error(`the test environment is not running: run scripts/test-env.sh (as root) first (looked in ${dir})`);
  }
  const vars = Object.fromEntries(
    text
      .trim()
      .split('\n')
      .map((l) => l.split('=', 2) as [string, string]),
  );
  cached = {
    dir,
    host: vars.GANGWAY_TEST_SSH_HOST!,
    port: Number(vars.GANGWAY_TEST_SSH_PORT),
    jumpPort: Number(vars.GANGWAY_TEST_JUMP_PORT),
    v1Port: Number(vars.GANGWAY_TEST_V1_PORT),
    registry: vars.GANGWAY_TEST_REGISTRY!,
    clientKey: join(dir, 'client_ed25519'),
    passphraseKey: join(dir, 'client_rsa_pass'),
    agentSocket: join(dir, 'agent.sock'),
    hostKeyPub(name) {
      const [type, base64] = readFileSync(join(dir, `host_${name}_ed25519.pub`), 'utf8')
        .trim()
        .split(/\s+/);
      return { type: type!, base64: base64! };
    },
  };
  return cached;
}

/** A fresh temp directory for one test. */
export function tempDir(prefix = 'gangway-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** known_hosts trusting the test sshd(s): `[127.0.0.1]:2222 ssh-ed25519 AAAA…` lines. */
export function writeKnownHosts(
  dir: string,
  entries: { port: number; key: 'target' | 'jump' | 'other'; marker?: string }[],
): string {
  const env = testEnv();
  const file = join(dir, 'known_hosts');
  const lines = entries.map((e) => {
    const k = env.hostKeyPub(e.key);
    return `${e.marker ? `${e.marker} ` : ''}[${env.host}]:${e.port} ${k.type} ${k.base64}`;
  });
  writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
  return file;
}

export function sshSettings(overrides: Partial<SshSettings> = {}): SshSettings {
  return {
    key: testEnv().clientKey,
    passphraseEnv: 'GANGWAY_TEST_PASSPHRASE',
    knownHosts: '/nonexistent/known_hosts',
    fingerprints: [],
    configFile: false,
    connectTimeoutMs: 5000,
    keepaliveMs: 15000,
    maxChannels: 8,
    ...overrides,
  };
}

export interface TestHost {
  /** `gwh1@10.77.1.2`: a host of its own (scripts/test-hosts.sh): network namespace, dockerd, sshd, user. */
  spec: string;
  user: string;
  address: string;
  /** Its host key's fingerprint (pin it: `ssh.fingerprint`). */
  fingerprint: string;
  /** Its engine, for the test's own checks: `unix:///…/docker.sock`. */
  docker: string;
  /** The deploy user's home (`~` there). */
  home: string;
}

/** The separate hosts 1..N scripts/test-hosts.sh started (scripts/test.sh starts them). */
export function testHosts(): TestHost[] {
  const vars = readFileSync(join(testEnv().dir, 'hosts.env'), 'utf8');
  const count = Number(/^GANGWAY_TEST_HOSTS=(\d+)$/m.exec(vars)?.[1] ?? 0);
  return Array.from({ length: count }, (_, i) => testHost(i + 1));
}

/** Host N of scripts/test-hosts.sh (`host N [containerd]` starts one alone). */
export function testHost(n: number): TestHost {
  const dir = join(testEnv().dir, 'hosts', `h${n}`);
  const pub = readFileSync(join(dir, 'host_ed25519.pub'), 'utf8').split(' ')[1]!;
  return {
    spec: `gwh${n}@10.77.${n}.2`,
    user: `gwh${n}`,
    address: `10.77.${n}.2`,
    fingerprint: fingerprintOf(Buffer.from(pub, 'base64')),
    docker: `unix://${join(dir, 'docker.sock')}`,
    home: join(dir, 'home'),
  };
}
