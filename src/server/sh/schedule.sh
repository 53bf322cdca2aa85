#!/bin/sh
# `gangway backup schedule` on the server: install (or replace, or remove) one scheduled backup, the first way this
# server has: /etc/cron.d (as root), the user's crontab, else a systemd timer (system units as root, user units
# otherwise). Every other way's entry of the same name is removed, so re-running never leaves two schedules.
#
#   schedule.sh SCHEDULE CRON_COMMAND MARKER ON_CALENDAR SH_COMMAND CALENDAR_ERROR [LEGACY_MARKER]
#   schedule.sh --prune PREFIX KEEP_MARKER…
# SCHEDULE: the cron expression ('' removes the entry); CRON_COMMAND: the command with % escaped for cron;
# ON_CALENDAR: SCHEDULE as systemd's OnCalendar (CALENDAR_ERROR says why there is none); SH_COMMAND: the command
# escaped for a unit file's ExecStart="…". Prints where the schedule went. MARKER is matched exactly (a file name, a
# crontab line's last word). LEGACY_MARKER (the name before gangway-<app>_<name>) is removed where it runs this very
# command. --prune removes every schedule named PREFIX<letter or digit>… that is not a KEEP_MARKER (backups no longer
# in gangway.yml) and prints each marker removed.
# CRON_D and SYSTEMD_RUN are /etc/cron.d and /run/systemd/system unless set (the tests point them elsewhere).
set -u
mode=install
if [ "${1:-}" = --prune ]; then
  mode=prune prefix=$2
  shift 2
else
  schedule=$1 cron_command=$2 marker=$3 on_calendar=$4 sh_command=$5 calendar_error=$6 legacy=${7:-}
fi
cron_d=${CRON_D:-/etc/cron.d}
systemd_run=${SYSTEMD_RUN:-/run/systemd/system}
root=no
[ "$(id -u)" = 0 ] && root=yes

if [ $root = yes ]; then
  unit_dir=${UNIT_DIR:-/etc/systemd/system}
  systemctl_as() { systemctl "$@"; }
else
  unit_dir=${UNIT_DIR:-${XDG_CONFIG_HOME:-$HOME/.config}/systemd/user}
  systemctl_as() { systemctl --user "$@"; }
fi

has_cron_d() { [ $root = yes ] && [ -d "$cron_d" ] && [ -w "$cron_d" ]; }
has_crontab() { command -v crontab >/dev/null 2>&1; }
has_systemd() { [ -d "$systemd_run" ] && command -v systemctl >/dev/null 2>&1; }

# Each takes the marker (default: this run's) and removes exactly that entry: a crontab line whose last two words
# are `# MARKER`, not every line that merely contains it (gangway-shop_db is a prefix of gangway-shop_db-archive).
remove_cron_d() { has_cron_d && rm -f "$cron_d/${1:-$marker}"; }
# The crontab without the lines marked M (and, with CMD, only those that also hold CMD).
crontab_without() { # M [CMD]
  crontab -l 2>/dev/null | awk -v m="$1" -v cmd="${2:-}" \
    '!(NF >= 2 && $NF == m && $(NF - 1) == "#" && (cmd == "" || index($0, cmd) > 0))'
}
crontab_has() { # M [CMD]
  crontab -l 2>/dev/null | awk -v m="$1" -v cmd="${2:-}" \
    'NF >= 2 && $NF == m && $(NF - 1) == "#" && (cmd == "" || index($0, cmd) > 0) { found = 1 } END { exit !found }'
}
remove_crontab() { # [M [CMD]]
  has_crontab || return 0
  crontab_has "${1:-$marker}" "${2:-}" || return 0
  crontab_without "${1:-$marker}" "${2:-}" | crontab -
}
remove_timer() { # [M]
  m=${1:-$marker}
  [ -f "$unit_dir/$m.timer" ] || return 0
  has_systemd && systemctl_as disable --now "$m.timer" >/dev/null 2>&1
  rm -f "$unit_dir/$m.timer" "$unit_dir/$m.service"
  has_systemd && systemctl_as daemon-reload
}
# The schedule this job had under its old name, wherever it runs this job's command (another app's entry of the same
# old name runs another command and stays).
remove_legacy() {
  [ -n "$legacy" ] && [ "$legacy" != "$marker" ] || return 0
  if has_cron_d && [ -f "$cron_d/$legacy" ] && grep -qF -- "$cron_command" "$cron_d/$legacy"; then
    rm -f "$cron_d/$legacy"
  fi
  remove_crontab "$legacy" "$cron_command"
  if [ -f "$unit_dir/$legacy.service" ] && grep -qF -- "$sh_command" "$unit_dir/$legacy.service"; then
    remove_timer "$legacy"
  fi
}

# Every marker of PREFIX<letter or digit>… this server has, one a line.
markers_of() { # PREFIX
  if has_cron_d; then
    for f in "$cron_d/$1"*; do
      [ -f "$f" ] && printf '%s\n' "${f#"$cron_d/"}"
    done
  fi
  has_crontab && crontab -l 2>/dev/null | awk 'NF >= 2 && $(NF - 1) == "#" { print $NF }'
  for f in "$unit_dir/$1"*.timer; do
    [ -f "$f" ] && basename "$f" .timer
  done
}
prune() { # KEEP_MARKER…
  markers_of "$prefix" | sort -u | while read -r m; do
    case $m in "$prefix"[a-z0-9]*) ;; *) continue ;; esac
    for k in "$@"; do [ "$m" = "$k" ] && continue 2; done
    remove_cron_d "$m"
    remove_crontab "$m"
    remove_timer "$m"
    printf '%s\n' "$m"
  done
}

install_timer() {
  if [ -z "$on_calendar" ]; then
    echo "no cron on this server, and its systemd timer cannot follow this schedule: $calendar_error" >&2
    exit 1
  fi
  mkdir -p "$unit_dir" || exit 1
  {
    printf '# %s: written by gangway backup schedule; replaced when it runs again\n' "$marker"
    printf '[Unit]\nDescription=gangway scheduled backup (%s)\n\n' "$marker"
    printf '[Service]\nType=oneshot\nUMask=0077\nExecStart=/bin/sh -c "%s"\n' "$sh_command"
  } > "$unit_dir/$marker.service.tmp" || exit 1
  {
    printf '# %s: written by gangway backup schedule; replaced when it runs again\n' "$marker"
    printf '[Unit]\nDescription=gangway scheduled backup (%s)\n\n' "$marker"
    # Persistent: a run missed while the server was off happens at the next boot.
    printf '[Timer]\nOnCalendar=%s\nPersistent=true\n\n[Install]\nWantedBy=timers.target\n' "$on_calendar"
  } > "$unit_dir/$marker.timer.tmp" || exit 1
  mv -f "$unit_dir/$marker.service.tmp" "$unit_dir/$marker.service" &&
    mv -f "$unit_dir/$marker.timer.tmp" "$unit_dir/$marker.timer" || exit 1
  if ! { systemctl_as daemon-reload && systemctl_as enable --now "$marker.timer" >/dev/null 2>&1; }; then
    echo "systemctl could not enable $marker.timer" >&2
    exit 1
  fi
  where="systemd timer $unit_dir/$marker.timer ($on_calendar)"
  if [ $root = no ] && ! loginctl show-user "$(id -un)" -p Linger 2>/dev/null | grep -q '=yes'; then
    where="$where; a user timer stops when $(id -un) logs out: as root, loginctl enable-linger $(id -un)"
  fi
  echo "$where"
}

if [ $mode = prune ]; then
  prune "$@"
  exit 0
fi
remove_legacy
if [ -z "$schedule" ]; then
  remove_cron_d
  remove_crontab
  remove_timer
  echo "removed"
elif has_cron_d; then
  remove_crontab
  remove_timer
  f=$cron_d/$marker
  printf '# %s: written by gangway backup schedule; replaced when it runs again\n%s %s %s\n' \
    "$marker" "$schedule" "$(id -un)" "$cron_command" > "$f.tmp" && chmod 644 "$f.tmp" && mv -f "$f.tmp" "$f" || exit 1
  echo "$f"
elif has_crontab; then
  remove_timer
  { crontab_without "$marker"
    printf '%s %s # %s\n' "$schedule" "$cron_command" "$marker"; } | crontab - || exit 1
  echo "crontab of $(id -un)"
elif has_systemd; then
  install_timer
else
  echo "no cron and no systemd on this server: neither /etc/cron.d (as root), crontab nor systemctl" >&2
  exit 1
fi
