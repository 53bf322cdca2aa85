# shellcheck shell=sh
# gangway's recreate strategy, sourced by apply.sh when STRATEGY is recreate: `compose up -d` of the release in
# place, the health gate; the release before it put back the same way. It defines apply.sh's strategy hooks
# with the helpers apply.sh sources (up, dc, compose_services, compose_logs, compose_cid, compose_failure_output
# from compose.sh; gate from gate.sh; prune_releases from releases.sh).
# shellcheck disable=SC2034 # STOPPED: apply.sh's variable

strategy_deploy() { up "$1" && gate "$1"; } # TAG
strategy_restore() { up "$1" && gate "$1"; } # TAG
strategy_stop_new() {
  say "no previous release to go back to: stopping the new containers"
  dc "$TAG" stop > /dev/null 2>&1
  STOPPED="the new containers were stopped"
}
strategy_prune() { prune_releases; }
strategy_services() { compose_services "$1"; } # TAG
strategy_logs() { compose_logs "$1" "$2" "$3"; } # SERVICE TAG LINES
strategy_cid() { compose_cid "$1" "$2"; } # SERVICE TAG
strategy_failure_output() { compose_failure_output "$1"; } # TAG
strategy_record_extra() { :; }
strategy_failed_done() { :; }
