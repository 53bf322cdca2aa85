# shellcheck shell=sh
# gangway's blue/green strategy, sourced by apply.sh when STRATEGY is blue-green: it defines apply.sh's strategy
# hooks (strategy_*) and uses its helpers (say, fail, step_event, run_up, compose_in, services_healthy,
# http_checks, fatal_logs, nap, compose_*; json_str from json.sh).
#
# The proxied service runs as the compose project <app>-blue or <app>-green (the app's compose files plus
# colour.yml); the rest of the stack stays in the project <app>, where the proxied service is at scale 0. One
# Caddy per host (container gangway-proxy, network gangway-proxy) routes each app to the colour whose marker
# <proxy home>/live/<app>.<colour> exists; the switch is one rename of that marker (no config reload, so no
# client connection is closed). The proxy's files live in the <dir>/.gangway/proxy/caddy of the app that
# installed it (its container's label gangway.proxy.home says where); each app keeps its own colour state in
# <dir>/.gangway/proxy/.
#
# vars.sh adds: PROXY_SERVICE PROXY_PORT PROXY_IMAGE PROXY_HTTP PROXY_HTTPS PROXY_PATH PROXY_INTERVAL
# PROXY_PASSES PROXY_TIMEOUT PROXY_DRAIN PROXY_STANDBY PROXY_SERVER PROXY_ORDER PROXY_METRICS PROXY_END_MAINTENANCE
# PROXY_ADDRESS (the host address the ports are published on; empty: every one).
# Data beside it:
# colour.yml, proxy-route.json, proxy-tls.json (may be empty), proxy-domains (one a line; none: every host name),
# and, sourced at the end, standby.sh (the standby kept for a rollback), proxy-metrics.sh (the proxy's Prometheus
# metrics: metrics_parts, metrics_ports, …) and canary.sh (the traffic canary).
# shellcheck disable=SC2034 # FAIL_SERVICE, DEADLINE, RECORD_EXTRA, PROBED_SERVICE, STOPPED: apply.sh's variables
# shellcheck disable=SC2086 # $COMPOSE splits on newlines (IFS) into its argv, as in apply.sh

PROXY=gangway-proxy
PROXY_NET=gangway-proxy
STATE_DIR=$G_PROXY
CONF=
NEW_COLOUR=
OLD_COLOUR=
SWITCHED_AT=

other_colour() { if [ "$1" = blue ]; then echo green; else echo blue; fi; }
colour_alias() { printf 'gangway-%s-%s' "$APP" "$1"; }
# The colour that takes the app's traffic: the one whose marker exists (none before the first switch).
serving_colour() {
  for c in blue green; do
    [ -e "$CONF/live/$APP.$c" ] && { echo "$c"; return 0; }
  done
}
colour_tag() { sed -n 's/^[^ ]* //p' "$STATE_DIR/$1" 2>/dev/null; }
# Compose for one colour of the proxied service: the release's compose files, colour.yml and its colour.
dcc() { # COLOUR TAG ARGS…
  dcc_colour=$1
  dcc_tag=$2
  shift 2
  colour_file=$DATA/colour.yml
  [ -f "$colour_file" ] || colour_file=$REL/colour.yml
  compose_in "$APP-$dcc_colour" "$dcc_tag" "$dcc_colour" "$colour_file" "$@"
}

# A service's container and logs (apply.sh's hooks): the proxied service lives in a colour project.
GATE_COLOUR=
strategy_cid() { # SERVICE TAG
  if [ "$1" = "$PROXY_SERVICE" ] && [ -n "$GATE_COLOUR" ]; then
    project_cid "$APP-$GATE_COLOUR" "$1"
  else
    project_cid "$APP" "$1"
  fi
}
strategy_logs() { # SERVICE TAG LINES
  if [ "$1" = "$PROXY_SERVICE" ] && [ -n "$GATE_COLOUR" ]; then
    dcc "$GATE_COLOUR" "$2" logs --no-color --tail "$3" "$1" 2>&1
  else
    compose_logs "$1" "$2" "$3"
  fi
}

in_proxy() { docker exec "$PROXY" "$@"; }
admin_get() { in_proxy wget -q -O - "http://localhost:2019$1" 2>/dev/null; }

# Another app's deploy may be changing the proxy's files: one at a time. The holder writes its pid and that
# process's start time into .lock/holder; the lock is taken from it only once that process is gone (however
# long it pulls the proxy image or waits for the admin API), or, with no holder file (a release of an older
# gangway, or a holder that died right after mkdir), once the lock is older than a minute.
proc_start() { [ -r "/proc/$1/stat" ] && sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f20; } # PID
proc_alive() { # PID [START]: running (not a zombie), and the same process when its start time is known
  case $1 in '' | *[!0-9]*) return 1 ;; esac
  if [ -r "/proc/$1/stat" ]; then
    [ "$(sed 's/.*) //' "/proc/$1/stat" | cut -c1)" != Z ] || return 1
    [ -z "${2:-}" ] || [ "$(proc_start "$1")" = "$2" ]
  else
    kill -0 "$1" 2>/dev/null
  fi
}
# Prints why the proxy lock's holder no longer holds it (nothing while it does).
proxy_lock_stale() {
  h_pid=
  [ -f "$CONF/.lock/holder" ] && { IFS=" " read -r h_pid h_start 2>/dev/null < "$CONF/.lock/holder" || h_pid=; }
  if [ -n "$h_pid" ]; then
    proc_alive "$h_pid" "$h_start" || echo "its holder (pid $h_pid) is gone"
  elif [ -d "$CONF/.lock" ] && [ -n "$(find "$CONF/.lock" -maxdepth 0 -mmin +1 2>/dev/null)" ]; then
    echo "it names no holder and is over a minute old"
  fi
}
# Waits while a live holder has the lock (an image pull, Caddy starting), but not for ever: a holder stuck in
# a reload must not hold every other app's deploy past its deadline. Returns 1 after PROXY_LOCK_WAIT seconds.
PROXY_LOCK_WAIT=300
proxy_lock() {
  lock_until=$(($(date +%s) + PROXY_LOCK_WAIT))
  until mkdir "$CONF/.lock" 2>/dev/null; do
    [ "$(date +%s)" -lt "$lock_until" ] || return 1
    # One contender at a time takes a stale lock over (a guard left by a dead one goes after a minute).
    [ -n "$(find "$CONF/.lock.takeover" -maxdepth 0 -mmin +1 2>/dev/null)" ] && rmdir "$CONF/.lock.takeover"
    if [ -n "$(proxy_lock_stale)" ] && mkdir "$CONF/.lock.takeover" 2>/dev/null; then
      why=$(proxy_lock_stale)
      if [ -n "$why" ] && mv "$CONF/.lock" "$CONF/.lock.stale.$$" 2>/dev/null; then
        rm -rf "$CONF/.lock.stale.$$"
        say "took the proxy lock over: $why"
      fi
      rmdir "$CONF/.lock.takeover"
      continue
    fi
    nap
  done
  # Written aside and renamed: a contender must never read a half-written (empty) holder as a dead one.
  printf '%s %s\n' "$$" "$(proc_start "$$")" > "$CONF/.lock/holder.$$" &&
    mv -f "$CONF/.lock/holder.$$" "$CONF/.lock/holder"
}
proxy_unlock() {
  IFS=" " read -r h_pid h_start 2>/dev/null < "$CONF/.lock/holder" || return 0
  [ "$h_pid" = "$$" ] && mv "$CONF/.lock" "$CONF/.lock.released.$$" 2>/dev/null && rm -rf "$CONF/.lock.released.$$"
  return 0
}

# The files of a directory, sorted, their contents joined by commas (JSON array items).
join_json() { # DIR
  sep=
  # shellcheck disable=SC2012 # the names are gangway's own: <order>-<app>.json, <app>.json
  for f in $(ls -1 "$1" 2>/dev/null | sort); do
    [ -s "$1/$f" ] || continue
    printf '%s' "$sep"
    cat "$1/$f"
    sep=,
  done
}

# The whole Caddy config: every app's routes and TLS policies on this host.
proxy_config() {
  http=$(join_json "$CONF/routes/http")
  https=$(join_json "$CONF/routes/https")
  tls=$(join_json "$CONF/tls")
  metrics_parts
  canary_log_parts
  servers="\"gangway-http\":{\"listen\":[\":$PROXY_HTTP\"],\"routes\":[$http]$METRICS_ON$CANARY_LOG_ON}"
  tail="$METRICS_ON$CANARY_LOG_ON}"
  [ -n "$https" ] && servers="$servers,\"gangway-https\":{\"listen\":[\":$PROXY_HTTPS\"],\"routes\":[$https]$tail"
  servers="$servers$METRICS_SERVER"
  apps="\"http\":{\"http_port\":$PROXY_HTTP,\"https_port\":$PROXY_HTTPS,\"servers\":{$servers}$METRICS_APP}"
  [ -n "$tls" ] && apps="$apps,\"tls\":{\"automation\":{\"policies\":[$tls]}}"
  apps="$apps,\"pki\":{\"certificate_authorities\":{\"local\":{\"install_trust\":false}}}"
  printf '{"admin":{"listen":"localhost:2019"},"apps":{%s}%s}\n' "$apps" "$CANARY_LOGGING"
}

# A value for a double-quoted YAML string that Compose also interpolates ($ doubled).
yaml_str() { json_str "$1" | sed 's/\$/$$/g'; }

# What the proxy listens on, as <dir>/listen holds it (an older gangway wrote the two ports alone).
proxy_listen() { printf '%s %s%s\n' "$PROXY_HTTP" "$PROXY_HTTPS" "${PROXY_ADDRESS:+ $PROXY_ADDRESS}"; }
# A published port on PROXY_ADDRESS (IPv6 in brackets), or on every address.
published() { # PORT
  case ${PROXY_ADDRESS:-} in
    '') printf '%s:%s' "$1" "$1" ;;
    *:*) printf '[%s]:%s:%s' "$PROXY_ADDRESS" "$1" "$1" ;;
    *) printf '%s:%s:%s' "$PROXY_ADDRESS" "$1" "$1" ;;
  esac
}

proxy_compose_file() {
  home=$(yaml_str "$CONF")
  cat <<EOF
# Generated by gangway: the proxy every gangway app on this host shares.
services:
  caddy:
    image: "$(yaml_str "$PROXY_IMAGE")"
    container_name: $PROXY
    restart: unless-stopped
    command: ["caddy", "run", "--config", "/gangway/caddy.json"]
    ports: ["$(published "$PROXY_HTTP")", "$(published "$PROXY_HTTPS")"$(metrics_ports)]
    environment: { XDG_DATA_HOME: /data, XDG_CONFIG_HOME: /config }
    volumes:
      - { type: bind, source: "$home", target: /gangway, read_only: true }
      - { type: bind, source: "$home/data", target: /data }
      - { type: bind, source: "$home/config", target: /config }
    labels: { gangway.proxy.home: "$home" }
    networks: [$PROXY_NET]
networks:
  $PROXY_NET: { name: $PROXY_NET, external: true }
EOF
}

proxy_fail() { fail proxy "$*"; routes_unstash; proxy_unlock; return 1; }

# This app's route and TLS files are set aside before new ones are written (and the config with them): a
# failure, a refused reload above all, puts them back, so no other app's reload ever carries a rejected route.
UNDO=
app_files() { for r in http/10 http/90 https/10 https/90; do echo "routes/$r-$APP.json"; done; echo "tls/$APP.json"; }
routes_stash() {
  UNDO=$CONF/.undo-$APP
  rm -rf "$UNDO" && mkdir -p "$UNDO/routes/http" "$UNDO/routes/https" "$UNDO/tls" || return 1
  for f in $(app_files); do
    if [ -f "$CONF/$f" ]; then mv -f "$CONF/$f" "$UNDO/$f" || return 1; fi
  done
  rm -f "$CONF/caddy.json.prev"
  [ ! -f "$CONF/caddy.json" ] || cp "$CONF/caddy.json" "$CONF/caddy.json.prev"
}
routes_unstash() {
  [ -n "$UNDO" ] && [ -d "$UNDO" ] || return 0
  for f in $(app_files); do
    rm -f "$CONF/$f"
    if [ -f "$UNDO/$f" ]; then mv -f "$UNDO/$f" "$CONF/$f"; fi
  done
  if [ -f "$CONF/caddy.json.prev" ]; then mv -f "$CONF/caddy.json.prev" "$CONF/caddy.json"; fi
  rm -rf "$UNDO"
  UNDO=
}
routes_keep() {
  [ -n "$UNDO" ] && rm -rf "$UNDO"
  UNDO=
  rm -f "$CONF/caddy.json.prev"
  # Whose route it is: the app's dir, then its domains (none: every host name), for the next app's checks. A
  # release of an older gangway has no proxy-domains: the domains noted before stay.
  {
    printf '%s\n' "$DIR"
    if [ -f "$DATA/proxy-domains" ]; then cat "$DATA/proxy-domains"; else sed 1d "$CONF/apps/$APP" 2>/dev/null; fi
  } > "$CONF/apps/.$APP.tmp" && mv -f "$CONF/apps/.$APP.tmp" "$CONF/apps/$APP"
}
# Caddy's answer to a refused config, without its wrapping: "… HTTP 400: {"error":"loading config: …"}".
caddy_error() { # OUTPUT
  printf '%s\n' "$1" | grep -v '^[[:space:]]*$' | tail -n 1 | sed -e 's/^Error: //' \
    -e 's/.*"error":"\(.*\)"}[[:space:]]*$/\1/' -e 's/^\(loading [a-z ]*: \)*//'
}

# Another app on this proxy whose traffic this app's route would take, or that would take this app's: one
# more app without domains (a catch-all after a catch-all never sees a request), or a domain both route.
proxy_conflict() {
  for d in http https; do
    # shellcheck disable=SC2045 # the names are gangway's own: <order>-<app>.json
    for f in $(ls -1 "$CONF/routes/$d" 2>/dev/null); do
      other=${f#*-}
      other=${other%.json}
      [ "$other" = "$APP" ] && continue
      where=$(head -n 1 "$CONF/apps/$other" 2>/dev/null)
      where="app $other${where:+ (deployed to $where)}"
      if [ "$PROXY_ORDER" = 90 ] && [ "${f%%-*}" = 90 ]; then
        echo "this proxy already sends every host name to $where: give $APP proxy.domains" \
          "(or remove $CONF/routes/$d/$f if $other is gone)"
        return
      fi
      same=
      [ -s "$DATA/proxy-domains" ] && [ -f "$CONF/apps/$other" ] \
        && same=$(sed 1d "$CONF/apps/$other" | grep -ixF -f "$DATA/proxy-domains" | head -n 1)
      if [ -n "$same" ]; then
        echo "$where already routes $same on this proxy (remove $CONF/routes/$d/$f if $other is gone)"
        return
      fi
    done
  done
}

proxy_up() { # [COMPOSE UP OPTION]
  if ! out=$(clean_env --host-only $COMPOSE -p "$PROXY" -f "$CONF/compose.yml" up -d "$@" 2>&1); then
    say "$out"
    proxy_fail "the proxy did not start: $(printf '%s' "$out" | tail -n 1)"
    return 1
  fi
}

# Where the proxy's files are: its container's label says; without one, this app's own home (it installs it there).
proxy_home() {
  CONF=$(docker inspect -f '{{index .Config.Labels "gangway.proxy.home"}}' "$PROXY" 2>/dev/null)
  [ -n "$CONF" ] && [ -d "$CONF" ] || CONF=$STATE_DIR/caddy
}

# Install or update the proxy and this app's routes; afterwards CONF is the proxy's home.
proxy_ensure() {
  if ! docker network inspect "$PROXY_NET" > /dev/null 2>&1 && ! docker network create "$PROXY_NET" > /dev/null 2>&1 \
    && ! docker network inspect "$PROXY_NET" > /dev/null 2>&1; then # (another deploy may have just created it)
    fail proxy "cannot create the network $PROXY_NET"
    return 1
  fi
  proxy_home
  own=
  [ "$CONF" = "$STATE_DIR/caddy" ] && own=1
  mkdir -p "$CONF/live" "$CONF/apps" "$CONF/routes/http" "$CONF/routes/https" "$CONF/tls" "$CONF/data" \
    "$CONF/config" || { fail proxy "cannot create $CONF"; return 1; }
  proxy_lock || {
    fail proxy "another app's deploy held the proxy lock ($CONF/.lock) for over ${PROXY_LOCK_WAIT}s"
    return 1
  }
  if [ -z "$own" ] && [ "$(cat "$CONF/listen" 2>/dev/null)" != "$(proxy_listen)" ]; then
    proxy_fail "the proxy on this host (files in $CONF) listens on $(cat "$CONF/listen" 2>/dev/null);" \
      "set proxy.listen to match"
    return 1
  fi
  conflict=$(proxy_conflict)
  [ -n "$conflict" ] || conflict=$(metrics_conflict)
  if [ -n "$conflict" ]; then
    proxy_fail "$conflict"
    return 1
  fi
  routes_stash || { proxy_fail "cannot set aside the routes of $APP in $CONF"; return 1; }
  if [ -n "$own" ] && ! printf '%s\n' "${PROXY_METRICS:-}" > "$CONF/metrics"; then
    proxy_fail "cannot write $CONF/metrics"
    return 1
  fi
  route=$CONF/routes/$PROXY_SERVER/$PROXY_ORDER-$APP.json
  cp "$DATA/proxy-route.json" "$route" || { proxy_fail "cannot write $route"; return 1; }
  [ -s "$DATA/proxy-tls.json" ] && cp "$DATA/proxy-tls.json" "$CONF/tls/$APP.json"
  proxy_config > "$CONF/caddy.json.new" || { proxy_fail "cannot write the proxy config"; return 1; }
  changed=1
  cmp -s "$CONF/caddy.json.new" "$CONF/caddy.json" && changed=
  mv -f "$CONF/caddy.json.new" "$CONF/caddy.json"
  running=$(docker inspect -f '{{.State.Running}}' "$PROXY" 2>/dev/null)
  started=
  if [ -n "$own" ]; then
    proxy_compose_file > "$CONF/compose.yml.new" && proxy_listen > "$CONF/listen"
    [ -s "$CONF/.home-id" ] || printf '%s-%s\n' "$(date +%s)" "$$" > "$CONF/.home-id"
    # Compose is asked only when something changed (it takes a while, and the switch waits for it).
    if [ "$running" != true ] || ! cmp -s "$CONF/compose.yml.new" "$CONF/compose.yml"; then
      mv -f "$CONF/compose.yml.new" "$CONF/compose.yml"
      proxy_up || return 1
      started=1
    fi
    # A container still bound to an earlier directory of the same path (deleted, made anew) sees none of
    # these files: it is recreated on this one.
    if [ "$(in_proxy cat /gangway/.home-id 2>/dev/null)" != "$(cat "$CONF/.home-id")" ]; then
      say "the proxy does not see $CONF: recreating it"
      proxy_up --force-recreate || return 1
      started=1
    fi
  elif [ "$running" != true ]; then
    docker start "$PROXY" > /dev/null 2>&1 || { proxy_fail "the proxy container $PROXY does not start"; return 1; }
    started=1
  fi
  n=0
  # A proxy that was running already answers: the wait is for one that just started.
  until [ -z "$started" ] || admin_get /config/ > /dev/null; do
    n=$((n + 1))
    [ "$n" -ge 80 ] && { proxy_fail "the proxy's admin API does not answer"; return 1; }
    nap
  done
  if [ -n "$changed" ]; then
    if ! out=$(in_proxy caddy reload --config /gangway/caddy.json 2>&1); then
      say "$(printf '%s\n' "$out" | mask)"
      proxy_fail "the proxy refused the routes of $APP (put back as they were): $(caddy_error "$out")"
      return 1
    fi
    say "proxy config loaded (routes of $APP)"
  fi
  routes_keep
  proxy_unlock
  step_event "proxy" ok "$PROXY ready ($CONF)"
}

# The rest of the stack, in place: only what changed is recreated; the proxied service is at scale 0 here.
stack_up() { run_up "$1" dc "$1" up -d --remove-orphans --scale "$PROXY_SERVICE=0"; }
# The same in a process of its own (its failure noted in .stack-fail); stack_wait waits for it, says whether it
# passed and takes its failure over unless this apply failed first. Every path out of bg_up waits for it.
STACK_PID=
STACK_RC=0
stack_up_bg() { # TAG
  rm -f "$REL/.stack-fail"
  (stack_up "$1" || printf '%s\n%s\n' "$FAIL_STEP" "$FAIL_REASON" > "$REL/.stack-fail") < /dev/null &
  STACK_PID=$!
}
stack_wait() {
  [ -n "$STACK_PID" ] || return "$STACK_RC"
  wait "$STACK_PID"
  STACK_PID=
  [ -f "$REL/.stack-fail" ] || return 0
  STACK_RC=1
  if [ -z "$FAIL_STEP" ]; then
    FAIL_STEP=$(sed -n 1p "$REL/.stack-fail")
    FAIL_REASON=$(sed -n 2p "$REL/.stack-fail")
  fi
  return 1
}

colour_up() { # COLOUR TAG
  run_up "$2 as $1" dcc "$1" "$2" up -d --no-deps "$PROXY_SERVICE"
}

# The colour answers the health path from the proxy's network, PROXY_PASSES times in a row: one loop inside
# the proxy container (sh, wget, timeout, sleep and date are in caddy:2), not one docker exec per try. When
# it gives up it prints its last failed try's own error (busybox wget: the answer's status line, or why it
# could not connect) as the failure's first error line.
# shellcheck disable=SC2016 # expanded by the sh inside the proxy container
PROBE='url=$1 want=$2 interval=$3 end=$4 n=0 last="no answer yet"
while :; do
  if out=$(timeout 5 wget -q -O /dev/null "$url" 2>&1); then n=$((n + 1)); else
    rc=$?
    n=0
    last=$(printf "%s\n" "$out" | grep -v "^[[:space:]]*$" | tail -n 1)
    [ -n "$last" ] || last="no 2xx answer (wget exit $rc)"
  fi
  [ "$n" -ge "$want" ] && exit 0
  [ "$(date +%s)" -ge "$end" ] && { printf "%s\n" "$last"; exit 1; }
  sleep "$interval" 2> /dev/null || sleep 1
done'
in_a_row() { if [ "$1" = 1 ]; then echo once; else echo "$1 times in a row"; fi; } # PASSES
colour_url() { printf 'http://%s:%s%s' "$(colour_alias "$1")" "$PROXY_PORT" "$PROXY_PATH"; } # COLOUR
# Meanwhile the colour's container is watched: one that exits or that Docker finds unhealthy fails at once. The
# watch runs beside the probe, which is waited for itself: its last pass is noticed at once, not a poll later.
colour_probe() { # COLOUR TAG [PASSES]
  passes=${3:-$PROXY_PASSES}
  url=$(colour_url "$1")
  rm -f "$REL/.probe-watch"
  in_proxy sh -c "$PROBE" probe "$url" "$passes" "$PROXY_INTERVAL" "$(($(date +%s) + PROXY_TIMEOUT))" \
    > "$REL/.probe-out" 2>&1 &
  probe=$!
  (
    cid=$(strategy_cid "$PROXY_SERVICE" "$2") # looked up here: the probe need not wait for it
    while kill -0 "$probe" 2> /dev/null; do
      state=$(docker inspect -f "$HEALTH_TEMPLATE" "$cid" 2> /dev/null)
      case "$state" in
        */unhealthy | exited/* | dead/* | '')
          printf '%s\n' "${state:-gone}" > "$REL/.probe-watch"
          kill "$probe" 2> /dev/null
          exit 0
          ;;
      esac
      nap
    done
  ) < /dev/null > /dev/null 2>&1 &
  watch=$!
  wait "$probe"
  probe_rc=$?
  kill "$watch" 2> /dev/null
  wait "$watch" 2> /dev/null
  if [ -s "$REL/.probe-watch" ]; then
    FAIL_SERVICE=$PROXY_SERVICE
    fail "health $PROXY_SERVICE" "the $1 colour's container is $(cat "$REL/.probe-watch") (before $url answered)"
    return 1
  fi
  if [ "$probe_rc" = 0 ]; then
    say "ok $url answered $(in_a_row "$passes")"
    return 0
  fi
  FAIL_SERVICE=$PROXY_SERVICE
  FAIL_LINE="$url: $(grep -v '^[[:space:]]*$' "$REL/.probe-out" 2>/dev/null | tail -n 1 | strip_ansi | mask)"
  fail "proxy health" "$url did not answer 2xx $(in_a_row "$passes") within ${PROXY_TIMEOUT}s"
  return 1
}

gate_begin() { # COLOUR TAG
  GATE_COLOUR=$1
  PROBED_SERVICE=$PROXY_SERVICE # Docker's own healthcheck may still be starting: the probe decides
  DEADLINE=$(($(date +%s) + TIMEOUT))
  say "health gate for $2 ($1, from the proxy's network)"
}

colour_gate() { # COLOUR TAG
  gate_begin "$1" "$2"
  services_healthy "$2" && colour_probe "$1" "$2" && http_checks && fatal_logs "$2" || return 1
  step_event "health gate" ok "$2 passed ($1)"
}

# Traffic to COLOUR from the next request on: one rename of the app's marker.
switch_to() { # COLOUR
  live=$CONF/live
  from=$(serving_colour)
  if [ -z "$from" ]; then
    if ! { : > "$live/.$APP.tmp" && mv -f "$live/.$APP.tmp" "$live/$APP.$1"; }; then
      fail switch "cannot write $live"
      return 1
    fi
  elif [ "$from" != "$1" ]; then
    mv -f "$live/$APP.$from" "$live/$APP.$1" || { fail switch "cannot rename the marker in $live"; return 1; }
  fi
  SWITCHED_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  printf '%s\n' "$1" > "$STATE_DIR/serving"
  step_event "switch" ok "traffic goes to $1${from:+ (was $from)}"
}

# Requests the old colour took before the switch may finish (within PROXY_DRAIN seconds).
drain() { # COLOUR
  addr="$(colour_alias "$1"):$PROXY_PORT"
  end=$(($(date +%s) + PROXY_DRAIN))
  sleep 1 # a request routed just before the rename reaches the upstream's counter within this
  while :; do
    n=$(admin_get /reverse_proxy/upstreams | tr '{' '\n' | grep -F "\"address\":\"$addr\"" \
      | sed -n 's/.*"num_requests":\([0-9]*\).*/\1/p' | head -n 1)
    if [ "${n:-0}" -eq 0 ]; then say "drained $1"; return 0; fi
    if [ "$(date +%s)" -ge "$end" ]; then say "drain: $n request(s) still on $1 after ${PROXY_DRAIN}s"; return 0; fi
    nap
  done
}

colour_remove() { # COLOUR TAG
  dcc "$1" "$2" rm -s -f "$PROXY_SERVICE" > /dev/null 2>&1
  rm -f "$STATE_DIR/$1"
  say "removed the $1 colour"
}

# The new release's colour serves: start it beside the old one, gate it, switch; the old one parks after the record.
bg_up() { # TAG
  mkdir -p "$STATE_DIR" || { fail proxy "cannot create $STATE_DIR"; return 1; }
  park_wait
  # A rollback's stack comes up while the proxy and the standby are seen to; the switch waits for it (bg_switch).
  if [ "$OPERATION" = rollback ]; then stack_up_bg "$1"; else stack_up "$1" || return 1; fi
  bg_colour "$1"
  bu_rc=$?
  stack_wait || bu_rc=1
  [ "$bu_rc" = 0 ] || return 1
  RECORD_EXTRA="$RECORD_EXTRA,\"switched_at\":\"$SWITCHED_AT\""
  # The old colour is drained and stopped after the record (park_later): the command does not wait for it.
  [ "$PROXY_STANDBY" != stopped ] || PARK=$OLD_COLOUR
  return 0
}

bg_colour() { # TAG
  # A rollback reads the colours from the proxy's home at once: the standby starts while the proxy is seen to.
  if [ "$OPERATION" = rollback ]; then proxy_home; else proxy_ensure || return 1; fi
  OLD_COLOUR=$(serving_colour)
  NEW_COLOUR=$(other_colour "${OLD_COLOUR:-green}")
  printf '%s\n' "$NEW_COLOUR" > "$REL/colour"
  printf '%s\n' "$OLD_COLOUR" > "$REL/prev_colour"
  RECORD_EXTRA=",\"colour\":\"$NEW_COLOUR\",\"previous_colour\":\"$OLD_COLOUR\""
  # The colour taken held the standby of the release before the serving one: noted, to be made again if this fails.
  rm -f "$REL/standby"
  [ ! -s "$STATE_DIR/$NEW_COLOUR" ] || cp "$STATE_DIR/$NEW_COLOUR" "$REL/standby"
  printf '%s %s\n' "$ID" "$1" > "$STATE_DIR/$NEW_COLOUR"
  if [ "$OPERATION" = rollback ]; then
    # A rollback to the release that colour stands by with only starts it (standby.sh).
    standby_start_bg "$NEW_COLOUR" "$1"
    proxy_ensure || { standby_wait; return 1; }
    if standby_wait; then
      standby_serve "$NEW_COLOUR" "$1"
      return
    fi
  fi
  stack_wait || return 1 # the colour's networks and volumes are the stack's
  colour_up "$NEW_COLOUR" "$1" && colour_gate "$NEW_COLOUR" "$1" && bg_switch
}

# The switch once the stack is up. A rollback goes back to a release that served: at once, never in canary steps.
bg_switch() {
  stack_wait || return 1
  if [ "$OPERATION" = rollback ]; then switch_to "$NEW_COLOUR"; else canary_or_switch; fi
}

# Put the release in place before this one back (its files are in place): the colour that served it takes
# the traffic (back, if the switch had happened), the new colour goes, the rest of the stack follows.
bg_restore() { # TAG
  if [ ! -f "$DATA/colour.yml" ]; then up "$1" && gate "$1"; return; fi # it ran without the proxy
  [ -n "$CONF" ] || proxy_ensure || return 1
  park_wait # (a recover comes here without bg_up)
  canary_clear
  new=$(cat "$REL/colour" 2>/dev/null)
  back=$(cat "$REL/prev_colour" 2>/dev/null)
  stack_up "$1" || return 1
  if [ -n "$new" ] && [ "$(serving_colour)" = "$new" ]; then
    [ -n "$back" ] || return 1
    colour_up "$back" "$1" && colour_gate "$back" "$1" && switch_to "$back" || return 1
    drain "$new"
  else
    GATE_COLOUR=$back
    gate "$1" || return 1
  fi
  [ -n "$new" ] || return 0
  colour_remove "$new" "$1"
  standby_back "$new"
  return 0
}

# A first deploy that failed: nothing served before, so nothing of it may keep running, and its route goes
# (it would answer 503 for host names no release serves, and keep the next app's deploy out as a conflict).
bg_stop_new() {
  new=$(cat "$REL/colour" 2>/dev/null)
  [ -n "$CONF" ] && rm -f "$CONF/live/$APP.blue" "$CONF/live/$APP.green"
  [ -n "$new" ] && colour_remove "$new" "$TAG"
  [ -z "$CONF" ] || routes_remove
}

routes_remove() {
  proxy_lock || { say "the proxy lock stayed held: the route of $APP is left in $CONF"; return 1; }
  rm -f "$CONF/maintenance/$APP.html" # (no route: no maintenance page to answer with)
  gone=
  for f in $(app_files) "apps/$APP"; do
    if [ -f "$CONF/$f" ]; then rm -f "$CONF/$f" && gone=1; fi
  done
  if [ -n "$gone" ]; then
    if proxy_config > "$CONF/caddy.json.new" && mv -f "$CONF/caddy.json.new" "$CONF/caddy.json" \
      && in_proxy caddy reload --config /gangway/caddy.json > /dev/null 2>&1; then
      say "removed the proxy route of $APP"
    else
      say "the proxy's files no longer hold the route of $APP, but the proxy did not reload without it"
    fi
  fi
  proxy_unlock
}

# Maintenance mode (gangway maintenance: the app's page in the proxy's home) outlives a deploy unless it was
# told to end (deploy --end-maintenance): then it ends once the new colour serves.
maintenance_after_deploy() {
  [ -f "$CONF/maintenance/$APP.html" ] || return 0
  if [ -n "${PROXY_END_MAINTENANCE:-}" ]; then
    rm -f "$CONF/maintenance/$APP.html" "$STATE_DIR/maintenance.json"
    step_event "maintenance" ok "ended: the proxy passes requests to the new release"
  else
    step_event "maintenance" ok "still on: the proxy answers 503 (gangway maintenance off, or --end-maintenance)"
  fi
}

# apply.sh's other hooks.
strategy_deploy() { bg_up "$1" && maintenance_after_deploy; } # TAG
strategy_restore() { bg_restore "$1"; } # TAG
strategy_stop_new() {
  say "no previous release to go back to: stopping the new containers"
  dc "$TAG" stop > /dev/null 2>&1
  bg_stop_new
  STOPPED="the new containers were stopped"
}
strategy_prune() { park_later; prune_releases; }
strategy_services() { compose_services "$1"; } # TAG
strategy_failure_output() { compose_failure_output "$1"; } # TAG
strategy_record_extra() { :; }
strategy_failed_done() { :; }

# The standby: parking the old colour, making a standby again, a rollback that only starts it.
# shellcheck source=/dev/null # linted on its own (scripts/test.sh)
. "$REL/standby.sh"
# The proxy's Prometheus metrics (metrics_parts, metrics_ports, …), copied beside this file.
# shellcheck source=/dev/null # linted on its own (scripts/test.sh)
. "$REL/proxy-metrics.sh"
# The traffic canary (canary_or_switch, canary_log_parts); a release of an older gangway has none.
if [ -f "$REL/canary.sh" ]; then
  # shellcheck source=/dev/null # linted on its own (scripts/test.sh)
  . "$REL/canary.sh"
else
  canary_or_switch() { switch_to "$NEW_COLOUR"; }
  canary_log_parts() { CANARY_LOG_ON=''; CANARY_LOGGING=''; }
  canary_clear() { :; }
fi
