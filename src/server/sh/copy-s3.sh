# shellcheck shell=sh
# Off-site copies into an S3 bucket (backups[].copy_to.s3): sourced by backup.sh when vars.sh says COPY=s3, for
# `gangway backup` (credentials on stdin) and for scheduled runs (credentials in <job>/s3-credentials, 0600, written
# by `gangway backup schedule`). rclone (Debian's package; 1.53 or later) does the S3 work: its remote `gwcopy` is
# configured by RCLONE_CONFIG_GWCOPY_* variables in this process's environment alone, so no rclone config file ever
# holds the secret and neither key is an argument of any process; error texts are masked before they are said.
#
#   copy CREDS             every backup file here that the bucket lacks goes up, oldest first (its sha256 checked
#                          against its record first, and stored as the object's x-amz-meta-sha256), and every file
#                          retention pruned here is deleted there; one `op copy` record (`to`, `newest`). Prints
#                          `@@copied F`, `@@removed F` and `@@present F` (every backup file there after the run).
#   copy-list CREDS        `@@present F` for every backup file of this job in the bucket.
#   copy-fetch FILE CREDS  FILE from the bucket into the backup dir (0600, renamed when whole), refused when its
#                          sha256 is not the recorded one.
# CREDS: `-` (two lines on stdin: the access key ID, the secret key) or `file` (<job>/s3-credentials, the same two).
# Failures of copy-list and copy-fetch print `@@error REASON` (no record: they are parts of a listing or a restore).
# Uses backup.sh's JOB, BDIR, LOG, NAME, EXT, say, fail, record, recorded_sha and json_str; vars.sh's COPY_LABEL,
# S3_BUCKET, S3_PREFIX, S3_ENDPOINT, S3_REGION.
# shellcheck disable=SC2012,SC2013 # gangway's own fixed-format names, read a line each ($(cat …), IFS a newline)

S3_REMOTE="gwcopy:$S3_BUCKET${S3_PREFIX:+/$S3_PREFIX}"
S3_CA=
s3_cleanup() { rm -f "$JOB/.s3-list" "$JOB/.s3-have" "$JOB/.s3-here" "$JOB/.s3-kept" "$JOB/.s3-err"; }

s3_setup() { # CREDS: 0 when rclone is there and the remote configured; S3_ERR says why not
  if ! command -v rclone > /dev/null 2>&1; then
    S3_ERR="this server has no rclone (Debian: apt-get install rclone) for copy_to.s3"
    return 1
  fi
  if [ "$1" = - ]; then
    { IFS= read -r s3_id && IFS= read -r s3_secret; } || { S3_ERR="no S3 credentials on stdin"; return 1; }
  elif [ -f "$JOB/s3-credentials" ]; then
    { IFS= read -r s3_id && IFS= read -r s3_secret; } < "$JOB/s3-credentials" \
      || { S3_ERR="$JOB/s3-credentials is incomplete: run gangway backup schedule again"; return 1; }
  else
    S3_ERR="no S3 credentials on this server: run gangway backup schedule with the copy_to.s3 variables set"
    return 1
  fi
  RCLONE_CONFIG_GWCOPY_ACCESS_KEY_ID=$s3_id
  RCLONE_CONFIG_GWCOPY_SECRET_ACCESS_KEY=$s3_secret
  unset s3_id s3_secret
  RCLONE_CONFIG_GWCOPY_TYPE=s3
  RCLONE_CONFIG_GWCOPY_PROVIDER=Other
  [ -n "$S3_ENDPOINT" ] || RCLONE_CONFIG_GWCOPY_PROVIDER=AWS
  RCLONE_CONFIG_GWCOPY_ENDPOINT=$S3_ENDPOINT
  RCLONE_CONFIG_GWCOPY_REGION=$S3_REGION
  RCLONE_CONFIG_GWCOPY_ENV_AUTH=false # these keys, never the server's own AWS settings
  RCLONE_CONFIG_GWCOPY_NO_CHECK_BUCKET=true # the bucket exists: never created (nor its creation tried) here
  export RCLONE_CONFIG_GWCOPY_ACCESS_KEY_ID RCLONE_CONFIG_GWCOPY_SECRET_ACCESS_KEY RCLONE_CONFIG_GWCOPY_TYPE \
    RCLONE_CONFIG_GWCOPY_PROVIDER RCLONE_CONFIG_GWCOPY_ENDPOINT RCLONE_CONFIG_GWCOPY_REGION \
    RCLONE_CONFIG_GWCOPY_ENV_AUTH RCLONE_CONFIG_GWCOPY_NO_CHECK_BUCKET
  # rclone 1.60's S3 client refuses AWS_CA_BUNDLE (an unsupported transport): the bundle goes to --ca-cert.
  if [ -n "${AWS_CA_BUNDLE:-}" ]; then
    S3_CA=$AWS_CA_BUNDLE
    unset AWS_CA_BUNDLE
  fi
}

s3() { # rclone with the remote above and no config file
  rclone --config /dev/null ${S3_CA:+--ca-cert} ${S3_CA:+"$S3_CA"} "$@"
}

# What rclone said last (its date and time cut), with both keys replaced by ***.
s3_said() {
  awk 'NF { line = $0 } END {
      sub(/^[0-9\/]+ [0-9:]+ /, "", line)
      k[1] = ENVIRON["RCLONE_CONFIG_GWCOPY_SECRET_ACCESS_KEY"]; k[2] = ENVIRON["RCLONE_CONFIG_GWCOPY_ACCESS_KEY_ID"]
      for (n = 1; n <= 2; n++) if (length(k[n]) > 0)
        while ((i = index(line, k[n])) > 0) line = substr(line, 1, i - 1) "***" substr(line, i + length(k[n]))
      print line }' "$JOB/.s3-err" 2> /dev/null | cut -c1-300
}

# This job's backup file names among the lines on stdin.
own_names() {
  ext_re=$(printf '%s' "${EXT:-dump}" | sed 's/\./\\./g')
  grep -E "^$NAME-[0-9]{8}-[0-9]{6}\\.$ext_re(\\.age)?\$" || true
}

# The job's backup files in the bucket, one a line, into $JOB/.s3-have.
s3_list() {
  s3 lsf --files-only "$S3_REMOTE" > "$JOB/.s3-list" 2> "$JOB/.s3-err"
  case $? in
    0) ;;
    3) echo "there is no bucket $S3_BUCKET (gangway never creates one)" > "$JOB/.s3-err"; return 1 ;; # not found
    *) return 1 ;;
  esac
  own_names < "$JOB/.s3-list" | sort > "$JOB/.s3-have"
}

s3_error() { # REASON: a listing's or a fetch's failure
  say "FAILED: $1"
  printf '@@error %s\n' "$1"
  exit 1
}

was_pruned() { # FILE
  grep -F '"op":"prune"' "$LOG" 2> /dev/null | grep -qF "\"file\":\"$(json_str "$1")\""
}

do_copy_s3() { # CREDS
  extra=",\"to\":\"$(json_str "$COPY_LABEL")\""
  trap s3_cleanup EXIT
  s3_setup "$1" || fail copy "$S3_ERR" "$extra"
  s3_list || fail copy "cannot list $COPY_LABEL: $(s3_said)" "$extra"
  ls -1 "$BDIR" 2> /dev/null | own_names | sort > "$JOB/.s3-here"
  for f in $(cat "$JOB/.s3-here"); do
    grep -qxF "$f" "$JOB/.s3-have" && continue
    want=$(recorded_sha "$f")
    [ -n "$want" ] || continue # not a backup this job recorded as whole
    have=$(sha256sum "$BDIR/$f" | cut -d ' ' -f 1)
    [ "$have" = "$want" ] || fail copy "$f is corrupted on this server: sha256 $have, recorded $want" "$extra"
    say "copy $f to $COPY_LABEL"
    s3 copyto "$BDIR/$f" "$S3_REMOTE/$f" --header-upload "X-Amz-Meta-Sha256: $want" 2> "$JOB/.s3-err" \
      || fail copy "uploading $f to $COPY_LABEL failed: $(s3_said)" "$extra"
    printf '@@copied %s\n' "$f"
    printf '%s\n' "$f" >> "$JOB/.s3-have"
  done
  : > "$JOB/.s3-kept"
  for f in $(sort "$JOB/.s3-have"); do
    if was_pruned "$f"; then
      s3 deletefile "$S3_REMOTE/$f" 2> "$JOB/.s3-err" || fail copy "deleting $f on $COPY_LABEL failed: $(s3_said)" \
        "$extra"
      say "pruned $f on $COPY_LABEL"
      printf '@@removed %s\n' "$f"
    else
      printf '%s\n' "$f" >> "$JOB/.s3-kept"
      printf '@@present %s\n' "$f"
    fi
  done
  newest=$(sort -r "$JOB/.s3-kept" | head -n 1)
  record copy succeeded "$extra${newest:+,\"newest\":\"$(json_str "$newest")\"}"
}

do_copy_s3_list() { # CREDS
  trap s3_cleanup EXIT
  s3_setup "$1" || s3_error "$S3_ERR"
  s3_list || s3_error "cannot list $COPY_LABEL: $(s3_said)"
  for f in $(cat "$JOB/.s3-have"); do printf '@@present %s\n' "$f"; done
}

do_copy_s3_fetch() { # FILE CREDS
  file=$1
  s3_setup "$2" || s3_error "$S3_ERR"
  (umask 077 && mkdir -p "$BDIR") || s3_error "cannot create $BDIR"
  tmp="$BDIR/.$file.partial"
  trap 'rm -f "$tmp"; s3_cleanup' EXIT
  say "fetch $file from $COPY_LABEL"
  s3 cat "$S3_REMOTE/$file" > "$tmp" 2> "$JOB/.s3-err" \
    || s3_error "fetching $file from $COPY_LABEL failed: $(s3_said)"
  want=$(recorded_sha "$file")
  have=$(sha256sum "$tmp" | cut -d ' ' -f 1)
  [ -z "$want" ] || [ "$have" = "$want" ] || s3_error "$file: sha256 $have on the way, $want recorded"
  mv -f "$tmp" "$BDIR/$file" || s3_error "cannot rename $file"
  say "ok $file from $COPY_LABEL"
}
