#!/bin/sh
# gangway maintenance, on the server: put an app behind the proxy into maintenance mode or take it out. The
# app's route (caddy-route.ts) answers 503 with <proxy home>/maintenance/<APP>.html while that file exists, so
# this writes or removes one file (renamed into place): no config reload, no client connection closed.
#
#   maintenance.sh on|off|read G APP [PAGE META]
# G: <dir>/.gangway of the app; PAGE: the page's HTML; META: a JSON line (since, by, message) kept as
# G/proxy/maintenance.json for `gangway status`.
#
# Prints `was on|off` then `now on|off` (read: `now …` and the META when on); on a refusal one line
# `error: …` and exit 1.
# shellcheck source-path=SCRIPTDIR
set -u
# shellcheck source=layout.sh
. ./layout.sh # its text takes this line's place when the script is sent (scripts.ts)
ACTION=$1
layout_state "$2"
APP=$3
PROXY=gangway-proxy
META_FILE=$G_PROXY/maintenance.json

refuse() { echo "error: $*"; exit 1; }

CONF=$(docker inspect -f '{{index .Config.Labels "gangway.proxy.home"}}' "$PROXY" 2>/dev/null)
[ -n "$CONF" ] || refuse "there is no proxy ($PROXY) on this host: deploy $APP first"
PAGE_FILE=$CONF/maintenance/$APP.html
was=off
[ -f "$PAGE_FILE" ] && was=on

if [ "$ACTION" = read ]; then
  echo "now $was"
  [ "$was" = on ] && cat "$META_FILE" 2>/dev/null
  exit 0
fi

[ "$(docker inspect -f '{{.State.Running}}' "$PROXY" 2>/dev/null)" = true ] \
  || refuse "the proxy ($PROXY) is not running on this host: its routes answer nothing (gangway status)"
# The route the proxy runs must be one that knows maintenance mode (a release of an older gangway does not).
docker exec "$PROXY" wget -q -O /dev/null "http://localhost:2019/id/gangway-$APP" 2>/dev/null \
  || refuse "the proxy on this host has no route for $APP: deploy it first"
docker exec "$PROXY" wget -q -O /dev/null "http://localhost:2019/id/gangway-$APP-maintenance" 2>/dev/null \
  || refuse "the route of $APP on this proxy predates maintenance mode: deploy once with this gangway first"

echo "was $was"
case $ACTION in
  on)
    mkdir -p "$CONF/maintenance" "$G_PROXY" || refuse "cannot create $CONF/maintenance"
    # Written aside and renamed: the proxy never serves a half-written page.
    tmp=$CONF/maintenance/.$APP.html.$$
    if ! { printf '%s' "$4" > "$tmp" && chmod 644 "$tmp" && mv -f "$tmp" "$PAGE_FILE"; }; then
      rm -f "$tmp"
      refuse "cannot write $PAGE_FILE"
    fi
    (umask 077 && printf '%s\n' "$5" > "$META_FILE.tmp" && mv -f "$META_FILE.tmp" "$META_FILE") \
      || echo "warning: cannot write $META_FILE (status will not show the message)" >&2
    ;;
  off)
    rm -f "$PAGE_FILE" || refuse "cannot remove $PAGE_FILE"
    rm -f "$META_FILE"
    ;;
  *) refuse "unknown action $ACTION" ;;
esac
if [ -f "$PAGE_FILE" ]; then echo "now on"; else echo "now off"; fi
