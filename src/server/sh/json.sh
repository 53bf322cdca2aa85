# shellcheck shell=sh
# The one JSON string escaper of the server scripts, sourced by apply.sh (from the release directory) and
# backup.sh (from its job directory): backslash and quote escaped, newline, tab and CR turned into spaces, other
# control characters dropped. `"$(json_str "$x")"` is a JSON string for any text in $x.
json_str() { printf '%s' "$1" | tr '\n\t\r' '   ' | tr -d '\000-\037' | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g'; }
