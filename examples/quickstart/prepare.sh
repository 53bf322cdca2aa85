#!/bin/sh
# The quickstart image is built FROM scratch around a static busybox, so no registry is needed:
# copy it into the build context (git ignores it; web/.dockerignore lets the build have it).
set -eu
cd "$(dirname "$0")"
if [ ! -x /bin/busybox ] || ! /bin/busybox --list >/dev/null 2>&1; then
  echo "prepare: /bin/busybox is missing; on Debian/Ubuntu: apt-get install busybox-static" >&2
  exit 1
fi
cp /bin/busybox web/busybox
echo "prepare: web/busybox ready"
