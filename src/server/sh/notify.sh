# shellcheck shell=sh
# Notifications from the server, for what cron runs without gangway (scheduled backups): sourced by backup.sh
# when `gangway backup schedule` wrote <job>/notify (0600). The same JSON document as the CLI's generic webhook
# (README "Notifications"), and a Slack message, posted with curl or GNU wget. The URLs are credentials: they
# reach curl in a config file on stdin and wget in an input file, never as an argument of any process (so
# busybox's wget, which takes URLs only as arguments, is not used).
#
# <job>/notify: `on<TAB>event event…`, `target<TAB>name`, `host<TAB>label`, `slack<TAB>URL` / `webhook<TAB>URL`
# lines, and `template<TAB>KIND<TAB>EVENT<TAB>VARIANT<TAB>JSON` lines: the bodies, shaped by gangway's TypeScript
# (src/notify/scheduled-templates.ts) like the CLI's own notices, which this only fills in (json_fill). A file
# written by a gangway before templates has none, and <job>/notify outlives new uploads of this script: for it,
# notify_legacy_bodies writes the bodies that gangway wrote then. Uses backup.sh's APP and JOB, and json.sh.

NOTIFY_FILE="$JOB/notify"

notify_value() { sed -n "s/^$1	//p" "$NOTIFY_FILE" | head -n 1; }

# Slack's message text escapes &, < and >.
slack_escape() { printf '%s' "$1" | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g'; }

notify_post() { # URL BODY_FILE: 0 on a 2xx answer
  np_tmp="$JOB/.notify-url.$$"
  if command -v curl >/dev/null 2>&1; then
    code=$(printf 'url = "%s"\n' "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')" \
      | curl -s -o /dev/null -w '%{http_code}' --max-time 10 -H 'content-type: application/json' \
        --data-binary @"$2" -K - 2>/dev/null)
    case $code in 2??) return 0 ;; *) return 1 ;; esac
  elif wget --version 2>/dev/null | grep -q 'GNU Wget'; then # busybox's wget takes the URL only as an argument
    (umask 077 && printf '%s\n' "$1" > "$np_tmp") || return 1
    # --max-redirect=0: a redirect is a failure, as with curl and the CLI (GNU wget would re-post a 307/308 there).
    wget -q -O /dev/null -T 10 --max-redirect=0 --header='content-type: application/json' --post-file="$2" \
      -i "$np_tmp" 2>/dev/null
    np_rc=$?
    rm -f "$np_tmp"
    return $np_rc
  fi
  echo "cannot notify: this server has neither curl nor GNU wget" >&2
  return 2
}

# notify EVENT RESULT REASON_JSON DURATION_S RECORD_ID: REASON_JSON is already JSON-escaped (from a record).
notify() {
  [ -f "$NOTIFY_FILE" ] || return 0
  case " $(notify_value on) " in *" $1 "*) ;; *) return 0 ;; esac
  target=$(notify_value target)
  host=$(notify_value host)
  who="cron@$(hostname 2>/dev/null || echo server)"
  time=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  body="$JOB/.notify-body.$$"
  slack="$JOB/.notify-slack.$$"
  variant=-
  [ -n "$3" ] && variant=r
  variant=$variant$([ -n "$5" ] && echo f || echo -)
  if grep -q "^template	webhook	$1	$variant	" "$NOTIFY_FILE"; then
    printf '%s\n' "$(json_fill "$(notify_template webhook "$1" "$variant")" app "$APP" result "$2" reason "$3" \
      duration_s "$4" record_id "$5" who "$who" time "$time")" > "$body"
    printf '%s\n' "$(json_fill "$(notify_template slack "$1" "$variant")" app "$(slack_escape "$APP")" \
      result "$(slack_escape "$2")" reason "$(slack_escape "$3")" duration_s "$4" record_id "$(slack_escape "$5")" \
      who "$(slack_escape "$who")" time "$time")" > "$slack"
  else
    notify_legacy_bodies "$@"
  fi
  grep -E '^(slack|webhook)	' "$NOTIFY_FILE" | while IFS='	' read -r kind url; do
    file=$body
    [ "$kind" = slack ] && file=$slack
    n=0
    until notify_post "$url" "$file"; do
      [ $? = 2 ] && break
      n=$((n + 1))
      [ "$n" -ge 3 ] && { echo "notification $1 to $kind failed after 3 attempts" >&2; break; }
      sleep "$n"
    done
  done
  rm -f "$body" "$slack"
}

notify_template() { sed -n "s/^template	$1	$2	$3	//p" "$NOTIFY_FILE" | head -n 1; } # KIND EVENT VARIANT

# The bodies of a <job>/notify without templates (written by an older gangway): webhook JSON and Slack text as
# that gangway sent them. Uses notify's target, host, who, time, body and slack. Drop once such files are gone.
notify_legacy_bodies() {
  record=null
  [ -n "$5" ] && record="\"$(json_str "$5")\""
  reason=null
  [ -n "$3" ] && reason="\"$3\""
  printf '{"version":1,"event":"%s","app":"%s","target":"%s","tag":null,"result":"%s","reason":%s,' \
    "$1" "$(json_str "$APP")" "$(json_str "$target")" "$2" "$reason" > "$body"
  printf '"duration_s":%s,"record_id":%s,"hosts":[{"host":"%s","result":"%s"}],"who":"%s","time":"%s"}\n' \
    "$4" "$record" "$(json_str "$host")" "$2" "$(json_str "$who")" "$time" >> "$body"
  what="backup $NAME $2"
  [ "$1" = backup_failed ] && what="backup $NAME failed"
  headline="$APP $target: $what (scheduled, $host)"
  printf '{"text":"%s%s"}\n' "$(json_str "$(slack_escape "$headline")")" \
    "$([ -n "$3" ] && printf ' — %s' "$(slack_escape "$3")")" > "$slack"
}

# The last record of backups.jsonl: its outcome's reason, JSON-escaped as written, and its file.
last_record_field() { tail -n 1 "$LOG" 2>/dev/null | sed -n "s/.*\"$1\":\"\\(\\([^\"\\\\]\\|\\\\.\\)*\\)\".*/\\1/p"; }
