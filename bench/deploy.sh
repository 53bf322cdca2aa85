#!/usr/bin/env bash
# Prints, side by side in one run:
#  1. `gangway deploy` of an image already on the server vs. a raw
#     `ssh host 'cd dir && IMAGE_TAG=… docker compose up -d --wait'` (medians; target: gangway ≤ 1.15× raw);
#  2. archive delivery of a ~120 MB image vs. `docker save | ssh docker load` (bytes and time; BENCH_ARCHIVE=0: not).
# With a background load it makes itself (one core kept busy: bench/background-load.sh; BENCH_LOAD=0: none), and
# the deploy's counts (gangway -vv): connections, round trips, processes. GANGWAY_BIN: another build's
# bin/gangway.js to measure (e.g. an older checkout's, for before/after figures).
# Uses the real test environment (scripts/test-env.sh: dockerd, sshd on 127.0.0.1:2222). Figures, not a test.
#   bench/deploy.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=/dev/null  # (linted on its own)
. bench/background-load.sh
runs="${1:-5}"
gangway_bin="${GANGWAY_BIN:-bin/gangway.js}"
scripts/test-env.sh >/dev/null
# shellcheck source=/dev/null
. /tmp/gangway-testenv/env
[ -f dist/cli/main.js ] || npm run --silent build
key="$GANGWAY_TESTENV/client_ed25519"
kh="$GANGWAY_TESTENV/bench_known_hosts"
host_key=$(cut -d' ' -f1,2 "$GANGWAY_TESTENV/host_target_ed25519.pub")
echo "[$GANGWAY_TEST_SSH_HOST]:$GANGWAY_TEST_SSH_PORT $host_key" >"$kh"
ssh_raw() {
  ssh -q -o BatchMode=yes -o UserKnownHostsFile="$kh" -i "$key" -p "$GANGWAY_TEST_SSH_PORT" \
    "root@$GANGWAY_TEST_SSH_HOST" "$@"
}
work=$(mktemp -d)
cleanup() {
  stop_background_load
  rm -rf "$work"
  ssh_raw "cd /tmp/gangway-bench && docker compose -p gwbench down >/dev/null 2>&1; rm -rf /tmp/gangway-bench" || true
}
trap cleanup EXIT

# A small web image in two tags (FROM scratch + Debian's static busybox).
mkdir -p "$work/img/www" && cp /bin/busybox "$work/img/" && echo ok >"$work/img/www/health"
cat >"$work/img/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY busybox /bin/busybox
COPY www /www
RUN ["/bin/busybox", "--install", "-s", "/bin"]
HEALTHCHECK --interval=1s --timeout=2s --retries=3 \
  CMD ["/bin/wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/health"]
CMD ["/bin/httpd", "-f", "-p", "8080", "-h", "/www"]
DOCKERFILE
for t in a b; do docker build -q -t gangway-bench/web:$t "$work/img" >/dev/null 2>&1; done

cat >"$work/docker-compose.yml" <<'YML'
services:
  web:
    image: gangway-bench/web:${IMAGE_TAG:?IMAGE_TAG required}
    ports: ["127.0.0.1:18999:8080"]
    stop_grace_period: 1s
YML
echo "GREETING=bench" >"$work/.env"
cat >"$work/gangway.yml" <<YML
app: gwbench
compose: docker-compose.yml
env: { file: .env }
health: { services: [web], timeout: 60s }
records: records
targets:
  bench:
    hosts: ["root@$GANGWAY_TEST_SSH_HOST:$GANGWAY_TEST_SSH_PORT"]
    dir: /tmp/gangway-bench
    ssh: { key: $key, known_hosts: $kh, config: false }
YML

ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
node "$gangway_bin" -c "$work/gangway.yml" deploy --tag a --yes >/dev/null   # first deploy: creates everything
start_background_load
describe_load "before the runs"
g_times=(); r_times=()
for i in $(seq 1 "$runs"); do
  tag=$([ $((i % 2)) -eq 1 ] && echo b || echo a)
  # -vv: the counts at the end of stderr (the apply's log lines too; printing them costs nothing measurable).
  t=$(date +%s%N)
  node "$gangway_bin" -c "$work/gangway.yml" -vv deploy --tag "$tag" --yes >/dev/null 2>"$work/deploy.err"
  g=$(ms "$t")
  other=$([ "$tag" = a ] && echo b || echo a)
  t=$(date +%s%N)
  ssh_raw "cd /tmp/gangway-bench && IMAGE_TAG=$other docker compose -p gwbench up -d --wait >/dev/null 2>&1"
  r=$(ms "$t")
  g_times+=("$g"); r_times+=("$r")
  printf 'run %d: gangway deploy %5d ms   raw ssh compose up --wait %5d ms\n' "$i" "$g" "$r"
done
median() {
  printf '%s\n' "$@" | sort -n \
    | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2) }'
}
g_med=$(median "${g_times[@]}"); r_med=$(median "${r_times[@]}")
printf 'deploy, image on the server, medians of %d: gangway %d ms vs raw %d ms = %s× (target ≤ 1.15×)\n' \
  "$runs" "$g_med" "$r_med" "$(awk "BEGIN { printf \"%.2f\", $g_med / $r_med }")"
echo "the last gangway deploy's counts (raw: 1 connection, 1 round trip, 1 docker compose; 1 local process, ssh):"
grep '^counts ' "$work/deploy.err" | sed 's/^/  /' || echo "  none printed (a gangway from before the counts)"
describe_load "after the runs"
[ "${BENCH_ARCHIVE:-1}" = 0 ] && exit 0

# 2. Archive delivery of a ~120 MB image.
mkdir -p "$work/big" && cp "$work/img/Dockerfile" "$work/img/busybox" "$work/big/" && cp -r "$work/img/www" "$work/big/"
# Real binaries and libraries (what image layers are mostly made of), not random bytes.
(
  set +o pipefail
  tar -cf - /usr/lib/x86_64-linux-gnu /usr/lib /usr/bin 2>/dev/null \
    | head -c $((120 * 1024 * 1024)) >"$work/big/www/blob.tar"
)
docker build -q -t gangway-bench/big:1 "$work/big" >/dev/null 2>&1
size=$(docker image inspect --format '{{.Size}}' gangway-bench/big:1)
docker image rm gangway-bench/big:1 >/dev/null 2>&1 || true
docker build -q -t gangway-bench/big:1 "$work/big" >/dev/null 2>&1
docker save -o "$work/big.tar" gangway-bench/big:1
t=$(date +%s%N); docker save gangway-bench/big:1 | ssh_raw "docker load >/dev/null"; raw=$(ms "$t")
sed -i 's/^health:.*/health: { timeout: 60s }/' "$work/gangway.yml"
cat >>"$work/gangway.yml" <<YML
image: { name: gangway-bench/big, delivery: archive }
YML
# Same engine here: remove the image so that the deploy sends it again.
ssh_raw "docker image rm gangway-bench/big:1 >/dev/null 2>&1" || true
docker load -i "$work/big.tar" >/dev/null
t=$(date +%s%N)
out=$(node "$gangway_bin" -c "$work/gangway.yml" --json deploy --tag 1 --yes 2>/dev/null || true)
g=$(ms "$t")
sent_and_ms='let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
  try {
    const h = JSON.parse(s).hosts[0];
    console.log(h.bytesSent, Math.round(h.steps.find((x) => x.step === "deliver").ms));
  } catch { console.log("? ?"); }
});'
read -r sent deliver < <(printf '%s' "$out" | node -e "$sent_and_ms")
printf '%s %s %s ms, %s bytes sent (whole deploy %d ms); raw docker save | ssh docker load %d ms, %d bytes\n' \
  "archive delivery of a $((size / 1024 / 1024)) MB image:" \
  "gangway deliver step (save | gzip -1 | ssh | load, id verified)" \
  "$deliver" "$sent" "$g" "$raw" "$(stat -c %s "$work/big.tar")"
