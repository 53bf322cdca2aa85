# shellcheck shell=sh
# gangway's Prometheus textfile metrics, sourced by apply.sh (every apply) and backup.sh (every backup): writes
# <dir>/.gangway/metrics.prom atomically (temp file, then rename) in the text exposition format that
# node_exporter's textfile collector reads, and a copy it can read in <dir>/.gangway-metrics/ (metrics_publish).
# Everything comes from the state files on the server — releases.jsonl, backups.jsonl, current, and
# last_apply.tsv (the last apply's step durations and bytes delivered, written here) — so a backup run from
# cron writes the same file as a deploy. Never a secret value: names, tags, counts, times.
#
# Uses from the sourcing script: the layout's G_* (layout.sh), APP, METRICS (1: write; vars.sh), METRICS_FAMILIES
# (vars.sh: the text format's lines, from src/metrics/server-families.ts), and for applies
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
  if [ -z "${METRICS_FAMILIES:-}" ]; then
    echo "metrics: no METRICS_FAMILIES in vars.sh, $G_METRICS not written" >&2
    return 0
  fi
  if F_LAST=$mw_last F_REL=$mw_rel F_BAK=$mw_bak APP="$APP" CURRENT="$(cat "$G_CURRENT" 2>/dev/null)" \
    METRICS_FAMILIES=$METRICS_FAMILIES awk "$METRICS_AWK" "$mw_last" "$mw_rel" "$mw_bak" > "$mw_tmp" \
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
# A label value escaped for the text format (backslash, quote, newline), character by character: what gsub makes
# of backslashes in its replacement differs between awks. Slot marks are dropped, so no value fills a slot.
function esc(v,   out, i, c) {
  out = ""
  for (i = 1; i <= length(v); i++) {
    c = substr(v, i, 1)
    if (c == "\\") c = "\\\\"
    else if (c == "\"") c = "\\\""
    else if (c == "\n") c = "\\n"
    else if (c == US || c == RSEP) c = ""
    out = out c
  }
  return out
}
# The text format comes from METRICS_FAMILIES (vars.sh, src/metrics/server-families.ts): HELP and TYPE lines and
# a sample template per family. Here only each slot of a sample is filled: app, a, b (label values) and v.
function put(t, slot, v,   i, out) {
  out = ""
  while ((i = index(t, slot)) > 0) { out = out substr(t, 1, i - 1) v; t = substr(t, i + length(slot)) }
  return out t
}
function fam(name) { print head[name] }
function emit(name, a, b, v,   t) {
  t = put(put(put(tpl[name], US "app" US, esc(ENVIRON["APP"])), US "a" US, esc(a)), US "b" US, esc(b))
  print put(t, RSEP "v" RSEP, v)
}
# A family of one sample without labels, left out while its value is unknown.
function single(name, v) { if (v != "") { fam(name); emit(name, "", "", v) } }
BEGIN {
  FS = "\t"; US = sprintf("%c", 31); RSEP = sprintf("%c", 30)
  n = split(ENVIRON["METRICS_FAMILIES"], fl, "\n")
  for (i = 1; i + 2 <= n; i += 3) { split(fl[i], w, " "); head[w[3]] = fl[i] "\n" fl[i + 1]; tpl[w[3]] = fl[i + 2] }
}
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
    fam("gangway_deploys_total")
    for (k in runs) {
      split(k, p, "\t")
      emit("gangway_deploys_total", p[1], p[2], runs[k])
    }
    fam("gangway_rollbacks_total")
    emit("gangway_rollbacks_total", "automatic", "", auto_rb + 0)
    emit("gangway_rollbacks_total", "manual", "", manual_rb + 0)
    fam("gangway_last_deploy_success")
    emit("gangway_last_deploy_success", "", "", last_ok)
    single("gangway_last_deploy_timestamp_seconds", last_fin)
    single("gangway_last_deploy_duration_seconds", last_dur)
    single("gangway_last_good_timestamp_seconds", good)
    cur = ENVIRON["CURRENT"]
    if (cur != "" && (cur in tags)) {
      fam("gangway_release_info")
      emit("gangway_release_info", cur, tags[cur], 1)
    }
  }
  if (n_steps > 0) {
    fam("gangway_last_deploy_step_duration_seconds")
    for (i = 1; i <= n_steps; i++) {
      k = s_phase[i] "\t" s_name[i]
      if (k in done) continue
      done[k] = 1; sum = 0
      for (j = i; j <= n_steps; j++) if (s_phase[j] "\t" s_name[j] == k) sum += s_sec[j]
      emit("gangway_last_deploy_step_duration_seconds", s_phase[i], s_name[i], sum)
    }
  }
  single("gangway_last_health_gate_duration_seconds", gate)
  single("gangway_last_deploy_delivered_bytes", bytes)
  if (n_backups > 0) {
    fam("gangway_backups_total")
    for (k in backups) {
      split(k, p, "\t")
      emit("gangway_backups_total", p[1], p[2], backups[k])
    }
    fam("gangway_backup_last_success")
    for (n in b_last) emit("gangway_backup_last_success", n, "", b_last[n])
  }
  if (n_ok > 0) {
    fam("gangway_backup_last_success_timestamp_seconds")
    for (n in b_ok) emit("gangway_backup_last_success_timestamp_seconds", n, "", b_ok[n])
    fam("gangway_backup_last_size_bytes")
    for (n in b_size) emit("gangway_backup_last_size_bytes", n, "", b_size[n] + 0)
  }
  if (n_verify > 0) {
    fam("gangway_backup_last_verify_timestamp_seconds")
    for (n in v_at) emit("gangway_backup_last_verify_timestamp_seconds", n, "", v_at[n])
    fam("gangway_backup_last_verify_success")
    for (n in v_ok) emit("gangway_backup_last_verify_success", n, "", v_ok[n])
  }
}'
