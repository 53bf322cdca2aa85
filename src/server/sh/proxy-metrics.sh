# shellcheck shell=sh
# The proxy's Prometheus metrics (proxy.metrics), sourced by bluegreen.sh: Caddy serves them on a server of
# their own, published on the address the user chose (a private interface or loopback, never the public
# ports). The proxy is shared by the apps of a host: the app that installed it decides (its address is kept in
# <home>/metrics, as its ports are in <home>/listen); another app may only ask for the same address.
#
# Uses: CONF, PROXY, PROXY_IMAGE, PROXY_METRICS (host:port or empty; vars.sh), own (set by proxy_ensure).
# shellcheck disable=SC2034 # METRICS_SERVER, METRICS_APP, METRICS_ON: read by bluegreen.sh's proxy_config

# The address the proxy serves its metrics on (empty: none).
metrics_addr() { cat "$CONF/metrics" 2>/dev/null; }
metrics_port() { pm_a=$(metrics_addr); printf '%s\n' "${pm_a##*:}"; }

# Why this app's proxy.metrics cannot be served by the proxy another app installed (nothing when it can).
metrics_conflict() {
  PM_ADDR=$(metrics_addr)
  [ -n "$own" ] || [ -z "${PROXY_METRICS:-}" ] || [ "$PROXY_METRICS" = "$PM_ADDR" ] && return 0
  echo "the proxy on this host (files in $CONF) serves metrics on ${PM_ADDR:-no address};" \
    "set proxy.metrics to match (the app that installed the proxy decides)"
}

# Caddy 2.9 and later label each request with its host (per_host), which tells the apps on one proxy apart;
# 2.6 to 2.8 turn metrics on per server, without that label. The image's version is asked once per image.
caddy_per_host() {
  cp_img=$PROXY_IMAGE
  [ -n "$own" ] || cp_img=$(docker inspect -f '{{.Image}}' "$PROXY" 2>/dev/null) || cp_img=$PROXY_IMAGE
  cp_id=$(docker image inspect -f '{{.Id}}' "$cp_img" 2>/dev/null) || return 1
  cp_seen=$(cat "$CONF/.caddy-version" 2>/dev/null)
  if [ "${cp_seen%% *}" != "$cp_id" ]; then
    cp_v=$(docker run --rm --network none --entrypoint caddy "$cp_img" version 2>/dev/null | head -n 1)
    cp_seen="$cp_id ${cp_v%% *}"
    printf '%s\n' "$cp_seen" > "$CONF/.caddy-version"
  fi
  cp_minor=$(printf '%s\n' "${cp_seen#* }" | sed -n 's/^v\{0,1\}2\.\([0-9][0-9]*\).*/\1/p')
  [ -n "$cp_minor" ] && [ "$cp_minor" -ge 9 ]
}

# What proxy_config adds to the http app: METRICS_SERVER (the metrics' own server, a JSON member),
# METRICS_APP (per_host, in the http app) or METRICS_ON (in each traffic server).
metrics_parts() {
  METRICS_SERVER=
  METRICS_APP=
  METRICS_ON=
  [ -n "$(metrics_addr)" ] || return 0
  pm_route='{"handle":[{"handler":"metrics"}]}'
  METRICS_SERVER=",\"gangway-metrics\":{\"listen\":[\":$(metrics_port)\"],\"routes\":[$pm_route]}"
  if caddy_per_host; then
    METRICS_APP=',"metrics":{"per_host":true}'
  else
    METRICS_ON=',"metrics":{}'
  fi
}

# The compose ports entry that publishes the metrics on the chosen address only.
metrics_ports() {
  pm_a=$(metrics_addr)
  [ -z "$pm_a" ] || printf ', "%s:%s"' "$pm_a" "${pm_a##*:}"
}
