#!/usr/bin/env bash
# Installs (when missing) and starts, idempotently, the real parts gangway's integration tests run against:
# dockerd, Docker Compose v2, two sshd on loopback (a target and a jump host) with keys generated now,
# an ssh-agent, and a local registry. Prints nothing secret; writes $GANGWAY_TESTENV/env for the tests.
#
#   scripts/test-env.sh          install + start everything (safe to run again)
#   scripts/test-env.sh docker   only dockerd and Compose v2 (enough for the quickstart's local target)
#   scripts/test-env.sh stop     stop what it started
set -euo pipefail

STATE="${GANGWAY_TESTENV:-/tmp/gangway-testenv}"
SSH_PORT="${GANGWAY_TEST_SSH_PORT:-2222}"
JUMP_PORT="${GANGWAY_TEST_JUMP_PORT:-2223}"
V1_PORT="${GANGWAY_TEST_V1_PORT:-2224}"
REGISTRY_ADDR="127.0.0.1:5000"
mkdir -p "$STATE"
log() { printf '[test-env] %s\n' "$*" >&2; }

# shellcheck source=scripts/pid-files.sh
. "$(dirname "$0")/pid-files.sh"
if [ "${1:-}" = stop ]; then
  for p in sshd-target sshd-jump sshd-v1 registry dockerd ssh-agent s3; do stop_pidfile "$STATE/$p.pid"; done
  exit 0
fi

need_root() { [ "$(id -u)" = 0 ] || { log "must run as root to install and start dockerd/sshd"; exit 1; }; }

apt_updated=""
apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  need_root
  if [ -z "$apt_updated" ]; then apt-get update -qq >&2; apt_updated=1; fi
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$STATE/apt.log" 2>&1 \
    || { tail -30 "$STATE/apt.log" >&2; exit 1; }
}

# Debian trixie's .debs, downloaded without adding trixie to the system's sources.
TRIXIE_APT="$STATE/compose-apt"
trixie_deb() { # PACKAGE: unpacks its .deb into $TRIXIE_APT/x-PACKAGE
  local work="$TRIXIE_APT"; mkdir -p "$work/lists/partial" "$work/archives/partial"
  echo "deb http://deb.debian.org/debian trixie main" >"$work/sources.list"
  local opts=(-oDir::Etc::SourceList="$work/sources.list" -oDir::Etc::SourceParts=/dev/null
    -oDir::State::Lists="$work/lists" -oDir::Cache::Archives="$work/archives" -oAPT::Get::List-Cleanup=0)
  if ! ls "$work/$1"_*.deb >/dev/null 2>&1; then
    apt-get "${opts[@]}" update -qq >&2
    (cd "$work" && apt-get "${opts[@]}" download "$1" >&2)
  fi
  rm -rf "$work/x-$1"; dpkg-deb -x "$work/$1"_*.deb "$work/x-$1"
}

# Compose v2 is not packaged for Debian 12: the static plugin binary out of trixie's docker-compose .deb.
install_compose_v2() {
  if docker compose version >/dev/null 2>&1; then return 0; fi
  need_root
  log "installing Docker Compose v2 plugin from Debian trixie's docker-compose .deb"
  trixie_deb docker-compose
  mkdir -p /usr/local/lib/docker/cli-plugins
  install -m 0755 "$TRIXIE_APT/x-docker-compose/usr/libexec/docker/cli-plugins/docker-compose" \
    /usr/local/lib/docker/cli-plugins/docker-compose
  docker compose version >&2
}

# buildx (trixie's docker-buildx) in a Docker config directory of its own, not on the system: the image.build tests
# run gangway with DOCKER_CONFIG=$STATE/buildx (a laptop with buildx) and without it (the classic builder only).
install_buildx() {
  if DOCKER_CONFIG="$STATE/buildx" docker buildx version >/dev/null 2>&1; then return 0; fi
  need_root
  log "installing the buildx plugin from Debian trixie's docker-buildx .deb into $STATE/buildx"
  trixie_deb docker-buildx
  mkdir -p "$STATE/buildx/cli-plugins"
  install -m 0755 "$TRIXIE_APT/x-docker-buildx/usr/libexec/docker/cli-plugins/docker-buildx" \
    "$STATE/buildx/cli-plugins/docker-buildx"
  DOCKER_CONFIG="$STATE/buildx" docker buildx version >&2
}

# promtool (the metrics tests validate gangway's exposition and rules with it), the Prometheus server and
# node_exporter (the monitoring test runs the dashboard's queries against them): Debian ships them in the
# prometheus (96 MB installed, with a service) and prometheus-node-exporter packages; only their static binaries
# are taken out of the .debs.
install_deb_binary() { # PACKAGE PATH-IN-DEB NAME-IN-/usr/local/bin
  if command -v "$3" >/dev/null 2>&1; then return 0; fi
  need_root
  log "installing $3 from Debian's $1 .deb"
  local work="$STATE/promtool-apt"; mkdir -p "$work"
  if [ -z "$apt_updated" ]; then apt-get update -qq >&2; apt_updated=1; fi
  (cd "$work" && rm -f "$1"_*.deb && apt-get download "$1" >&2)
  rm -rf "$work/x"; dpkg-deb -x "$work/$1"_*.deb "$work/x"
  install -m 0755 "$work/x/$2" "/usr/local/bin/$3"
  rm -rf "$work/x" "$work/$1"_*.deb
  "$3" --version 2>&1 | head -1 >&2
}
install_promtool() {
  install_deb_binary prometheus usr/bin/promtool promtool
  install_deb_binary prometheus usr/bin/prometheus prometheus
  install_deb_binary prometheus-node-exporter usr/bin/prometheus-node-exporter prometheus-node-exporter
}

# A real S3 server for the off-site copy tests (test/backup/s3.itest.ts) and rclone, which gangway runs on the servers
# for copy_to.s3 (Debian's package). The server is moto's (moto_server), which this machine's Python ships: Debian 12
# packages no S3 server (python3-moto arrives with trixie, tried when moto_server is missing) and its rclone 1.60
# predates `rclone serve s3` (1.65). It listens on 0.0.0.0:$S3_PORT so that every test host reaches it at
# 10.77.N.1:$S3_PORT; it keeps everything in memory and checks no signature, so each test makes its own bucket.
S3_PORT="${GANGWAY_TEST_S3_PORT:-5010}"
start_s3() {
  apt_install rclone
  if curl -fsS -o /dev/null "http://127.0.0.1:$S3_PORT/"; then return 0; fi
  local moto
  moto=$(command -v moto_server || true)
  if [ -z "$moto" ] && apt-cache show python3-moto >/dev/null 2>&1; then
    apt_install python3-moto python3-flask python3-flask-cors python3-werkzeug
    moto=$(command -v moto_server || true)
  fi
  [ -n "$moto" ] || { log "no moto_server (nor Debian's python3-moto): the S3 copy tests will fail"; return 0; }
  log "starting an S3 server (moto) on 0.0.0.0:$S3_PORT"
  # AWS_CA_BUNDLE and the like point moto's own AWS clients at a bundle it does not need (it serves plain HTTP).
  env -u AWS_CA_BUNDLE -u REQUESTS_CA_BUNDLE setsid nohup "$moto" -H 0.0.0.0 -p "$S3_PORT" >"$STATE/s3.log" 2>&1 \
    </dev/null &
  echo $! >"$STATE/s3.pid"
  wait_for 60 "the S3 server" curl -fsS -o /dev/null "http://127.0.0.1:$S3_PORT/" \
    || { tail -20 "$STATE/s3.log" >&2; exit 1; }
}

wait_for() { # wait_for SECONDS DESCRIPTION CMD...
  local secs=$1 what=$2; shift 2
  for _ in $(seq 1 $((secs * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  log "timed out after ${secs}s waiting for $what"; return 1
}

start_dockerd() {
  if docker info >/dev/null 2>&1; then return 0; fi
  need_root
  log "starting dockerd"
  # Stale after a killed engine, this number may now be another process's: dockerd would wait on it (test-hosts.sh).
  rm -f /var/run/docker/containerd/containerd.pid
  # Same for dockerd's own pid file: it refuses to start while the number in it is alive, whoever that is now.
  # (A test host's engine is a dockerd too, told apart by its arguments under $STATE.)
  local pid
  pid=$(cat /var/run/docker.pid 2>/dev/null || true)
  if [ -n "$pid" ] && ! { process_leader "$pid" && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ] &&
    ! grep -qaF "$STATE/" "/proc/$pid/cmdline"; }; then
    rm -f /var/run/docker.pid
  fi
  setsid nohup dockerd >"$STATE/dockerd.log" 2>&1 </dev/null &
  echo $! >"$STATE/dockerd.pid"
  wait_for 60 dockerd docker info || { tail -20 "$STATE/dockerd.log" >&2; exit 1; }
}

start_registry() {
  if alive "$STATE/registry.pid" || curl -fsS "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1; then return 0; fi
  mkdir -p "$STATE/registry-data"
  cat >"$STATE/registry.yml" <<YML
version: 0.1
storage:
  filesystem:
    rootdirectory: $STATE/registry-data
  delete:
    enabled: true
http:
  addr: $REGISTRY_ADDR
log:
  level: warn
YML
  log "starting registry on $REGISTRY_ADDR"
  setsid nohup docker-registry serve "$STATE/registry.yml" >"$STATE/registry.log" 2>&1 </dev/null &
  echo $! >"$STATE/registry.pid"
  wait_for 30 registry curl -fsS "http://$REGISTRY_ADDR/v2/"
}

# Keys are generated here, at test time, and never committed.
make_keys() {
  [ -f "$STATE/client_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C gangway-test-client -f "$STATE/client_ed25519"
  [ -f "$STATE/client_rsa_pass" ] \
    || ssh-keygen -q -t rsa -b 2048 -N 'test-passphrase' -C gangway-test-pass -f "$STATE/client_rsa_pass"
  [ -f "$STATE/agent_only_ed25519" ] \
    || ssh-keygen -q -t ed25519 -N '' -C gangway-test-agent -f "$STATE/agent_only_ed25519"
  for h in target jump v1; do
    [ -f "$STATE/host_${h}_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -f "$STATE/host_${h}_ed25519"
  done
  # A key the servers never see, for "changed host key" tests.
  [ -f "$STATE/host_other_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -f "$STATE/host_other_ed25519"
  chmod 600 "$STATE"/client_* "$STATE"/agent_only_* "$STATE"/host_*_ed25519
  cat "$STATE/client_ed25519.pub" "$STATE/client_rsa_pass.pub" "$STATE/agent_only_ed25519.pub" >"$STATE/authorized_keys"
  chmod 600 "$STATE/authorized_keys"
}

start_sshd() { # start_sshd NAME PORT [PATH]
  local name=$1 port=$2 cfg="$STATE/sshd_$1.conf" path=${3:-}
  cat >"$cfg.new" <<CFG
ListenAddress 127.0.0.1:$port
HostKey $STATE/host_${name}_ed25519
PidFile $STATE/sshd-$name.pid
AuthorizedKeysFile $STATE/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
StrictModes no
AllowTcpForwarding yes
UsePAM no
MaxSessions 32
MaxStartups 64
Subsystem sftp internal-sftp
SetEnv DOCKER_HOST=unix:///var/run/docker.sock${path:+ PATH=$path}
CFG
  if alive "$STATE/sshd-$name.pid"; then
    if cmp -s "$cfg.new" "$cfg"; then rm -f "$cfg.new"; return 0; fi
    mv "$cfg.new" "$cfg"; log "reloading sshd '$name' (configuration changed)"
    # The reload re-executes sshd, which logs its listening line again: wait for that line, not a fixed moment.
    local heard; heard=$(grep -c 'Server listening' "$STATE/sshd-$name.log" 2>/dev/null || true)
    kill -HUP "$(cat "$STATE/sshd-$name.pid")"
    # shellcheck disable=SC2016 # expanded by that sh
    wait_for 60 "sshd '$name' to reload" \
      sh -c '[ "$(grep -c "Server listening" "$1")" -gt "$2" ]' sh "$STATE/sshd-$name.log" "${heard:-0}"
    return 0
  fi
  mv "$cfg.new" "$cfg"
  mkdir -p /run/sshd
  log "starting sshd '$name' on 127.0.0.1:$port"
  /usr/sbin/sshd -f "$cfg" -E "$STATE/sshd-$name.log"
  wait_for 10 "sshd $name" bash -c "exec 3<>/dev/tcp/127.0.0.1/$port"
}

start_agent() {
  if [ -f "$STATE/agent.env" ]; then
    # shellcheck disable=SC1091
    . "$STATE/agent.env"
    if alive "$STATE/ssh-agent.pid" && SSH_AUTH_SOCK="$SSH_AUTH_SOCK" ssh-add -l >/dev/null 2>&1; then return 0; fi
  fi
  rm -f "$STATE/agent.sock"
  ssh-agent -a "$STATE/agent.sock" >/dev/null
  pgrep -f "ssh-agent -a $STATE/agent.sock" | head -1 >"$STATE/ssh-agent.pid"
  echo "SSH_AUTH_SOCK=$STATE/agent.sock" >"$STATE/agent.env"
  SSH_AUTH_SOCK="$STATE/agent.sock" ssh-add -q "$STATE/agent_only_ed25519" 2>/dev/null
}

if [ "${1:-}" = docker ]; then
  apt_install docker.io busybox-static curl
  install_compose_v2
  start_dockerd
  exit 0
fi

# cron and age: `gangway backup schedule` and encrypted backups; mmdebstrap: the PostgreSQL test image;
# openssl: the notification tests' SMTP server certificate; chromium: the dashboard test's browser.
apt_install docker.io openssh-server openssh-client docker-registry busybox-static curl procps docker-compose \
  cron age mmdebstrap openssl chromium
install_compose_v2
install_buildx
install_promtool
start_dockerd
# A real PostgreSQL from Debian's packages, cached in the engine by a hash of its recipe (built once, ~60 s).
log "postgres test image: $("$(dirname "$0")/postgres-image/build.sh")"
start_registry
start_s3
# The proxy of the blue/green tests, built from Debian's caddy (nothing can be pulled here).
"$(dirname "$0")/caddy-image.sh" gangway-test/caddy:2
make_keys
start_sshd target "$SSH_PORT"
start_sshd jump "$JUMP_PORT"
# A "Compose v1 server": the same engine, but its docker CLI has no compose plugin, so only the
# docker-compose v1 binary (Debian 12's package) is there — as on servers that never got the plugin.
mkdir -p "$STATE/v1-bin"
cat >"$STATE/v1-bin/docker" <<'SH'
#!/bin/sh
if [ "${1:-}" = compose ]; then echo "docker: 'compose' is not a docker command." >&2; exit 1; fi
if [ "${1:-}" = info ]; then
  # Nor does this CLI list a compose plugin in `docker info` (gangway reads Compose's version from that list):
  # a template that looks for it finds nothing.
  for arg in "$@"; do set -- "$@" "$(printf '%s' "$arg" | sed 's/"compose"/"no-compose-plugin-here"/g')"; shift; done
fi
exec /usr/bin/docker "$@"
SH
chmod 755 "$STATE/v1-bin/docker"
start_sshd v1 "$V1_PORT" "$STATE/v1-bin:/usr/local/bin:/usr/bin:/bin"
start_agent

cat >"$STATE/env" <<ENV
GANGWAY_TESTENV=$STATE
GANGWAY_TEST_SSH_HOST=127.0.0.1
GANGWAY_TEST_SSH_PORT=$SSH_PORT
GANGWAY_TEST_JUMP_PORT=$JUMP_PORT
GANGWAY_TEST_V1_PORT=$V1_PORT
GANGWAY_TEST_REGISTRY=$REGISTRY_ADDR
GANGWAY_TEST_S3_PORT=$S3_PORT
ENV
log "ready: dockerd $(docker version --format '{{.Server.Version}}'), compose $(docker compose version --short)," \
  "sshd :$SSH_PORT and :$JUMP_PORT, registry $REGISTRY_ADDR"
