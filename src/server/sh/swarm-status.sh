#!/bin/sh
# A Swarm stack as `gangway status` reports it, read on a manager in one round trip (sections marked `@@name`):
# the node this runs on, every node, and each service of the stack with its replicas, image and last update.
# Log lines are only counted against the fatal patterns (given as arguments), never printed: they may hold
# secrets.
#   swarm-status.sh STACK TAIL [PATTERN…]
set -u
stack=$1
tail=$2
shift 2
echo "@@node"
docker info -f '{{.Name}}|{{.Swarm.LocalNodeState}}|{{.Swarm.ControlAvailable}}' 2>&1
echo "@@client"
docker version --format '{{.Client.Version}}' 2>/dev/null
echo "@@nodes"
docker node ls --format '{{.Hostname}}|{{.Status}}|{{.Availability}}|{{.ManagerStatus}}' 2>/dev/null
names=$(docker service ls --filter "label=com.docker.stack.namespace=$stack" --format '{{.Name}}' 2>/dev/null)
[ -n "$names" ] || exit 0
echo "@@services"
# shellcheck disable=SC2086 # one word per service name (names have no spaces)
docker service ls --filter "label=com.docker.stack.namespace=$stack" --format '{{.Name}}|{{.Mode}}|{{.Replicas}}'
echo "@@updates"
# shellcheck disable=SC2086
docker service inspect -f '{{.Spec.Name}}|{{.Spec.TaskTemplate.ContainerSpec.Image}}|{{if .UpdateStatus}}
{{- .UpdateStatus.State}}|{{.UpdateStatus.Message}}{{else}}none|{{end}}' $names
echo "@@fatal"
if [ "$#" -gt 0 ]; then
  pf=$(mktemp) || exit 1
  for p in "$@"; do printf '%s\n' "$p" >> "$pf"; done
  for name in $names; do
    n=$(docker service logs --tail "$tail" "$name" 2>&1 | grep -F -c -f "$pf")
    echo "$name|${n:-0}"
  done
  rm -f "$pf"
fi
true
