/** A throwaway project deploying to the real sshd (and its dockerd), with a server dir of its own. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fingerprintOf } from '../../src/hosts/ssh/host-key.js';
import { tempDir, testEnv, type TestHost } from './testenv.js';

export interface DeployProject {
  dir: string;
  config: string;
  app: string;
  serverDir: string;
  port: number;
  writeEnv(text: string): void;
  /** What is serving on the published port (the version file), or undefined. */
  serving(): string | undefined;
  releases(): Record<string, unknown>[];
  cleanup(): void;
}

let counter = 0;

/** Where the test processes of one run reserve their published ports (scripts/test.sh empties it first). */
const PORT_RESERVATIONS = '/tmp/gangway-test-ports';

/**
 * A published port no other test process of this run holds: 19000-19299 or 19600-19899 (fixed ports stay in
 * 19300-19599), reserved by creating a directory named after it — mkdir is atomic between the two test files
 * running at once, where a port derived from the pid alone was the same for both a few times in a hundred runs.
 */
function reservePort(): number {
  mkdirSync(PORT_RESERVATIONS, { recursive: true });
  for (let tries = 0; tries < 600; tries++) {
    const slot = (process.pid + ++counter * 7) % 600;
    const port = slot < 300 ? 19000 + slot : 19600 + slot - 300;
    try {
      mkdirSync(join(PORT_RESERVATIONS, String(port)));
      return port;
    } catch {
      // held by another project: the next one
    }
  }
  throw new Error(`no test port left to reserve in ${PORT_RESERVATIONS}`);
}

export function deployProject(
  options: {
    image?: string;
    delivery?: string;
    envText?: string;
    compose?: string | ((port: number) => string);
    extra?: string;
    health?: string;
    app?: string;
    server?: 'target' | 'v1';
    /** A separate host (scripts/test-hosts.sh) instead of the loopback sshd: its own engine and user. */
    host?: TestHost;
    /** The published port (default: one reserved for this run, outside 19300-19599); or one of your own range. */
    port?: number;
  } = {},
): DeployProject {
  const env = testEnv();
  const app = options.app ?? `gwt${process.pid % 10000}x${++counter}`;
  const port = options.port ?? reservePort();
  const dir = tempDir();
  const serverDir = options.host ? `${options.host.home}/${app}` : `/tmp/gangway-e2e/${app}`;
  const address = options.host?.address ?? '127.0.0.1';
  const docker = options.host ? `docker -H ${options.host.docker}` : 'docker';
  const server = options.server ?? 'target';
  const sshPort = server === 'v1' ? env.v1Port : env.port;
  const fingerprint = options.host?.fingerprint ?? fingerprintOf(Buffer.from(env.hostKeyPub(server).base64, 'base64'));
  const image = options.image ?? 'gangway-test/web';
  writeFileSync(
    join(dir, 'docker-compose.yml'),
    (typeof options.compose === 'function' ? options.compose(port) : options.compose) ??
      `services:
  web:
    image: ${image}:\${IMAGE_TAG:?IMAGE_TAG required}
    environment:
      APP_SECRET: \${APP_SECRET}
    ports: ["${options.host ? '' : '127.0.0.1:'}${port}:8080"]
    stop_grace_period: 1s
`,
  );
  writeFileSync(join(dir, '.env'), options.envText ?? 'APP_SECRET=canary-e2e-secret-value\n');
  writeFileSync(
    join(dir, 'gangway.yml'),
    `app: ${app}
compose: docker-compose.yml
env: { file: .env }
${options.delivery ? `image: { name: ${image}, delivery: ${options.delivery} }\n` : ''}health:
${
  options.health ??
  `  services: [web]
  http: [{ url: "http://127.0.0.1:${port}/health", retries: 3, interval: 1s }]
  timeout: 2m`
}
keep: 3
records: records
${options.extra ?? ''}targets:
  e2e:
    hosts: ["${options.host?.spec ?? `root@${env.host}:${sshPort}`}"]
    dir: ${serverDir}
    ssh: { key: ${env.clientKey}, fingerprint: "${fingerprint}", config: false }
`,
  );
  return {
    dir,
    config: join(dir, 'gangway.yml'),
    app,
    serverDir,
    port,
    writeEnv: (text) => writeFileSync(join(dir, '.env'), text),
    serving() {
      try {
        return execFileSync('curl', ['-fsS', '--max-time', '30', `http://${address}:${port}/version`], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        }).trim();
      } catch {
        return undefined;
      }
    },
    releases() {
      try {
        return readFileSync(join(serverDir, '.gangway', 'releases.jsonl'), 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Record<string, unknown>);
      } catch {
        return [];
      }
    },
    cleanup() {
      execFileSync('sh', [
        '-c',
        [
          `${docker} ps -aq --filter label=com.docker.compose.project=${app} | xargs -r ${docker} rm -f ` +
            '>/dev/null 2>&1',
          `${docker} network ls -q --filter label=com.docker.compose.project=${app} | xargs -r ${docker} network rm ` +
            '>/dev/null 2>&1',
          `rm -rf ${serverDir}`,
        ].join('; '),
      ]);
      if (options.port === undefined) rmSync(join(PORT_RESERVATIONS, String(port)), { recursive: true, force: true });
    },
  };
}
