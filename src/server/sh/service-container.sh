#!/bin/sh
# Print the id of a running container of a compose service of the app (one line), or exit 3 when none runs.
# With blue/green the proxied service runs in the project <app>-<colour>: the colour in service comes first.
#   service-container.sh STATE_DIR APP SERVICE
# shellcheck source-path=SCRIPTDIR
set -u
STATE=$1
APP=$2
SERVICE=$3
# shellcheck source=layout.sh
. ./layout.sh # its text takes this line's place when the script is sent (scripts.ts)
layout_state "$STATE"
serving=$(cat "$G_PROXY/serving" 2>/dev/null)
for project in ${serving:+"$APP-$serving"} "$APP"; do
  id=$(docker ps -q --filter "label=com.docker.compose.project=$project" \
    --filter "label=com.docker.compose.service=$SERVICE" --filter status=running | head -n 1)
  if [ -n "$id" ]; then
    echo "$id"
    exit 0
  fi
done
echo "no running container of service $SERVICE (project $APP)" >&2
exit 3
