# shellcheck shell=sh
# The standby (issue 25): the colour that does not serve, kept with the release before the serving one so that
# `gangway rollback` only has to start it and switch. Sourced by bluegreen.sh; uses its STATE_DIR, PROXY_*, dcc,
# colour_tag, serving_colour, drain, proc_start, proc_alive, colour_probe, gate_begin, stack_wait and bg_switch,
# and apply.sh's APP, REL, DATA, FILES, COMPOSE, HEALTH_TEMPLATE and helpers (say,
# step_event, nap, services_healthy, http_checks, fatal_logs, mask, strip_ansi, clean_env).
#
# - After a switch the old colour drains and stops (proxy.standby: stopped) in a process of its own, after the
#   record (park_later); the next deploy waits for it (park_wait).
# - A failed deploy gives the colour it took back to the standby it held (standby_back).
# - A rollback to the release a colour stands by with starts that colour's containers as they are, with no
#   Compose run (standby_start), and they take the traffic on one check (Docker's healthy, or their first answer
#   from the proxy's network), the gate's probes and checks confirming it after the switch (standby_serve).
# shellcheck disable=SC2086 # $COMPOSE splits on newlines (IFS) into its argv, as in apply.sh

# The old colour's drain and stop, once the release is recorded (the CLI returns on the record): in a process
# of its own (.parking names it), so the command returns at once and the deploy lock is free as always; the next
# deploy of this app waits for it (park_wait) before it touches a colour.
PARK=
park_later() {
  [ -n "$PARK" ] || return 0
  (park "$PARK" "$(colour_tag "$PARK")") < /dev/null > "$REL/.park-out" 2>&1 &
  printf '%s %s\n' "$!" "$(proc_start "$!")" > "$STATE_DIR/.parking.tmp" \
    && mv -f "$STATE_DIR/.parking.tmp" "$STATE_DIR/.parking"
  say "the $PARK colour drains (up to ${PROXY_DRAIN}s) and stops after this command (pid $!)"
}
park() { # COLOUR TAG
  drain "$1"
  # A switch back to it meanwhile (only a deploy that did not wait, an older gangway's) keeps it running.
  if [ "$(serving_colour)" != "$1" ]; then
    dcc "$1" "$2" stop "$PROXY_SERVICE" > /dev/null 2>&1
    say "stopped the $1 colour (kept for a rollback)"
  fi
  rm -f "$STATE_DIR/.parking"
}
# Waits while the previous deploy's park runs (bounded: the drain plus a stop, with room on a loaded host).
park_wait() {
  IFS=" " read -r pk_pid pk_start 2>/dev/null < "$STATE_DIR/.parking" || return 0
  pk_until=$(($(date +%s) + PROXY_DRAIN + 120))
  if proc_alive "$pk_pid" "$pk_start"; then say "waiting for the previous deploy's old colour to stop"; fi
  while proc_alive "$pk_pid" "$pk_start" && [ "$(date +%s)" -lt "$pk_until" ]; do nap; done
  rm -f "$STATE_DIR/.parking"
}


# Compose for a colour with another release's own compose files, the image it pinned, colour.yml and env (the
# project directory, against which relative paths resolve, stays DIR, as when that release was in place).
release_dcc() { # RELEASE_DIR COLOUR TAG ARGS…
  rd_rel=$1
  rd_colour=$2
  rd_tag=$3
  shift 3
  rd_colour_file=$rd_rel/colour.yml
  [ -f "$rd_colour_file" ] || rd_colour_file=$REL/colour.yml
  rd_env=$rd_rel/.env
  [ -f "$rd_env" ] || rd_env=/dev/null # not DIR/.env, which is the serving release's
  # shellcheck disable=SC2046,SC2013 # word splitting on newlines only (IFS): one word per argv item, file a line
  clean_env IMAGE_TAG="$rd_tag" GANGWAY_COLOUR="$rd_colour" $COMPOSE -p "$APP-$rd_colour" --project-directory "$DIR" \
    $(for f in $(cat "$rd_rel/files"); do printf -- '-f\n%s/%s\n' "$rd_rel" "$f"; done) $(pin_file_args "$rd_rel") \
    -f "$rd_colour_file" --env-file "$rd_env" "$@"
}

# The failed release's colour goes back to the standby it took (noted in REL/standby: the release before the
# one serving), made from that release's files as proxy.standby says (created, not started, when stopped): a
# later `gangway rollback` finds its container and only starts it instead of a cold start.
standby_back() { # COLOUR
  [ -s "$REL/standby" ] || return 0
  IFS=" " read -r sb_id sb_tag < "$REL/standby" || return 0
  sb_rel=$G_RELEASES/$sb_id
  if [ -z "$sb_id" ] || [ -z "$sb_tag" ] || [ ! -f "$sb_rel/files" ] || [ "$sb_rel" = "$DATA" ]; then
    say "no standby for the $1 colour: release ${sb_id:-?} is no longer kept"
    return 0
  fi
  how=--no-start
  [ "$PROXY_STANDBY" = stopped ] || how=-d
  { release_dcc "$sb_rel" "$1" "$sb_tag" up "$how" --no-deps "$PROXY_SERVICE" 2>&1; echo "$?" > "$REL/.standby-rc"; } \
    | strip_ansi | mask > "$REL/.standby-out"
  if [ "$(cat "$REL/.standby-rc")" = 0 ]; then
    cp "$REL/standby" "$STATE_DIR/$1"
    say "the $1 colour stands by again with $sb_tag (release $sb_id, $PROXY_STANDBY) for a rollback"
  else
    say "could not make the standby of $sb_tag on $1 again: $(tail -n 1 "$REL/.standby-out")"
  fi
}

# Whether the release dir RELEASE_DIR is this release's twin: the same file list, compose files, colour.yml, env
# and image pin (image-pin.yml, where releases have one); a rollback copies them from the release it goes back to.
# Compose would then make the same containers.
same_release() { # RELEASE_DIR
  cmp -s "$1/files" "$REL/files" || return 1
  for f in $FILES colour.yml .env image-pin.yml; do
    if [ -f "$1/$f" ] || [ -f "$REL/$f" ]; then cmp -s "$1/$f" "$REL/$f" || return 1; fi
  done
}

# The proxied service's containers of COLOUR: "ID STATE" a line.
colour_containers() { # COLOUR
  docker ps -a --filter "label=com.docker.compose.project=$APP-$1" \
    --filter "label=com.docker.compose.service=$PROXY_SERVICE" --filter label=com.docker.compose.oneoff=False \
    --format '{{.ID}} {{.State}}' 2>/dev/null
}

# Each container holds the image its Config.Image names now (Compose's own label says which it was made with).
same_image() { # CONTAINER…
  docker inspect -f '{{.Config.Image}} {{index .Config.Labels "com.docker.compose.image"}}' "$@" \
    > "$REL/.standby-images" 2>/dev/null || return 1
  while IFS=" " read -r si_image si_id; do
    [ -n "$si_id" ] && [ "$(docker image inspect -f '{{.Id}}' "$si_image" 2>/dev/null)" = "$si_id" ] || return 1
  done < "$REL/.standby-images"
}

# A rollback to the release COLOUR stands by with (noted in REL/standby): when its containers were made from this
# release's twin and hold the image TAG names now, they are what `compose up` would keep, so they are started as
# they are (`docker start`, no Compose run; the image is checked while they start). Returns 1 when anything
# differs or a start fails: Compose then does it (and makes anew what differs). SB_RUNNING: they all ran already.
SB_RUNNING=
standby_start() { # COLOUR TAG
  [ -s "$REL/standby" ] || return 1
  IFS=" " read -r ss_id ss_tag < "$REL/standby" || return 1
  [ "$ss_tag" = "$2" ] && [ -f "$G_RELEASES/$ss_id/files" ] && same_release "$G_RELEASES/$ss_id" || return 1
  ss_all=$(colour_containers "$1")
  [ -n "$ss_all" ] || return 1
  ss_ids=$(printf '%s\n' "$ss_all" | cut -d' ' -f1)
  ss_stopped=$(printf '%s\n' "$ss_all" | awk '$2 != "running" { print $1 }')
  SB_RUNNING=1
  ss_start=
  if [ -n "$ss_stopped" ]; then
    SB_RUNNING=
    # shellcheck disable=SC2086 # one container id a line (IFS)
    docker start $ss_stopped > "$REL/.standby-start-out" 2>&1 &
    ss_start=$!
  fi
  ss_same=
  # shellcheck disable=SC2086 # one container id a line (IFS)
  same_image $ss_ids && ss_same=1
  if [ -n "$ss_start" ] && ! wait "$ss_start"; then
    say "the $1 colour's standby did not start as it was ($(tail -n 1 "$REL/.standby-start-out" | mask)):" \
      "Compose takes over"
    return 1
  fi
  if [ -z "$ss_same" ]; then
    say "the $1 colour's standby does not hold the image $2 names now: Compose makes it anew"
    return 1
  fi
  step_event "start standby" ok "$2 on $1 (release $ss_id)$([ -n "$SB_RUNNING" ] && echo ', running already')"
}

# standby_start in a process of its own (its outcome in .standby-start); standby_wait says whether it started.
SB_PID=
standby_start_bg() { # COLOUR TAG
  rm -f "$REL/.standby-start"
  (standby_start "$1" "$2" && printf '%s\n' "${SB_RUNNING:+running}" > "$REL/.standby-start") < /dev/null &
  SB_PID=$!
}
standby_wait() {
  [ -n "$SB_PID" ] || return 1
  wait "$SB_PID"
  SB_PID=
  [ -f "$REL/.standby-start" ] || return 1
  SB_RUNNING=$(cat "$REL/.standby-start")
}

# The standby (started, or running already) takes the traffic on one check — Docker's healthy when it ran
# already, else its first answer from the proxy's network — once the stack is up and its gated services healthy;
# the gate confirms it after the switch: the probe's passes, the HTTP checks, the fatal log lines. A failure there
# puts the old colour back at once (it still runs: its park waits for the record).
standby_serve() { # COLOUR TAG
  gate_begin "$1" "$2"
  if [ -n "$SB_RUNNING" ] && [ "$(docker inspect -f "$HEALTH_TEMPLATE" \
    "$(colour_containers "$1" | head -n 1 | cut -d' ' -f1)" 2>/dev/null)" = running/healthy ]; then
    say "ok the $1 colour is running and healthy"
  else
    colour_probe "$1" "$2" 1 || return 1
  fi
  # The stack's own gated services (the proxied one was just checked).
  ss_services=$SERVICES
  SERVICES=$(printf '%s\n' "$SERVICES" | grep -vxF "$PROXY_SERVICE")
  stack_wait && services_healthy "$2"
  ss_rc=$?
  SERVICES=$ss_services
  [ "$ss_rc" = 0 ] && bg_switch || return 1
  say "confirming $2 on $1 after the switch"
  colour_probe "$1" "$2" && http_checks && fatal_logs "$2" || return 1
  step_event "health gate" ok "$2 passed ($1, confirmed after the switch)"
}
