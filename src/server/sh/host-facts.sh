#!/bin/sh
# What a host check needs to know about a server, read-only, one `key value` line each: the deploy dir's state
# and filesystem, the Docker engine's version, data root and platform, the data root's filesystem (where images
# land, often not the deploy dir's), the backup tools, and with FIND_COMPOSE=compose which Compose there is.
# Only Docker's stderr reaches stderr, so that it can be quoted when Docker fails. Run as `sh -c` (the probe
# alone), or at the head of a `sh -s` script that goes on to run `compose config -q` (check/server-facts.ts).
#   host-facts.sh DIR [FIND_COMPOSE]        (DIR: `~/…` is resolved here, against the user's home)
d=$1
# shellcheck disable=SC2088 # the literal ~ gangway.yml may give, resolved by hand
case $d in "~") d=$HOME ;; "~/"*) d=$HOME/${d#"~/"} ;; esac
echo "path $d"
# The nearest existing ancestor, and the last line of a df, by the shell's own means: every process counts on a
# busy server (dirname and tail would be one each).
p=$d
while [ ! -e "$p" ]; do
  case $p in */*) p=${p%/*} p=${p:-/} ;; *) p=. ;; esac
done
nl='
'
df_line() { out=$(df -Pk "$2" 2>/dev/null); echo "$1 ${out##*"$nl"}"; }
if [ -d "$d" ]; then
  if [ -w "$d" ]; then echo "dir writable"; else echo "dir readonly"; fi
elif [ -d "$p" ] && [ -w "$p" ]; then echo "dir creatable $p"; else echo "dir blocked $p"; fi
df_line df-dir "$p"
engine='{{.ServerVersion}}|{{.DockerRootDir}}|{{.OSType}}|{{.Architecture}}'
# The Compose plugin's version comes with `docker info` (which lists the CLI's plugins) instead of from a
# `docker compose version` of its own. A CLI from before plugins (< 19.03) refuses that template: asked again.
plugin='|{{range .ClientInfo.Plugins}}{{if eq .Name "compose"}}{{.Version}}{{end}}{{end}}'
if [ "${2:-}" = compose ] && info=$(docker info --format "$engine$plugin" 2>/dev/null </dev/null); then
  rc=0
else
  info=$(docker info --format "$engine" </dev/null)
  rc=$?
fi
echo "docker $rc $info"
root=${info#*|}
root=${root%%|*}
if [ "$rc" = 0 ] && [ -e "$root" ]; then df_line df-root "$root"; fi
tools=
for t in age crontab systemctl; do command -v "$t" >/dev/null 2>&1 && tools="$tools $t"; done
[ -d /etc/cron.d ] && [ -w /etc/cron.d ] && tools="$tools cron.d"
[ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1 && tools="$tools systemd"
echo "tools$tools"
[ "${2:-}" = compose ] || exit 0
# Compose: the v2 plugin docker info named, else asked (v2, then the end-of-life v1); `$c` for what follows.
v=${info##*|}
# (a release build names its version vX.Y.Z, `docker compose version --short` X.Y.Z)
if [ "$rc" = 0 ] && [ "${info#*|*|*|*|}" != "$info" ] && [ -n "$v" ]; then c=v2 v=${v#v}
elif v=$(docker compose version --short 2>/dev/null </dev/null); then c=v2
elif v=$(docker-compose version --short 2>/dev/null </dev/null); then c=v1
else c=none v=
fi
echo "compose $c $v"
