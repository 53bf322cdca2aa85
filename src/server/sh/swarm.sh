# shellcheck shell=sh
# gangway's Swarm strategy (`engine: swarm`), sourced by apply.sh when STRATEGY is swarm, on a Swarm manager.
# It defines apply.sh's strategy hooks (strategy_*) and uses the helpers apply.sh sources (say, fail, step_event,
# mask, strip_ansi from common.sh; clean_env; http_checks, fatal_logs from gate.sh; prune_releases from
# releases.sh; json_str from json.sh).
#
# A deploy: the secrets and configs the compose files declare get content-versioned names (swarm-names.yml),
# `docker stack deploy` runs with the release's env values in its environment (.env.export, never an argument),
# then every service converges: a service whose task template this deploy changed must report an UpdateStatus
# `completed` that started after the deploy did (rollback_* and paused are failures: Swarm's failure_action
# acted), and every service runs its desired replicas, all on the image of its spec. Then the health gate
# (health.http and smoke from here, fatal_logs over `docker service logs`). On failure every service this deploy
# updated is rolled back (`docker service rollback`, unless Swarm already did), the services it created are
# removed, and the previous release is gated again. `docker stack deploy --detach=false` is never relied on:
# Debian's 20.10 CLI lacks it and newer ones exit 0 after an automatic rollback.
#
# vars.sh adds SWARM_REGISTRY_AUTH (1: --with-registry-auth) and SWARM_VERSION (the compose files' version).
# Data beside it: swarm-defaults.yml, swarm-services (the release's services), swarm-objects
# (kind<TAB>key<TAB>local|server<TAB>file), swarm-<kind>-<key> (their content, 0600), .env.export (0600).
# Written here: swarm-names.yml, swarm-pins.yml (a copied release's digests), swarm-before (service<TAB>cksum of
# its task template, before the deploy), swarm-start (when the deploy began), swarm-images (service<TAB>image as
# its spec names it after the deploy), swarm-updated and swarm-created (service names), .up-out.
# shellcheck disable=SC2034 # FAIL_SERVICE, RECORD_EXTRA, DATA, STOPPED: apply.sh's variables
# shellcheck disable=SC2013 # lists are read with $(cat …) and IFS set to a newline (apply.sh), on purpose

SW_START=
SW_LOGS_SINCE=
SW_STATES=

# Docker with a clean environment, as Compose gets (clean-env.sh).
sw_docker() { clean_env docker "$@"; }
sw_name() { printf '%s_%s' "$APP" "$1"; } # SERVICE → the stack's service
sw_services() { cat "$DATA/swarm-services" 2>/dev/null; }
# The stack's services as Swarm has them now (full names).
sw_live() { sw_docker service ls --filter "label=com.docker.stack.namespace=$APP" --format '{{.Name}}' 2>/dev/null; }

# apply.sh's fatal_logs asks these: the services to scan for fatal lines, and one service's recent log lines.
strategy_services() { sw_services; } # TAG
strategy_logs() { # SERVICE TAG LINES
  # One word `--since=T`: IFS is a newline here, so `--since T` unquoted would be one unknown flag, and the
  # docker error (no fatal pattern in it) would pass the gate.
  sw_docker service logs --no-task-ids --tail "$3" ${SW_LOGS_SINCE:+"--since=$SW_LOGS_SINCE"} "$(sw_name "$1")" 2>&1
}

# A service's task template and ports, reduced to a checksum (the spec holds env values: none is kept).
sw_spec_sums() { # FULL_NAME…
  [ $# -gt 0 ] || return 0
  for s in "$@"; do
    sum=$(sw_docker service inspect -f '{{json .Spec.TaskTemplate}}{{json .Spec.EndpointSpec}}' "$s" 2>/dev/null \
      | cksum | tr ' ' '-')
    printf '%s\t%s\n' "$s" "$sum"
  done
}

# Secrets and configs: each file (uploaded, or taken from <dir> on this manager) is copied into the release
# (0600) and named by its content, so a changed value is a new object and the old one stays until the update
# completed. Writes swarm-names.yml, which overrides `name` and `file` of each; with none it stays empty and is
# not given to the CLI (26 and later refuse an empty compose file: "top-level object must be a mapping").
sw_objects() { # RELEASE_DIR
  out="$1/swarm-names.yml"
  : > "$out.tmp"
  section=
  for line in $(cat "$1/swarm-objects" 2>/dev/null); do
    kind=$(printf '%s' "$line" | cut -f1)
    key=$(printf '%s' "$line" | cut -f2)
    where=$(printf '%s' "$line" | cut -f3)
    file=$(printf '%s' "$line" | cut -f4-)
    copy="$1/swarm-$kind-$key"
    if [ ! -f "$copy" ]; then
      if [ "$where" = local ] || [ ! -f "$DIR/$file" ]; then
        fail "$kind $key" "$DIR/$file is missing on this manager (the compose files' $kind $key)"
        return 1
      fi
      if ! { (umask 077 && cp "$DIR/$file" "$copy.tmp") && chmod 600 "$copy.tmp" && mv -f "$copy.tmp" "$copy"; }; then
        fail "$kind $key" "cannot copy $DIR/$file into the release"
        return 1
      fi
    fi
    # A secret's content is masked in this log (each line of it, the longest first), like the env values.
    if [ "$kind" = secret ]; then
      # (.mask holds every env value and secret: created 0600 whatever the caller's umask)
      (umask 077 && cat "$copy" "$REL/.mask" 2>/dev/null | awk 'length($0) >= 4 { print length($0) "\t" $0 }' \
        | sort -rn | cut -f2- | awk '!seen[$0]++' > "$REL/.mask.tmp") && mv -f "$REL/.mask.tmp" "$REL/.mask"
    fi
    sum=$(sha256sum "$copy" | cut -c1-12)
    name=$(printf '%s_%s' "$APP" "$key" | cut -c1-51)_$sum
    # The version first (every file given to the CLI must declare the same one), once, before the first object.
    if [ -z "$section" ] && [ -n "$SWARM_VERSION" ]; then
      printf 'version: "%s"\n' "$(json_str "$SWARM_VERSION")" >> "$out.tmp"
    fi
    if [ "$section" != "$kind" ]; then printf '%ss:\n' "$kind" >> "$out.tmp"; section=$kind; fi
    printf '  "%s":\n    name: "%s"\n    file: "%s"\n' "$(json_str "$key")" "$(json_str "$name")" \
      "$(json_str "$copy")" >> "$out.tmp"
    say "$kind $key is $name"
  done
  mv -f "$out.tmp" "$out"
}

# Docker Hub's names as Swarm keeps them (`acme/web`, `nginx`), however image.name writes them (`docker.io/…`).
sw_familiar() { # IMAGE
  fam=${1#docker.io/}
  fam=${fam#index.docker.io/}
  printf '%s' "${fam#library/}"
}
# gangway's own image at this release's tag, pinned to a digest or not.
sw_app_image() { # IMAGE
  [ -n "$IMAGE_NAME" ] || return 1
  own=$(sw_familiar "$IMAGE_NAME"):$TAG
  case "$(sw_familiar "$1")" in "$own" | "$own@"*) return 0 ;; esac
  return 1
}

# The image each service's spec names once `docker stack deploy` ran (`name:tag@sha256:…` when it asked the
# registry): swarm-images, SERVICE<TAB>IMAGE, what the record names and what a rollback to this release pins.
sw_images() { # RELEASE_DIR
  for svc in $(sw_services); do
    image=$(sw_docker service inspect -f '{{.Spec.TaskTemplate.ContainerSpec.Image}}' "$(sw_name "$svc")" \
      2>/dev/null) && [ -n "$image" ] && printf '%s\t%s\n' "$svc" "$image"
  done > "$1/swarm-images.tmp"
  mv -f "$1/swarm-images.tmp" "$1/swarm-images"
}

# A release copied from a retained one (rollback, env-only) brings the swarm-images its deploy read: the digests
# it ran are pinned (swarm-pins.yml, given to the CLI last), since `--resolve-image always` would take whatever
# the tag names in the registry now (a tag pushed again: another image). A rollback pins every service (its
# compose files and env are that release's); env-only only gangway's image (a changed value may name another
# image). Without a digest (image.delivery archive or sync: never resolved) nothing is pinned.
sw_pins() { # RELEASE_DIR
  out="$1/swarm-pins.yml"
  rm -f "$out" "$out.tmp"
  [ -f "$1/swarm-images" ] || return 0
  for line in $(cat "$1/swarm-images"); do
    svc=$(printf '%s' "$line" | cut -f1)
    image=$(printf '%s' "$line" | cut -f2-)
    case "$image" in *@sha256:*) ;; *) continue ;; esac
    sw_services | grep -qxF -- "$svc" || continue
    [ "$OPERATION" = rollback ] || sw_app_image "$image" || continue
    if [ ! -f "$out.tmp" ]; then
      [ -z "$SWARM_VERSION" ] || printf 'version: "%s"\n' "$(json_str "$SWARM_VERSION")" > "$out.tmp"
      printf 'services:\n' >> "$out.tmp"
    fi
    printf '  "%s":\n    image: "%s"\n' "$(json_str "$svc")" "$(json_str "$image")" >> "$out.tmp"
    say "$svc pinned to $image (what its release ran)"
  done
  # This deploy writes its own once the CLI ran: a copy left here would be taken for it.
  rm -f "$1/swarm-images"
  [ ! -f "$out.tmp" ] || mv -f "$out.tmp" "$out"
}

# `docker stack deploy` of a release's files: its env values reach the CLI's interpolation through the
# environment of the shell that execs it (sourced from .env.export), never through an argument.
sw_stack_deploy() { # RELEASE_DIR TAG
  set -- "$1" "$2" stack deploy
  for f in $FILES; do set -- "$@" -c "$DIR/$f"; done
  # gangway's own files only when they hold something: current CLIs refuse an empty compose file.
  for f in swarm-defaults.yml swarm-names.yml swarm-pins.yml; do [ ! -s "$1/$f" ] || set -- "$@" -c "$1/$f"; done
  set -- "$@" --resolve-image "${SWARM_RESOLVE:-always}"
  [ -z "$SWARM_REGISTRY_AUTH" ] || set -- "$@" --with-registry-auth
  # Newer CLIs wait for convergence unless told not to (and then exit 0 after Swarm rolled back); 20.10 never
  # waits. Either way the convergence below is gangway's own.
  if docker stack deploy --help 2>/dev/null | grep -q -e '--detach'; then set -- "$@" --detach=true; fi
  set -- "$@" "$APP"
  # The CLI by its path: PATH is the server's, whatever the env file exports.
  docker=$(command -v docker) || { echo "docker: not found" >&2; return 127; }
  # shellcheck disable=SC2016 # expanded by that sh
  clean_env sh -c 'd=$1 && . "$2/.env.export" && IMAGE_TAG=$3 && export IMAGE_TAG && shift 3 && exec "$d" "$@"' \
    sh "$docker" "$@"
}

# One service's update: STATE|STARTED (unix seconds)|MESSAGE; `none` when it never had an update.
sw_update_status() { # FULL_NAME
  sw_docker service inspect -f '{{if .UpdateStatus}}{{.UpdateStatus.State}}|{{if .UpdateStatus.StartedAt}}
{{- .UpdateStatus.StartedAt.Unix}}{{end}}|{{.UpdateStatus.Message}}{{else}}none||{{end}}' "$1" 2>/dev/null
}

# Tasks: prints RUNNING_ON_IMAGE DESIRED STALE (running on another image) for one service.
sw_tasks() { # FULL_NAME
  spec=$(sw_docker service inspect -f '{{.Spec.TaskTemplate.ContainerSpec.Image}}|{{if .Spec.Mode.Replicated}}
{{- .Spec.Mode.Replicated.Replicas}}{{else}}global{{end}}' "$1" 2>/dev/null) || return 1
  image=${spec%|*}
  want=${spec##*|}
  sw_docker service ps --no-trunc --filter desired-state=running --format '{{.Image}}|{{.CurrentState}}' "$1" \
    2>/dev/null | awk -F'|' -v image="$image" -v want="$want" '
      { n++ }
      $2 ~ /^Running/ && $1 == image { ok++ }
      $2 ~ /^Running/ && $1 != image { stale++ }
      END { if (want == "global") want = n; printf "%d %d %d\n", ok, want, stale }'
}

# Failed or rejected tasks of a service since the deploy began: the last error (a service gangway created has
# no update for Swarm to roll back, so its tasks failing over and over is how it fails).
sw_task_failures() { # FULL_NAME
  sw_docker service ps --no-trunc --format '{{.CurrentState}}|{{.Error}}' "$1" 2>/dev/null \
    | awk -F'|' '$1 ~ /^(Failed|Rejected)/ { n++; last = $2 } END { printf "%d|%s\n", n, last }'
}

# Wait until every service of the release runs as it should. Services in UPDATED must report an update in
# one of WANT (completed, or rollback_completed after a rollback) that started at or after SINCE.
sw_converge() { # SINCE WANT UPDATED_FILE
  since=$1
  want=$2
  DEADLINE=$(($(date +%s) + TIMEOUT))
  SW_STATES=
  for svc in $(sw_services); do
    full=$(sw_name "$svc")
    updated=
    grep -qxF -- "$full" "$3" 2>/dev/null && updated=1
    created=
    grep -qxF -- "$full" "$REL/swarm-created" 2>/dev/null && created=1
    # Going back, a service this deploy created was removed: nothing to wait for.
    [ "$want" = rollback_completed ] && [ -n "$created" ] && continue
    last=
    while :; do
      status=$(sw_update_status "$full")
      state=${status%%|*}
      rest=${status#*|}
      started=${rest%%|*}
      message=${rest#*|}
      done_update=1
      if [ -n "$updated" ]; then
        done_update=
        # An update (or rollback) that started before SINCE is an earlier one: this one has not begun yet.
        if [ "${started:-0}" -ge "$since" ] 2>/dev/null; then
          failed=
          case "$state" in
            "$want") done_update=1 ;;
            rollback_paused | paused) failed=1 ;;
            # Swarm's failure_action rolled the update back (or is doing so): the deploy failed.
            rollback_started | rollback_completed) [ "$want" = completed ] && failed=1 ;;
          esac
          if [ -n "$failed" ]; then
            FAIL_SERVICE=$svc
            if [ "$want" = completed ]; then
              fail "update $svc" "Swarm's update of $full ended $state: ${message:-no message}"
            else
              fail "rollback $svc" "the rollback of $full ended $state: ${message:-no message}"
            fi
            SW_STATES="$SW_STATES,\"$(json_str "$svc")\":\"$(json_str "$state")\""
            return 1
          fi
        fi
      fi
      if [ -n "$done_update" ]; then
        tasks=$(sw_tasks "$full")
        ok=${tasks%% *}
        rest=${tasks#* }
        desired=${rest%% *}
        stale=${rest#* }
        [ "${stale:-1}" = 0 ] && [ "${ok:-0}" -ge "${desired:-1}" ] && break
        last="$ok of $desired tasks running on the new image${stale:+, $stale on another}"
      else
        last="update ${state:-not started}${message:+: $message}"
      fi
      if [ -n "$created" ]; then
        failures=$(sw_task_failures "$full")
        if [ "${failures%%|*}" -ge 3 ]; then
          FAIL_SERVICE=$svc
          fail "start $svc" "${failures%%|*} tasks of the new service $full failed: ${failures#*|}"
          SW_STATES="$SW_STATES,\"$(json_str "$svc")\":\"failed\""
          return 1
        fi
      fi
      if [ "$(date +%s)" -ge "$DEADLINE" ]; then
        FAIL_SERVICE=$svc
        fail "converge $svc" "$full did not converge within ${TIMEOUT}s (${last:-no tasks})"
        return 1
      fi
      sleep 1
    done
    what=unchanged
    [ -n "$created" ] && what=created
    [ -n "$updated" ] && what=$state
    SW_STATES="$SW_STATES,\"$(json_str "$svc")\":\"$(json_str "$what")\""
    say "ok $svc: $what, $ok of $desired tasks running on its image"
  done
  step_event converge ok "every service of $APP runs its desired tasks on its image"
}

# Which services the deploy changed: updated (their task template differs from before) and created.
sw_changes() {
  [ -f "$REL/swarm-before" ] || { : > "$REL/swarm-updated"; : > "$REL/swarm-created"; return 0; }
  # shellcheck disable=SC2046 # one argument per service name (IFS is a newline)
  sw_spec_sums $(sw_live) > "$REL/swarm-after"
  # (FILENAME, not NR == FNR: the first file may be empty)
  awk -F'\t' 'FILENAME == ARGV[1] { before[$1] = $2; next } ($1 in before) && before[$1] != $2 { print $1 }' \
    "$REL/swarm-before" "$REL/swarm-after" > "$REL/swarm-updated"
  awk -F'\t' 'FILENAME == ARGV[1] { before[$1] = 1; next } !($1 in before) { print $1 }' \
    "$REL/swarm-before" "$REL/swarm-after" > "$REL/swarm-created"
}

sw_record_extra() { # MANAGER STATES
  RECORD_EXTRA=",\"manager\":\"$(json_str "$1")\",\"services\":{${2#,}}$(sw_images_json)"
}

# The record's `images` (each service's, as its spec named it after the deploy) and `image_digest` (gangway's
# image's digest, as Compose targets record it): only once this deploy wrote swarm-images.
sw_images_json() {
  [ -f "$REL/swarm-images" ] || return 0
  images=
  digest=
  for line in $(cat "$REL/swarm-images"); do
    image=$(printf '%s' "$line" | cut -f2-)
    images="$images,\"$(json_str "$(printf '%s' "$line" | cut -f1)")\":\"$(json_str "$image")\""
    if [ -z "$digest" ] && sw_app_image "$image"; then
      case "$image" in *@sha256:*) digest=${image##*@} ;; esac
    fi
  done
  printf ',"images":{%s}' "${images#,}"
  [ -z "$digest" ] || printf ',"image_digest":"%s"' "$(json_str "$digest")"
}

sw_deploy() { # TAG
  MANAGER=$(sw_docker info -f '{{.Name}}' 2>/dev/null)
  sw_pins "$REL"
  sw_record_extra "$MANAGER" ''
  sw_objects "$REL" || return 1
  if [ -s "$REL/swarm-defaults-added" ]; then
    say "update defaults: $(cat "$REL/swarm-defaults-added")"
    step_event "update defaults" ok "$(cat "$REL/swarm-defaults-added")"
  fi
  # shellcheck disable=SC2046 # one argument per service name (IFS is a newline)
  sw_spec_sums $(sw_live) > "$REL/swarm-before"
  SW_START=$(date +%s)
  SW_LOGS_SINCE=$SW_START
  printf '%s\n' "$SW_START" > "$REL/swarm-start"
  say "docker stack deploy $APP ($1)"
  { sw_stack_deploy "$REL" "$1" 2>&1; echo "$?" > "$REL/.up-rc"; } | strip_ansi | mask | tee "$REL/.up-out"
  if [ "$(cat "$REL/.up-rc")" != 0 ]; then
    sw_changes
    fail "stack deploy" "docker stack deploy failed for $1"
    return 1
  fi
  sw_images "$REL"
  sw_changes
  n_updated=$(wc -l < "$REL/swarm-updated" | tr -d ' ')
  step_event "stack deploy" ok "$1: $n_updated updated, $(wc -l < "$REL/swarm-created" | tr -d ' ') created"
  sw_converge "$SW_START" completed "$REL/swarm-updated" || { sw_record_extra "$MANAGER" "$SW_STATES"; return 1; }
  sw_record_extra "$MANAGER" "$SW_STATES"
  sw_gate "$1"
}

# The gate after convergence: health.services run (convergence saw their tasks running, which Swarm reports
# only once a healthcheck passed), health.http and smoke from this manager, no fatal lines since the deploy.
sw_gate() { # TAG
  DEADLINE=$(($(date +%s) + TIMEOUT))
  say "health gate for $1 (timeout ${TIMEOUT}s)"
  for svc in $SERVICES; do
    sw_services | grep -qxF -- "$svc" || { FAIL_SERVICE=$svc; fail "health $svc" "no such service in $APP"; return 1; }
  done
  http_checks && fatal_logs "$1" || return 1
  step_event "health gate" ok "$1 passed"
}

# Put the stack back as it was before this deploy: the updated services rolled back (unless Swarm did), the
# created ones removed; then converged on their previous spec.
sw_revert() {
  [ -f "$REL/swarm-updated" ] || sw_changes
  SW_START=$(cat "$REL/swarm-start" 2>/dev/null || date +%s)
  revert_start=$(date +%s)
  SW_LOGS_SINCE=$revert_start
  for full in $(cat "$REL/swarm-created"); do
    sw_docker service rm "$full" > /dev/null 2>&1 && say "removed the new service $full"
  done
  for full in $(cat "$REL/swarm-updated"); do
    status=$(sw_update_status "$full")
    rest=${status#*|}
    case "${status%%|*}" in
      rollback_*)
        if [ "${rest%%|*}" -ge "$SW_START" ] 2>/dev/null; then say "Swarm already rolls back $full"; continue; fi
        ;;
    esac
    if out=$(sw_docker service rollback --detach "$full" 2>&1); then
      say "docker service rollback $full"
    else
      say "docker service rollback $full failed: $out"
    fi
  done
  # Only the services this release has are waited for; a service the deploy created is gone.
  sw_converge "$SW_START" rollback_completed "$REL/swarm-updated"
}

# A first deploy failed: undo the stack's changes (apply.sh records it; strategy_failed_done prunes the objects).
strategy_stop_new() {
  say "no previous release to go back to: the stack's changes are undone"
  sw_revert || say "undoing the stack's changes did not converge: $FAIL_REASON"
  STOPPED="the new services were removed"
}
# Every record says which manager deployed and each service's update state.
strategy_record_extra() {
  MANAGER=${MANAGER:-$(sw_docker info -f '{{.Name}}' 2>/dev/null)}
  sw_record_extra "$MANAGER" "$SW_STATES"
}
strategy_failed_done() { sw_prune_objects; }
# Tasks run no container of Compose's: services_healthy (apply.sh's compose gate) is not used on a manager.
strategy_cid() { :; } # SERVICE TAG

# The failing service's tasks, update message and last log lines, for the CLI's first error line.
strategy_failure_output() { # TAG
  if [ "$FAIL_STEP" = "stack deploy" ] || [ -z "$FAIL_SERVICE" ]; then cat "$REL/.up-out" 2>/dev/null; else
    full=$(sw_name "$FAIL_SERVICE")
    sw_update_status "$full" | cut -d'|' -f3
    sw_docker service ps --no-trunc --format '{{.Name}} {{.CurrentState}} {{.Error}}' "$full" 2>/dev/null \
      | head -n 5
    strategy_logs "$FAIL_SERVICE" "$1" 50
  fi
}

# Secrets and configs this stack no longer uses (gangway's versioned names only; Swarm refuses to remove one in
# use, and nothing else is touched).
sw_prune_objects() {
  used=$(for full in $(sw_live); do
    sw_docker service inspect -f '{{range .Spec.TaskTemplate.ContainerSpec.Secrets}}{{println .SecretName}}{{end}}
{{- range .Spec.TaskTemplate.ContainerSpec.Configs}}{{println .ConfigName}}{{end}}' "$full" 2>/dev/null
  done)
  for kind in secret config; do
    for name in $(sw_docker "$kind" ls --filter "label=com.docker.stack.namespace=$APP" --format '{{.Name}}' \
      2>/dev/null); do
      h='[0-9a-f]'
      # shellcheck disable=SC2254 # the hex pattern is meant to match
      case "$name" in "${APP}"_*_$h$h$h$h$h$h$h$h$h$h$h$h) ;; *) continue ;; esac
      printf '%s\n' "$used" | grep -qxF -- "$name" && continue
      sw_docker "$kind" rm "$name" > /dev/null 2>&1 && say "pruned the old $kind $name"
    done
  done
}

# After success: services the release no longer has leave the stack, then apply.sh's retention.
sw_prune() {
  for full in $(sw_live); do
    svc=${full#"${APP}"_}
    sw_services | grep -qxF -- "$svc" && continue
    sw_docker service rm "$full" > /dev/null 2>&1 && say "removed $full (no longer in the compose files)"
  done
  sw_prune_objects
  prune_releases
}

strategy_deploy() { sw_deploy "$1"; } # TAG
strategy_restore() { sw_revert && sw_gate "$1"; } # TAG
strategy_prune() { sw_prune; }
