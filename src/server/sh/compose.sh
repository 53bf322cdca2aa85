# shellcheck shell=sh
# The Compose helpers the compose strategies share (recreate.sh; bluegreen.sh adds its colour projects): Compose
# for a project with the release's files and env, a service's container and logs, `compose up` with its output
# kept, and the failing release's output; which image a release runs (image-pin.sh, sourced at the end). Sourced
# by apply.sh; uses its DIR, APP, COMPOSE, FILES, HAS_ENV, REL, FAIL_*, the strategy's strategy_cid / strategy_logs
# and PIN (put_in_place, releases.sh).
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2317 # called from the strategy files

# Compose with a clean environment (clean_env): IMAGE_TAG (and a colour's GANGWAY_COLOUR), so nothing from the
# server user's shell overrides the uploaded .env. COMPOSE and the -f list split on newlines. The release's files,
# then the image it pinned (image-pin.sh), if it did.
compose_file_args() {
  for f in $FILES; do printf -- '-f\n%s/%s\n' "$DIR" "$f"; done
  [ -z "${PIN:-}" ] || printf -- '-f\n%s\n' "$PIN"
}
compose_in() { # PROJECT TAG COLOUR EXTRA_FILE ARGS… (COLOUR and EXTRA_FILE may be empty)
  ci_project=$1
  ci_tag=$2
  ci_colour=$3
  ci_extra=$4
  shift 4
  # shellcheck disable=SC2046,SC2086 # word splitting on newlines only: one word per argv item
  clean_env IMAGE_TAG="$ci_tag" ${ci_colour:+GANGWAY_COLOUR="$ci_colour"} \
    $COMPOSE -p "$ci_project" --project-directory "$DIR" $(compose_file_args) ${ci_extra:+-f} ${ci_extra:+"$ci_extra"} \
    ${HAS_ENV:+--env-file} ${HAS_ENV:+"$DIR/.env"} "$@"
}
dc() { # TAG ARGS… : compose for the app's own project
  dc_tag=$1
  shift
  compose_in "$APP" "$dc_tag" '' '' "$@"
}
# A service's container and logs in the app's own project (the compose strategies' strategy_cid and _logs).
compose_cid() { project_cid "$APP" "$1"; } # SERVICE TAG
# A service's container by the labels Compose (v1 and v2) puts on it: one docker call, no Compose run.
project_cid() { # PROJECT SERVICE
  docker ps -a -q --filter "label=com.docker.compose.project=$1" --filter "label=com.docker.compose.service=$2" \
    --filter label=com.docker.compose.oneoff=False 2>/dev/null | head -n 1
}
compose_logs() { dc "$2" logs --no-color --tail "$3" "$1" 2>&1; } # SERVICE TAG LINES
# The services of the app's own project (the compose strategies' strategy_services).
compose_services() { dc "$1" config --services 2>/dev/null; } # TAG

# Run a compose up, its output (masked) in the run log and kept for the failure record.
run_up() { # WHAT COMMAND…
  ru_what=$1
  shift
  say "compose up $ru_what"
  up_once "$@" && return 0
  # A container that a killed Compose run left half made (under a temporary name, or being removed) makes the
  # next run trip over its name once; that run settles it, and a second one finds the project in order.
  if grep -q -e 'Conflict\. The container name' -e 'No such container' -e 'is already in progress' "$REL/.up-out"
  then
    say "compose up $ru_what again: a container left by an interrupted Compose run was in the way"
    up_once "$@" && return 0
  fi
  fail "compose up" "docker compose up failed for $ru_what"
  return 1
}
up_once() { # COMMAND…
  { "$@" 2>&1; echo "$?" > "$REL/.up-rc"; } | strip_ansi | mask | tee "$REL/.up-out"
  [ "$(cat "$REL/.up-rc")" = 0 ] || return 1
  step_event "compose up" ok "$ru_what"
}
up() { run_up "$1" dc "$1" up -d --remove-orphans; } # TAG

# The compose strategies' strategy_failure_output.
compose_failure_output() { # TAG
  # First, marked (src/deploy/first-error-line.ts): the first error line, whatever the logs say.
  [ -z "$FAIL_LINE" ] || printf '::gangway-step-error:: %s\n' "$FAIL_LINE"
  if [ "$FAIL_STEP" = "compose up" ]; then cat "$REL/.up-out"; else
    if [ -n "$FAIL_SERVICE" ]; then
      strategy_logs "$FAIL_SERVICE" "$1" 50
    else
      dc "$1" logs --no-color --tail 50 2>&1
    fi
    # An unhealthy container's own healthcheck output often says more than its log.
    if [ -n "$FAIL_SERVICE" ]; then
      cid=$(strategy_cid "$FAIL_SERVICE" "$1")
      [ -n "$cid" ] && docker inspect -f '{{range .State.Health.Log}}{{println .Output}}{{end}}' "$cid" 2>/dev/null
    fi
  fi
}

# Which image a release runs (pin_image, pin_file_args, pin_record_json), beside this file.
# shellcheck source=image-pin.sh
. "$REL/image-pin.sh"
