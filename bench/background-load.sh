# shellcheck shell=bash
# Sourced by the benchmarks: a background load like a CI runner's or a busy server's (issue 27): one core kept
# busy by a shell loop for the duration of the measurement. Bounded (it ends by itself after BENCH_LOAD_MAX_S,
# default 1800 s) and stopped by the caller's exit trap (stop_background_load). BENCH_LOAD=0: no load.
#   start_background_load; trap 'stop_background_load; …' EXIT

burner_pid=
start_background_load() {
  [ "${BENCH_LOAD:-1}" = 0 ] && return 0
  timeout "${BENCH_LOAD_MAX_S:-1800}" sh -c 'while :; do :; done' &
  burner_pid=$!
}

stop_background_load() {
  if [ -n "$burner_pid" ]; then
    kill "$burner_pid" 2>/dev/null || true
    wait "$burner_pid" 2>/dev/null || true
    burner_pid=
  fi
}

# The machine's state, printed with the figures: cores, the 1-minute load average, and whether the burner runs.
describe_load() {
  local one
  read -r one _ </proc/loadavg
  printf '%s: %s cores, load average %s, background burner: %s\n' "$1" "$(nproc)" "$one" \
    "$([ -n "$burner_pid" ] && echo "1 core (pid $burner_pid)" || echo off)"
}
