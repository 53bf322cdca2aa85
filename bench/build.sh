#!/usr/bin/env bash
# Prints, side by side in one run, the image build a deploy starts with: by hand (docker buildx build + docker push,
# what the users' scripts do) and with gangway's image.build (gangway build; gangway deploy), cold (the engine's
# build cache emptied first) and warm (the same source again), and a whole deploy with its build. The image does real
# work in a RUN step (~100 MB hashed and compressed), so the cache shows. Buildx is trixie's (scripts/test-env.sh),
# the registry the test one on 127.0.0.1:5000, the target the local engine. Root only. Figures, not a test.
#   bench/build.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/test-env.sh >/dev/null
# shellcheck source=/dev/null
. /tmp/gangway-testenv/env
[ -f dist/cli/main.js ] || npm run --silent build
export DOCKER_CONFIG=$GANGWAY_TESTENV/buildx
work=$(mktemp -d)
IMG=127.0.0.1:5000/gangway-bench/build
cleanup() {
  (cd "$work" && IMAGE_TAG=x docker compose -p gwbenchbuild down -t 1 >/dev/null 2>&1) || true
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/web/www"
cp /bin/busybox "$work/web/busybox"
echo ok >"$work/web/www/health"
cat >"$work/web/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
RUN head -c 100000000 /dev/urandom > /blob && sha256sum /blob > /blob.sha \
  && gzip -1 /blob
COPY www /www
CMD ["httpd", "-f", "-p", "8080", "-h", "/www"]
DOCKERFILE
cat >"$work/compose.yaml" <<YAML
services:
  web:
    image: $IMG:\${IMAGE_TAG}
    build: ./web
    ports: ["127.0.0.1:18799:8080"]
    healthcheck: { test: ["CMD", "wget", "-qO-", "http://127.0.0.1:8080/health"], interval: 2s }
YAML
cat >"$work/gangway.yml" <<YAML
app: gwbenchbuild
compose: compose.yaml
image: { name: $IMG, delivery: registry, build: {} }
health: { services: [web] }
records: records
targets:
  local: { hosts: [local], dir: ./server }
YAML

ms() { date +%s%3N; }
timed() { # LABEL CMD… → prints milliseconds, the command's output to $work/log
  local t0 t1
  t0=$(ms)
  "$@" >>"$work/log" 2>&1 || { tail -20 "$work/log" >&2; exit 1; }
  t1=$(ms)
  echo $((t1 - t0))
}
by_hand() { docker buildx build -q -t "$IMG:$1" "$work/web" >/dev/null && docker push -q "$IMG:$1" >/dev/null; }
gw() { node "$PWD/bin/gangway.js" -c "$work/gangway.yml" "$@"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f×", a / b }'; }

docker builder prune -af >/dev/null
hand_cold=$(timed by_hand h1)
hand_warm=$(timed by_hand h2)
docker builder prune -af >/dev/null
gw_cold=$(timed gw build --tag g1)
gw_warm=$(timed gw build --tag g2)
echo "<p>changed</p>" >"$work/web/www/index.html"
hand_deploy=$(timed sh -c "docker buildx build -q -t $IMG:h3 $work/web >/dev/null && docker push -q $IMG:h3 >/dev/null \
  && cd $work && IMAGE_TAG=h3 docker compose -p gwbenchbuild up -d --wait >/dev/null")
(cd "$work" && IMAGE_TAG=h3 docker compose -p gwbenchbuild down -t 1 >/dev/null 2>&1)
echo "<p>changed again</p>" >"$work/web/www/index.html"
gw_deploy=$(timed gw deploy local --tag g3 --yes)

printf '%-44s %10s %10s %8s\n' "image build (load $(cut -d' ' -f1 /proc/loadavg))" "by hand" gangway ratio
row() { printf '%-44s %8s ms %8s ms %8s\n' "$1" "$2" "$3" "$(ratio "$3" "$2")"; }
row "cold: empty build cache, build + push" "$hand_cold" "$gw_cold"
row "warm: same source again, build + push" "$hand_warm" "$gw_warm"
row "deploy: one file changed, build+push+up" "$hand_deploy" "$gw_deploy"
share=$(awk -v a="$gw_warm" -v b="$gw_cold" 'BEGIN { printf "%.1f %%", 100 * a / b }')
printf '%-44s %19s %8s\n' "gangway warm / cold" "" "$share"
