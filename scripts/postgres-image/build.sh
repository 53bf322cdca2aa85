#!/usr/bin/env bash
# Builds, idempotently, a real PostgreSQL 15 image from Debian's packages (nothing is pulled from a registry):
# mmdebstrap a bookworm rootfs with postgresql-15, docker import it, add entrypoint.sh. The tag carries a hash
# of this directory, so an unchanged recipe reuses the image already in the engine (about 60 s otherwise).
# Prints the image reference on stdout.   scripts/postgres-image/build.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
hash=$(cat "$here/build.sh" "$here/entrypoint.sh" | sha256sum | cut -c1-12)
ref="gangway-test/postgres:15-$hash"
if docker image inspect "$ref" >/dev/null 2>&1; then echo "$ref"; exit 0; fi
command -v mmdebstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap >&2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "[postgres-image] building $ref (mmdebstrap bookworm + postgresql-15)" >&2
mmdebstrap --quiet --variant=apt --include=postgresql-15,postgresql-client-15 --mode=root \
  --dpkgopt='path-exclude=/usr/share/{doc,man,locale}/*' bookworm "$work/rootfs.tar" >&2
docker import \
  -c 'ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  -c 'ENV PGDATA=/var/lib/postgresql/data' \
  -c 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' \
  "$work/rootfs.tar" "$ref.base" >&2
mkdir "$work/ctx"
install -m 755 "$here/entrypoint.sh" "$work/ctx/docker-entrypoint.sh"
cat >"$work/ctx/Dockerfile" <<DOCKERFILE
FROM $ref.base
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
STOPSIGNAL SIGINT
RUN rm -rf /var/lib/postgresql/15/main /etc/postgresql/15/main/*.conf.d
DOCKERFILE
docker build -q -t "$ref" "$work/ctx" >&2
docker rmi "$ref.base" >/dev/null
echo "$ref"
