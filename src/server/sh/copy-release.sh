#!/bin/sh
# Start a new release from a retained one, on the server: its compose files, file list and tag, the image it ran
# (image-id, image-digest: image-pin.sh pins it again), and (for a rollback) its .env, kept 0600, its colour.yml
# (blue/green) and its swarm data (the defaults, service and object lists that match its compose files, and its
# secrets and configs, 0600). Prints the tag, then `env` when an env file was copied, `colour` when a colour.yml
# was and `swarm` when swarm data was.
#   copy-release.sh STATE_DIR SOURCE_ID NEW_RELEASE_DIR with-env|without-env
# shellcheck disable=SC2013 # lists are read with $(cat …) and IFS set to a newline, on purpose
# shellcheck source-path=SCRIPTDIR
set -u
set -f
IFS='
'
umask 077 # the new release directory (0700) and its copies, the env file among them
# shellcheck source=layout.sh
. ./layout.sh # its text takes this line's place when the script is sent (scripts.ts)
layout_state "$1"
src="$G_RELEASES/$2"
dst=$3
[ -f "$src/files" ] || { echo "release $2 is not retained on this server" >&2; exit 1; }
mkdir -p "$dst" || exit 1
for f in $(cat "$src/files"); do cp "$src/$f" "$dst/$f" || exit 1; done
cp "$src/files" "$dst/files" || exit 1
for f in image-id image-digest; do
  if [ -f "$src/$f" ]; then cp "$src/$f" "$dst/$f" || exit 1; fi
done
cat "$src/tag"
if [ "$4" = with-env ] && [ -f "$src/.env" ]; then
  (umask 077 && cp "$src/.env" "$dst/.env") || exit 1
  echo env
fi
if [ -f "$src/colour.yml" ]; then
  cp "$src/colour.yml" "$dst/colour.yml" || exit 1
  echo colour
fi
set +f
swarm=
for f in "$src"/swarm-*; do
  if [ ! -f "$f" ] || [ "${f##*/}" = swarm.sh ]; then continue; fi
  cp -p "$f" "$dst/${f##*/}" || exit 1
  swarm=1
done
[ -z "$swarm" ] || echo swarm
