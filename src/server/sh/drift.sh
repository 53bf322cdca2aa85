#!/bin/sh
# gangway drift, on the server: compare <dir> with the release in place and print what differs, one fact a line
# (fields separated by tabs), for the CLI to judge. Names, modes, hashes and states only: never a value.
#
#   drift.sh DIR APP COMPOSE DIRS BACKUP_DIRS PROXIED
# COMPOSE: Compose's argv (one word a line); DIRS, BACKUP_DIRS: `dirs` and the backups' directories (one a line,
# relative to DIR); PROXIED: the blue/green service (it runs in a colour project, not in APP), or empty.
#
# Lines:  current ID TAG | current -          the release in place (from .gangway/current)
#         file NAME same|changed|missing     each compose file of the release, DIR's copy vs the release's
#         env same|changed|missing|unexpected  DIR/.env vs the release's
#         mode PATH OCTAL                    .env, .env.bak-*, backup files whose mode lets others read (not 0600)
#         dir NAME missing                   a `dirs` entry that is gone
#         container NAME SERVICE ONEOFF HASH IMAGE STATUS   every container labelled with the project
#         expect SERVICE HASH                the Compose config hash of each service of the release
#         expect-error LINE                  Compose could not compute them (its first error line)
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2013 # lists are read with $(cat …) and IFS set to a newline, on purpose
set -u
set -f
IFS='
'
DIR=$1
APP=$2
COMPOSE=$3
DIRS=$4
BACKUP_DIRS=$5
PROXIED=$6
TAB=$(printf '\t')
# Their text takes these lines' place when the script is sent (scripts.ts).
# shellcheck source=clean-env.sh
. ./clean-env.sh
# shellcheck source=layout.sh
. ./layout.sh
layout "$DIR"

current=$(cat "$G_CURRENT" 2>/dev/null)
if [ -z "$current" ] || [ ! -d "$G_RELEASES/$current" ]; then
  echo "current${TAB}-"
  exit 0
fi
REL="$G_RELEASES/$current"
printf 'current\t%s\t%s\n' "$current" "$(cat "$REL/tag" 2>/dev/null)"

same_files=1
for f in $(cat "$REL/files"); do
  if [ ! -f "$DIR/$f" ]; then state=missing; same_files=
  elif cmp -s "$DIR/$f" "$REL/$f"; then state=same
  else state=changed; same_files=
  fi
  printf 'file\t%s\t%s\n' "$f" "$state"
done

if [ -f "$REL/.env" ]; then
  if [ ! -f "$DIR/.env" ]; then echo "env${TAB}missing"
  elif cmp -s "$DIR/.env" "$REL/.env"; then echo "env${TAB}same"
  else echo "env${TAB}changed"
  fi
elif [ -f "$DIR/.env" ]; then
  echo "env${TAB}unexpected"
fi

# A file others may read: mode other than 0600 (group or other bits set).
loose() { # PATH RELATIVE
  m=$(stat -c '%a' "$1" 2>/dev/null) || return 0
  case $m in 600 | 400) ;; *) printf 'mode\t%s\t%s\n' "$2" "$m" ;; esac
}
# Each file in DIR matching PATTERN, named PREFIX + its name. Globbing is off in this script (lists split on
# newlines): on for the pattern only, never for a directory's own name.
loose_in() { # DIR PREFIX PATTERN
  prefix=$2
  set +f
  # shellcheck disable=SC2086 # the pattern is meant to expand
  set -- "$1"/$3
  set -f
  for f in "$@"; do
    [ -f "$f" ] && loose "$f" "$prefix${f##*/}"
  done
  return 0
}
[ -f "$DIR/.env" ] && loose "$DIR/.env" .env
loose_in "$DIR" '' '.env.bak-*'
for d in $BACKUP_DIRS; do
  loose_in "$DIR/$d" "$d/" '*'
done

for d in $DIRS; do
  [ -d "$DIR/$d" ] || printf 'dir\t%s\tmissing\n' "$d"
done

label() { printf '{{.Label "com.docker.compose.%s"}}' "$1"; }
format="{{.Names}}$TAB$(label service)$TAB$(label oneoff)$TAB$(label config-hash)$TAB{{.Image}}$TAB{{.Status}}"
docker ps -a --filter "label=com.docker.compose.project=$APP" --format "$format" 2>/dev/null | sed 's/^/container\t/'

# The hashes Compose gives the release's services, computed as apply.sh runs Compose: the same project directory,
# files, env file and IMAGE_TAG (DIR's copies while they equal the release's, else the release's own).
src=$DIR
[ -n "$same_files" ] || src=$REL
env_file=
if [ -f "$REL/.env" ]; then
  env_file="$REL/.env"
  [ -f "$DIR/.env" ] && cmp -s "$DIR/.env" "$REL/.env" && env_file="$DIR/.env"
fi
args=
for f in $(cat "$REL/files"); do args="$args-f
$src/$f
"; done
# The image the release pinned (apply.sh's image-pin.sh): Compose ran its services with it.
[ -f "$REL/image-pin.yml" ] && args="$args-f
$REL/image-pin.yml
"
# shellcheck disable=SC2086 # COMPOSE and args split on newlines (IFS): one word per argv item
if ! out=$(clean_env IMAGE_TAG="$(cat "$REL/tag")" $COMPOSE -p "$APP" --project-directory "$DIR" $args \
  ${env_file:+--env-file} ${env_file:+"$env_file"} config --hash '*' 2>&1); then
  printf 'expect-error\t%s\n' "$(printf '%s\n' "$out" | grep -v '^ *$' | head -n 1 | cut -c1-300)"
  exit 0
fi
printf '%s\n' "$out" | while IFS=' ' read -r svc hash; do
  [ -n "$svc" ] && [ "$svc" != "$PROXIED" ] && printf 'expect\t%s\t%s\n' "$svc" "$hash"
done
exit 0
