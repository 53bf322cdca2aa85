# shellcheck shell=bash
# Pid files of the test environment's daemons, shared by test-env.sh and test-hosts.sh (sourced after STATE is
# set). A pid file can outlive its process (a killed run, a CI machine that kept /tmp), and its number be reused.

# A process of its own, not a thread: a pid file's number, reused, can name a thread of another process (kill -0
# and /proc/N accept a thread's id), whose arguments (a test engine's) would then pass for the program's.
process_leader() { [ "$(awk '$1 == "Tgid:" { print $2 }' "/proc/$1/status" 2>/dev/null)" = "$1" ]; }

# Alive, and one of ours: every process these scripts start names a file under $STATE in its arguments.
alive() {
  [ -f "$1" ] || return 1
  local pid
  pid=$(cat "$1")
  [ -n "$pid" ] && process_leader "$pid" && grep -qaF "$STATE/" "/proc/$pid/cmdline" 2>/dev/null
}

# Stop the process a pid file names and remove the file; a number that is now a thread is left alone (a signal
# to a thread's id reaches its whole process).
stop_pidfile() {
  [ -f "$1" ] || return 0
  local pid
  pid=$(cat "$1")
  if [ -n "$pid" ] && process_leader "$pid"; then kill "$pid" 2>/dev/null || true; fi
  rm -f "$1"
}
