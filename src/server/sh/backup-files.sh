# shellcheck shell=sh
# gangway's server-side file backup: sourced by backup.sh when KIND=files (vars.sh), whose do_backup, do_verify and
# do_restore it replaces; records, retention, metrics and notifications stay backup.sh's.
#
#   backup   one tar of every path of PATHS (one a line): a directory under DIR is read here with GNU tar (members
#            dir/<path>/…; read again, up to 3 times, when a file changed while it was read), a named volume
#            (volume:NAME) through a helper container (members volume/NAME/…). The manifest (gangway-manifest.txt:
#            `sha256 size path` of every regular file, made from the tar itself) goes in last; then gzip, then age
#            when encrypting. The record holds the file's sha256, the manifest's sha256, the file count and bytes.
#   verify   the tar extracted into a temp dir beside the backups; the extracted files' manifest must equal the one
#            in the tar, which must be the recorded one.
#   restore  extracted and verified first (nothing live is touched before), then the running containers of APP that
#            mount a path are stopped, each directory replaced and each volume emptied and refilled (in the helper
#            container: owners kept), and the containers started again (gangway then runs the health gate).
#
# The helper container: an image already on this host that has sh and tar — the image of a container that mounts
# the volume, else one of APP's containers, else the proxy's (gangway-proxy) — run with --pull never (nothing is
# ever downloaded), --network none, as root (to read and restore every owner's files), the volume alone mounted.
# shellcheck disable=SC2153,SC2016,SC2015,SC2030,SC2031
# (SC2153: KIND, PATHS, EXT come from vars.sh; SC2016: sh -c scripts take their values as arguments; SC2015: every
# `a && b || fail` means fail when any failed; SC2030/1: loop variables in command substitutions are their own.)

MANIFEST=gangway-manifest.txt
# One manifest line per regular file of the tar, computed while tar reads it (GNU tar runs this with sh -c).
# shellcheck disable=SC2016 # expanded by the shell tar starts, per member
TO_MANIFEST='printf "%s %s %s\n" "$(sha256sum | cut -c1-64)" "$TAR_SIZE" "$TAR_FILENAME"'

# The engine name of volume:NAME: the Compose project's volume NAME, else a volume of that exact name.
volume_of() { # NAME
  v=$(docker volume ls -q --filter "label=com.docker.compose.project=$APP" \
    --filter "label=com.docker.compose.volume=$1" 2>/dev/null | head -n 1)
  if [ -z "$v" ] && docker volume inspect "$1" >/dev/null 2>&1; then v=$1; fi
  [ -n "$v" ] && printf '%s' "$v"
}

# HELPER := the image the helper container of VOLUME runs (set in this shell: call it outside $(…)).
pick_helper() { # VOLUME
  HELPER=
  for img in $(docker ps -a --filter "volume=$1" --format '{{.Image}}' 2>/dev/null) \
    $(docker ps -a --filter "label=com.docker.compose.project=$APP" --format '{{.Image}}' 2>/dev/null) \
    $(docker ps -a --filter 'name=^gangway-proxy$' --format '{{.Image}}' 2>/dev/null); do
    if docker run --rm --pull never --network none --entrypoint sh "$img" -c 'command -v tar' >/dev/null 2>&1; then
      HELPER=$img
      return 0
    fi
  done
  return 1
}
in_helper() { # VOLUME NAME MOUNT_OPTIONS ARGS… (stdin and stdout are the caller's)
  vol=$1 n=$2 ro=$3
  shift 3
  docker run --rm -i --pull never --network none --user 0:0 --label "gangway.helper=$APP" --entrypoint sh \
    --mount "type=volume,src=$vol,dst=/gangway/volume/$n$ro" "$HELPER" "$@"
}

# Every path into one tar ($1); the reason of a failure in $JOB/.files-err.
files_tar() { # OUT OP
  rm -f "$1"
  for p in $PATHS; do
    part="$1.part"
    case "$p" in
      volume:*)
        n=${p#volume:}
        vol=$(volume_of "$n") || { echo "no volume $n of $APP on this host" > "$JOB/.files-err"; return 1; }
        pick_helper "$vol" || { echo "no image on this host has sh and tar to read volume $n (the images of \
$APP's containers and of the proxy were tried; none is pulled)" > "$JOB/.files-err"; return 1; }
        say "volume $n ($vol) through a helper container of $HELPER"
        in_helper "$vol" "$n" ,readonly -c 'tar -C /gangway -cf - "volume/$1"' sh "$n" > "$part" \
          2> "$JOB/.files-err" || return 1
        ;;
      *)
        [ -d "$DIR/$p" ] || { echo "$p is not a directory under $DIR" > "$JOB/.files-err"; return 1; }
        say "directory $p"
        try=1
        # GNU tar exits 1 when a file changed while it was read: the tar is then read again (a consistent copy).
        until tar -C "$DIR" --transform 's,^,dir/,S' -cf "$part" "$p" 2> "$JOB/.files-err"; do
          [ $? = 1 ] && [ "$try" -lt 3 ] || return 1
          try=$((try + 1))
          say "a file changed while $p was read: reading it again ($try/3)"
        done
        ;;
    esac
    if [ -f "$1" ]; then
      tar -Af "$1" "$part" 2> "$JOB/.files-err" || return 1
      rm -f "$part"
    else
      mv -f "$part" "$1"
    fi
  done
}

# `sha256 size path` of every regular file under DIR_X (what an extract holds), sorted as the manifest is.
manifest_of_dir() { # DIR_X
  (cd "$1" && find . -type f ! -path "./$MANIFEST" | sed 's,^\./,,' | while IFS= read -r f; do
    printf '%s %s %s\n' "$(sha256sum < "$f" | cut -c1-64)" "$(wc -c < "$f" | tr -d ' ')" "$f"
  done) | LC_ALL=C sort
}
# The first difference between a manifest and an extract's, said as `path: what`.
manifest_mismatch() { # WANT HAVE
  grep -vxF -f "$2" "$1" | head -n 1 | while IFS= read -r want; do
    path=${want#* * }
    if grep -qF " $path" "$2"; then printf '%s: size or sha256 differs from the manifest' "$path"
    else printf '%s: missing' "$path"; fi
  done
  [ -n "$(grep -vxF -f "$2" "$1" | head -n 1)" ] && return 0
  grep -vxF -f "$1" "$2" | head -n 1 | while IFS= read -r have; do printf '%s: not in the manifest' "${have#* * }"; done
}
recorded_field() { # FILE FIELD: a string field of FILE's backup record
  grep -F "\"op\":\"backup\"" "$LOG" 2>/dev/null | grep -F "\"file\":\"$1\"" | grep -F '"outcome":"succeeded"' \
    | tail -n 1 | sed -n "s/.*\"$2\":\"\\([^\"]*\\)\".*/\\1/p"
}

do_backup() { # TRIGGER
  stamp=$(new_stamp) # (backup.sh)
  file="$NAME-$stamp.$EXT"
  [ "$ENCRYPT" = 1 ] && file="$file.age"
  extra=",\"trigger\":\"$1\",\"file\":\"$(json_str "$file")\""
  if [ "$ENCRYPT" = 1 ] && ! command -v age >/dev/null 2>&1; then
    fail backup "the server has no age binary (install the age package) and backups.$NAME.encrypt is set" "$extra"
  fi
  (umask 077 && mkdir -p "$BDIR") || fail backup "cannot create $BDIR" "$extra"
  tmp="$BDIR/.$file.partial"
  T="$BDIR/.$NAME-$stamp.tar"
  trap 'rm -rf "$tmp" "$T" "$T.part" "$T.d" "$JOB/.manifest"' EXIT
  trap 'exit 1' INT TERM HUP
  say "tar of $(printf '%s' "$PATHS" | tr '\n' ' ')-> $BACKUP_DIR/$file"
  files_tar "$T" || fail backup "reading the files failed: $(first_line "$JOB/.files-err")" "$extra"
  rm -f "$JOB/.tar-failed"
  { tar -xf "$T" --to-command="$TO_MANIFEST" 2> "$JOB/.files-err" || echo x > "$JOB/.tar-failed"; } \
    | LC_ALL=C sort > "$JOB/.manifest"
  [ ! -f "$JOB/.tar-failed" ] || fail backup "listing the tar failed: $(first_line "$JOB/.files-err")" "$extra"
  # Members are dir/… and volume/…: the manifest's name at the top is never one of them.
  mkdir "$T.d" && cp "$JOB/.manifest" "$T.d/$MANIFEST" && tar -rf "$T" -C "$T.d" "$MANIFEST" 2> "$JOB/.files-err" \
    || { rm -rf "$T.d"; fail backup "adding the manifest failed: $(first_line "$JOB/.files-err")" "$extra"; }
  rm -rf "$T.d"
  count=$(grep -c . "$JOB/.manifest")
  bytes=$(awk '{ s += $2 } END { printf "%d", s }' "$JOB/.manifest")
  msha=$(sha256sum < "$JOB/.manifest" | cut -c1-64)
  rm -f "$JOB/.gz-failed"
  if (umask 077 && { gzip -c "$T" || echo x > "$JOB/.gz-failed"; } \
    | if [ "$ENCRYPT" = 1 ]; then age -R "$JOB/recipients"; else cat; fi > "$tmp") 2> "$JOB/.write-err" \
    && [ ! -f "$JOB/.gz-failed" ]; then :; else
    fail backup "writing $BACKUP_DIR/$file failed: $(first_line "$JOB/.write-err")" "$extra"
  fi
  rm -f "$T"
  sync "$tmp" 2>/dev/null || sync
  size=$(wc -c < "$tmp" | tr -d ' ')
  sha=$(sha256sum "$tmp" | cut -d ' ' -f 1)
  { chmod 600 "$tmp" && mv -f "$tmp" "$BDIR/$file"; } || fail backup "cannot rename the backup" "$extra"
  trap - EXIT
  rm -f "$JOB/.manifest"
  say "ok $file ($size bytes, $count files)"
  record backup succeeded "$extra,\"size\":$size,\"sha256\":\"$sha\",\"encrypted\":$([ "$ENCRYPT" = 1 ] && echo true \
    || echo false),\"files\":$count,\"bytes\":$bytes,\"manifest_sha256\":\"$msha\""
  LAST_FILE=$file # backup.sh's scheduled run verifies it
  export LAST_FILE
}

# FILE (or the decrypted stream on fd 3) as a plain tar in $X.tar, extracted into $X and checked against its manifest.
extract_checked() { # OP FILE
  X=$(umask 077 && mktemp -d "$BDIR/.extract-XXXXXX") || fail "$1" "cannot make a temp dir in $BDIR" "$extra"
  trap 'chmod -R u+rwX "$X" 2>/dev/null; rm -rf "$X" "$X.tar"' EXIT
  trap 'exit 1' INT TERM HUP
  rm -f "$JOB/.gz-failed"
  { gzip -dc <&3 2> "$JOB/.files-err" || echo x > "$JOB/.gz-failed"; } > "$X.tar"
  [ ! -f "$JOB/.gz-failed" ] || fail "$1" "$2 does not decompress: $(first_line "$JOB/.files-err")" "$extra"
  tar -xf "$X.tar" -C "$X" --no-same-owner 2> "$JOB/.files-err" \
    || fail "$1" "$2 does not extract: $(first_line "$JOB/.files-err")" "$extra"
  [ -f "$X/$MANIFEST" ] || fail "$1" "$2 holds no $MANIFEST" "$extra"
  want=$(recorded_field "$2" manifest_sha256)
  have=$(sha256sum < "$X/$MANIFEST" | cut -c1-64)
  if [ -n "$want" ] && [ "$want" != "$have" ]; then fail "$1" "$2: its manifest is not the recorded one" "$extra"; fi
  manifest_of_dir "$X" > "$JOB/.extracted"
  differs=$(manifest_mismatch "$X/$MANIFEST" "$JOB/.extracted")
  [ -z "$differs" ] || fail "$1" "the extract differs from the manifest: $differs" "$extra"
  count=$(grep -c . "$JOB/.extracted")
  bytes=$(awk '{ s += $2 } END { printf "%d", s }' "$JOB/.extracted")
  rm -f "$JOB/.extracted"
}

open_input() { # OP FILE FROM_STDIN
  exec 3<&0 < /dev/null
  extra=",\"file\":\"$(json_str "$2")\""
  check_file "$1" "$2"
  case "$2" in *.age) [ "$3" = - ] || fail "$1" "$2 is encrypted: $1 it from gangway with --identity (the key is \
not on the server)" "$extra" ;; esac
  [ "$3" = - ] || exec 3< "$BDIR/$2"
}

do_verify() { # FILE [-]
  open_input verify "$1" "${2:-}"
  say "extracting $1 into a temp dir"
  extract_checked verify "$1"
  say "ok $1: $count files, $bytes bytes, each as the manifest says"
  date +%s > "$JOB/last_verify"
  record verify succeeded "$extra,\"files\":$count,\"bytes\":$bytes"
}

# The running containers of APP (any colour) that mount one of PATHS (or a directory holding one), one id a line.
mounting_containers() {
  : > "$JOB/.volumes"
  for p in $PATHS; do
    case "$p" in volume:*) printf 'volume %s\n' "$(volume_of "${p#volume:}")" >> "$JOB/.volumes" ;; esac
  done
  docker ps -q --filter label=com.docker.compose.project | while IFS= read -r c; do
    project=$(docker inspect -f '{{index .Config.Labels "com.docker.compose.project"}}' "$c")
    case "$project" in "$APP" | "$APP-blue" | "$APP-green") ;; *) continue ;; esac
    # One mount a line: `volume NAME SOURCE` or `bind  SOURCE`.
    docker inspect -f '{{range .Mounts}}{{.Type}} {{.Name}} {{.Source}}{{println}}{{end}}' "$c" \
      | while IFS= read -r m; do
        [ -n "$m" ] || continue
        if grep -qxF "${m%% /*}" "$JOB/.volumes"; then echo "$c"; continue; fi
        src=${m#* * }
        for p in $PATHS; do
          case "$p" in volume:*) continue ;; esac
          case "$DIR/$p/" in "$src"/*) echo "$c" ;; esac
          case "$src/" in "$DIR/$p"/*) echo "$c" ;; esac
        done
      done
  done | sort -u
}

do_restore() { # FILE [-]
  open_input restore "$1" "${2:-}"
  say "extracting $1 and checking it against its manifest before anything live is touched"
  extract_checked restore "$1"
  for p in $PATHS; do
    case "$p" in volume:*)
      n=${p#volume:}
      vol=$(volume_of "$n") || fail restore "no volume $n of $APP on this host" "$extra"
      pick_helper "$vol" || fail restore "no image on this host has sh and tar for volume $n" "$extra"
      [ -d "$X/volume/$n" ] || fail restore "$1 holds no volume/$n (was $p added after it was made?)" "$extra"
      ;;
    *) [ -d "$X/dir/$p" ] || fail restore "$1 holds no $p (was it added after it was made?)" "$extra" ;;
    esac
  done
  containers=$(mounting_containers)
  services=$(for c in $containers; do docker inspect -f '{{index .Config.Labels "com.docker.compose.service"}}' \
    "$c"; done | sort -u | tr '\n' ' ')
  say "stopping ${services:-no service} (they mount the restored paths)"
  trap 'chmod -R u+rwX "$X" 2>/dev/null; rm -rf "$X" "$X.tar"; for c in $containers; do docker start "$c" \
    >/dev/null 2>&1; done' EXIT
  for c in $containers; do
    docker stop "$c" > /dev/null 2> "$JOB/.files-err" || fail restore "cannot stop a container of \
$services: $(first_line "$JOB/.files-err")" "$extra"
  done
  for p in $PATHS; do
    case "$p" in
      volume:*)
        n=${p#volume:}
        vol=$(volume_of "$n")
        pick_helper "$vol" || fail restore "no image on this host has sh and tar for volume $n" "$extra"
        say "volume $n: emptied and refilled"
        in_helper "$vol" "$n" '' -c 'find "/gangway/volume/$1" -mindepth 1 -maxdepth 1 -exec rm -rf {} + &&
          tar -C /gangway -xf - "volume/$1"' sh "$n" < "$X.tar" 2> "$JOB/.files-err" \
          || fail restore "refilling volume $n failed: $(first_line "$JOB/.files-err")" "$extra"
        ;;
      *)
        say "directory $p: replaced"
        old="$DIR/$p.gangway-old-$$"
        mkdir -p "$(dirname "$DIR/$p")" && { [ ! -e "$DIR/$p" ] || mv "$DIR/$p" "$old"; } \
          && mv "$X/dir/$p" "$DIR/$p" 2> "$JOB/.files-err" \
          || fail restore "replacing $p failed: $(first_line "$JOB/.files-err")" "$extra"
        chmod -R u+rwX "$old" 2>/dev/null
        rm -rf "$old"
        ;;
    esac
  done
  for c in $containers; do
    docker start "$c" > /dev/null 2> "$JOB/.files-err" || fail restore "cannot start a container of $services \
again: $(first_line "$JOB/.files-err")" "$extra"
  done
  trap 'chmod -R u+rwX "$X" 2>/dev/null; rm -rf "$X" "$X.tar"' EXIT
  say "ok $1: $count files restored; started ${services:-nothing}"
  record restore succeeded "$extra,\"files\":$count,\"bytes\":$bytes,\"services\":\"$(json_str "$services")\""
}
