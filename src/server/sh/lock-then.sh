#!/bin/sh
# The deploy lock and the command that follows it in one round trip (the deploy's after-lock.sh: its directories
# and what it reads): lock.sh acquire, then, only when the lock is ours, COMMAND. Prints lock.sh's lines, then
# `@@then RC` and COMMAND's output when it ran; exits with lock.sh's status (a failed COMMAND is reported by its
# line: gangway runs what it needs again on its own, to say why).
#   lock-then.sh LOCK_SCRIPT STATE INFO_JSON TOKEN COMMAND…
set -u
script=$1
state=$2
info=$3
token=$4
shift 4
out=$(sh -c "$script" lock.sh acquire "$state" "$info" "$token")
rc=$?
printf '%s\n' "$out"
[ "$rc" = 0 ] || exit "$rc"
case $out in
  acquired* | stale*)
    then_out=$("$@" </dev/null)
    echo "@@then $?"
    [ -z "$then_out" ] || printf '%s\n' "$then_out"
    ;;
esac
exit 0
