#!/bin/sh
# The deploy lock: <dir>/.gangway/lock/, taken with mkdir (atomic on every POSIX filesystem). lock/info is
# the holder's JSON with an owner token; only the token's owner removes the lock (or `release … force`).
# While a CLI holds it, lock/heartbeat is touched; once the detached apply runs, lock/apply.pid names it.
# <dir> is made with the session's umask (it is the user's), .gangway/ and everything in it with umask 077.
# Run by gangway as `sh -c "$(cat lock.sh)" lock.sh ACTION STATE_DIR …`:
#
#   acquire STATE INFO_JSON TOKEN   prints `acquired`, `stale REASON` + the old holder's info, or `held` + info;
#                                   then `unfinished RELEASE_ID` when an apply died before recording its outcome
#   release STATE TOKEN [force]     prints `released`, `none` or `not-owner` + the holder's info
#   heartbeat STATE TOKEN           touches lock/heartbeat while TOKEN owns the lock
#   probe STATE                     prints `free`, `live` or `stale REASON`, then `unfinished RELEASE_ID` if any
# shellcheck source-path=SCRIPTDIR
set -u
ACTION=$1
STATE=$2
# shellcheck source=layout.sh
. ./layout.sh # its text takes this line's place when the script is sent (scripts.ts)
layout_state "$STATE"
LOCK=$G_LOCK
GUARD=$G_LOCK_RECOVERING

owner_is() { grep -qF "\"token\":\"$1\"" "$G_LOCK_INFO" 2>/dev/null; }
# A killed process stays a zombie until its parent (init) reaps it: kill -0 still succeeds on it. ps comes
# first: a zombie reaped between the two checks is then gone for kill -0 (the other way round, ps found no
# zombie any more and the dead apply's lock was taken for held).
alive() { ! ps -o stat= -p "$1" 2>/dev/null | grep -q Z && kill -0 "$1" 2>/dev/null; }
fresh() { [ -n "$(find "$@" -maxdepth 0 -mmin -1 2>/dev/null)" ]; }

# The one staleness rule: the apply named in lock/apply.pid is gone, or (before an apply starts, or while an
# older gangway's pid file is being written) neither the heartbeat nor the lock directory itself changed within
# a minute. Prints the reason when stale.
stale_reason() {
  pid=$(cat "$G_APPLY_PID" 2>/dev/null)
  if [ -n "$pid" ]; then
    alive "$pid" || echo "its apply process $pid is gone"
  elif [ -d "$LOCK" ] && ! fresh "$G_LOCK_HEARTBEAT" "$LOCK"; then
    echo "no heartbeat from its deploy for over a minute"
  fi
}

unfinished() {
  if [ -f "$G_APPLYING" ]; then printf 'unfinished %s\n' "$(cat "$G_APPLYING")"; fi
}

take() { # INFO TOKEN: the lock directory exists and is ours now
  printf '%s\n' "$1" > "$G_LOCK_INFO" && touch "$G_LOCK_HEARTBEAT"
}

# Takes the lock if it is free, ours already, or stale; returns 1 (printing nothing) while someone holds it.
try_take() { # INFO TOKEN
  if mkdir "$LOCK" 2>/dev/null; then
    # A lock without its info (a full disk) would be nobody's: give it back and report the failure.
    take "$1" "$2" || { rm -rf "$LOCK"; exit 3; }
    echo acquired && unfinished
    return 0
  fi
  # Ours already: an earlier attempt took it but its answer was lost with the connection.
  if owner_is "$2"; then
    touch "$G_LOCK_HEARTBEAT" && echo acquired && unfinished
    return 0
  fi
  # A recovery guard left by a contender that died mid-recovery is itself stale after a minute.
  if [ -n "$(find "$GUARD" -maxdepth 0 -mmin +1 2>/dev/null)" ]; then rmdir "$GUARD" 2>/dev/null; fi
  why=$(stale_reason)
  if [ -n "$why" ] && mkdir "$GUARD" 2>/dev/null; then
    # Only one contender at a time gets here; check again, now that we hold the guard, before removing.
    why=$(stale_reason)
    if [ -n "$why" ]; then
      old=$(cat "$G_LOCK_INFO" 2>/dev/null)
      mv "$LOCK" "$LOCK.stale.$$" 2>/dev/null && rm -rf "$LOCK.stale.$$"
      if mkdir "$LOCK" 2>/dev/null; then
        take "$1" "$2" || { rm -rf "$LOCK"; rmdir "$GUARD"; exit 3; }
        rmdir "$GUARD"
        echo "stale $why"
        printf '%s\n' "$old"
        unfinished
        return 0
      fi
    fi
    rmdir "$GUARD"
  fi
  return 1
}

acquire() { # INFO TOKEN
  mkdir -p "$(dirname "$STATE")" || exit 3
  umask 077
  mkdir -p "$STATE" || exit 3
  # A holder that lets go between our mkdir and now leaves no lock to report: try again (a new holder's mkdir
  # is what makes a retry fail, so a few are enough).
  for _ in 1 2 3; do
    try_take "$1" "$2" && return 0
    [ -d "$LOCK" ] && break
  done
  echo held
  # Its info may not be written yet (a holder between its mkdir and take): held by an unknown holder.
  cat "$G_LOCK_INFO" 2>/dev/null || true
}

release() { # TOKEN [force]
  [ -d "$LOCK" ] || { echo none; return; }
  if [ "${2:-}" = force ] || owner_is "$1"; then
    mv "$LOCK" "$LOCK.released.$$" 2>/dev/null && rm -rf "$LOCK.released.$$"
    echo released
    return
  fi
  echo not-owner
  cat "$G_LOCK_INFO" 2>/dev/null
}

case "$ACTION" in
  acquire) acquire "$3" "$4" ;;
  release) release "$3" "${4:-}" ;;
  heartbeat) owner_is "$3" && touch "$G_LOCK_HEARTBEAT" ;;
  probe)
    if [ ! -d "$LOCK" ]; then echo free; else
      why=$(stale_reason)
      if [ -n "$why" ]; then echo "stale $why"; else echo live; fi
    fi
    unfinished
    ;;
  *) echo "lock.sh: unknown action $ACTION" >&2; exit 2 ;;
esac
