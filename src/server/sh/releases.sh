# shellcheck shell=sh
# The releases under <dir>/.gangway: the live .env backed up (backup_env), one put in place (put_in_place), the
# outcome recorded as one JSON line in releases.jsonl (record), which passed their gate (is_good), which
# directories and images are kept (prune_releases). Sourced by apply.sh; uses its DIR, REL, G, ID, KEEP,
# IMAGE_NAME, RECORD_TEMPLATE, RECORD_FAILED_TEMPLATE (vars.sh: the record's shape, src/server/release-record.ts),
# RECORD_EXTRA, STARTED, START_S, FAIL_STEP and FAIL_REASON, and image-pin.sh's pin_record_json.
# shellcheck disable=SC2013 # lists are read with $(cat …) and IFS set to a newline (apply.sh), on purpose
# shellcheck disable=SC2317 # called from apply.sh and the strategy files
# shellcheck disable=SC2034 # PIN: read by compose.sh

# The live .env, kept as .env.bak-YYYYMMDD-HHMMSS (0600) when the release brings another one: one per change
# (SPEC). They hold secrets, so no more stay than the releases kept for rollback (KEEP): each release has its
# own env anyway. Without cmp on the host every apply backs up, as before, and pruning still bounds them.
backup_env() {
  [ -f "$DIR/.env" ] && [ -f "$REL/.env" ] || return 0
  cmp -s "$DIR/.env" "$REL/.env" && return 0
  bak="$DIR/.env.bak-$(date +%Y%m%d-%H%M%S)"
  (umask 077 && cp "$DIR/.env" "$bak") && chmod 600 "$bak" && say "backed up .env to $(basename "$bak")"
  # The names sort by their time: the first ones are the oldest. (Globbing is off in apply.sh: on for this.)
  set +f
  set -- "$DIR"/.env.bak-*
  set -f
  [ -e "$1" ] || return 0
  extra=$(($# - ${KEEP:-5}))
  while [ "$extra" -gt 0 ]; do
    rm -f "$1" && say "removed the old .env backup $(basename "$1")"
    shift
    extra=$((extra - 1))
  done
}

# Copy a release's compose files and env into DIR, each by temp file + rename (env stays 0600). PIN: the image
# its apply pinned (image-pin.sh), which every Compose run of the release takes after its files.
PIN=
put_in_place() { # RELEASE_ID
  src="$G_RELEASES/$1"
  PIN=
  [ ! -f "$src/image-pin.yml" ] || PIN=$src/image-pin.yml
  for f in $(cat "$src/files"); do
    cp "$src/$f" "$DIR/.$f.gangway-tmp" && mv -f "$DIR/.$f.gangway-tmp" "$DIR/$f" || return 1
  done
  if [ -f "$src/.env" ]; then
    (umask 077 && cp "$src/.env" "$DIR/.env.gangway-tmp") && chmod 600 "$DIR/.env.gangway-tmp" \
      && mv -f "$DIR/.env.gangway-tmp" "$DIR/.env" || return 1
  else
    rm -f "$DIR/.env" # Compose would read a stale one by default
  fi
  printf '%s\n' "$1" > "$G_CURRENT.tmp" && mv -f "$G_CURRENT.tmp" "$G_CURRENT"
}

release_tag() { cat "$G_RELEASES/$1/tag" 2>/dev/null; } # RELEASE_ID

record() { # STATUS OUTCOME SERVING
  strategy_record_extra
  finished=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  duration=$(($(date +%s) - START_S))
  failure=",\"failing_step\":\"$(json_str "$FAIL_STEP")\",\"reason\":\"$(json_str "$FAIL_REASON")\""
  line=$RECORD_TEMPLATE
  [ -z "$FAIL_STEP" ] || line=$RECORD_FAILED_TEMPLATE
  line=$(json_fill "$line" status "$1" outcome "$2" started "$STARTED" finished "$finished" duration_s "$duration" \
    serving "$3" extra "$RECORD_EXTRA$(pin_record_json)" failing_step "$FAIL_STEP" reason "$FAIL_REASON")
  printf '%s\n' "$line" >> "$G_RELEASES_LOG"
  rm -f "$G_APPLYING"
  metrics_apply_done
  result="\"status\":\"$1\",\"outcome\":\"$2\",\"serving\":\"$(json_str "$3")\""
  event "{\"event\":\"result\",$result$failure,\"duration_s\":$duration}"
}

# A release that passed its gate: the SPEC's status `succeeded`, or `rollback` for a rollback that did.
is_good() { # RELEASE_ID
  grep -F "\"id\":\"$1\"" "$G_RELEASES_LOG" 2>/dev/null | grep -q -e '"status":"succeeded"' -e '"status":"rollback"'
}

# Keep the release in place, the good release just before it (what a plain rollback goes back to: after an
# env-only change that is the same tag with the env before) and, newest first, the newest good release of each of
# KEEP distinct tags; remove every other release directory (failed ones first of all) and images no kept release
# uses: the tags, and gangway's own references to the image each release ran (image-ref, image-pin.sh). Release ids
# sort by time, so the good releases met after the one in place are older than it.
prune_releases() {
  kept_tags=
  removed_tags=
  kept_refs=
  removed_refs=
  n=0
  seen_current=
  prev_found=
  # shellcheck disable=SC2012 # release ids are gangway's own fixed-format names
  for r in $(ls -1 "$G_RELEASES" | sort -r); do
    t=$(cat "$G_RELEASES/$r/tag" 2>/dev/null)
    keep_it=
    good=
    is_good "$r" && good=1
    # Only the newest good release of each tag counts; older ones of a kept tag go.
    if [ "$n" -lt "$KEEP" ] && [ -n "$good" ] && ! printf '%s\n' "$kept_tags" | grep -qxF -- "$t"; then
      keep_it=1
      n=$((n + 1))
    fi
    if [ -n "$seen_current" ] && [ -z "$prev_found" ] && [ -n "$good" ]; then
      keep_it=1
      prev_found=1
    fi
    [ "$r" = "$ID" ] && keep_it=1 && seen_current=1
    ref=$(cat "$G_RELEASES/$r/image-ref" 2>/dev/null)
    if [ -n "$keep_it" ]; then
      kept_tags="$kept_tags$t
"
      kept_refs="$kept_refs$ref
"
    else
      rm -rf "${G_RELEASES:?}/$r"
      say "pruned release $r"
      removed_tags="$removed_tags$t
"
      removed_refs="$removed_refs$ref
"
    fi
  done
  [ -n "$IMAGE_NAME" ] || return 0
  for t in $(printf '%s' "$removed_tags" | sort -u); do
    printf '%s\n' "$kept_tags" | grep -qxF -- "$t" && continue
    docker image rm "$IMAGE_NAME:$t" >/dev/null 2>&1 && say "removed image $IMAGE_NAME:$t"
  done
  for ref in $(printf '%s' "$removed_refs" | sort -u); do
    printf '%s\n' "$kept_refs" | grep -qxF -- "$ref" && continue
    if out=$(docker image rm "$ref" 2>&1); then say "removed image $ref"; else say "kept image $ref: $out"; fi
  done
}
