# shellcheck shell=sh
# The one JSON string escaper of the server scripts, sourced by apply.sh (from the release directory) and
# backup.sh (from its job directory): backslash and quote escaped, newline, tab and CR turned into spaces, other
# control characters dropped. `"$(json_str "$x")"` is a JSON string for any text in $x.
json_str() { printf '%s' "$1" | tr '\n\t\r' '   ' | tr -d '\000-\037' | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g'; }

# json_fill TEMPLATE NAME VALUE [NAME VALUE]…: a JSON template rendered by gangway's TypeScript
# (src/server/json-template.ts) with each slot NAME (the name between two 0x1f bytes) replaced by its VALUE:
# json_str'd where the template quotes the slot (a string), as it is elsewhere (a number, or `,"k":v…` fields).
# The template alone decides the fields and their order; this only puts values in.
json_fill() {
  jf_t=$1
  shift
  while [ $# -ge 2 ]; do
    jf_s=$(printf '\037%s\037' "$1")
    jf_v=$2
    case $jf_t in *"\"$jf_s\""*) jf_v=$(json_str "$2") ;; esac
    jf_o=
    while :; do
      case $jf_t in
        *"$jf_s"*)
          jf_o=$jf_o${jf_t%%"$jf_s"*}$jf_v
          jf_t=${jf_t#*"$jf_s"}
          ;;
        *) break ;;
      esac
    done
    jf_t=$jf_o$jf_t
    shift 2
  done
  printf '%s' "$jf_t"
}
