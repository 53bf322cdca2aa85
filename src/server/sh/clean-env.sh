# shellcheck shell=sh
# Docker and Compose run with a clean environment: only what Docker needs and the NAME=VALUE assignments given,
# so nothing from the server user's shell (an exported IMAGE_TAG, COMPOSE_FILE, …) overrides what gangway
# uploaded. Sourced by apply.sh (from the release directory); put into drift.sh when it is sent (scripts.ts).
#   clean_env [--host-only] [NAME=VALUE…] COMMAND ARGS…
# --host-only passes DOCKER_HOST alone (not DOCKER_CONFIG or DOCKER_CONTEXT): how the blue/green proxy's Compose
# has always run.
clean_env() {
  if [ "$1" = --host-only ]; then
    shift
    env -i PATH="$PATH" HOME="${HOME:-/}" ${DOCKER_HOST:+DOCKER_HOST="$DOCKER_HOST"} "$@"
  else
    env -i PATH="$PATH" HOME="${HOME:-/}" ${DOCKER_HOST:+DOCKER_HOST="$DOCKER_HOST"} \
      ${DOCKER_CONFIG:+DOCKER_CONFIG="$DOCKER_CONFIG"} ${DOCKER_CONTEXT:+DOCKER_CONTEXT="$DOCKER_CONTEXT"} "$@"
  fi
}
