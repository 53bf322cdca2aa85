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
# The driver: what happens in which order. How a release starts, is gated and is put back is the strategy's
# (hooks below); the helpers both use are in layout, common, clean-env, compose, gate and releases.sh beside it.
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2013 # lists are read with $(cat …) and IFS set to a newline, on purpose
set -u
set -f
IFS='
'
# Every file and directory this apply (and what it sources) creates is its user's alone: env values, secrets and
# masked logs are among them.
umask 077

REL=$1
ACTION=$2
TOKEN=$3
# shellcheck source=/dev/null
. "$REL/vars.sh"
# vars.sh defines: DIR APP ID TAG OPERATION IMAGE_NAME KEEP TIMEOUT FATAL_TAIL COMPOSE STRATEGY RECORD_*TEMPLATE
# (and, for blue-green, the PROXY_* settings bluegreen.sh reads). A release of an older gangway has no STRATEGY.
STRATEGY=${STRATEGY:-recreate}
# Prometheus textfile metrics: step durations as steps end, <dir>/.gangway/metrics.prom after each record.
if [ -f "$REL/metrics.sh" ]; then
  # shellcheck source=metrics.sh
  . "$REL/metrics.sh"
else # a release of an older gangway
  metrics_step() { :; }
  metrics_phase() { :; }
  metrics_apply_done() { :; }
fi
RECORD_EXTRA=
# shellcheck source=layout.sh
. "$REL/layout.sh"
layout "$DIR"
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

owns_lock() { grep -qF "\"token\":\"$TOKEN\"" "$G_LOCK_INFO" 2>/dev/null; }
# shellcheck disable=SC2317 # called from the EXIT trap
release_lock() {
  owns_lock || return 0
  if [ "$ACTION" = apply-hold ]; then
    # Handed back: the CLI's heartbeat keeps it; should the CLI be gone, it is stale after a minute.
    rm -f "$G_APPLY_PID" && touch "$G_LOCK_HEARTBEAT"
  else
    mv "$G_LOCK" "$G_LOCK.released.$$" 2>/dev/null && rm -rf "$G_LOCK.released.$$"
  fi
}
if [ "$ACTION" = apply ] || [ "$ACTION" = apply-hold ]; then
  owns_lock || { echo "apply: the deploy lock is not held by this release's deploy; nothing done" >&2; exit 1; }
  printf '%s\n' "$$" > "$G_APPLY_PID.$$" && mv -f "$G_APPLY_PID.$$" "$G_APPLY_PID" # never seen empty
  trap release_lock EXIT
fi
trap 'exit 1' INT TERM HUP

# shellcheck source=json.sh
. "$REL/json.sh"
# shellcheck source=common.sh
. "$REL/common.sh"
# shellcheck source=clean-env.sh
. "$REL/clean-env.sh"
# shellcheck source=compose.sh
. "$REL/compose.sh"
# shellcheck source=gate.sh
. "$REL/gate.sh"
# shellcheck source=releases.sh
. "$REL/releases.sh"

# The failing release's own output, ANSI stripped and masked, for the CLI's "first error line".
capture_failure() { # TAG
  (
    umask 077
    strategy_failure_output "$1" | strip_ansi | mask > "$REL/failure.log"
  )
}

# Put back the release that was in place before this one and gate it. Returns 0 when it serves again.
restore_previous() { # PREV_ID
  first_step=$FAIL_STEP
  first_reason=$FAIL_REASON
  prev_tag=$(release_tag "$1")
  say "rolling back to release $1 (tag $prev_tag)"
  metrics_phase restore
  FAIL_SERVICE=
  FAIL_LINE=
  use_release "$G_RELEASES/$1"
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
  rm -f "$G_CURRENT" # nothing is in place: the next deploy must not take this release for a previous one
  FAIL_STEP=$first_step
  FAIL_REASON="$first_reason; first deploy, nothing to roll back to: $STOPPED"
  record failed failed none
}

finish_failed() { # PREV_ID FAILED_STATUS
  if [ -n "$1" ] && [ -d "$G_RELEASES/$1" ]; then
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

# The strategy (recreate.sh, bluegreen.sh or swarm.sh, beside this file) defines each hook, and nothing else of
# this file or the helpers: strategy_deploy TAG, strategy_restore TAG (the release put back, its files in place),
# strategy_stop_new (a first deploy failed: stop what it started, say so, STOPPED says what was done),
# strategy_prune, strategy_services TAG and strategy_logs SERVICE TAG LINES (fatal_logs), strategy_cid SERVICE TAG
# (services_healthy), strategy_failure_output TAG, strategy_record_extra (before each record), strategy_failed_done.
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

# The live .env backed up when the release's differs, old backups pruned (releases.sh).
backup_env

if put_in_place "$ID" && pin_image && strategy_deploy "$TAG"; then
  printf '%s\n' "$TAG" > "$G_LAST_GOOD_TAG.tmp" && mv -f "$G_LAST_GOOD_TAG.tmp" "$G_LAST_GOOD_TAG"
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
