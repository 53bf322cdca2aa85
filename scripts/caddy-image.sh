#!/usr/bin/env bash
# Builds (once; reused while its inputs are unchanged) the proxy image the tests and benchmarks use in place of
# the official caddy:2, which cannot be pulled here: Debian's caddy binary with the shared libraries it links,
# and Debian's static busybox for /bin/sh and wget (the official image, on Alpine, has both too).
#   scripts/caddy-image.sh [REF]     default REF: gangway-test/caddy:2
set -euo pipefail
REF="${1:-gangway-test/caddy:2}"
CADDY=/usr/bin/caddy
BUSYBOX=/bin/busybox

install_missing() {
  local missing=()
  [ -x "$CADDY" ] || missing+=(caddy)
  [ -x "$BUSYBOX" ] || missing+=(busybox-static)
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" = 0 ] || { echo "caddy-image: install ${missing[*]} (as root)" >&2; exit 1; }
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
install_missing

# The image is rebuilt only when the binaries (or this script) change.
spec=$(cat "$CADDY" "$BUSYBOX" "$0" | sha256sum | cut -c1-16)
have=$(docker image inspect --format '{{index .Config.Labels "gangway.test.spec"}}' "$REF" 2>/dev/null || true)
[ "$have" = "$spec" ] && exit 0

ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
mkdir -p "$ctx/root/usr/bin" "$ctx/root/bin" "$ctx/root/tmp" "$ctx/root/config" "$ctx/root/data" "$ctx/root/etc/caddy"
cp "$CADDY" "$ctx/root/usr/bin/caddy"
cp "$BUSYBOX" "$ctx/root/bin/busybox"
for applet in sh wget cat ls sleep timeout date; do ln -s busybox "$ctx/root/bin/$applet"; done
# The shared libraries caddy links (libc, libzstd, the loader), at the paths ldd names.
ldd "$CADDY" | grep -o '/[^ ]*' | while read -r lib; do
  mkdir -p "$ctx/root$(dirname "$lib")"
  cp -L "$lib" "$ctx/root$lib"
done
printf '{"admin":{"listen":"localhost:2019"}}\n' >"$ctx/root/etc/caddy/caddy.json"
cat >"$ctx/Dockerfile" <<EOF
FROM scratch
COPY root /
ENV PATH=/usr/bin:/bin XDG_CONFIG_HOME=/config XDG_DATA_HOME=/data HOME=/tmp
LABEL gangway.test.spec="$spec"
CMD ["caddy", "run", "--config", "/etc/caddy/caddy.json"]
EOF
docker build -q -t "$REF" "$ctx" >/dev/null
echo "caddy-image: built $REF" >&2
