# shellcheck shell=sh
# The traffic canary (proxy.canary), sourced by bluegreen.sh: after the health gate the new colour takes each
# step's share of the real requests for CANARY_INTERVAL seconds, judged on the proxy's own figures of that
# interval; then the full switch, or everything back on the old colour and the deploy fails.
#
# How the proxy splits without a reload (src/proxy/canary-route.ts): the app's route holds one canary route per
# new colour and step, each behind a marker <home>/live/<app>.canary-<colour>-<share>; a step renames that
# marker, ending the canary removes it (all requests to the serving colour from the next one on).
#
# Why the access log: Caddy's metrics and admin API count requests per upstream only while they are in flight,
# and 2.6's metrics have no upstream label; its JSON access log has status and duration for every request, and
# the canary routes put the upstream that answered into the response header Gangway-Upstream, which the log
# keeps. The log is on only while some app's route has canary routes (canary_log_parts); it lives in the proxy's
# data directory, which only its owner reads, and keeps neither the request (headers, URI, client address) nor
# Set-Cookie. It is read through the proxy container, as its admin API is (the file belongs to the container's
# user), from the size it had when the step began.
#
# vars.sh adds CANARY_STEPS (shares, one a line; empty: no canary), CANARY_INTERVAL (s), CANARY_MAX_ERR
# (percent), CANARY_MAX_P99 (ms), CANARY_MIN (requests). Uses bluegreen.sh's CONF, STATE_DIR, APP, NEW_COLOUR,
# OLD_COLOUR, in_proxy, colour_alias, switch_to, drain, and apply.sh's say, fail, step_event, nap, json_str.
# shellcheck disable=SC2034 # CANARY_LOG_ON, CANARY_LOGGING: read by bluegreen.sh's proxy_config

CANARY_LOG=/data/gangway-access.log

# What proxy_config adds: CANARY_LOG_ON (in each traffic server) and CANARY_LOGGING (beside "apps"), while any
# app's route on this proxy has canary routes. The log rolls at 10 MB (one old file kept): a step reads it whole.
canary_log_parts() {
  CANARY_LOG_ON=
  CANARY_LOGGING=
  grep -rqsF Gangway-Upstream "$CONF/routes" || return 0
  CANARY_LOG_ON=',"logs":{}'
  cl_drop='"request":{"filter":"delete"},"user_id":{"filter":"delete"},"resp_headers>Set-Cookie":{"filter":"delete"}'
  cl_enc="{\"format\":\"filter\",\"wrap\":{\"format\":\"json\"},\"fields\":{$cl_drop}}"
  cl_out="{\"output\":\"file\",\"filename\":\"$CANARY_LOG\",\"roll_size_mb\":10,\"roll_keep\":1}"
  cl_access="{\"writer\":$cl_out,\"encoder\":$cl_enc,\"include\":[\"http.log.access\"]}"
  cl_default='"default":{"exclude":["http.log.access"]}'
  CANARY_LOGGING=",\"logging\":{\"logs\":{$cl_default,\"gangway-access\":$cl_access}}"
}

# The verdict on one step's figures: `go …`, `stop <why> (…)` or `wait …` (too few requests to judge), one line.
# A limit is passed when the new colour's figure is above it. "Much worse than the old colour" (judged only when
# the old colour answered CANARY_MIN requests too): more than twice the old figure AND above it by at least half
# the limit (error rate: 0.5 points with max_error_rate 1%; p99: 400ms with max_p99 800ms), so noise on tiny
# figures never fails a step, but 0.6% 5xx where the old colour had 0.1% does. p99: the nearest-rank 99th
# percentile of the durations (ms).
canary_judge() { # NEW_N NEW_5XX NEW_P99 OLD_N OLD_5XX OLD_P99
  awk -v nn="$1" -v ne="$2" -v np="$3" -v on="$4" -v oe="$5" -v op="$6" \
    -v maxe="$CANARY_MAX_ERR" -v maxp="$CANARY_MAX_P99" -v min="$CANARY_MIN" 'BEGIN {
    nrate = nn > 0 ? 100 * ne / nn : 0
    orate = on > 0 ? 100 * oe / on : 0
    fig = sprintf("new: %d requests, %.2f%% 5xx, p99 %dms; old: %d requests, %.2f%% 5xx, p99 %dms", \
      nn, nrate, np, on, orate, op)
    if (nn < min) { printf "wait only %d of %d requests on the new colour (%s)\n", nn, min, fig; exit }
    if (nrate > maxe) { printf "stop error rate %.2f%% above max_error_rate %s%% (%s)\n", nrate, maxe, fig; exit }
    if (np > maxp) { printf "stop p99 %dms above max_p99 %dms (%s)\n", np, maxp, fig; exit }
    if (on >= min && nrate > 2 * orate && nrate - orate >= maxe / 2) {
      printf "stop error rate %.2f%% much worse than the old colour'"'"'s %.2f%% (%s)\n", nrate, orate, fig; exit
    }
    if (on >= min && np > 2 * op && np - op >= maxp / 2) {
      printf "stop p99 %dms much worse than the old colour'"'"'s %dms (%s)\n", np, op, fig; exit
    }
    printf "go %s\n", fig
  }'
}

# The log through the container's cat (what both the official image and Debian's Caddy in the tests have), cut here.
canary_log_size() { cs=$(in_proxy cat "$CANARY_LOG" 2>/dev/null | wc -c | tr -d ' '); echo "${cs:-0}"; }

# The figures of requests the canary routes answered since the epoch SINCE (log read from byte OFFSET on):
# "NEW_N NEW_5XX NEW_P99 OLD_N OLD_5XX OLD_P99". Only this app's colours count (the log is the proxy's).
canary_figures() { # SINCE OFFSET
  new_up="$(colour_alias "$NEW_COLOUR"):"
  old_up="$(colour_alias "$OLD_COLOUR"):"
  in_proxy cat "$CANARY_LOG" 2>/dev/null | tail -c "+$(($2 + 1))" | awk -v since="$1" -v nu="$new_up" -v ou="$old_up" '
    function num(key,   s) {
      if (!match($0, "\"" key "\":[-0-9.eE+]+")) return -1
      s = substr($0, RSTART, RLENGTH); sub(/^[^:]*:/, "", s); return s + 0
    }
    {
      if (!match($0, /"Gangway-Upstream":\["[^"]*"/)) next
      up = substr($0, RSTART + 21, RLENGTH - 22)
      if (index(up, nu) == 1) c = "new"; else if (index(up, ou) == 1) c = "old"; else next
      if (num("ts") < since) next
      printf "%s %d %d\n", c, num("duration") * 1000 + 0.5, (num("status") >= 500)
    }' > "$REL/.canary-figures"
  for c in new old; do
    n=$(grep -c "^$c " "$REL/.canary-figures")
    e=$(grep -c "^$c [0-9]* 1$" "$REL/.canary-figures")
    p=0
    if [ "$n" -gt 0 ]; then
      rank=$(((n * 99 + 99) / 100))
      p=$(grep "^$c " "$REL/.canary-figures" | cut -d' ' -f2 | sort -n | sed -n "${rank}p")
    fi
    printf '%s %s %s ' "$n" "$e" "${p:-0}"
  done
  echo
}

# Where the rollout stands, for `gangway status` (src/proxy/status.ts) and `gangway rollback`.
canary_state() { # SHARE FIGURES
  cs_f='{"colour":"%s","from":"%s","share":%s,"steps":"%s","release":"%s","since":"%s","conf":"%s","figures":"%s"}'
  # shellcheck disable=SC2059 # the format is the constant above
  printf "$cs_f\n" \
    "$NEW_COLOUR" "$OLD_COLOUR" "$1" "$(printf '%s' "$CANARY_STEPS" | tr '\n' ' ')" "$ID" \
    "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(json_str "$CONF")" "$(json_str "$2")" > "$STATE_DIR/canary.tmp" &&
    mv -f "$STATE_DIR/canary.tmp" "$STATE_DIR/canary"
}

# Everything back on the old colour at once (the marker goes), the new colour's requests finish, the deploy fails.
canary_stop() { # SHARE WHY
  rm -f "$CANARY_MARKER" "$STATE_DIR/canary" "$STATE_DIR/canary.end"
  say "canary stopped at $1%: all traffic back on $OLD_COLOUR"
  RECORD_EXTRA="$RECORD_EXTRA,\"canary\":{\"share\":$1,\"verdict\":\"$(json_str "$2")\"}"
  drain "$NEW_COLOUR"
  fail "canary $1%" "$2"
}

# Waits until the epoch UNTIL; returns 1 at once when the rollout was ended (`gangway rollback` took the marker
# away and left canary.end).
canary_sleep() { # UNTIL
  while [ "$(date +%s)" -lt "$1" ]; do
    [ -e "$CANARY_MARKER" ] && [ ! -e "$STATE_DIR/canary.end" ] || return 1
    nap
  done
}

# One step: SHARE of new requests to the new colour for the interval, then judged; the wait for CANARY_MIN
# requests goes on up to 3 × the interval, after which the step passes on the health gate alone (said so).
canary_step() { # SHARE
  next="$CONF/live/$APP.canary-$NEW_COLOUR-$1"
  offset=$(canary_log_size) # before the change: none of this step's requests is left out
  if [ -z "$CANARY_MARKER" ]; then
    { : > "$CONF/live/.$APP.canary.tmp" && mv -f "$CONF/live/.$APP.canary.tmp" "$next"; } || {
      fail "canary $1%" "cannot write $next"
      return 1
    }
  else
    mv -f "$CANARY_MARKER" "$next" || { fail "canary $1%" "cannot rename the marker in $CONF/live"; return 1; }
  fi
  CANARY_MARKER=$next
  canary_state "$1" "starting"
  since=$(date +%s)
  say "canary: $1% of new clients to $NEW_COLOUR for ${CANARY_INTERVAL}s"
  until_t=$((since + CANARY_INTERVAL))
  last_t=$((since + 3 * CANARY_INTERVAL))
  while :; do
    canary_sleep "$until_t" || { canary_stop "$1" "ended by gangway rollback"; return 1; }
    # shellcheck disable=SC2046 # six numbers
    verdict=$(canary_judge $(canary_figures "$since" "$offset" | tr ' ' '\n'))
    canary_state "$1" "${verdict#* }"
    case $verdict in
      go\ *) step_event "canary $1%" ok "${verdict#go }"; return 0 ;;
      stop\ *) canary_stop "$1" "${verdict#stop }"; return 1 ;;
    esac
    if [ "$(date +%s)" -ge "$last_t" ]; then
      few="too few requests within $((3 * CANARY_INTERVAL))s to judge, passed on the health gate alone"
      step_event "canary $1%" ok "$few (${verdict#wait })"
      return 0
    fi
    until_t=$(($(date +%s) + 1))
  done
}

# Every step in turn, then the full switch (the marker goes after it: no request meets neither route).
canary_rollout() {
  CANARY_MARKER=
  rm -f "$STATE_DIR/canary.end"
  for share in $CANARY_STEPS; do
    canary_step "$share" || return 1
  done
  switch_to "$NEW_COLOUR" || return 1
  rm -f "$CANARY_MARKER" "$STATE_DIR/canary"
  RECORD_EXTRA="$RECORD_EXTRA,\"canary\":{\"share\":100,\"verdict\":\"passed\"}"
}

# Every canary marker of this app goes, and its state: a release put back (after an apply that died mid-rollout
# above all) must take all the traffic, not share it with a colour about to be removed.
canary_clear() {
  # shellcheck disable=SC2045 # gangway's own names (<app>.<colour>, <app>.canary-<colour>-<share>); globbing is off
  for m in $(ls -1 "$CONF/live" 2>/dev/null); do
    case $m in "$APP".canary-*) rm -f "$CONF/live/$m" ;; esac
  done
  rm -f "$STATE_DIR/canary" "$STATE_DIR/canary.end"
}

# The deploy's switch: the canary when it is on and an old colour serves (a first deploy has nothing to compare).
canary_or_switch() {
  if [ -n "${CANARY_STEPS:-}" ] && [ -n "$OLD_COLOUR" ]; then canary_rollout; else switch_to "$NEW_COLOUR"; fi
}
