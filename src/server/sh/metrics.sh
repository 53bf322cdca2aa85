# shellcheck shell=sh
# gangway's Prometheus textfile metrics, sourced by apply.sh (every apply) and backup.sh (every backup): writes
# <dir>/.gangway/metrics.prom atomically (temp file, then rename) in the text exposition format that
# node_exporter's textfile collector reads, and a copy it can read in <dir>/.gangway-metrics/ (metrics_publish).
# Everything comes from the state files on the server — releases.jsonl, backups.jsonl, current, and
# last_apply.tsv (the last apply's step durations and bytes delivered, written here) — so a backup run from
# cron writes the same file as a deploy. Never a secret value: names, tags, counts, times.
#
# Uses from the sourcing script: the layout's G_* (layout.sh), APP, METRICS (1: write; vars.sh), and for applies
# BYTES_SENT and REL.
# apply.sh calls metrics_step at the end of every step (its step_event), metrics_phase restore before it puts
# the previous release back, and metrics_write after each record; backup.sh calls metrics_write.

METRICS_PHASE=deploy
# Milliseconds where date has %N (GNU, busybox), whole seconds (x1000) elsewhere.
metrics_now_ms() {
  mn_t=$(date +%s%N 2>/dev/null)
  case $mn_t in
    '' | *N* | *[!0-9]*) echo $(($(date +%s) * 1000)) ;;
    *) echo "${mn_t%??????}" ;;
  esac
}
METRICS_MARK=$(metrics_now_ms)

metrics_phase() { METRICS_PHASE=$1; }

# A step ended (STATUS ok or fail): its duration is the time since the previous step ended (or the apply began).
metrics_step() { # STEP STATUS
  [ "${METRICS:-0}" = 1 ] || return 0
  ms_now=$(metrics_now_ms)
  ms_d=$((ms_now - METRICS_MARK))
  METRICS_MARK=$ms_now
  # A failed step is named after what it checked (a URL, a service): one label value per kind of step instead.
  ms_step=$1
  case $1 in
    'health gate' | 'compose up' | proxy | switch | 'put in place') ;;
    health\ * | http\ * | 'fatal logs' | 'proxy health') ms_step='health gate' ;;
    *) ms_step=other ;;
  esac
  printf '%s\t%s\t%d.%03d\t%s\n' "$METRICS_PHASE" "$ms_step" $((ms_d / 1000)) $((ms_d % 1000)) "$2" \
    >> "$REL/.metrics-steps"
}

# After an apply's record: keep its steps and bytes as the host's last apply, then write the exposition.
metrics_apply_done() {
  [ "${METRICS:-0}" = 1 ] || return 0
  {
    printf 'release\t%s\n' "$ID"
    printf 'bytes\t%s\n' "${BYTES_SENT:-0}"
    sed 's/^/step\t/' "$REL/.metrics-steps" 2>/dev/null
  } > "$G_LAST_APPLY.tmp" && mv -f "$G_LAST_APPLY.tmp" "$G_LAST_APPLY"
  metrics_write
}

metrics_write() {
  [ "${METRICS:-0}" = 1 ] || return 0
  mw_tmp=$(metrics_tmp "$G_METRICS")
  mw_last=$G_LAST_APPLY
  mw_rel=$G_RELEASES_LOG
  mw_bak=$G_BACKUPS_LOG
  [ -f "$mw_last" ] || mw_last=/dev/null
  [ -f "$mw_rel" ] || mw_rel=/dev/null
  [ -f "$mw_bak" ] || mw_bak=/dev/null
  if F_LAST=$mw_last F_REL=$mw_rel F_BAK=$mw_bak APP="$APP" CURRENT="$(cat "$G_CURRENT" 2>/dev/null)" \
    awk "$METRICS_AWK" "$mw_last" "$mw_rel" "$mw_bak" > "$mw_tmp" \
    && chmod 644 "$mw_tmp" && mv -f "$mw_tmp" "$G_METRICS"; then
    metrics_publish
    return 0
  fi
  rm -f "$mw_tmp"
  echo "metrics: could not write $G_METRICS" >&2
  return 0 # metrics never fail a deploy or a backup
}

# A copy node_exporter's textfile collector can read: .gangway is the deploy user's alone (0700), so the same
# file (no secret in it) goes to <dir>/.gangway-metrics/metrics.prom, 0644 in a 0755 directory.
metrics_publish() {
  mp_dir=${G_METRICS_COPY%/*}
  mp_tmp=$(metrics_tmp "$G_METRICS_COPY")
  if mkdir -p "$mp_dir" && chmod 755 "$mp_dir" && cp "$G_METRICS" "$mp_tmp" && chmod 644 "$mp_tmp" \
    && mv -f "$mp_tmp" "$G_METRICS_COPY"; then
    return 0
  fi
  rm -f "$mp_tmp"
  echo "metrics: could not write $G_METRICS_COPY" >&2
}
# A temp file beside FILE, hidden (`.NAME.PID`: the textfile collector reads *.prom only), for its atomic rename.
metrics_tmp() { printf '%s/.%s.%s' "${1%/*}" "${1##*/}" "$$"; } # FILE

# Files in order: last_apply.tsv, releases.jsonl, backups.jsonl. JSON fields are read by name from gangway's
# own one-line records (apply.sh and backup.sh write them); the outcome fields are the last ones of a line.
# shellcheck disable=SC2016 # awk's own $ fields
METRICS_AWK='
function field(line, key, last,   pat, i, rest, out, c) {
  pat = "\"" key "\":"
  if (last) { i = 0; rest = line; while ((c = index(rest, pat)) > 0) { i += c; rest = substr(rest, c + 1) } }
  else i = index(line, pat)
  if (i == 0) return ""
  rest = substr(line, i + length(pat))
  if (substr(rest, 1, 1) != "\"") { match(rest, /^-?[0-9.]+/); return substr(rest, 1, RLENGTH) }
  out = ""
  for (i = 2; i <= length(rest); i++) {
    c = substr(rest, i, 1)
    if (c == "\\") { out = out substr(rest, i + 1, 1); i++; continue }
    if (c == "\"") break
    out = out c
  }
  return out
}
# Seconds since 1970 of an ISO 8601 UTC time (days from civil, H. Hinnant): no mktime in POSIX awk.
function epoch(t,   y, m, d, era, yoe, doy, doe) {
  if (t !~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]/) return ""
  y = substr(t, 1, 4) + 0; m = substr(t, 6, 2) + 0; d = substr(t, 9, 2) + 0
  if (m <= 2) y--
  era = int(y / 400); yoe = y - era * 400
  doy = int((153 * ((m + 9) % 12) + 2) / 5) + d - 1
  doe = yoe * 365 + int(yoe / 4) - int(yoe / 100) + doy
  return (era * 146097 + doe - 719468) * 86400 + substr(t, 12, 2) * 3600 + substr(t, 15, 2) * 60 + substr(t, 18, 2)
}
function esc(v) { gsub(/\\/, "\\\\", v); gsub(/"/, "\\\"", v); gsub(/\n/, "\\n", v); return v }
function lb(name, value) { return "," name "=\"" esc(value) "\"" }
function sample(name, labels, value) { print name "{app=\"" esc(ENVIRON["APP"]) "\"" labels "} " value }
function family(name, type, help) { print "# HELP " name " " help; print "# TYPE " name " " type }
BEGIN { FS = "\t" }
FILENAME == ENVIRON["F_LAST"] { file_no = 1 }
FILENAME == ENVIRON["F_REL"] { file_no = 2 }
FILENAME == ENVIRON["F_BAK"] { file_no = 3 }
file_no == 1 && $1 == "bytes" { bytes = $2 }
file_no == 1 && $1 == "step" {
  n_steps++; s_phase[n_steps] = $2; s_name[n_steps] = $3; s_sec[n_steps] = $4
  if ($2 == "deploy" && $3 == "health gate") gate = $4
}
file_no == 2 && /^\{/ {
  op = field($0, "operation"); st = field($0, "status", 1); oc = field($0, "outcome", 1)
  runs[op "\t" st]++
  if (oc == "rolled_back") auto_rb++
  if (op == "rollback") manual_rb++
  fin = epoch(field($0, "finished", 1))
  last_fin = fin; last_ok = (oc == "succeeded") ? 1 : 0; last_dur = field($0, "duration_s", 1); seen = 1
  if (st == "succeeded" || st == "rollback") good = fin
  tags[field($0, "id")] = field($0, "tag")
}
file_no == 3 && /^\{/ {
  op = field($0, "op"); nm = field($0, "name"); oc = field($0, "outcome", 1); fin = epoch(field($0, "finished", 1))
  if (op == "backup" && oc != "") {
    backups[nm "\t" oc]++; n_backups++; b_last[nm] = (oc == "succeeded") ? 1 : 0
    if (oc == "succeeded" && fin != "") { b_ok[nm] = fin; b_size[nm] = field($0, "size"); n_ok++ }
  }
  if (op == "verify" && oc != "" && fin != "") { v_at[nm] = fin; v_ok[nm] = (oc == "succeeded") ? 1 : 0; n_verify++ }
}
END {
  if (seen) {
    family("gangway_deploys_total", "counter", "Deploys and rollbacks recorded on this host, by operation and status.")
    for (k in runs) {
      split(k, p, "\t")
      sample("gangway_deploys_total", lb("operation", p[1]) lb("status", p[2]), runs[k])
    }
    family("gangway_rollbacks_total", "counter",
      "Rollbacks: automatic (a release failed its gate, the previous one was put back) and manual (gangway rollback).")
    sample("gangway_rollbacks_total", lb("kind", "automatic"), auto_rb + 0)
    sample("gangway_rollbacks_total", lb("kind", "manual"), manual_rb + 0)
    family("gangway_last_deploy_success", "gauge", "1 when the last deploy or rollback passed its health gate.")
    sample("gangway_last_deploy_success", "", last_ok)
    if (last_fin != "") {
      family("gangway_last_deploy_timestamp_seconds", "gauge", "When the last deploy or rollback finished.")
      sample("gangway_last_deploy_timestamp_seconds", "", last_fin)
    }
    if (last_dur != "") {
      family("gangway_last_deploy_duration_seconds", "gauge", "How long the last apply took on the server.")
      sample("gangway_last_deploy_duration_seconds", "", last_dur)
    }
    if (good != "") {
      family("gangway_last_good_timestamp_seconds", "gauge", "When the last release that passed its gate finished.")
      sample("gangway_last_good_timestamp_seconds", "", good)
    }
    cur = ENVIRON["CURRENT"]
    if (cur != "" && (cur in tags)) {
      family("gangway_release_info", "gauge", "The release in place and its tag (value 1).")
      sample("gangway_release_info", lb("release", cur) lb("tag", tags[cur]), 1)
    }
  }
  if (n_steps > 0) {
    family("gangway_last_deploy_step_duration_seconds", "gauge",
      "Duration of each server-side step of the last apply (phase restore: putting the previous release back).")
    for (i = 1; i <= n_steps; i++) {
      k = s_phase[i] "\t" s_name[i]
      if (k in done) continue
      done[k] = 1; sum = 0
      for (j = i; j <= n_steps; j++) if (s_phase[j] "\t" s_name[j] == k) sum += s_sec[j]
      sample("gangway_last_deploy_step_duration_seconds", lb("phase", s_phase[i]) lb("step", s_name[i]), sum)
    }
  }
  if (gate != "") {
    family("gangway_last_health_gate_duration_seconds", "gauge", "How long the last release took to pass its gate.")
    sample("gangway_last_health_gate_duration_seconds", "", gate)
  }
  if (bytes != "") {
    family("gangway_last_deploy_delivered_bytes", "gauge", "Bytes the last deploy sent to this host for the image.")
    sample("gangway_last_deploy_delivered_bytes", "", bytes)
  }
  if (n_backups > 0) {
    family("gangway_backups_total", "counter", "Backups taken on this host, by backup name and outcome.")
    for (k in backups) {
      split(k, p, "\t")
      sample("gangway_backups_total", lb("backup", p[1]) lb("outcome", p[2]), backups[k])
    }
    family("gangway_backup_last_success", "gauge", "1 when the newest run of the backup succeeded, 0 when it failed.")
    for (n in b_last) sample("gangway_backup_last_success", lb("backup", n), b_last[n])
  }
  if (n_ok > 0) {
    family("gangway_backup_last_success_timestamp_seconds", "gauge",
      "When the newest good backup finished (its age: time() minus this).")
    for (n in b_ok) sample("gangway_backup_last_success_timestamp_seconds", lb("backup", n), b_ok[n])
    family("gangway_backup_last_size_bytes", "gauge", "Size of the newest good backup.")
    for (n in b_size) sample("gangway_backup_last_size_bytes", lb("backup", n), b_size[n] + 0)
  }
  if (n_verify > 0) {
    family("gangway_backup_last_verify_timestamp_seconds", "gauge", "When the newest restore test finished.")
    for (n in v_at) sample("gangway_backup_last_verify_timestamp_seconds", lb("backup", n), v_at[n])
    family("gangway_backup_last_verify_success", "gauge", "1 when the newest restore test passed.")
    for (n in v_ok) sample("gangway_backup_last_verify_success", lb("backup", n), v_ok[n])
  }
}'
