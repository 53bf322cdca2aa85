# shellcheck shell=sh
# What every part of an apply uses (apply.sh sources it first, then the strategy's helpers and the strategy):
# the run log's lines (say), the CLI's events (event, step_event, fail), masking the env values out of what
# Docker prints (mask, strip_ansi) and a short pause between polls (nap). Uses apply.sh's REL, DATA, FAIL_STEP,
# FAIL_REASON and metrics_step (metrics.sh, or apply.sh's stand-in).
# shellcheck disable=SC2034 # FAIL_STEP, FAIL_REASON: apply.sh's variables

ESC=$(printf '\033')
BEL=$(printf '\007')

# A short pause between polls; POSIX sleep takes whole seconds, GNU and busybox take fractions.
nap() { sleep 0.25 2>/dev/null || sleep 1; }
# Run log lines carry milliseconds where date has %N (GNU), whole seconds elsewhere (busybox, BSD).
SAY_TIME=+%H:%M:%S
case $(date +%N 2>/dev/null) in '' | *N*) ;; *) SAY_TIME=+%H:%M:%S.%3N ;; esac
say() { printf '%s %s\n' "$(date -u "$SAY_TIME")" "$*"; }

event() { printf '::gangway:: %s\n' "$1"; }
step_event() {
  metrics_step "$1" "$2"
  event "{\"event\":\"step\",\"step\":\"$(json_str "$1")\",\"status\":\"$2\",\"detail\":\"$(json_str "$3")\"}"
}
fail() { FAIL_STEP=$1; FAIL_REASON=$2; say "FAILED $1: $2"; step_event "$1" fail "$2"; }

# Replace every env value (one per line in .mask, longest first) by ***; plain copy when there are none.
mask() {
  if [ -s "$REL/.mask" ] || [ -s "$DATA/.mask" ]; then
    MASK_A="$REL/.mask" MASK_B="$DATA/.mask" awk '
      function load(f) { while ((getline v < f) > 0) if (length(v) > 0) vals[++n] = v }
      BEGIN { load(ENVIRON["MASK_A"]); load(ENVIRON["MASK_B"]) }
      {
        line = $0
        for (k = 1; k <= n; k++) {
          out = ""
          while ((i = index(line, vals[k])) > 0) {
            out = out substr(line, 1, i - 1) "***"
            line = substr(line, i + length(vals[k]))
          }
          line = out line
        }
        print line; fflush()
      }'
  else
    cat
  fi
}
strip_ansi() { sed -e "s/$ESC\[[0-9;?]*[A-Za-z]//g" -e "s/$ESC\][^$BEL]*$BEL//g"; }
