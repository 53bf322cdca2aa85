#!/usr/bin/env bash
# Separate test hosts on this machine (GUIDE.md): each in its own network namespace, reached over a veth pair
# (10.77.N.1 here, 10.77.N.2 there), with its own dockerd and sshd started inside it, and its own deploy user
# `gwhN` whose home lies under the host's directory — so hosts share no engine, no compose project, no port
# and no `~/app`. Idempotent: what runs already is left alone. Needs root.
#   scripts/test-hosts.sh [N]       hosts 1..N (default 4); writes $GANGWAY_TESTENV/hosts.env
#   scripts/test-hosts.sh host N    host N alone (a benchmark's own), hosts.env untouched
#   scripts/test-hosts.sh host N containerd
#                                   the same with a current engine: Debian trixie's dockerd 26 and containerd 1.7
#                                   with the containerd image store (features.containerd-snapshotter)
#   scripts/test-hosts.sh swarm M W…
#                                   hosts M and W… joined in one Swarm (M the manager, W… workers) over a cluster
#                                   link of their own (see swarm_link below); writes $GANGWAY_TESTENV/swarm-M.env
# The docker CLI a host's SSH sessions find first (what gangway runs there): Debian trixie's (26) on the Swarm's
# nodes and on the containerd host, so a current CLI's refusals are caught (it refuses what Debian 12's 20.10
# accepts); elsewhere the machine's PATH decides. Debian 12's 20.10 stays covered by test-env.sh's Compose v1 server.
#   scripts/test-hosts.sh stop
# Each engine trusts a plain-HTTP registry at 10.77.N.1:5009 (the host's side of its link), for benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."
STATE="${GANGWAY_TESTENV:-/tmp/gangway-testenv}"
ROOT="$STATE/hosts"
log() { printf '[test-hosts] %s\n' "$*" >&2; }
[ "$(id -u)" = 0 ] || { log "must run as root (network namespaces, dockerd, sshd)"; exit 1; }

# shellcheck source=scripts/pid-files.sh
. scripts/pid-files.sh

if [ "${1:-}" = stop ]; then
  for dir in "$ROOT"/h*; do
    [ -d "$dir" ] || continue
    stop_pidfile "$dir/sshd.pid"
    stop_pidfile "$dir/dockerd.pid"
  done
  exit 0
fi

only=
flavour=
swarm=()
if [ "${1:-}" = host ]; then only=$2 flavour=${3:-}; fi
if [ "${1:-}" = swarm ]; then
  shift
  swarm=("$@")
  [ "${#swarm[@]}" -ge 1 ] || { log "usage: test-hosts.sh swarm MANAGER [WORKER…]"; exit 2; }
  only=${swarm[*]} flavour=swarm
fi
count="${1:-4}"
scripts/test-env.sh >/dev/null # the client key and the packages (docker.io, openssh-server) come from there
command -v ip >/dev/null || { apt-get update -qq && apt-get install -y -qq iproute2 >/dev/null; }

wait_for() { # SECONDS WHAT CMD…
  local deadline=$((SECONDS + $1)) what=$2
  shift 2
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || { log "timed out waiting for $what"; return 1; }
    sleep 0.2
  done
}

network() { # N
  local n=$1 ns="gw-h$1" outside="gwh$1" inside="gwh$1i"
  [ -e "/run/netns/$ns" ] || ip netns add "$ns"
  if ! ip link show "$outside" >/dev/null 2>&1; then
    ip link add "$outside" type veth peer name "$inside"
    ip link set "$inside" netns "$ns"
    ip addr add "10.77.$n.1/24" dev "$outside"
    ip netns exec "$ns" ip addr add "10.77.$n.2/24" dev "$inside"
  fi
  ip link set "$outside" up
  ip netns exec "$ns" ip link set lo up
  ip netns exec "$ns" ip link set "$inside" up
}

deploy_user() { # N
  local user="gwh$1" home="$ROOT/h$1/home"
  mkdir -p "$home/.ssh"
  id "$user" >/dev/null 2>&1 || useradd -M -d "$home" -s /bin/sh "$user"
  usermod -p '*' "$user" # sshd without PAM refuses a locked account
  cp "$STATE/client_ed25519.pub" "$home/.ssh/authorized_keys"
  chown -R "$user:$user" "$home"
  chmod 700 "$home/.ssh"
}

# Debian trixie's dockerd and containerd, unpacked from their .debs without touching the system's sources (as
# test-env.sh takes Compose v2); the system's runc (trixie's needs a newer glibc).
TRIXIE_APT="$STATE/engine-apt"
trixie_download() { # PACKAGE… (their .debs into $TRIXIE_APT)
  local work=$TRIXIE_APT
  mkdir -p "$work/lists/partial" "$work/archives/partial"
  echo "deb http://deb.debian.org/debian trixie main" >"$work/sources.list"
  local opts=(-oDir::Etc::SourceList="$work/sources.list" -oDir::Etc::SourceParts=/dev/null
    -oDir::State::Lists="$work/lists" -oDir::Cache::Archives="$work/archives" -oAPT::Get::List-Cleanup=0)
  log "fetching Debian trixie's $*"
  apt-get "${opts[@]}" update -qq >&2
  (cd "$work" && apt-get "${opts[@]}" download "$@" >&2 2>/dev/null)
}
NEW_ENGINE="$STATE/engine-trixie"
new_engine() {
  [ -x "$NEW_ENGINE/usr/sbin/dockerd" ] && return 0
  trixie_download docker.io containerd
  rm -rf "$NEW_ENGINE.tmp"
  for deb in "$TRIXIE_APT"/docker.io_*.deb "$TRIXIE_APT"/containerd_*.deb; do dpkg-deb -x "$deb" "$NEW_ENGINE.tmp"; done
  mv "$NEW_ENGINE.tmp" "$NEW_ENGINE"
}
# Debian trixie's docker CLI alone in a directory of its own (put first on PATH; plugins such as Compose v2 are
# found in the usual directories).
NEW_CLI="$STATE/cli-trixie"
new_cli() {
  [ -x "$NEW_CLI/docker" ] && return 0
  trixie_download docker-cli
  rm -rf "$NEW_CLI.tmp" "$NEW_CLI.x"
  for deb in "$TRIXIE_APT"/docker-cli_*.deb; do dpkg-deb -x "$deb" "$NEW_CLI.x"; done
  mkdir -p "$NEW_CLI.tmp"
  install -m 0755 "$NEW_CLI.x/usr/bin/docker" "$NEW_CLI.tmp/docker"
  rm -rf "$NEW_CLI.x"
  mv "$NEW_CLI.tmp" "$NEW_CLI"
}

engine() { # N [containerd | swarm]
  local dir="$ROOT/h$1" ns="gw-h$1"
  local sock="$dir/docker.sock" dockerd=dockerd path=$PATH extra=() uts=()
  # A Swarm node trusts the cluster's registry and has a host name of its own (nodes are told apart by it).
  if [ "${2:-}" = swarm ]; then
    extra=(--insecure-registry "$(swarm_registry "${swarm[0]}")")
    # shellcheck disable=SC2016 # expanded by that sh
    uts=(unshare --uts sh -c 'hostname "$0" && exec "$@"' "gwh$1")
  fi
  local wanted="${2:-classic} ${extra[*]}"
  if alive "$dir/dockerd.pid" && DOCKER_HOST="unix://$sock" docker info >/dev/null 2>&1; then
    # Started for another role (a Swarm node needs its registry flag): this host is the caller's, restart it.
    # An engine started before roles were noted is left alone unless it must become a Swarm node.
    local role
    role=$(cat "$dir/dockerd.role" 2>/dev/null || true)
    if [ "$role" = "$wanted" ] || { [ -z "$role" ] && [ "${2:-}" != swarm ]; }; then return 0; fi
    log "restarting dockerd of host $1 as: $wanted"
    kill "$(cat "$dir/dockerd.pid")"
    wait_for 60 "dockerd of host $1 to stop" bash -c "! kill -0 $(cat "$dir/dockerd.pid")"
  fi
  echo "$wanted" >"$dir/dockerd.role"
  if [ "${2:-}" = containerd ]; then
    new_engine
    dockerd="$NEW_ENGINE/usr/sbin/dockerd"
    path="$NEW_ENGINE/usr/bin:$NEW_ENGINE/usr/sbin:$PATH"
    echo '{"features": {"containerd-snapshotter": true}}' >"$dir/daemon.json"
    extra=(--config-file "$dir/daemon.json")
  fi
  mkdir -p "$dir/docker" "$dir/exec"
  # A containerd.pid left by an engine that was killed may name a process that exists again under that number (another
  # host's containerd): dockerd would take it for its own and wait on a socket nobody serves.
  rm -f "$dir/exec/containerd/containerd.pid"
  clear_stale_pidfile "$dir/dockerd.pid" "$dir/exec"
  # On a loaded machine dockerd can give up on its own containerd ("timeout waiting for containerd to start") and
  # exit: start it again rather than fail the whole test run.
  local attempt pid
  for attempt in 1 2 3; do
    log "starting dockerd of host $1 (network namespace $ns), attempt $attempt"
    # nsenter, not `ip netns exec`: that remounts /sys and hides the cgroups dockerd needs.
    PATH=$path setsid nohup nsenter --net="/run/netns/$ns" "${uts[@]}" "$dockerd" "${extra[@]}" \
      --data-root "$dir/docker" --exec-root "$dir/exec" \
      --pidfile "$dir/dockerd.pid" -H "unix://$sock" --group "gwh$1" --cgroup-parent "gw-h$1" \
      --insecure-registry "10.77.$1.1:5009" \
      >>"$dir/dockerd.log" 2>&1 </dev/null &
    pid=$!
    wait_for 120 "dockerd of host $1" engine_up_or_gone "$sock" "$pid"
    if DOCKER_HOST="unix://$sock" docker info >/dev/null 2>&1; then return 0; fi
    kill "$pid" 2>/dev/null || true
    log "dockerd of host $1 did not come up (last lines of $dir/dockerd.log):"
    tail -3 "$dir/dockerd.log" >&2
  done
  return 1
}

# A dockerd.pid whose engine no longer answers (killed, or the file copied with /tmp to another machine) makes dockerd
# refuse to start when its number is alive again. An engine of this host that hangs is stopped; any other process
# under that number is not ours, so only the file goes.
clear_stale_pidfile() { # PIDFILE EXEC_ROOT
  [ -f "$1" ] || return 0
  local pid
  pid=$(cat "$1")
  if [ -n "$pid" ] && process_leader "$pid" && grep -qaF "$2" "/proc/$pid/cmdline" 2>/dev/null; then
    kill -9 "$pid" 2>/dev/null || true
    pkill -9 -f "$2/containerd/containerd.toml" || true # its containerd would keep the lock on the metadata
    wait_for 60 "the hung dockerd $pid to exit" bash -c "! kill -0 $pid 2>/dev/null"
  fi
  rm -f "$1"
}

engine_up_or_gone() { # SOCKET PID: the engine answers, or the process that was to become it has exited
  DOCKER_HOST="unix://$1" docker info >/dev/null 2>&1 || ! kill -0 "$2" 2>/dev/null
}

ssh_server() { # N [containerd | swarm]
  local dir="$ROOT/h$1" cfg="$ROOT/h$1/sshd.conf" path=
  [ -f "$dir/host_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -f "$dir/host_ed25519"
  case "${2:-}" in containerd | swarm) new_cli && path=" PATH=$NEW_CLI:/usr/local/bin:/usr/bin:/bin" ;; esac
  cat >"$cfg.new" <<CFG
ListenAddress 10.77.$1.2:22
HostKey $dir/host_ed25519
PidFile $dir/sshd.pid
AuthorizedKeysFile .ssh/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
StrictModes no
UsePAM no
MaxSessions 32
MaxStartups 64
Subsystem sftp internal-sftp
SetEnv DOCKER_HOST=unix://$dir/docker.sock$path
CFG
  if alive "$dir/sshd.pid"; then
    # Running with another configuration (its CLI changed): reloaded, for new sessions only.
    if ! cmp -s "$cfg.new" "$cfg"; then
      mv "$cfg.new" "$cfg"
      log "reloading sshd of host $1 (configuration changed)"
      kill -HUP "$(cat "$dir/sshd.pid")"
      wait_for 10 "sshd of host $1" bash -c "exec 3<>/dev/tcp/10.77.$1.2/22"
    fi
    rm -f "$cfg.new"
    return 0
  fi
  mv "$cfg.new" "$cfg"
  mkdir -p /run/sshd
  log "starting sshd of host $1 on 10.77.$1.2:22"
  nsenter --net="/run/netns/gw-h$1" /usr/sbin/sshd -f "$cfg" -E "$dir/sshd.log"
  wait_for 10 "sshd of host $1" bash -c "exec 3<>/dev/tcp/10.77.$1.2/22"
}

# A Swarm's own network: a bridge in a namespace of its own (gw-swM) with a second link into each node, on
# 10.78.M.0/24 (node N is 10.78.M.N, the registry 10.78.M.1). Nothing of it is in this machine's namespace, so
# no route, forwarding rule or firewall of other hosts changes, and the nodes reach each other directly.
swarm_subnet() { echo "10.78.$1"; }
swarm_registry() { echo "$(swarm_subnet "$1").1:5009"; }
swarm_link() { # M W…
  local link="gw-sw$1" net addrs
  net=$(swarm_subnet "$1")
  [ -e "/run/netns/$link" ] || ip netns add "$link"
  ip netns exec "$link" ip link show br0 >/dev/null 2>&1 || ip netns exec "$link" ip link add br0 type bridge
  # The address list read whole first: `grep -q` under pipefail would fail when ip is cut off mid-write (SIGPIPE).
  addrs=$(ip netns exec "$link" ip addr show dev br0)
  grep -qF "inet $net.1/" <<<"$addrs" || ip netns exec "$link" ip addr add "$net.1/24" dev br0
  ip netns exec "$link" ip link set lo up
  ip netns exec "$link" ip link set br0 up
  for n in "$@"; do
    if ! ip netns exec "gw-h$n" ip link show sw0 >/dev/null 2>&1; then
      ip link add "gwsw$n" type veth peer name "gwswl$n"
      ip link set "gwswl$n" netns "$link"
      ip link set "gwsw$n" netns "gw-h$n"
      ip netns exec "gw-h$n" ip link set "gwsw$n" name sw0
      ip netns exec "gw-h$n" ip addr add "$net.$n/24" dev sw0
      ip netns exec "$link" ip link set "gwswl$n" master br0
    fi
    ip netns exec "$link" ip link set "gwswl$n" up
    ip netns exec "gw-h$n" ip link set sw0 up
  done
}

# The cluster's registry (Debian's docker-registry) inside the link's namespace: every node pulls the same name.
swarm_registry_start() { # M
  local dir="$ROOT/swarm$1" addr
  addr=$(swarm_registry "$1")
  mkdir -p "$dir/registry-data"
  if alive "$dir/registry.pid"; then return 0; fi
  cat >"$dir/registry.yml" <<YML
version: 0.1
storage:
  filesystem:
    rootdirectory: $dir/registry-data
  delete:
    enabled: true
http:
  addr: $addr
log:
  level: warn
YML
  log "starting the Swarm's registry on $addr"
  setsid nohup nsenter --net="/run/netns/gw-sw$1" docker-registry serve "$dir/registry.yml" \
    >"$dir/registry.log" 2>&1 </dev/null &
  echo $! >"$dir/registry.pid"
  wait_for 30 "the Swarm's registry" ip netns exec "gw-sw$1" curl -fsS "http://$addr/v2/"
}

node_docker() { DOCKER_HOST="unix://$ROOT/h$1/docker.sock" docker "${@:2}"; } # N ARGS…

# Manager M inits the Swarm (once), every worker joins it (again when it belongs to another one); nodes carry the
# label gw.host=N (placement constraints in tests), and nodes left from an earlier incarnation are removed.
swarm_join() { # M W…
  local m=$1 net token id
  net=$(swarm_subnet "$1")
  shift
  if [ "$(node_docker "$m" info -f '{{.Swarm.LocalNodeState}}')" != active ] \
    || [ "$(node_docker "$m" info -f '{{.Swarm.ControlAvailable}}')" != true ]; then
    node_docker "$m" swarm leave --force >/dev/null 2>&1 || true
    log "host $m: docker swarm init"
    node_docker "$m" swarm init --advertise-addr "$net.$m" --listen-addr "$net.$m:2377" >/dev/null
  fi
  token=$(node_docker "$m" swarm join-token -q worker)
  node_docker "$m" node update --label-add "gw.host=$m" "$(node_docker "$m" info -f '{{.Swarm.NodeID}}')" >/dev/null
  for w in "$@"; do
    id=$(node_docker "$w" info -f '{{.Swarm.NodeID}}')
    if [ "$(node_docker "$w" info -f '{{.Swarm.LocalNodeState}}')" != active ] || [ -z "$id" ] \
      || ! node_docker "$m" node inspect "$id" >/dev/null 2>&1; then
      node_docker "$w" swarm leave --force >/dev/null 2>&1 || true
      log "host $w: docker swarm join (worker of host $m)"
      node_docker "$w" swarm join --token "$token" --advertise-addr "$net.$w" "$net.$m:2377" >/dev/null
      id=$(node_docker "$w" info -f '{{.Swarm.NodeID}}')
    fi
    node_docker "$m" node update --label-add "gw.host=$w" "$id" >/dev/null
  done
  for id in $(node_docker "$m" node ls -q); do
    if [ "$(node_docker "$m" node inspect -f '{{.Status.State}}' "$id")" = down ]; then
      node_docker "$m" node rm "$id" >/dev/null
    fi
  done
  local ready="DOCKER_HOST=unix://$ROOT/h$m/docker.sock docker node ls --format '{{.Status}}' | grep -c Ready"
  wait_for 60 "every node of the Swarm ready" bash -c "[ \"\$($ready)\" = $(($# + 1)) ]"
}

# Whether this kernel runs Swarm's overlay networks: they are vxlan links, which some kernels lack (no module, none
# built in). Tried in the manager's namespace with a throwaway link; yes or no.
swarm_overlay() { # M
  local probe=gwvxprobe
  ip netns exec "gw-h$1" ip link del "$probe" >/dev/null 2>&1 || true
  if ip netns exec "gw-h$1" ip link add "$probe" type vxlan id 4242 dstport 4789 >/dev/null 2>&1; then
    ip netns exec "gw-h$1" ip link del "$probe"
    echo yes
  else
    echo no
  fi
}

mkdir -p "$ROOT"
chmod 755 "$STATE" "$ROOT"
hosts=$(if [ -n "$only" ]; then echo "$only"; else seq 1 "$count"; fi)
for n in $hosts; do
  mkdir -p "$ROOT/h$n"
  chmod 755 "$ROOT/h$n"
  network "$n"
  deploy_user "$n"
  engine "$n" "$flavour"
  ssh_server "$n" "$flavour"
done
if [ "${#swarm[@]}" -gt 0 ]; then
  swarm_link "${swarm[@]}"
  swarm_registry_start "${swarm[0]}"
  swarm_join "${swarm[@]}"
  overlay=$(swarm_overlay "${swarm[0]}")
  {
    echo "GANGWAY_SWARM_MANAGER=${swarm[0]}"
    echo "GANGWAY_SWARM_WORKERS=${swarm[*]:1}"
    echo "GANGWAY_SWARM_REGISTRY=$(swarm_registry "${swarm[0]}")"
    echo "GANGWAY_SWARM_SUBNET=$(swarm_subnet "${swarm[0]}").0/24"
    echo "GANGWAY_SWARM_OVERLAY=$overlay"
  } >"$STATE/swarm-${swarm[0]}.env"
  log "ready: Swarm of hosts ${swarm[*]} (manager ${swarm[0]}), registry $(swarm_registry "${swarm[0]}"), overlay" \
    "networks (vxlan): $overlay"
  exit 0
fi
if [ -n "$only" ]; then
  log "ready: host $only (gwh$only@10.77.$only.2, engine unix://$ROOT/h$only/docker.sock)"
  exit 0
fi
{
  echo "GANGWAY_TEST_HOSTS=$count"
  for n in $(seq 1 "$count"); do
    echo "GANGWAY_TEST_HOST_$n=gwh$n@10.77.$n.2"
    echo "GANGWAY_TEST_HOST_${n}_KEY=$ROOT/h$n/host_ed25519.pub"
    echo "GANGWAY_TEST_HOST_${n}_DOCKER=unix://$ROOT/h$n/docker.sock"
    echo "GANGWAY_TEST_HOST_${n}_HOME=$ROOT/h$n/home"
  done
} >"$STATE/hosts.env"
log "ready: $count hosts (10.77.1.2 … 10.77.$count.2), each with its own dockerd and sshd"
