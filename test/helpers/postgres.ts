/**
 * The real PostgreSQL of the backup tests: scripts/postgres-image/build.sh builds it from Debian's packages
 * (cached in the engine by a hash of its recipe), and a compose project around it deployed by gangway.
 */
import { execFileSync } from 'node:child_process';
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
 * service's lines (which then may take IMAGE_TAG).
 */
export function postgresCompose(repository: string, options: { dbImage?: string; web?: string } = {}): string {
  const web = options.web ?? '    image: gangway-test/web:bk\n    stop_grace_period: 1s\n';
  return `services:
  db:
    image: ${options.dbImage ?? `${repository}:\${IMAGE_TAG:?IMAGE_TAG required}`}
    environment:
      POSTGRES_USER: \${POSTGRES_USER}
      POSTGRES_PASSWORD: \${POSTGRES_PASSWORD}
      POSTGRES_DB: \${POSTGRES_DB}
    volumes: [pgdata:/var/lib/postgresql/data]
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
