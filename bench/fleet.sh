#!/usr/bin/env bash
# Prints, side by side in one run, the wall time of a gangway deploy to 1, 4 and 8 hosts at once (the default
# rollout) and to 8 hosts one at a time (rollout batch: 1 — what a loop of single-host deploys gives), with the
# image already on every host (delivery: sync sends nothing then) and the bytes each host was sent. The hosts are
# network namespaces of their own (scripts/test-hosts.sh hosts 31–38: own dockerd, sshd, user). Target: 8 hosts
# ≤ 1.5× one host. Root only; the namespaces' addresses only. Figures, not a test.
#   bench/fleet.sh
set -euo pipefail
cd "$(dirname "$0")/.."
HOSTS=(31 32 33 34 35 36 37 38)
scripts/test-env.sh >/dev/null
for n in "${HOSTS[@]}"; do scripts/test-hosts.sh host "$n" >/dev/null 2>&1; done
# shellcheck source=/dev/null
. /tmp/gangway-testenv/env
[ -f dist/cli/main.js ] || npm run --silent build
STATE=$GANGWAY_TESTENV
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The app: busybox httpd with a healthcheck, as a small real web service; v1 and v2 differ in one file.
IMG=gangway-bench/fleet
mkdir -p "$work/img/www"
cp /bin/busybox "$work/img/busybox"
cat >"$work/img/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY busybox /bin/busybox
COPY www /www
HEALTHCHECK --interval=1s --retries=3 CMD ["/bin/busybox", "wget", "-qO", "/dev/null", "http://127.0.0.1:8080/"]
CMD ["/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/www"]
DOCKERFILE
for v in v1 v2; do
  echo "$v" >"$work/img/www/index.html"
  docker build -q -t "$IMG:$v" "$work/img" >/dev/null 2>&1
done
# Already delivered: every host has both tags before any timed deploy.
docker save "$IMG:v1" "$IMG:v2" >"$work/images.tar"
for n in "${HOSTS[@]}"; do
  docker -H "unix://$STATE/hosts/h$n/docker.sock" load -q <"$work/images.tar" >/dev/null &
done
wait

project() { # NAME COUNT ROLLOUT
  local dir="$work/$1" hosts="" fps="" n
  mkdir -p "$dir"
  for n in "${HOSTS[@]:0:$2}"; do
    hosts+="\"gwh$n@10.77.$n.2\", "
    fps+="\"$(ssh-keygen -lf "$STATE/hosts/h$n/host_ed25519.pub" | awk '{ print $2 }')\", "
  done
  # shellcheck disable=SC2016 # ${IMAGE_TAG} is for Compose
  printf 'services:\n  web:\n    image: %s:${IMAGE_TAG}\n    ports: ["18900:8080"]\n' "$IMG" >"$dir/docker-compose.yml"
  cat >"$dir/gangway.yml" <<YML
app: benchfleet
compose: docker-compose.yml
image: { name: $IMG, delivery: sync }
health: { services: [web], http: [{ url: "http://127.0.0.1:18900/", retries: 10, interval: 500ms }] }
records: records
targets:
  bench:
    hosts: [${hosts%, }]
    dir: ~/bench-fleet
    ssh: { key: $STATE/client_ed25519, fingerprint: [${fps%, }], config: false }
    rollout: $3
YML
  echo "$dir/gangway.yml"
}

# "<bytes sent per host, max>" from a deploy's --json document
bytes_js='let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
  try { console.log(Math.max(...JSON.parse(s).hosts.map((h) => h.bytesSent))); } catch { console.log("?"); }
});'
declare -A secs sent
measure() { # NAME COUNT ROLLOUT
  local config out t0 tag
  config=$(project "$1" "$2" "$3")
  # Warm-up: the first deploy creates the directories and the release history; then v2 and v1 alternate.
  node bin/gangway.js -c "$config" deploy --tag v1 --yes >/dev/null
  t0=$(date +%s%N)
  for tag in v2 v1 v2; do
    out=$(node bin/gangway.js -c "$config" --json deploy --tag "$tag" --yes 2>/dev/null) || {
      echo "deploy to $1 failed" >&2
      exit 1
    }
  done
  secs[$1]=$(awk "BEGIN { printf \"%.1f\", ($(date +%s%N) - $t0) / 3e9 }")
  sent[$1]=$(printf '%s' "$out" | node -e "$bytes_js")
}
measure one 1 '{}'
measure four 4 '{}'
measure eight 8 '{}'
measure eight-serial 8 '{ batch: 1 }'

printf 'a deploy (image already on the hosts, health gate included), mean of 3, wall seconds:\n'
row='  %-36s %9s %14s %18s\n'
# shellcheck disable=SC2059 # the format is the row's
printf "$row" rollout seconds '× one host' 'bytes sent / host'
for name in one four eight eight-serial; do
  case $name in
    one) label='1 host' ;;
    four) label='4 hosts at once (default)' ;;
    eight) label='8 hosts at once (default)' ;;
    eight-serial) label='8 hosts one at a time (batch: 1)' ;;
  esac
  ratio=$(awk -v a="${secs[$name]}" -v b="${secs[one]}" 'BEGIN { printf "%.2f", a / b }')
  # shellcheck disable=SC2059
  printf "$row" "$label" "${secs[$name]}" "$ratio" "${sent[$name]}"
done
awk -v a="${secs[eight]}" -v b="${secs[one]}" \
  'BEGIN { printf "8 hosts at once took %.2f× one host (target ≤ 1.5×)\n", a / b }'
