# shellcheck shell=sh
# The image a release of a Compose target runs, pinned. A tag pushed again (`stable`, `latest`) moves the host's
# local tag at the next deploy's pull, so a release that only named <image.name>:<tag> would run another image once
# it is put back (gangway rollback, a failed deploy's restore, env-only, a blue/green standby). Instead, at its
# apply each release notes the image <image.name>:<tag> names then (image-id, and its registry digest in
# image-digest, when the host pulled it), or, copied from a retained release (copy-release.sh), the image that
# release ran; keeps that image under gangway's own tag (pin_ref, noted in image-ref: no pull moves it, no
# `docker image prune` takes it); and writes image-pin.yml, a compose file naming that tag for each service whose
# image is <image.name>:<tag>. Every Compose run of the release takes it after the release's files (compose.sh's
# compose_file_args, bluegreen.sh's release_dcc); prune_releases removes the tag once no retained release names it.
# Swarm pins registry digests its own way (swarm.sh). Sourced by apply.sh; uses its REL, APP, TAG, OPERATION,
# STRATEGY, IMAGE_NAME, RECORD_TEMPLATE and PIN, say and fail (common.sh), dc (compose.sh), json_str (json.sh).
# shellcheck disable=SC2317 # called from apply.sh, releases.sh and the strategy files
# shellcheck disable=SC2034 # PIN, FAIL_LINE: apply.sh's variables

# gangway's tag for image ID (sha256:<hex>) in this app: <image.name>:gangway-<app>-<the id's first 12 hex>, the
# app's own, so that another app's retention never takes it (the app's name cut to fit Docker's 128 characters).
pin_ref() { # IMAGE_ID
  printf '%s:gangway-%.107s-%.12s' "$IMAGE_NAME" "$APP" "${1#*:}"
}

# Docker Hub's names as Docker lists them (`acme/web`, `nginx`), however image.name writes them.
pin_familiar() { # NAME
  pf=${1#docker.io/}
  pf=${pf#index.docker.io/}
  printf '%s' "${pf#library/}"
}

# The manifest digest (sha256:…) the registry of image.name gave IMAGE_ID, when the host pulled it from there.
pin_digest() { # IMAGE_ID
  pd_want=$(pin_familiar "$IMAGE_NAME")
  for pd in $(docker image inspect -f '{{range .RepoDigests}}{{println .}}{{end}}' "$1" 2>/dev/null); do
    [ "$(pin_familiar "${pd%@*}")" = "$pd_want" ] && { printf '%s' "${pd##*@}"; return 0; }
  done
}

# The services whose image, as Compose reads the release's files and env, is <image.name>:<tag>, one a line.
# Compose's normalized `config` (v1 and v2 alike): services two spaces in, their keys four. Only names are printed:
# the rest of that output holds the env's values.
pin_services() {
  dc "$TAG" config 2> /dev/null | PIN_WANT="$IMAGE_NAME:$TAG" awk '
    function unquote(s) { gsub(/^["\047]|["\047]$/, "", s); return s }
    /^[^ ]/ { in_services = ($0 == "services:"); next }
    !in_services { next }
    /^  [^ ]/ { svc = $0; sub(/^  /, "", svc); sub(/:[ ]*$/, "", svc); svc = unquote(svc); next }
    /^    image: / { img = $0; sub(/^    image: /, "", img); if (unquote(img) == ENVIRON["PIN_WANT"]) print svc }'
}

# A failed pin is the failure's first error line too (ahead of the logs of the release still running).
pin_fail() { FAIL_LINE=$1; fail image "$1"; } # REASON

# The image this release runs: pinned (image-pin.yml, PIN) for the services that run image.name at its tag. Returns
# 1 (a failed step) only when the image a copied release ran is gone from the host and cannot be pulled again.
pin_image() {
  PIN=
  rm -f "$REL/image-pin.yml" "$REL/image-ref"
  [ -n "$IMAGE_NAME" ] && [ "$STRATEGY" != swarm ] || return 0
  pi_services=$(pin_services)
  [ -n "$pi_services" ] || return 0 # no service runs image.name at this tag (`gangway check` says so)
  pi_id=$(cat "$REL/image-id" 2> /dev/null)
  pi_digest=$(cat "$REL/image-digest" 2> /dev/null)
  if [ -z "$pi_id" ]; then
    if [ "$OPERATION" != deploy ]; then
      why="the release this one was copied from noted no image (an older gangway)"
      say "$why: $IMAGE_NAME:$TAG runs as the host has it now"
      return 0
    fi
    pi_id=$(docker image inspect -f '{{.Id}}' "$IMAGE_NAME:$TAG" 2> /dev/null)
    [ -n "$pi_id" ] || return 0 # not on the host: Compose pulls it, or says why it cannot
    pi_digest=$(pin_digest "$pi_id")
  elif [ -z "$(docker image inspect -f '{{.Id}}' "$pi_id" 2> /dev/null)" ]; then
    # Removed from the host since (`docker image prune -a`): its registry digest brings the very same image back.
    why="the image $IMAGE_NAME:$TAG ran as then ($pi_id) is no longer on this host"
    if [ -z "$pi_digest" ]; then
      pin_fail "$why, and it came from no registry (deploy the tag again to run what it names now)"
      return 1
    fi
    say "$why: pulling $IMAGE_NAME@$pi_digest"
    if ! pi_out=$(docker pull "$IMAGE_NAME@$pi_digest" 2>&1); then
      pin_fail "$why, and docker pull $IMAGE_NAME@$pi_digest failed: $(printf '%s\n' "$pi_out" | tail -n 1)"
      return 1
    fi
    pi_id=$(docker image inspect -f '{{.Id}}' "$IMAGE_NAME@$pi_digest" 2> /dev/null)
  fi
  pi_ref=$(pin_ref "$pi_id")
  if ! docker tag "$pi_id" "$pi_ref" > /dev/null 2>&1; then
    pin_fail "docker tag $pi_id $pi_ref failed"
    return 1
  fi
  printf '%s\n' "$pi_id" > "$REL/image-id"
  printf '%s\n' "$pi_ref" > "$REL/image-ref"
  if [ -n "$pi_digest" ]; then printf '%s\n' "$pi_digest" > "$REL/image-digest"; else rm -f "$REL/image-digest"; fi
  if ! pin_file "$pi_ref" "$pi_services" > "$REL/image-pin.yml.tmp" \
    || ! mv -f "$REL/image-pin.yml.tmp" "$REL/image-pin.yml"; then
    pin_fail "cannot write $REL/image-pin.yml"
    return 1
  fi
  PIN=$REL/image-pin.yml
  pi_list=$(printf '%s' "$pi_services" | tr '\n' ',' | sed 's/,/, /g')
  say "$pi_list: pinned to $pi_ref (image $pi_id of $IMAGE_NAME:$TAG${pi_digest:+, $pi_digest})"
}

# image-pin.yml: each of SERVICES (one a line) runs REF, which is this host's alone: never pulled (a
# `pull_policy: always` would fail on it) nor built over (`pull_policy: build`). Compose v1 accepts the key too.
pin_file() { # REF SERVICES
  printf 'services:\n'
  for svc in $2; do
    printf '  "%s":\n    image: "%s"\n    pull_policy: if_not_present\n' "$(json_str "$svc")" "$(json_str "$1")"
  done
}

# `-f <release>/image-pin.yml` for a Compose run of another retained release (bluegreen.sh's standby).
pin_file_args() { [ ! -f "$1/image-pin.yml" ] || printf -- '-f\n%s\n' "$1/image-pin.yml"; } # RELEASE_DIR

# The record's image_id and image_digest (the latter unless the CLI's fields name the digest image.build pushed).
pin_record_json() {
  [ -s "$REL/image-id" ] || return 0
  printf ',"image_id":"%s"' "$(json_str "$(cat "$REL/image-id")")"
  case $RECORD_TEMPLATE in *'"image_digest":'*) return 0 ;; esac
  [ ! -s "$REL/image-digest" ] || printf ',"image_digest":"%s"' "$(json_str "$(cat "$REL/image-digest")")"
}
