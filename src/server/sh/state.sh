#!/bin/sh
# Everything small gangway keeps on a server, in one round trip, as sections marked `@@name`.
# No file read here ever holds a secret value.
#   state.sh STATE_DIR LOCK_SCRIPT
set -u
g=$1
echo "@@current"
cat "$g/current" 2>/dev/null
echo "@@last_good"
cat "$g/last_good_tag" 2>/dev/null
echo "@@retained"
if [ -d "$g/releases" ]; then
  # shellcheck disable=SC2012 # release ids are gangway's own fixed-format names
  ls -1 "$g/releases" | while read -r id; do printf '%s %s\n' "$id" "$(cat "$g/releases/$id/tag" 2>/dev/null)"; done
fi
echo "@@records"
cat "$g/releases.jsonl" 2>/dev/null
echo "@@probe"
sh -c "$2" lock.sh probe "$g"
if [ -d "$g/lock" ]; then
  echo "@@lock"
  cat "$g/lock/info" 2>/dev/null
  echo
  echo "@@apply"
  cat "$g/lock/apply.pid" 2>/dev/null
fi
true
