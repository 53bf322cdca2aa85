# shellcheck shell=sh
# The one JSON string escaper of the server scripts, sourced by apply.sh (from the release directory) and
# backup.sh (from its job directory): backslash and quote escaped, newline, tab and CR turned into spaces, other
# control characters dropped. `"$(json_str "$x")"` is a JSON string for any text in $x.
json_str() { printf '%s' "$1" | tr '\n\t\r' '   ' | tr -d '\000-\037' | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g'; }

# json_fill TEMPLATE NAME VALUE [NAME VALUE]…: a JSON template rendered by gangway's TypeScript
# (src/shell/json-template.ts) with its slots NAME filled: a string slot (NAME between two 0x1f bytes) with
# VALUE json_str'd, a raw one (between two 0x1e bytes) with VALUE as it is. The template alone decides the fields
# and their order; this only puts values in.
JSON_US=$(printf '\037')
JSON_RS=$(printf '\036')
json_fill() {
  jf_t=$1
  shift
  while [ $# -ge 2 ]; do
    jf_s=$JSON_US$1$JSON_US
    jf_r=$JSON_RS$1$JSON_RS
    case $jf_t in *"$jf_s"*) jf_t=$(json_put "$jf_t" "$jf_s" "$(json_str "$2")") ;; esac
    case $jf_t in *"$jf_r"*) jf_t=$(json_put "$jf_t" "$jf_r" "$2") ;; esac
    shift 2
  done
  printf '%s' "$jf_t"
}

json_put() { # TEXT SLOT VALUE: TEXT with every SLOT replaced by VALUE (no pattern, no re-scan of what is put in)
  jp_t=$1
  jp_o=
  while :; do
    case $jp_t in
      *"$2"*)
        jp_o=$jp_o${jp_t%%"$2"*}$3
        jp_t=${jp_t#*"$2"}
        ;;
      *) break ;;
    esac
  done
  printf '%s' "$jp_o$jp_t"
}
