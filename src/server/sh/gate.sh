# shellcheck shell=sh
# The health gate's checks: health.services healthy (services_healthy), health.http and smoke answering 2xx
# (http_checks), no fatal pattern in the services' last log lines (fatal_logs); gate runs all three, as the
# compose strategies do (bluegreen.sh and swarm.sh combine them with their own). Sourced by apply.sh; uses its
# DATA, SERVICES, TIMEOUT, FATAL_TAIL, the strategy's strategy_cid / _services / _logs, and sets DEADLINE,
# FAIL_SERVICE and FAIL_LINE.
# shellcheck disable=SC2013 # lists are read with $(cat …) and IFS set to a newline (apply.sh), on purpose
# shellcheck disable=SC2034 # FAIL_LINE: apply.sh's variable
# shellcheck disable=SC2317 # called from the strategy files

http_get() { # URL
  if command -v curl >/dev/null 2>&1; then
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$1" 2>/dev/null)
    case "$code" in 2??) return 0 ;; *) HTTP_LAST="HTTP $code"; return 1 ;; esac
  elif command -v wget >/dev/null 2>&1; then
    wget -q -O /dev/null -T 5 "$1" 2>/dev/null && return 0
    HTTP_LAST="no 2xx answer"
    return 1
  fi
  HTTP_LAST="neither curl nor wget on the server"
  return 1
}

http_check() { # URL RETRIES INTERVAL_S
  n=0
  while [ "$n" -lt "$2" ]; do
    http_get "$1" && { say "ok $1"; return 0; }
    n=$((n + 1))
    [ "$(date +%s)" -ge "$DEADLINE" ] && break
    [ "$n" -lt "$2" ] && sleep "$3"
  done
  FAIL_LINE="$1: ${HTTP_LAST:-no answer}"
  fail "http $1" "no 2xx after $n attempt(s): ${HTTP_LAST:-no answer}"
  return 1
}

http_checks() {
  [ -f "$DATA/checks" ] || return 0
  for line in $(cat "$DATA/checks"); do
    retries=$(printf '%s' "$line" | cut -f2)
    interval=$(printf '%s' "$line" | cut -f3)
    url=$(printf '%s' "$line" | cut -f4-)
    http_check "$url" "$retries" "$interval" || return 1
  done
}

# One `docker inspect` per poll; the container id is looked up (a Compose call, slow) only until it exists.
HEALTH_TEMPLATE='{{.State.Status}}/{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}'
services_healthy() { # TAG
  for svc in $SERVICES; do
    cid=
    while :; do
      [ -n "$cid" ] || cid=$(strategy_cid "$svc" "$1")
      state=none
      if [ -n "$cid" ]; then
        state=$(docker inspect -f "$HEALTH_TEMPLATE" "$cid" 2>/dev/null)
        # A container replaced under us (a restart policy, a concurrent `up`): look it up again.
        [ -n "$state" ] || cid=
      fi
      case "$state" in
        running/healthy) say "ok $svc healthy"; break ;;
        running/none) say "ok $svc running (no healthcheck)"; break ;;
        # Blue/green: the proxied service's gate is the proxy's probe, which runs next (colour_gate).
        running/starting)
          [ "$svc" = "${PROBED_SERVICE:-}" ] && { say "ok $svc running (gated by the proxy)"; break; } ;;
        */unhealthy) FAIL_SERVICE=$svc; fail "health $svc" "container reports unhealthy"; return 1 ;;
        exited/* | dead/*) FAIL_SERVICE=$svc; fail "health $svc" "container $state"; return 1 ;;
      esac
      if [ "$(date +%s)" -ge "$DEADLINE" ]; then
        FAIL_SERVICE=$svc
        fail "health $svc" "not healthy within ${TIMEOUT}s (last state: ${state:-none})"
        return 1
      fi
      nap
    done
  done
}

# Closed on failure: logs that cannot be read fail the gate (docker's error text holds no fatal pattern, so
# counting its lines would pass anything).
fatal_logs() { # TAG
  [ "$FATAL_TAIL" -gt 0 ] && [ -s "$DATA/fatal_patterns" ] || return 0
  found=
  for svc in $(strategy_services "$1"); do
    if ! out=$(strategy_logs "$svc" "$1" "$FATAL_TAIL"); then
      FAIL_SERVICE=$svc
      fail "fatal logs" "the logs of $svc cannot be read: $(printf '%s\n' "$out" | head -n 1 | strip_ansi | mask)"
      return 1
    fi
    n=$(printf '%s\n' "$out" | grep -F -c -f "$DATA/fatal_patterns")
    [ "${n:-0}" -gt 0 ] && found="$found $svc($n)" && FAIL_SERVICE=${FAIL_SERVICE:-$svc}
  done
  [ -z "$found" ] && { say "ok no fatal log lines"; return 0; }
  fail "fatal logs" "fatal patterns in the last $FATAL_TAIL log lines of:$found"
  return 1
}

gate() { # TAG
  DEADLINE=$(($(date +%s) + TIMEOUT))
  say "health gate for $1 (timeout ${TIMEOUT}s)"
  services_healthy "$1" && http_checks && fatal_logs "$1" || return 1
  step_event "health gate" ok "$1 passed"
}
