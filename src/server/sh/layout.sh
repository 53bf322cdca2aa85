# shellcheck shell=sh
# Generated from src/server/layout.ts by `npx tsx scripts/generate-layout-sh.ts`: edit layout.ts, then run it
# (a test fails while the two differ). The files gangway keeps on each server: `layout DIR` sets one variable
# a file; `layout_state STATE` those under STATE (<dir>/.gangway), for a script given that directory. Sourced
# from beside apply.sh and backup.sh; a script run as `sh -c` gets this text where it reads `. ./layout.sh`.
# shellcheck disable=SC2034 # each script uses the names it needs
layout() { # DIR
  G_METRICS_COPY="$1/.gangway-metrics/metrics.prom" # metricsCopy
  layout_state "$1/.gangway"
}
layout_state() { # STATE
  G="$1" # state
  G_LOCK="$1/lock" # lock
  G_LOCK_INFO="$1/lock/info" # lockInfo
  G_LOCK_HEARTBEAT="$1/lock/heartbeat" # lockHeartbeat
  G_APPLY_PID="$1/lock/apply.pid" # applyPid
  G_LOCK_RECOVERING="$1/lock.recovering" # lockRecovering
  G_RELEASES_LOG="$1/releases.jsonl" # releasesLog
  G_LAST_GOOD_TAG="$1/last_good_tag" # lastGoodTag
  G_CURRENT="$1/current" # current
  G_APPLYING="$1/applying" # applying
  G_LOCK_LOG="$1/lock.log" # lockLog
  G_BACKUPS_LOG="$1/backups.jsonl" # backupsLog
  G_ROLLOUT="$1/rollout.json" # rollout
  G_METRICS="$1/metrics.prom" # metrics
  G_LAST_APPLY="$1/last_apply.tsv" # lastApply
  G_PROXY="$1/proxy" # proxy
  G_RELEASES="$1/releases" # release(ARG): "$G_RELEASES/ARG"
  G_RUN_LOGS="$1/runs" # runLog(ARG): "$G_RUN_LOGS/ARG.log"
  G_BACKUP_JOBS="$1/backup" # backupJob(ARG): "$G_BACKUP_JOBS/ARG"
}
