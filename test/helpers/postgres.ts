/**
 * The real PostgreSQL of the backup tests: scripts/postgres-image/build.sh builds it from Debian's packages
 * (cached in the engine by a hash of its recipe), and a compose project around it deployed by gangway.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BUILD = fileURLToPath(new URL('../../scripts/postgres-image/build.sh', import.meta.url));

/** `gangway-test/postgres:15-<hash>`: repository and tag apart (the compose file takes the tag as IMAGE_TAG). */
export function postgresImage(): { repository: string; tag: string } {
  const ref = execFileSync('bash', [BUILD], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const [repository, tag] = ref.split(':') as [string, string];
  return { repository, tag };
}

/**
 * A db service (PostgreSQL, with a volume and a healthcheck every 3 s: not every second, which costs a
 * `runc exec` per second per container) and a web service that is not PostgreSQL. By default
 * the db's image takes the deployed tag (IMAGE_TAG); `options.dbImage` pins it and `options.web` replaces the web
 * service's lines (which then may take IMAGE_TAG); `options.dbEnvironment` adds lines to the db's environment.
 */
export function postgresCompose(
  repository: string,
  options: { dbImage?: string; web?: string; dbEnvironment?: string } = {},
): string {
  const web = options.web ?? '    image: gangway-test/web:bk\n    stop_grace_period: 1s\n';
  return `services:
  db:
    image: ${options.dbImage ?? `${repository}:\${IMAGE_TAG:?IMAGE_TAG required}`}
    environment:
      POSTGRES_USER: \${POSTGRES_USER}
      POSTGRES_PASSWORD: \${POSTGRES_PASSWORD}
      POSTGRES_DB: \${POSTGRES_DB}
${options.dbEnvironment ?? ''}    volumes: [pgdata:/var/lib/postgresql/data]
    healthcheck:
      test: ["CMD", "pg_isready", "-q", "-h", "127.0.0.1", "-U", "\${POSTGRES_USER}"]
      interval: 3s
      timeout: 10s
      retries: 40
    stop_grace_period: 5s
  web:
${web}volumes:
  pgdata: {}
`;
}

/** SQL in the live db service (as the superuser, over the trusted socket): its output, trimmed. */
export function psql(app: string, sql: string): string {
  const id = execFileSync(
    'docker',
    [
      'ps',
      '-q',
      '--filter',
      `label=com.docker.compose.project=${app}`,
      '--filter',
      'label=com.docker.compose.service=db',
    ],
    { encoding: 'utf8' },
  ).trim();
  return execFileSync('docker', ['exec', id, 'psql', '-X', '-q', '-At', '-U', 'app', '-d', 'appdb', '-c', sql], {
    encoding: 'utf8',
  }).trim();
}

/**
 * An image that needs a variable of its own, as Bitnami's does: built FROM `ref`, it starts PostgreSQL only with
 * APP_DB_MODE set, and otherwise says why (quoting POSTGRES_PASSWORD, so that what gangway reports of it must be
 * masked) and exits. Tagged `gangway-test/postgres-custom:<ref's tag>`.
 */
export function customPostgresImage(ref: { repository: string; tag: string }): { repository: string; tag: string } {
  const repository = 'gangway-test/postgres-custom';
  const ctx = mkdtempSync(join(tmpdir(), 'gangway-pgc-'));
  writeFileSync(
    join(ctx, 'custom-entrypoint.sh'),
    '#!/bin/sh\nif [ -z "${APP_DB_MODE:-}" ]; then\n' +
      '  echo "APP_DB_MODE must be set (password $POSTGRES_PASSWORD)" >&2\n  exit 1\nfi\n' +
      'exec /usr/local/bin/docker-entrypoint.sh "$@"\n',
    { mode: 0o755 },
  );
  writeFileSync(
    join(ctx, 'Dockerfile'),
    `FROM ${ref.repository}:${ref.tag}\nCOPY custom-entrypoint.sh /usr/local/bin/custom-entrypoint.sh\n` +
      'ENTRYPOINT ["/usr/local/bin/custom-entrypoint.sh"]\n',
  );
  execFileSync('docker', ['build', '-q', '-t', `${repository}:${ref.tag}`, ctx], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  rmSync(ctx, { recursive: true, force: true });
  return { repository, tag: ref.tag };
}
