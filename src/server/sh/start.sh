#!/bin/sh
# Start a release's apply.sh detached from the SSH session (its own session, immune to hang-ups), with its
# output appended to the run log, which is created 0600. Prints the apply's pid and the log's size before it.
#   start.sh DIR RELEASE_DIR RUN_LOG ACTION TOKEN
# ACTION: apply, apply-hold (the lock goes back to the caller at the end) or recover.
# For ACTION apply the pid also goes into lock/apply.pid at once, so the lock is never without a live
# holder between the CLI's last heartbeat and the apply's first line.
# Every apply runs in a process group of its own, noted in RELEASE_DIR/groups. An apply killed with -9 leaves
# its children (a `docker compose up` among them) running: before a recover starts, they are ended and gone,
# so the recovery's own Compose runs never race them.
# shellcheck source-path=SCRIPTDIR
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
# shellcheck source=layout.sh
. ./layout.sh # its text takes this line's place when the script is sent (scripts.ts)
layout "$DIR"
owns_lock() { grep -qF "\"token\":\"$TOKEN\"" "$G_LOCK_INFO" 2>/dev/null; }
applies=
case $ACTION in apply | apply-hold) applies=1 ;; esac
if [ -n "$applies" ]; then
  owns_lock || { echo "start: the deploy lock is not held by this deploy; nothing started" >&2; exit 1; }
  # Before the apply runs, note the release in place and that an apply is under way: if the apply dies at
  # any point from here, `recover` knows what to put back.
  id=$(basename "$REL")
  prev=$(cat "$G_CURRENT" 2>/dev/null)
  [ "$prev" = "$id" ] && prev=
  printf '%s\n' "$prev" > "$REL/prev" || exit 1
  printf '%s\n' "$id" > "$G_APPLYING.tmp" && mv -f "$G_APPLYING.tmp" "$G_APPLYING" || exit 1
fi

# "PID PGID STAT ARGS" of every process (procps, busybox and BSD ps all take these).
processes() { ps -A -o pid= -o pgid= -o stat= -o args= 2>/dev/null; }
# How many live processes (a zombie has ended) process group $1 has, counted only when one of them runs in
# this deploy's directory (`<dir>/`, so that /srv/shop never matches /srv/shop-staging): a group number reused
# by something else since is never touched.
ours() {
  processes | DIR=$DIR awk -v g="$1" '
    $2 == g && $3 !~ /^Z/ { n++; if (index($0, ENVIRON["DIR"] "/")) mine = 1 }
    END { print mine ? n : 0 }'
}
note() { printf '%s start: %s\n' "$(date -u +%H:%M:%S)" "$*" >> "$LOG"; }
# End what earlier runs of this release left running (the whole group of each) and wait until it is gone;
# bounded, as a process stuck in the kernel must not hold the recovery for ever.
end_earlier_runs() {
  [ -f "$REL/groups" ] || return 0
  own=$(processes | awk -v p="$$" '$1 == p { print $2 }')
  while IFS= read -r g; do
    if [ -z "$g" ] || [ "$g" = "$own" ]; then continue; fi
    n=$(ours "$g")
    [ "$n" -gt 0 ] || continue
    kill -KILL "-$g" 2>/dev/null
    until_s=$(($(date +%s) + 20))
    while [ "$(ours "$g")" -gt 0 ] && [ "$(date +%s)" -lt "$until_s" ]; do sleep 0.1 2>/dev/null || sleep 1; done
    if [ "$(ours "$g")" -gt 0 ]; then
      note "$n process(es) an earlier run of this release left (group $g) did not end within 20s"
    else
      note "ended $n process(es) an earlier run of this release left running (group $g)"
    fi
  done < "$REL/groups"
}
[ "$ACTION" = recover ] && end_earlier_runs

if command -v setsid > /dev/null 2>&1; then
  setsid nohup sh "$REL/apply.sh" "$REL" "$ACTION" "$TOKEN" >> "$LOG" 2>&1 < /dev/null &
  pid=$!
  group=$pid # setsid execs the apply in place (a background job never leads a group, so it need not fork)
else
  nohup sh "$REL/apply.sh" "$REL" "$ACTION" "$TOKEN" >> "$LOG" 2>&1 < /dev/null &
  pid=$!
  # Without setsid (no POSIX shell makes a process group without a terminal) the apply stays in ours. That
  # group is the apply's alone once this script ends only when it leads a session of its own, as sshd gives
  # each command; otherwise (a local target run from a terminal) it is not noted, and not ended.
  group=$(ps -A -o pid= -o pgid= -o sid= 2>/dev/null | awk -v p="$$" '$1 == p && $2 == $3 { print $2 }')
fi
[ -n "$group" ] && printf '%s\n' "$group" >> "$REL/groups"
if [ -n "$applies" ] && owns_lock; then
  # Written aside and renamed: a contender reading a half-written (empty) pid file would call the lock stale.
  printf '%s\n' "$pid" > "$G_APPLY_PID.$$" && mv -f "$G_APPLY_PID.$$" "$G_APPLY_PID"
fi
echo "$pid $offset"
