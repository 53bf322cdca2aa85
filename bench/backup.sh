#!/usr/bin/env bash
# Prints seconds and bytes of `gangway backup` (pg_dump -Fc in the service) and `gangway restore --verify`
# (a throwaway container, pg_restore, exact row counts) for a PostgreSQL database of about 200 MB of generated
# rows, next to a raw `docker exec pg_dump -Fc > file` of the same database. Uses the real test environment
# (scripts/test-env.sh: dockerd, sshd on 127.0.0.1:2222, the PostgreSQL image). Figures, not a test.
#   bench/backup.sh [ROWS]     (default 1600000 rows, ~200 MB on disk)
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-1600000}"
scripts/test-env.sh >/dev/null
# shellcheck source=/dev/null
. /tmp/gangway-testenv/env
npm run --silent build
image=$(scripts/postgres-image/build.sh)
work=$(mktemp -d)
server=/tmp/gangway-bench-backup
app=bk-bench
cleanup() {
  docker ps -aq --filter "label=com.docker.compose.project=$app" | xargs -r docker rm -f -v >/dev/null
  docker volume ls -q --filter "label=com.docker.compose.project=$app" | xargs -r docker volume rm >/dev/null
  rm -rf "$work" "$server"
}
trap cleanup EXIT
cat >"$work/docker-compose.yml" <<YML
services:
  db:
    image: ${image%:*}:\${IMAGE_TAG:?IMAGE_TAG required}
    environment:
      POSTGRES_USER: app
      POSTGRES_DB: appdb
      POSTGRES_PASSWORD: \${POSTGRES_PASSWORD}
    volumes: [pgdata:/var/lib/postgresql/data]
    healthcheck: { test: ["CMD", "pg_isready", "-q", "-h", "127.0.0.1"], interval: 1s, retries: 60 }
volumes: { pgdata: {} }
YML
echo "POSTGRES_PASSWORD=bench-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')" >"$work/.env"
fingerprint=$(ssh-keygen -lf "$GANGWAY_TESTENV/host_target_ed25519.pub" | cut -d' ' -f2)
cat >"$work/gangway.yml" <<YML
app: $app
compose: docker-compose.yml
env: { file: .env }
health: { services: [db], timeout: 90s }
records: records
backups:
  - name: db
    service: db
    database: appdb
    user: app
    password: \${POSTGRES_PASSWORD}
targets:
  bench:
    hosts: ["root@$GANGWAY_TEST_SSH_HOST:$GANGWAY_TEST_SSH_PORT"]
    dir: $server
    ssh: { key: $GANGWAY_TESTENV/client_ed25519, fingerprint: "$fingerprint", config: false }
YML
gw() { node bin/gangway.js -c "$work/gangway.yml" "$@"; }
gw deploy --tag "${image#*:}" --yes >"$work/deploy.log" || { cat "$work/deploy.log"; exit 1; }
db=$(docker ps -q --filter "label=com.docker.compose.project=$app" --filter label=com.docker.compose.service=db)
docker exec "$db" psql -q -U app -d appdb -c "create table events as select g as id, now() - g * interval '1s' as at,
  md5(g::text) as a, md5((g * 7)::text) as b from generate_series(1, $rows) g" >/dev/null
size=$(docker exec "$db" psql -At -U app -d appdb -c "select pg_database_size('appdb')")
timed() { local s; s=$(date +%s.%N); "$@" >/dev/null; echo "$(date +%s.%N) - $s" | bc; }
t_raw=$(timed sh -c "docker exec $db pg_dump -Fc -U app -d appdb > $work/raw.dump")
t_backup=$(timed gw backup db)
dump=$(ls "$server/backups/db"/db-*.dump)
t_verify=$(timed gw restore db --verify)
printf 'database           %12d bytes (%d rows)\n' "$size" "$rows"
printf 'raw pg_dump -Fc    %12d bytes  %6.2f s\n' "$(stat -c %s "$work/raw.dump")" "$t_raw"
printf 'gangway backup     %12d bytes  %6.2f s  (0600, sha256, record, retention)\n' "$(stat -c %s "$dump")" "$t_backup"
printf 'gangway verify     %12s        %6.2f s  (throwaway container, pg_restore, exact counts)\n' "" "$t_verify"
