#!/bin/sh
# Start a release's apply.sh detached from the SSH session (its own session, immune to hang-ups), with its
# output appended to the run log, which is created 0600. Prints the apply's pid and the log's size before it.
#   start.sh DIR RELEASE_DIR RUN_LOG ACTION TOKEN
# ACTION: apply, apply-hold (the lock goes back to the caller at the end) or recover.
# For ACTION apply the pid also goes into lock/apply.pid at once, so the lock is never without a live
# holder between the CLI's last heartbeat and the apply's first line.
set -u
umask 077 # the run log, the release's notes, and the apply started from here (it sets its own as well)
DIR=$1
REL=$2
LOG=$3
ACTION=$4
TOKEN=$5
cd "$DIR" || exit 1
mkdir -p "$(dirname "$LOG")" || exit 1
(umask 077 && : >> "$LOG") && chmod 600 "$LOG" || exit 1
offset=$(wc -c < "$LOG" | tr -d ' ')
G="$DIR/.gangway"
owns_lock() { grep -qF "\"token\":\"$TOKEN\"" "$G/lock/info" 2>/dev/null; }
applies=
case $ACTION in apply | apply-hold) applies=1 ;; esac
if [ -n "$applies" ]; then
  owns_lock || { echo "start: the deploy lock is not held by this deploy; nothing started" >&2; exit 1; }
  # Before the apply runs, note the release in place and that an apply is under way: if the apply dies at
  # any point from here, `recover` knows what to put back.
  id=$(basename "$REL")
  prev=$(cat "$G/current" 2>/dev/null)
  [ "$prev" = "$id" ] && prev=
  printf '%s\n' "$prev" > "$REL/prev" || exit 1
  printf '%s\n' "$id" > "$G/applying.tmp" && mv -f "$G/applying.tmp" "$G/applying" || exit 1
fi
if command -v setsid > /dev/null 2>&1; then
  setsid nohup sh "$REL/apply.sh" "$REL" "$ACTION" "$TOKEN" >> "$LOG" 2>&1 < /dev/null &
else
  nohup sh "$REL/apply.sh" "$REL" "$ACTION" "$TOKEN" >> "$LOG" 2>&1 < /dev/null &
fi
pid=$!
if [ -n "$applies" ] && owns_lock; then
  echo "$pid" > "$G/lock/apply.pid"
fi
echo "$pid $offset"
