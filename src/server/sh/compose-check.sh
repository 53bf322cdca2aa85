#!/bin/sh
# gangway check's `compose config -q` on the real files, around host-facts.sh in one `sh -s` script
# (check/server-facts.ts): compose_check_start before it, compose_check_finish after it (host-facts.sh has set `$c`
# to the Compose there is: v2, v1 or none). Compose v2's run starts before host-facts.sh asks `docker info`, so that
# the two docker CLI processes run side by side, not one after the other (issue 27: on a busy server each costs a
# few hundred ms). It is a guess that is right on nearly every server (v2); when `$c` says otherwise its result is
# dropped (v1 runs its own; none: nothing is reported).
# The head of the script, written by check/compose-remote.ts, defines:
#   compose_files   writes the files into "$cc" (the contents travel on stdin, never in argv)
#   config_v2, config_v1   the `config -q` of each Compose, run inside "$cc"
# Compose's output goes to stderr after the line below, which server-facts.ts splits on (COMPOSE_STDERR there).
compose_marker=@@gangway-compose-config
# (a name no upload has: the files are compose files and .env)
compose_log=.gangway-config-q.log
cc_pid=

compose_check_start() {
  # mktemp's own complaint is kept for the report, which comes after the marker.
  if cc=$(mktemp -d /tmp/gangway-check.XXXXXXXX 2>&1); then cc_error=; else cc_error=$cc cc=; return 0; fi
  trap 'rm -rf "$cc"' EXIT
  trap 'exit 129' HUP INT TERM PIPE
  umask 077
  compose_files
  # stdin: /dev/null, never the script that `sh -s` is still reading
  (cd "$cc" && config_v2) </dev/null >"$cc/$compose_log" 2>&1 &
  cc_pid=$!
}

# The v2 run's exit code, once it is over; waited for also when its result is dropped (before `exit`, whose trap
# removes the directory it runs in).
compose_check_stop() {
  [ -n "$cc_pid" ] || return 0
  wait "$cc_pid"
  cc_rc=$?
  cc_pid=
  return "$cc_rc"
}

compose_check_finish() {
  # shellcheck disable=SC2154 # $c: set by host-facts.sh
  if [ "$c" = none ]; then compose_check_stop; exit 0; fi
  echo "$compose_marker" >&2
  if [ -z "$cc" ]; then echo "$cc_error" >&2; exit 0; fi
  if [ "$c" = v2 ]; then
    compose_check_stop
    rc=$?
    while IFS= read -r line || [ -n "$line" ]; do printf '%s\n' "$line"; done <"$cc/$compose_log" >&2
    echo "config $rc"
  else
    compose_check_stop
    cd "$cc" || exit 0
    config_v1 </dev/null
    echo "config $?"
  fi
}
