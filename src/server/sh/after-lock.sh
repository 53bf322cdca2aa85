#!/bin/sh
# What a deploy or rollback makes and reads once the lock is its own, in the lock's round trip (lock-then.sh runs
# it): the directories (the dirs step's command, given last), then the server's state (state.sh's sections) and
# the rollout marker, each section after a line `@@@name`. Exits with the dirs command's status when that fails
# (then nothing is read: gangway reads what it needs on its own).
#   after-lock.sh STATE_DIR LOCK_SCRIPT DIRS_COMMAND…
# shellcheck source-path=SCRIPTDIR
set -u
state_dir=$1
lock_script=$2
shift 2
# shellcheck source=layout.sh
. ./layout.sh # its text takes this line's place when the script is sent (scripts.ts)
layout_state "$state_dir"
rollout=$G_ROLLOUT
"$@" || exit
echo "@@@state"
(
  set -- "$state_dir" "$lock_script"
  # shellcheck source=state.sh
. ./state.sh # its text takes this line's place when the script is sent (scripts.ts)
)
echo "@@@rollout"
cat "$rollout" 2>/dev/null
true
