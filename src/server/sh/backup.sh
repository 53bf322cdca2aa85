#!/bin/sh
# shellcheck source-path=SCRIPTDIR
# gangway's server-side PostgreSQL backup (file backups: backup-files.sh). Uploaded into <dir>/.gangway/backup/<name>/
# beside the data it reads, so cron can run it with no Node and no gangway on the server.
#
#   sh backup.sh JOB backup TRIGGER   pg_dump -Fc in the compose service into <name>-YYYYMMDD-HHMMSS.dump[.age]
#                                     (0600; written under a temporary name, renamed when complete), record
#                                     size and sha256, then apply retention (not for TRIGGER safety).
#   sh backup.sh JOB verify FILE [-]  restore FILE (or, with -, the decrypted dump on stdin) into a throwaway
#                                     container of the service's image: no ports, no network, no live volume.
#   sh backup.sh JOB restore FILE [-] pg_restore FILE (or, with -, the decrypted dump on stdin) into the live service
#                                     (the caller took a safety backup).
#   sh backup.sh JOB scheduled        what cron runs: backup, retention, and the restore test `verify` asks for.
#   sh backup.sh JOB retention        retention only.
#   sh backup.sh JOB copy|copy-list|copy-fetch …
#                                     the off-site copy into S3 (copy_to.s3: copy-s3.sh); scheduled runs copy too.
#
# JOB holds vars.sh (quoted assignments written by gangway), password (0600, when gangway.yml names one) and
# recipients (age public keys, when encrypting). The password reaches pg_dump as PGPASSWORD in the exec's
# environment (`exec -e PGPASSWORD` names it; the value never is an argument of any process).
# Every outcome is one JSON line appended to <dir>/.gangway/backups.jsonl and printed last as `@@result …`.
# shellcheck disable=SC2013 # lists are read with $(cat …) and IFS set to a newline, on purpose
set -u
set -f
IFS='
'
umask 077 # dumps, their partial files, error output and records: the user's alone (cron sets it too)
JOB=$1
ACTION=$2
# shellcheck source=/dev/null
. "$JOB/vars.sh"
# vars.sh defines: DIR APP NAME SERVICE DATABASE DB_USER BACKUP_DIR KEEP_DAILY KEEP_WEEKLY VERIFY ENCRYPT METRICS
# and KIND PATHS EXT (postgres jobs written before them lack them: postgres, dump).
# shellcheck source=layout.sh
. "$JOB/layout.sh"
# shellcheck disable=SC2153 # DIR and the rest come from vars.sh
layout "$DIR"
# Prometheus textfile metrics: <dir>/.gangway/metrics.prom is rewritten after each record.
if [ -f "$JOB/metrics.sh" ]; then
  # shellcheck source=/dev/null # linted on its own (scripts/test.sh)
  . "$JOB/metrics.sh"
else
  metrics_write() { :; }
fi
LOG=$G_BACKUPS_LOG
# Notifications of scheduled runs, where `gangway backup schedule` configured them (<job>/notify).
if [ -f "$JOB/notify.sh" ] && [ -f "$JOB/notify" ]; then
  # shellcheck source=/dev/null # linted on its own (scripts/test.sh)
  . "$JOB/notify.sh"
else
  notify() { :; }
  last_record_field() { :; }
fi
BDIR="$DIR/$BACKUP_DIR"
STARTED=$(date -u +%Y-%m-%dT%H:%M:%SZ)
START_S=$(date +%s)
PG_HOST=
if [ -f "$JOB/password" ]; then
  PGPASSWORD=$(cat "$JOB/password")
  export PGPASSWORD
  PG_HOST=127.0.0.1 # over TCP the password is checked (local socket connections are often trusted)
fi

say() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
# shellcheck source=/dev/null # linted on its own (scripts/test.sh)
. "$JOB/json.sh"
# The first line of a file, with the password (if any) replaced by ***: error texts can quote a connection string.
first_line() {
  awk 'NF { line = $0; p = ENVIRON["PGPASSWORD"]
    if (length(p) > 0) while ((i = index(line, p)) > 0) line = substr(line, 1, i - 1) "***" substr(line, i + length(p))
    print line; exit }' "$1" 2>/dev/null | cut -c1-300
}
record() { # OP OUTCOME EXTRA_JSON_FIELDS
  line="{\"op\":\"$1\",\"name\":\"$(json_str "$NAME")\",\"outcome\":\"$2\",\"started\":\"$STARTED\""
  line="$line,\"finished\":\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\",\"duration_s\":$(($(date +%s) - START_S))$3}"
  printf '%s\n' "$line" >> "$LOG"
  metrics_write
  printf '@@result %s\n' "$line"
}
# The new backup's time stamp (UTC, to the second), one no backup of this name in BDIR has yet: a second backup
# started within the same second waits for the next one instead of taking the first one's file name (and so
# replacing that file, its copy and its record's meaning).
new_stamp() { # (run as $(new_stamp): the globbing it turns on ends with its subshell)
  set +f
  while candidate=$(date -u +%Y%m%d-%H%M%S) && stamp_taken "$candidate"; do sleep 1; done
  printf '%s' "$candidate"
}
stamp_taken() { # STAMP: a backup of this name (or one being written) has it
  for f in "$BDIR/$NAME-$1."* "$BDIR/.$NAME-$1."*; do [ -e "$f" ] && return 0; done
  return 1
}
fail() { # OP REASON [EXTRA]
  say "FAILED $1: $2"
  record "$1" failed ",\"reason\":\"$(json_str "$2")\"${3:-}"
  exit 1
}

# Compose as the release in place runs it: its compose files, .env and IMAGE_TAG.
current_release() {
  id=$(cat "$G_CURRENT" 2>/dev/null) && [ -n "$id" ] || return 1
  REL="$G_RELEASES/$id"
  # shellcheck source=/dev/null
  REL_TAG=$(. "$REL/vars.sh" && printf '%s' "$TAG") || return 1
  # shellcheck source=/dev/null
  REL_COMPOSE=$(. "$REL/vars.sh" && printf '%s' "$COMPOSE") || return 1
  FILES=$(cat "$REL/files") || return 1
}
dc() {
  files=
  for f in $FILES; do files="$files-f
$DIR/$f
"; done
  env_args=
  [ -f "$DIR/.env" ] && env_args="--env-file
$DIR/.env"
  # shellcheck disable=SC2086 # word splitting on newlines only: one word per argv item
  IMAGE_TAG=$REL_TAG $REL_COMPOSE -p "$APP" --project-directory "$DIR" $files $env_args "$@"
}
# pg_* in the service, with PGPASSWORD passed by name from this script's environment.
in_service() {
  dc exec -T ${PGPASSWORD+-e} ${PGPASSWORD+PGPASSWORD} "$SERVICE" "$@"
}
pg_conn() { # the connection options common to pg_dump and pg_restore, one per line
  [ -n "$PG_HOST" ] && printf -- '-h\n%s\n' "$PG_HOST"
  printf -- '-U\n%s\n-d\n%s\n' "$DB_USER" "$DATABASE"
}

require_service() { # OP
  current_release || fail "$1" "nothing is deployed in $DIR"
  CID=$(dc ps -q "$SERVICE" 2>/dev/null | head -n 1)
  [ -n "$CID" ] || fail "$1" "service $SERVICE is not running (is it a service of $APP?)"
  version=$(in_service pg_dump --version 2>/dev/null)
  case "$version" in
    *PostgreSQL*) ;;
    *) fail "$1" "service $SERVICE has no pg_dump: it does not look like PostgreSQL" ;;
  esac
}

# Every table's exact row count, one JSON object a line ({"table" : "schema.name", "rows" : N}, names escaped by
# PostgreSQL's json), in name order: the same text on the live database at backup time and in a restore of it.
COUNT_SQL="select json_build_object('table', table_schema || '.' || table_name, 'rows',
  (xpath('/row/c/text()', query_to_xml(format('select count(*) as c from %I.%I', table_schema, table_name),
  false, true, '')))[1]::text::bigint)::text from information_schema.tables
  where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')
  order by table_schema, table_name"
# Lines of JSON objects -> one JSON array.
json_array() { printf '[%s]' "$(awk 'NF { printf "%s%s", (n++ ? "," : ""), $0 }' "$1")"; }

# pg_dump's snapshot, shared: a read-only repeatable-read transaction in the service exports it, pg_dump dumps in it
# (--snapshot) and the same transaction counts every table afterwards, so the counts are those of the dump's data.
# psql reads its statements from a FIFO held open on fd 4; closing fd 4 (or this script's exit) ends it.
snapshot_open() {
  rm -f "$JOB/.snap-in" "$JOB/.snap-out"
  mkfifo -m 600 "$JOB/.snap-in" || return 1
  # shellcheck disable=SC2046 # pg_conn prints one option per line (IFS is a newline)
  in_service psql -X -q -At -v ON_ERROR_STOP=1 $(pg_conn) < "$JOB/.snap-in" > "$JOB/.snap-out" \
    2> "$JOB/.snap-err" &
  SNAP_PID=$!
  exec 4> "$JOB/.snap-in"
  rm -f "$JOB/.snap-in"
  # The transaction stays idle while pg_dump works: a server-wide idle_in_transaction_session_timeout shorter
  # than the dump would end it (and the counts with it), so it is lifted for this transaction alone.
  printf '%s\n' 'begin transaction isolation level repeatable read, read only;' \
    'set local idle_in_transaction_session_timeout = 0;' 'select pg_export_snapshot();' >&4
  n=0
  until SNAPSHOT=$(head -n 1 "$JOB/.snap-out" 2> /dev/null) && [ -n "$SNAPSHOT" ]; do
    kill -0 "$SNAP_PID" 2> /dev/null || return 1
    n=$((n + 1))
    [ "$n" -lt 1200 ] || return 1 # 2 minutes for a loaded server to answer one statement
    sleep 0.1 2> /dev/null || sleep 1
  done
}
snapshot_count() { # -> $JOB/.counts, one JSON object a line
  # A psql that died meanwhile would make the write below kill this script with SIGPIPE, before any record.
  kill -0 "$SNAP_PID" 2> /dev/null || return 1
  trap '' PIPE
  printf '%s;\ncommit;\n' "$COUNT_SQL" >&4 || return 1
  exec 4>&-
  wait "$SNAP_PID" || return 1
  tail -n +2 "$JOB/.snap-out" > "$JOB/.counts"
}

do_backup() { # TRIGGER
  require_service backup
  stamp=$(new_stamp)
  file="$NAME-$stamp.dump"
  [ "$ENCRYPT" = 1 ] && file="$file.age"
  if [ "$ENCRYPT" = 1 ] && ! command -v age >/dev/null 2>&1; then
    fail backup "the server has no age binary (install the age package) and backups.$NAME.encrypt is set"
  fi
  (umask 077 && mkdir -p "$BDIR") || fail backup "cannot create $BDIR"
  tmp="$BDIR/.$file.partial"
  trap 'rm -f "$tmp"' EXIT
  trap 'exit 1' INT TERM HUP
  say "pg_dump of $DATABASE in $SERVICE -> $BACKUP_DIR/$file"
  extra=",\"trigger\":\"$1\",\"file\":\"$(json_str "$file")\""
  snapshot_open || fail backup "cannot open a snapshot for pg_dump: $(first_line "$JOB/.snap-err")" "$extra"
  rm -f "$JOB/.dump-rc" "$JOB/.dump-err"
  # No pipefail in POSIX sh: pg_dump's status goes through a file; the pipeline's is the writer's (a full disk).
  # shellcheck disable=SC2046 # pg_conn prints one option per line (IFS is a newline)
  if (umask 077 && { in_service pg_dump -Fc "--snapshot=$SNAPSHOT" $(pg_conn) 2> "$JOB/.dump-err"
    echo "$?" > "$JOB/.dump-rc"; } \
    | if [ "$ENCRYPT" = 1 ]; then age -R "$JOB/recipients"; else cat; fi > "$tmp") 2> "$JOB/.write-err"; then
    wrote=ok
  else
    wrote=failed
  fi
  rc=$(cat "$JOB/.dump-rc" 2>/dev/null)
  # A failed write (a full disk) first: pg_dump then fails too, on the broken pipe.
  if [ "$wrote" != ok ]; then
    rm -f "$tmp"
    fail backup "writing $BACKUP_DIR/$file failed: $(first_line "$JOB/.write-err")" "$extra"
  fi
  if [ "$rc" != 0 ]; then
    rm -f "$tmp"
    fail backup "pg_dump failed (exit ${rc:-?}): $(first_line "$JOB/.dump-err")" "$extra"
  fi
  snapshot_count || { rm -f "$tmp"; fail backup "counting rows failed: $(first_line "$JOB/.snap-err")" "$extra"; }
  sync "$tmp" 2>/dev/null || sync
  size=$(wc -c < "$tmp" | tr -d ' ')
  sha=$(sha256sum "$tmp" | cut -d ' ' -f 1)
  if ! { chmod 600 "$tmp" && mv -f "$tmp" "$BDIR/$file"; }; then
    rm -f "$tmp"
    fail backup "cannot rename the dump" "$extra"
  fi
  trap - EXIT
  say "ok $file ($size bytes)"
  # The row counts go last: verify reads them back from this line (recorded_counts).
  record backup succeeded "$extra,\"size\":$size,\"sha256\":\"$sha\",\"encrypted\":$([ "$ENCRYPT" = 1 ] && echo true \
    || echo false),\"tables\":$(json_array "$JOB/.counts")"
  LAST_FILE=$file
}

# Restic-like: the newest backup of each of the newest KEEP_DAILY days that have one, and of each of the newest
# KEEP_WEEKLY weeks (Monday to Sunday, UTC); the newest backup always. Dates come from the file names.
# Keeps: the newest backup; the newest of each of the newest KEEP_DAILY days and KEEP_WEEKLY ISO weeks that have
# one; and every backup of the last 24 hours (a manual backup on the day of a scheduled one does not push it out).
# NOW (YYYYMMDD-HHMMSS, UTC; default: the clock) is the tests' fake clock.
do_retention() {
  [ -d "$BDIR" ] || return 0
  now=${1:-$(date -u +%Y%m%d-%H%M%S)}
  ext_re=$(printf '%s' "${EXT:-dump}" | sed 's/\./\\./g') # dump, tar\.gz
  # shellcheck disable=SC2010 # gangway's own fixed-format names, matched exactly
  ls -1 "$BDIR" | grep -E "^$NAME-[0-9]{8}-[0-9]{6}\\.$ext_re(\\.age)?\$" | sort -r \
    | awk -v days="$KEEP_DAILY" -v weeks="$KEEP_WEEKLY" -v p="$NAME" -v now="$now" '
      function epoch_day(y, m, d) { # days since 1970-01-01 (Howard Hinnant civil_from_days, inverted)
        y -= (m <= 2); era = int(y / 400); yoe = y - era * 400
        doy = int((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1
        return era * 146097 + yoe * 365 + int(yoe / 4) - int(yoe / 100) + doy - 719468
      }
      function seconds(t) { # YYYYMMDD-HHMMSS -> seconds since 1970
        return epoch_day(substr(t, 1, 4) + 0, substr(t, 5, 2) + 0, substr(t, 7, 2) + 0) * 86400 \
          + substr(t, 10, 2) * 3600 + substr(t, 12, 2) * 60 + substr(t, 14, 2)
      }
      BEGIN { now_s = seconds(now) }
      {
        s = substr($0, length(p) + 2, 8); day = s
        week = int((epoch_day(substr(s, 1, 4) + 0, substr(s, 5, 2) + 0, substr(s, 7, 2) + 0) + 3) / 7)
        keep = (NR == 1) || (now_s - seconds(substr($0, length(p) + 2, 15)) < 86400)
        if (!(day in seen_day) && nd < days) { seen_day[day] = 1; nd++; keep = 1 }
        if (!(week in seen_week) && nw < weeks) { seen_week[week] = 1; nw++; keep = 1 }
        if (!keep) print
      }' > "$JOB/.prune"
  for f in $(cat "$JOB/.prune"); do
    rm -f "$BDIR/$f" && say "pruned $f" \
      && printf '{"op":"prune","name":"%s","file":"%s","finished":"%s"}\n' "$(json_str "$NAME")" "$(json_str "$f")" \
        "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >> "$LOG"
  done
  rm -f "$JOB/.prune"
}

# The sha256 the backup record holds for FILE (empty when unknown).
recorded_sha() {
  grep -F "\"op\":\"backup\"" "$LOG" 2>/dev/null | grep -F "\"file\":\"$1\"" | grep -F '"outcome":"succeeded"' \
    | tail -n 1 | sed -n 's/.*"sha256":"\([0-9a-f]*\)".*/\1/p'
}
check_file() { # OP FILE
  [ -f "$BDIR/$2" ] || fail "$1" "no backup $BACKUP_DIR/$2" ",\"file\":\"$(json_str "$2")\""
  want=$(recorded_sha "$2")
  have=$(sha256sum "$BDIR/$2" | cut -d ' ' -f 1)
  if [ -n "$want" ] && [ "$want" != "$have" ]; then
    fail "$1" "$2 is corrupted: sha256 $have, recorded $want" ",\"file\":\"$(json_str "$2")\""
  fi
}

# The row counts FILE's backup recorded (one JSON object a line; nothing for a backup made before they were).
# Objects are split at `},{"table"`, which no name can hold: a quote inside a JSON string is escaped. Each is
# written as PostgreSQL writes it (the log may have been rewritten by a JSON tool without the spaces).
recorded_counts() {
  grep -F "\"op\":\"backup\"" "$LOG" 2>/dev/null | grep -F "\"file\":\"$1\"" | grep -F '"outcome":"succeeded"' \
    | tail -n 1 | sed -n 's/.*,"tables":\[\(.*\)\]}$/\1/p' \
    | awk '{ n = split($0, part, /\}, ?\{"table"/)
      for (i = 1; i <= n; i++) print (i > 1 ? "{\"table\"" : "") part[i] (i < n ? "}" : "") }' \
    | sed 's/^{"table" *: *\(".*"\), *"rows" *: *\([0-9]*\)}$/{"table" : \1, "rows" : \2}/'
}
# The first table whose restored count differs from the recorded one, said as `name: N rows restored, M at backup`.
count_mismatch() { # RECORDED RESTORED
  grep -vxF -f "$2" "$1" | head -n 1 | while IFS= read -r want; do
    table=$(printf '%s' "$want" | sed 's/^{"table" : "\(.*\)", "rows" : [0-9]*}$/\1/')
    rows=$(printf '%s' "$want" | sed 's/.*"rows" : \([0-9]*\)}$/\1/')
    have=$(grep -F "{\"table\" : \"$table\", " "$2" | sed 's/.*"rows" : \([0-9]*\)}$/\1/')
    if [ -n "$have" ]; then have="$have rows restored"; else have="not restored"; fi
    printf '%s: %s, %s at backup time' "$table" "$have" "$rows"
  done
}
# Lines of a file with every value of the release's env file (4 characters or more) and the password as ***.
masked() { # FILE
  awk 'FNR == NR { sub(/^export[ \t]+/, ""); i = index($0, "="); if (i < 2 || substr($0, 1, 1) == "#") next
      v = substr($0, i + 1); if (v ~ /^".*"$/ || v ~ /^\047.*\047$/) v = substr(v, 2, length(v) - 2)
      if (length(v) >= 4) secret[v] = 1; next }
    { line = $0; p = ENVIRON["PGPASSWORD"]; if (length(p) > 0) secret[p] = 1
      for (v in secret) while ((i = index(line, v)) > 0) line = substr(line, 1, i - 1) "***" substr(line, i + length(v))
      print line }' "$(if [ -f "$DIR/.env" ]; then echo "$DIR/.env"; else echo /dev/null; fi)" "$1" 2>/dev/null
}
# What the throwaway container said last (masked), for a failure that happened in it.
container_said() {
  docker logs --tail 5 "$VC" > "$JOB/.verify-log" 2>&1
  masked "$JOB/.verify-log" | awk 'NF { printf "%s%s", (n++ ? " | " : ""), substr($0, 1, 200) }'
}

# A PostgreSQL client in the throwaway container as VUSER, with the password by name (-i: stdin is the dump's).
in_verify() { # COMMAND ARGS…
  cmd=$1
  shift
  docker exec -i ${PGPASSWORD+-e} ${PGPASSWORD+PGPASSWORD} "$VC" "$cmd" ${PG_HOST:+-h} ${PG_HOST:+"$PG_HOST"} \
    -U "$VUSER" "$@"
}

do_verify() { # FILE [-]
  file=$1
  from_stdin=${2:-}
  # The dump on stdin is kept on fd 3 for pg_restore alone: compose exec and docker read whatever stdin they get.
  exec 3<&0 < /dev/null
  extra=",\"file\":\"$(json_str "$file")\""
  check_file verify "$file"
  case "$file" in *.age) [ "$from_stdin" = - ] || fail verify "$file is encrypted: verify it from gangway with \
--identity (the key is not on the server)" "$extra" ;; esac
  require_service verify
  image=$(docker inspect -f '{{.Image}}' "$CID") || fail verify "cannot read the image of $SERVICE" "$extra"
  # The service's own environment (what the release gave it, and its image's), so an image with its own variables
  # starts as the service does; in a 0600 file, never an argument. POSTGRES_HOST_AUTH_METHOD=trust on top: the
  # official image's convention, harmless elsewhere (the container has no network). The cleanup is set first: a
  # failed inspect must not leave the environment file behind.
  VC="gangway-verify-$APP-$NAME-$$"
  trap 'docker rm -f -v "$VC" >/dev/null 2>&1; rm -f "$JOB/.verify-env"' EXIT
  trap 'exit 1' INT TERM HUP
  (umask 077 && docker inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$CID" \
    | grep -E '^[A-Za-z_][A-Za-z0-9_]*=' > "$JOB/.verify-env") || fail verify "cannot read the environment of \
$SERVICE" "$extra"
  say "restore test of $file in a throwaway container (no network, no volume of $APP)"
  docker run -d --name "$VC" --network none --label "gangway.verify=$APP" --env-file "$JOB/.verify-env" \
    -e POSTGRES_HOST_AUTH_METHOD=trust "$image" > /dev/null 2> "$JOB/.verify-err" \
    || fail verify "cannot start: $(masked "$JOB/.verify-err" | head -n 1 | cut -c1-300)" "$extra"
  super=$(sed -n 's/^POSTGRES_USER=//p' "$JOB/.verify-env" | tail -n 1)
  rm -f "$JOB/.verify-env"
  n=0
  until docker exec "$VC" pg_isready -q -h 127.0.0.1 > /dev/null 2>&1; do
    [ "$(docker inspect -f '{{.State.Running}}' "$VC" 2> /dev/null)" = true ] \
      || fail verify "the throwaway PostgreSQL exited; it said: $(container_said)" "$extra"
    n=$((n + 1))
    [ "$n" -lt 240 ] || fail verify "the throwaway PostgreSQL was not ready within 120s; it said: $(container_said)" \
      "$extra"
    sleep 0.5 2> /dev/null || sleep 1
  done
  # As the service's user (over TCP when there is a password, as for the live database), else as the image's
  # superuser (a backup user the image does not create, made by the app's migrations).
  VUSER=$DB_USER
  in_verify psql -X -q -At -d template1 -c 'select 1' > /dev/null 2>&1 || VUSER=${super:-postgres}
  # The image made the service's database from the same environment; if it did not, make it.
  if ! in_verify psql -X -q -At -d "$DATABASE" -c 'select 1' > /dev/null 2> "$JOB/.verify-err"; then
    in_verify createdb "$DATABASE" 2> "$JOB/.verify-err" \
      || fail verify "createdb as $VUSER: $(first_line "$JOB/.verify-err")" "$extra"
  fi
  [ "$from_stdin" = - ] || exec 3< "$BDIR/$file"
  in_verify pg_restore -d "$DATABASE" --no-owner --no-privileges --exit-on-error <&3 2> "$JOB/.verify-err" \
    || fail verify "pg_restore failed: $(first_line "$JOB/.verify-err")" "$extra"
  in_verify psql -X -q -At -d "$DATABASE" -c "$COUNT_SQL" > "$JOB/.counts" 2> "$JOB/.verify-err" \
    || fail verify "counting rows failed: $(first_line "$JOB/.verify-err")" "$extra"
  counts=$(json_array "$JOB/.counts")
  tables=$(grep -c . "$JOB/.counts")
  [ "$tables" -gt 0 ] || fail verify "the restored database has no tables" "$extra,\"tables\":[]"
  recorded_counts "$file" > "$JOB/.recorded"
  if [ -s "$JOB/.recorded" ]; then
    differs=$(count_mismatch "$JOB/.recorded" "$JOB/.counts")
    [ -z "$differs" ] || fail verify "rows differ from the backup's: $differs" "$extra,\"tables\":$counts"
    say "ok $file: $tables table(s) restored, every row count as recorded at backup time"
  else
    say "ok $file: $tables table(s) restored (no row counts were recorded with this backup to compare)"
  fi
  date +%s > "$JOB/last_verify"
  record verify succeeded "$extra,\"tables\":$counts"
}

do_restore() { # FILE [-]
  file=$1
  from_stdin=${2:-}
  exec 3<&0 < /dev/null # as in do_verify: the dump on stdin is for pg_restore alone
  extra=",\"file\":\"$(json_str "$file")\""
  check_file restore "$file"
  case "$file" in *.age) [ "$from_stdin" = - ] || fail restore "$file is encrypted: restore it from gangway with \
--identity (the key is not on the server)" "$extra" ;; esac
  require_service restore
  say "pg_restore of $file into the live $DATABASE"
  [ "$from_stdin" = - ] || exec 3< "$BDIR/$file"
  # shellcheck disable=SC2046 # pg_conn prints one option per line (IFS is a newline)
  in_service pg_restore $(pg_conn) --clean --if-exists --no-owner --no-privileges --single-transaction \
    --exit-on-error <&3 2> "$JOB/.restore-err" \
    || fail restore "pg_restore failed (nothing changed: one transaction): $(first_line "$JOB/.restore-err")" "$extra"
  record restore succeeded "$extra"
}

# Is a scheduled restore test due? each: always; daily / weekly: when the last one is that old.
verify_due() {
  case "$VERIFY" in
    each) return 0 ;;
    daily) period=86400 ;;
    weekly) period=604800 ;;
    *) return 1 ;;
  esac
  last=$(cat "$JOB/last_verify" 2>/dev/null)
  [ $(($(date +%s) - ${last:-0})) -ge "$period" ]
}

# File backups (KIND=files) replace do_backup, do_verify and do_restore with their own (backup-files.sh).
if [ "${KIND:-postgres}" = files ]; then
  # shellcheck source=/dev/null # linted on its own (scripts/test.sh)
  . "$JOB/backup-files.sh"
fi
# copy_to.s3: the copy, its listing and a fetch back (copy-s3.sh).
if [ "${COPY:-}" = s3 ]; then
  # shellcheck source=/dev/null # linted on its own (scripts/test.sh)
  . "$JOB/copy-s3.sh"
else
  do_copy_s3() { echo "backup.sh: $NAME has no copy_to.s3" >&2; exit 2; }
  do_copy_s3_list() { do_copy_s3; }
  do_copy_s3_fetch() { do_copy_s3; }
fi

case "$ACTION" in
  # A safety backup (before a restore into the live database) prunes nothing: the backup to restore may be one.
  backup) do_backup "${3:-cli}" && { [ "${3:-}" = safety ] || do_retention; } ;;
  verify) do_verify "$3" "${4:-}" ;;
  restore) do_restore "$3" "${4:-}" ;;
  retention) do_retention "${3:-}" ;;
  copy) do_copy_s3 "${3:-file}" ;;
  copy-list) do_copy_s3_list "${3:-file}" ;;
  copy-fetch) do_copy_s3_fetch "$3" "${4:-file}" ;;
  scheduled)
    # Each step in its own shell: a failure exits that step (and records it), not the whole run. A failure or the
    # success of the whole run is notified once, with the reason the failing step recorded.
    RUN_S=$START_S
    if ! (do_backup schedule && do_retention && printf '%s\n' "$LAST_FILE" > "$JOB/.last_file"); then
      notify backup_failed failed "$(last_record_field reason)" $(($(date +%s) - RUN_S)) ''
      exit 1
    fi
    # The off-site copy (copy_to.s3) after the backup and its retention; its failure is notified after the verify.
    copy_reason=
    if [ "${COPY:-}" = s3 ]; then
      STARTED=$(date -u +%Y-%m-%dT%H:%M:%SZ)
      START_S=$(date +%s)
      (do_copy_s3 file) || copy_reason="copy to $COPY_LABEL: $(last_record_field reason)"
    fi
    if [ "$ENCRYPT" != 1 ] && verify_due; then
      STARTED=$(date -u +%Y-%m-%dT%H:%M:%SZ)
      START_S=$(date +%s)
      if ! (do_verify "$(cat "$JOB/.last_file")"); then
        notify backup_failed verify_failed "$(last_record_field reason)" $(($(date +%s) - RUN_S)) \
          "$(cat "$JOB/.last_file")"
        exit 1
      fi
    fi
    if [ -n "$copy_reason" ]; then
      notify backup_failed copy_failed "$copy_reason" $(($(date +%s) - RUN_S)) "$(cat "$JOB/.last_file")"
      exit 1
    fi
    notify backup_succeeded succeeded '' $(($(date +%s) - RUN_S)) "$(cat "$JOB/.last_file")"
    ;;
  *) echo "backup.sh: unknown action $ACTION" >&2; exit 2 ;;
esac
