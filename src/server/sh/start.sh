#!/bin/sh
# Start a release's apply.sh detached from the SSH session (its own session, immune to hang-ups), with its
# output appended to the run log, which is created 0600. Prints the apply's pid.
#   start.sh DIR RELEASE_DIR RUN_LOG ACTION TOKEN
# For ACTION apply the pid also goes into lock/apply.pid at once, so the lock is never without a live
# holder between the CLI's last heartbeat and the apply's first line.
set -u
DIR=$1
REL=$2
LOG=$3
ACTION=$4
TOKEN=$5
cd "$DIR" || exit 1
mkdir -p "$(dirname "$LOG")" || exit 1
(umask 077 && : >> "$LOG") && chmod 600 "$LOG" || exit 1
if command -v setsid > /dev/null 2>&1; then
  setsid nohup sh "$REL/apply.sh" "$REL" "$ACTION" "$TOKEN" >> "$LOG" 2>&1 < /dev/null &
else
  nohup sh "$REL/apply.sh" "$REL" "$ACTION" "$TOKEN" >> "$LOG" 2>&1 < /dev/null &
fi
pid=$!
if [ "$ACTION" = apply ] && grep -qF "\"token\":\"$TOKEN\"" "$DIR/.gangway/lock/info" 2>/dev/null; then
  echo "$pid" > "$DIR/.gangway/lock/apply.pid"
fi
echo "$pid"
