#!/bin/sh
# Everything small gangway keeps on a server, in one round trip, as sections marked `@@name`.
# No file read here ever holds a secret value.
#   state.sh STATE_DIR LOCK_SCRIPT
# shellcheck source-path=SCRIPTDIR
set -u
# shellcheck source=layout.sh
. ./layout.sh # its text takes this line's place when the script is sent (scripts.ts)
layout_state "$1"
echo "@@current"
cat "$G_CURRENT" 2>/dev/null
echo "@@last_good"
cat "$G_LAST_GOOD_TAG" 2>/dev/null
echo "@@retained"
if [ -d "$G_RELEASES" ]; then
  # shellcheck disable=SC2012 # release ids are gangway's own fixed-format names
  ls -1 "$G_RELEASES" | while read -r id; do printf '%s %s\n' "$id" "$(cat "$G_RELEASES/$id/tag" 2>/dev/null)"; done
fi
echo "@@records"
cat "$G_RELEASES_LOG" 2>/dev/null
echo "@@probe"
sh -c "$2" lock.sh probe "$G"
if [ -d "$G_LOCK" ]; then
  echo "@@lock"
  cat "$G_LOCK_INFO" 2>/dev/null
  echo
  echo "@@apply"
  cat "$G_APPLY_PID" 2>/dev/null
fi
true
