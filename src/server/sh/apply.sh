#!/bin/sh
# gangway's server-side apply. Shipped in the npm package and copied, unchanged, into every release
# directory; everything it knows about the release it reads from data files beside it.
#
#   sh apply.sh RELEASE_DIR apply TOKEN     put the release in place, compose up, health gate; on failure put
#                                           the release that was in place back and gate it again; record the
#                                           outcome; release the deploy lock if TOKEN still owns it.
#   sh apply.sh RELEASE_DIR apply-hold TOKEN
#                                           the same, but at the end the lock goes back to the CLI (a fleet's
#                                           rollout holds every host's lock until the last host is done)
#   sh apply.sh RELEASE_DIR recover TOKEN   finish a release whose apply died: put back the release that was in
#                                           place before it, gate it, record the release failed ("apply died").
#                                           The caller holds the lock (its heartbeat) and releases it.
#
# Data read from RELEASE_DIR: vars.sh (quoted assignments, written by gangway), files (compose file names),
# services (health.services), checks (HTTP checks: kind<TAB>retries<TAB>interval_s<TAB>url), fatal_patterns,
# .env and .mask (0600: the env values, so that Compose's output never lands here unmasked).
# Every list is one item per line: IFS is a newline and globbing is off for the whole script.
# shellcheck disable=SC2013 # lists are read with $(cat …) and IFS set to a newline, on purpose
# shellcheck disable=SC2317 # its helpers are called from the strategy file it sources (recreate.sh, …)
set -u
set -f
IFS='
'
# Every file and directory this apply (and what it sources) creates is its user's alone: env values, secrets and
# masked logs are among them.
umask 077
ESC=$(printf '\033')

REL=$1
ACTION=$2
TOKEN=$3
# shellcheck source=/dev/null
. "$REL/vars.sh"
# vars.sh defines: DIR APP ID TAG OPERATION IMAGE_NAME KEEP TIMEOUT FATAL_TAIL COMPOSE RECORD_STATIC STRATEGY
# (and, for blue-green, the PROXY_* settings bluegreen.sh reads). A release of an older gangway has no STRATEGY.
STRATEGY=${STRATEGY:-recreate}
# Prometheus textfile metrics: step durations as steps end, <dir>/.gangway/metrics.prom after each record.
if [ -f "$REL/metrics.sh" ]; then
  # shellcheck source=/dev/null # linted on its own (scripts/test.sh)
  . "$REL/metrics.sh"
else # a release of an older gangway
  metrics_step() { :; }
  metrics_phase() { :; }
  metrics_apply_done() { :; }
fi
RECORD_EXTRA=
G="$DIR/.gangway"
LOCK="$G/lock"
BEL=$(printf '\007')
# The release whose compose files, env and health data are in use: this one, or the one put back.
use_release() { # RELEASE_DIR
  DATA=$1
  FILES=$(cat "$DATA/files")
  # A release made by an older gangway has no health data of its own: use this release's.
  [ -f "$DATA/services" ] || DATA=$REL
  SERVICES=$(cat "$DATA/services" 2>/dev/null)
  HAS_ENV=
  [ -f "$1/.env" ] && HAS_ENV=1
}
use_release "$REL"
STARTED=$(date -u +%Y-%m-%dT%H:%M:%SZ)
START_S=$(date +%s)
FAIL_STEP=
FAIL_REASON=
FAIL_SERVICE=
# The failing step's own error, when it has one (an HTTP check's or the proxy probe's last answer): the
# failure's "first error line", ahead of the service's log (whose last line may well be "ok").
FAIL_LINE=

owns_lock() { grep -qF "\"token\":\"$TOKEN\"" "$LOCK/info" 2>/dev/null; }
# shellcheck disable=SC2317 # called from the EXIT trap
release_lock() {
  owns_lock || return 0
  if [ "$ACTION" = apply-hold ]; then
    # Handed back: the CLI's heartbeat keeps it; should the CLI be gone, it is stale after a minute.
    rm -f "$LOCK/apply.pid" && touch "$LOCK/heartbeat"
  else
    mv "$LOCK" "$LOCK.released.$$" 2>/dev/null && rm -rf "$LOCK.released.$$"
  fi
}
if [ "$ACTION" = apply ] || [ "$ACTION" = apply-hold ]; then
  owns_lock || { echo "apply: the deploy lock is not held by this release's deploy; nothing done" >&2; exit 1; }
  printf '%s\n' "$$" > "$LOCK/apply.pid.$$" && mv -f "$LOCK/apply.pid.$$" "$LOCK/apply.pid" # never seen empty
  trap release_lock EXIT
fi
trap 'exit 1' INT TERM HUP

# A short pause between polls; POSIX sleep takes whole seconds, GNU and busybox take fractions.
nap() { sleep 0.25 2>/dev/null || sleep 1; }
# Run log lines carry milliseconds where date has %N (GNU), whole seconds elsewhere (busybox, BSD).
SAY_TIME=+%H:%M:%S
case $(date +%N 2>/dev/null) in '' | *N*) ;; *) SAY_TIME=+%H:%M:%S.%3N ;; esac
say() { printf '%s %s\n' "$(date -u "$SAY_TIME")" "$*"; }

# shellcheck source=/dev/null # linted on its own (scripts/test.sh)
. "$REL/json.sh"

event() { printf '::gangway:: %s\n' "$1"; }
step_event() {
  metrics_step "$1" "$2"
  event "{\"event\":\"step\",\"step\":\"$(json_str "$1")\",\"status\":\"$2\",\"detail\":\"$(json_str "$3")\"}"
}
fail() { FAIL_STEP=$1; FAIL_REASON=$2; say "FAILED $1: $2"; step_event "$1" fail "$2"; }

# Replace every env value (one per line in .mask, longest first) by ***; plain copy when there are none.
mask() {
  if [ -s "$REL/.mask" ] || [ -s "$DATA/.mask" ]; then
    MASK_A="$REL/.mask" MASK_B="$DATA/.mask" awk '
      function load(f) { while ((getline v < f) > 0) if (length(v) > 0) vals[++n] = v }
      BEGIN { load(ENVIRON["MASK_A"]); load(ENVIRON["MASK_B"]) }
      {
        line = $0
        for (k = 1; k <= n; k++) {
          out = ""
          while ((i = index(line, vals[k])) > 0) {
            out = out substr(line, 1, i - 1) "***"
            line = substr(line, i + length(vals[k]))
          }
          line = out line
        }
        print line; fflush()
      }'
  else
    cat
  fi
}
strip_ansi() { sed -e "s/$ESC\[[0-9;?]*[A-Za-z]//g" -e "s/$ESC\][^$BEL]*$BEL//g"; }

# Compose with a clean environment: only what Docker needs, IMAGE_TAG (and a colour's GANGWAY_COLOUR), so
# nothing from the server user's shell overrides the uploaded .env. COMPOSE and the -f list split on newlines.
compose_file_args() { for f in $FILES; do printf -- '-f\n%s/%s\n' "$DIR" "$f"; done; }
compose_in() { # PROJECT TAG COLOUR EXTRA_FILE ARGS… (COLOUR and EXTRA_FILE may be empty)
  ci_project=$1
  ci_tag=$2
  ci_colour=$3
  ci_extra=$4
  shift 4
  # shellcheck disable=SC2046,SC2086 # word splitting on newlines only: one word per argv item
  env -i PATH="$PATH" HOME="${HOME:-/}" ${DOCKER_HOST:+DOCKER_HOST="$DOCKER_HOST"} \
    ${DOCKER_CONFIG:+DOCKER_CONFIG="$DOCKER_CONFIG"} ${DOCKER_CONTEXT:+DOCKER_CONTEXT="$DOCKER_CONTEXT"} \
    IMAGE_TAG="$ci_tag" ${ci_colour:+GANGWAY_COLOUR="$ci_colour"} \
    $COMPOSE -p "$ci_project" --project-directory "$DIR" $(compose_file_args) ${ci_extra:+-f} ${ci_extra:+"$ci_extra"} \
    ${HAS_ENV:+--env-file} ${HAS_ENV:+"$DIR/.env"} "$@"
}
dc() { # TAG ARGS… : compose for the app's own project
  dc_tag=$1
  shift
  compose_in "$APP" "$dc_tag" '' '' "$@"
}
# A service's container and logs in the app's own project (the compose strategies' strategy_cid and _logs).
compose_cid() { project_cid "$APP" "$1"; } # SERVICE TAG
# A service's container by the labels Compose (v1 and v2) puts on it: one docker call, no Compose run.
project_cid() { # PROJECT SERVICE
  docker ps -a -q --filter "label=com.docker.compose.project=$1" --filter "label=com.docker.compose.service=$2" \
    --filter label=com.docker.compose.oneoff=False 2>/dev/null | head -n 1
}
compose_logs() { dc "$2" logs --no-color --tail "$3" "$1" 2>&1; } # SERVICE TAG LINES

# Copy a release's compose files and env into DIR, each by temp file + rename (env stays 0600).
put_in_place() { # RELEASE_ID
  src="$G/releases/$1"
  for f in $(cat "$src/files"); do
    cp "$src/$f" "$DIR/.$f.gangway-tmp" && mv -f "$DIR/.$f.gangway-tmp" "$DIR/$f" || return 1
  done
  if [ -f "$src/.env" ]; then
    (umask 077 && cp "$src/.env" "$DIR/.env.gangway-tmp") && chmod 600 "$DIR/.env.gangway-tmp" \
      && mv -f "$DIR/.env.gangway-tmp" "$DIR/.env" || return 1
  else
    rm -f "$DIR/.env" # Compose would read a stale one by default
  fi
  printf '%s\n' "$1" > "$G/current.tmp" && mv -f "$G/current.tmp" "$G/current"
}

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

# The services of the app's own project (the compose strategies' strategy_services).
compose_services() { dc "$1" config --services 2>/dev/null; } # TAG
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

# Run a compose up, its output (masked) in the run log and kept for the failure record.
run_up() { # WHAT COMMAND…
  ru_what=$1
  shift
  say "compose up $ru_what"
  up_once "$@" && return 0
  # A container that a killed Compose run left half made (under a temporary name, or being removed) makes the
  # next run trip over its name once; that run settles it, and a second one finds the project in order.
  if grep -q -e 'Conflict\. The container name' -e 'No such container' -e 'is already in progress' "$REL/.up-out"
  then
    say "compose up $ru_what again: a container left by an interrupted Compose run was in the way"
    up_once "$@" && return 0
  fi
  fail "compose up" "docker compose up failed for $ru_what"
  return 1
}
up_once() { # COMMAND…
  { "$@" 2>&1; echo "$?" > "$REL/.up-rc"; } | strip_ansi | mask | tee "$REL/.up-out"
  [ "$(cat "$REL/.up-rc")" = 0 ] || return 1
  step_event "compose up" ok "$ru_what"
}
up() { run_up "$1" dc "$1" up -d --remove-orphans; } # TAG

# The failing release's own output, ANSI stripped and masked, for the CLI's "first error line".
capture_failure() { # TAG
  (
    umask 077
    strategy_failure_output "$1" | strip_ansi | mask > "$REL/failure.log"
  )
}
# The compose strategies' strategy_failure_output.
compose_failure_output() { # TAG
  # First, marked (src/deploy/first-error-line.ts): the first error line, whatever the logs say.
  [ -z "$FAIL_LINE" ] || printf '::gangway-step-error:: %s\n' "$FAIL_LINE"
  if [ "$FAIL_STEP" = "compose up" ]; then cat "$REL/.up-out"; else
    if [ -n "$FAIL_SERVICE" ]; then
      strategy_logs "$FAIL_SERVICE" "$1" 50
    else
      dc "$1" logs --no-color --tail 50 2>&1
    fi
    # An unhealthy container's own healthcheck output often says more than its log.
    if [ -n "$FAIL_SERVICE" ]; then
      cid=$(strategy_cid "$FAIL_SERVICE" "$1")
      [ -n "$cid" ] && docker inspect -f '{{range .State.Health.Log}}{{println .Output}}{{end}}' "$cid" 2>/dev/null
    fi
  fi
}

record() { # STATUS OUTCOME SERVING
  strategy_record_extra
  finished=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  duration=$(($(date +%s) - START_S))
  extra=
  failure=",\"failing_step\":\"$(json_str "$FAIL_STEP")\",\"reason\":\"$(json_str "$FAIL_REASON")\""
  [ -n "$FAIL_STEP" ] && extra=$failure
  line="$RECORD_STATIC,\"status\":\"$1\",\"outcome\":\"$2\",\"started\":\"$STARTED\",\"finished\":\"$finished\""
  line="$line,\"duration_s\":$duration,\"serving\":\"$(json_str "$3")\"$RECORD_EXTRA$extra}"
  printf '%s\n' "$line" >> "$G/releases.jsonl"
  rm -f "$G/applying"
  metrics_apply_done
  result="\"status\":\"$1\",\"outcome\":\"$2\",\"serving\":\"$(json_str "$3")\""
  event "{\"event\":\"result\",$result$failure,\"duration_s\":$duration}"
}

# A release that passed its gate: the SPEC's status `succeeded`, or `rollback` for a rollback that did.
is_good() { # RELEASE_ID
  grep -F "\"id\":\"$1\"" "$G/releases.jsonl" 2>/dev/null | grep -q -e '"status":"succeeded"' -e '"status":"rollback"'
}

# Keep the release in place, the good release just before it (what a plain rollback goes back to: after an
# env-only change that is the same tag with the env before) and, newest first, the newest good release of each of
# KEEP distinct tags; remove every other release directory (failed ones first of all) and images no kept release
# uses. Release ids sort by time, so the good releases met after the one in place are older than it.
prune_releases() {
  kept_tags=
  removed_tags=
  n=0
  seen_current=
  prev_found=
  # shellcheck disable=SC2012 # release ids are gangway's own fixed-format names
  for r in $(ls -1 "$G/releases" | sort -r); do
    t=$(cat "$G/releases/$r/tag" 2>/dev/null)
    keep_it=
    good=
    is_good "$r" && good=1
    # Only the newest good release of each tag counts; older ones of a kept tag go.
    if [ "$n" -lt "$KEEP" ] && [ -n "$good" ] && ! printf '%s\n' "$kept_tags" | grep -qxF -- "$t"; then
      keep_it=1
      n=$((n + 1))
    fi
    if [ -n "$seen_current" ] && [ -z "$prev_found" ] && [ -n "$good" ]; then
      keep_it=1
      prev_found=1
    fi
    [ "$r" = "$ID" ] && keep_it=1 && seen_current=1
    if [ -n "$keep_it" ]; then
      kept_tags="$kept_tags$t
"
    else
      rm -rf "${G:?}/releases/$r"
      say "pruned release $r"
      removed_tags="$removed_tags$t
"
    fi
  done
  [ -n "$IMAGE_NAME" ] || return 0
  for t in $(printf '%s' "$removed_tags" | sort -u); do
    printf '%s\n' "$kept_tags" | grep -qxF -- "$t" && continue
    docker image rm "$IMAGE_NAME:$t" >/dev/null 2>&1 && say "removed image $IMAGE_NAME:$t"
  done
}

release_tag() { cat "$G/releases/$1/tag" 2>/dev/null; }

# Put back the release that was in place before this one and gate it. Returns 0 when it serves again.
restore_previous() { # PREV_ID
  first_step=$FAIL_STEP
  first_reason=$FAIL_REASON
  prev_tag=$(release_tag "$1")
  say "rolling back to release $1 (tag $prev_tag)"
  metrics_phase restore
  FAIL_SERVICE=
  FAIL_LINE=
  use_release "$G/releases/$1"
  if put_in_place "$1" && strategy_restore "$prev_tag"; then
    FAIL_STEP=$first_step
    FAIL_REASON=$first_reason
    return 0
  fi
  FAIL_STEP=$first_step
  FAIL_REASON="$first_reason; the previous release $prev_tag also failed: $FAIL_REASON"
  return 1
}

# Nothing to go back to (a first deploy): stop what was started so nothing half-deployed keeps running.
stop_new() {
  first_step=$FAIL_STEP
  first_reason=$FAIL_REASON
  STOPPED=
  strategy_stop_new
  rm -f "$G/current" # nothing is in place: the next deploy must not take this release for a previous one
  FAIL_STEP=$first_step
  FAIL_REASON="$first_reason; first deploy, nothing to roll back to: $STOPPED"
  record failed failed none
}

finish_failed() { # PREV_ID FAILED_STATUS
  if [ -n "$1" ] && [ -d "$G/releases/$1" ]; then
    if restore_previous "$1"; then
      record "$2" rolled_back "$(release_tag "$1")"
      say "rolled back: release $1 is serving $(release_tag "$1")"
    else
      record failed failed "$(release_tag "$1") (unhealthy)"
    fi
  else
    stop_new
  fi
  strategy_failed_done
  exit 1
}

# The strategy (recreate.sh, bluegreen.sh or swarm.sh, copied beside this file) defines each of these hooks, and
# nothing else of this file: strategy_deploy TAG, strategy_restore TAG (the release put back, its files in
# place), strategy_stop_new (a first deploy failed: stop what it started, say so, STOPPED says what was done),
# strategy_prune, strategy_services TAG and strategy_logs SERVICE TAG LINES (fatal_logs), strategy_cid SERVICE
# TAG (services_healthy), strategy_failure_output TAG, strategy_record_extra (before each record) and
# strategy_failed_done (after a failure is recorded).
case "$STRATEGY" in
  blue-green) STRATEGY_FILE=bluegreen.sh ;;
  *) STRATEGY_FILE=$STRATEGY.sh ;;
esac
# shellcheck source=/dev/null # linted on its own (scripts/test.sh)
. "$REL/$STRATEGY_FILE"

if [ "$ACTION" = recover ]; then
  PREV_ID=$(cat "$REL/prev" 2>/dev/null)
  FAIL_STEP="apply"
  FAIL_REASON="apply died before it finished"
  say "recovering release $ID: its apply died before it finished"
  finish_failed "$PREV_ID" failed
fi

# start.sh noted the release in place (prev) and marked the apply under way (applying) before starting us.
PREV_ID=$(cat "$REL/prev" 2>/dev/null)
say "apply $OPERATION of release $ID (tag $TAG)${PREV_ID:+, previous release $PREV_ID (tag $(release_tag "$PREV_ID"))}"

if [ -f "$DIR/.env" ] && [ -f "$REL/.env" ]; then
  bak="$DIR/.env.bak-$(date +%Y%m%d-%H%M%S)"
  (umask 077 && cp "$DIR/.env" "$bak") && chmod 600 "$bak" && say "backed up .env to $(basename "$bak")"
fi

if put_in_place "$ID" && strategy_deploy "$TAG"; then
  printf '%s\n' "$TAG" > "$G/last_good_tag.tmp" && mv -f "$G/last_good_tag.tmp" "$G/last_good_tag"
  status=succeeded
  [ "$OPERATION" = rollback ] && status=rollback
  record "$status" succeeded "$TAG"
  strategy_prune
  say "release $ID is serving $TAG"
  exit 0
fi
[ -z "$FAIL_STEP" ] && fail "put in place" "could not copy the release into $DIR"
capture_failure "$TAG"
failed_status=rolled_back
[ "$OPERATION" = rollback ] && failed_status=failed
finish_failed "$PREV_ID" "$failed_status"
