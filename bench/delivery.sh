#!/usr/bin/env bash
# Prints, side by side in one run, bytes over the link and seconds to deliver v2 of a ~129 MB image to a host that
# has v1 (the only change: one 1 MB layer), over a 20 Mbit/s link: the seed's `docker save | ssh docker load`,
# gangway's archive, sync and registry modes. The host is a network namespace of its own (scripts/test-hosts.sh
# host 9: its own dockerd and sshd) behind a veth shaped with tc tbf on both ends; the bytes are what tc counted
# on the link. Root only; loopback and the namespace's addresses only. Figures, not a test.
#   bench/delivery.sh
set -euo pipefail
cd "$(dirname "$0")/.."
N=9
scripts/test-env.sh >/dev/null
scripts/test-hosts.sh host "$N" >/dev/null
# shellcheck source=/dev/null
. /tmp/gangway-testenv/env
[ -f dist/cli/main.js ] || npm run --silent build
STATE=$GANGWAY_TESTENV
H="$STATE/hosts/h$N"
HOST_DOCKER="unix://$H/docker.sock"
ADDR=10.77.$N.2
REG=10.77.$N.1:5009
work=$(mktemp -d)
on_host() { docker -H "$HOST_DOCKER" "$@"; }
ssh_host() {
  ssh -q -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
    -i "$STATE/client_ed25519" "gwh$N@$ADDR" "$@"
}
shape() { # rate on both ends of the link, or off
  if [ "$1" = off ]; then
    tc qdisc del dev "gwh$N" root 2>/dev/null || true
    ip netns exec "gw-h$N" tc qdisc del dev "gwh${N}i" root 2>/dev/null || true
  else
    tc qdisc replace dev "gwh$N" root tbf rate "$1" burst 32kbit latency 400ms
    ip netns exec "gw-h$N" tc qdisc replace dev "gwh${N}i" root tbf rate "$1" burst 32kbit latency 400ms
  fi
}
link_bytes() { tc -s qdisc show dev "gwh$N" | awk '/Sent/ { print $2; exit }'; }
cleanup() {
  shape off
  [ -f "$work/registry.pid" ] && kill "$(cat "$work/registry.pid")" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# The image: ~128 MB of real binaries (what layers are mostly made of) and a 1 MB layer of its own per version.
mkdir -p "$work/img/base"
(
  set +o pipefail
  tar -cf - /usr/lib/x86_64-linux-gnu /usr/lib /usr/bin 2>/dev/null | head -c $((128 * 1024 * 1024)) \
    >"$work/img/base/blob.tar"
)
cp /bin/busybox "$work/img/busybox"
printf 'FROM scratch\nCOPY busybox /bin/busybox\nCOPY base /base\nCOPY small /small\n' >"$work/img/Dockerfile"
for v in v1 v2; do
  head -c $((1024 * 1024)) /dev/urandom >"$work/img/small"
  docker build -q -t "127.0.0.1:5000/gangway-bench/delivery:$v" "$work/img" >/dev/null 2>&1
done
IMG=127.0.0.1:5000/gangway-bench/delivery
size=$(docker image inspect --format '{{.Size}}' "$IMG:v2")

# Registry mode: the test registry's storage, served on the host's side of the link too.
docker push -q "$IMG:v1" >/dev/null && docker push -q "$IMG:v2" >/dev/null
sed -e "s#addr: .*#addr: $REG#" "$STATE/registry.yml" >"$work/registry.yml"
setsid nohup docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 </dev/null &
echo $! >"$work/registry.pid"
for _ in $(seq 50); do curl -fsS "http://$REG/v2/" >/dev/null 2>&1 && break; sleep 0.2; done

# Every mode starts from the same host: v1 there (sent unshaped: loaded, or pulled for registry mode, which
# can reuse only layers it pulled itself), v2 not.
reset_host() {
  on_host ps -aq | xargs -r docker -H "$HOST_DOCKER" rm -f >/dev/null 2>&1 || true # a deploy's container holds v2
  on_host image ls -q | sort -u | xargs -r docker -H "$HOST_DOCKER" image rm -f >/dev/null 2>&1 || true
  if [ "${1:-}" = registry ]; then on_host pull -q "$REG/gangway-bench/delivery:v1" >/dev/null; return; fi
  docker save "$IMG:v1" | on_host load >/dev/null
}

project() { # DELIVERY IMAGE_NAME
  local dir="$work/p-$1"
  mkdir -p "$dir"
  # shellcheck disable=SC2016 # ${IMAGE_TAG} is for Compose
  printf 'services:\n  app:\n    image: %s:${IMAGE_TAG}\n    command: ["/bin/busybox", "sleep", "3600"]\n' "$2" \
    >"$dir/docker-compose.yml"
  local fp
  fp=$(ssh-keygen -lf "$H/host_ed25519.pub" | awk '{ print $2 }')
  cat >"$dir/gangway.yml" <<YML
app: bench$1
compose: docker-compose.yml
image: { name: $2, delivery: $1 }
records: records
targets:
  bench:
    hosts: ["gwh$N@$ADDR"]
    dir: ~/bench-$1
    ssh: { key: $STATE/client_ed25519, fingerprint: "$fp", config: false }
YML
  echo "$dir/gangway.yml"
}

deliver_ms='let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
  try {
    const h = JSON.parse(s).hosts[0];
    console.log(Math.round(h.steps.find((x) => x.step === "deliver").ms) + " " + h.bytesSent);
  } catch { console.log("? ?"); }
});'

rate=20mbit
declare -A bytes secs
measure() { # NAME COMMAND…
  local name=$1 before t0
  shift
  reset_host "$name"
  shape "$rate"
  before=$(link_bytes)
  t0=$(date +%s%N)
  "$@"
  secs[$name]=$(awk "BEGIN { printf \"%.1f\", ($(date +%s%N) - $t0) / 1e9 }")
  bytes[$name]=$(($(link_bytes) - before))
  shape off
}
seed() { docker save "$IMG:v2" | ssh_host docker load >/dev/null; }
gangway_deploy() { # CONFIG
  local out
  out=$(node bin/gangway.js -c "$1" --json deploy --tag v2 --yes 2>/dev/null) || { echo "deploy failed" >&2; return 1; }
  deliver_ms_last=$(printf '%s' "$out" | node -e "$deliver_ms")
}
deliver_ms_last='? ?'
measure seed seed
# "<deliver step ms> <bytes the deliver step sent>" (gangway's own count, compressed) of each gangway deploy
measure archive gangway_deploy "$(project archive "$IMG")"; read -r archive_step archive_sent <<<"$deliver_ms_last"
measure sync gangway_deploy "$(project sync "$IMG")"; read -r sync_step sync_sent <<<"$deliver_ms_last"
measure registry gangway_deploy "$(project registry "$REG/gangway-bench/delivery")"
read -r registry_step registry_sent <<<"$deliver_ms_last"

changed=$(gzip -1 -c "$work/img/small" | wc -c)
printf 'v2 of a %d MB image whose only change is a 1 MB layer, to a host that has v1, over %s (tc tbf):\n' \
  $((size / 1000 / 1000)) "$rate"
row='  %-42s %12s %8s %13s %12s\n'
# shellcheck disable=SC2059 # the format is the row's
printf "$row" mode 'bytes (link)' seconds 'deliver step' 'deliver sent'
# shellcheck disable=SC2059
printf "$row" 'seed: docker save | ssh docker load' "${bytes[seed]}" "${secs[seed]}" - -
# shellcheck disable=SC2059
printf "$row" 'gangway deploy, delivery: archive' "${bytes[archive]}" "${secs[archive]}" "$archive_step ms" \
  "$archive_sent"
# shellcheck disable=SC2059
printf "$row" 'gangway deploy, delivery: sync' "${bytes[sync]}" "${secs[sync]}" "$sync_step ms" "$sync_sent"
# shellcheck disable=SC2059
printf "$row" 'gangway deploy, delivery: registry (pull)' "${bytes[registry]}" "${secs[registry]}" \
  "$registry_step ms" "$registry_sent"
awk -v sync="${bytes[sync]}" -v sent="$sync_sent" -v changed="$changed" -v ss="${secs[sync]}" \
  -v seed="${secs[seed]}" 'BEGIN {
  printf "sync moved %.2f× the changed layer gzip-compressed (%d bytes; target ≤ 1.1×, the whole deploy ",
    sync / changed, changed
  printf "counted; its deliver step sent %.3f×); sync took %.3f× the seed'"'"'s time (target ≤ 0.1×)\n",
    sent / changed, ss / seed
}'
