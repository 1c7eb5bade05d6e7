#!/usr/bin/env bash
# Summary: shared settings and helpers for the lifecycle scripts (sourced, never run directly).
# Usage: source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"; claw_init NAME
#
# Every path comes from a variable with its production default, so bats and the emulator's simulated
# guests run the same scripts in a sandbox root (see the guest contract). Nothing here writes under
# CLAW_OPT: the payload is read-only, and a sandbox may point CLAW_OPT at the repository's runtime/.

CLAW_DATA_DEVICE=${CLAW_DATA_DEVICE:-/dev/disk/azure/scsi1/lun0}
CLAW_DATA=${CLAW_DATA:-/mnt/claw-data}
CLAW_HOME=${CLAW_HOME:-/home/claw}
CLAW_USER=${CLAW_USER:-claw}
CLAW_OPT=${CLAW_OPT:-/opt/claw}
CLAW_ETC=${CLAW_ETC:-/etc}
CLAW_STATE=${CLAW_STATE:-/var/lib/openclawps}
CLAW_DISK_WAIT_SECONDS=${CLAW_DISK_WAIT_SECONDS:-60}
CLAW_GATEWAY_URL=${CLAW_GATEWAY_URL:-http://127.0.0.1:18789/health}
export CLAW_DATA_DEVICE CLAW_DATA CLAW_HOME CLAW_USER CLAW_OPT CLAW_ETC CLAW_STATE \
  CLAW_DISK_WAIT_SECONDS CLAW_GATEWAY_URL

# Where things live on the data disk and in the payload (derived, not configurable on their own).
CLAW_META=$CLAW_DATA/.openclawps
CLAW_SECRETS_FILE=$CLAW_DATA/secrets/claw.env
CLAW_AGENT_ENV=$CLAW_DATA/openclaw/.env
CLAW_DEPLOY_CONF=$CLAW_ETC/openclawps/deploy.conf
export CLAW_META CLAW_SECRETS_FILE CLAW_AGENT_ENV CLAW_DEPLOY_CONF

# The model providers whose key satisfies "at least one model API key" (verify.sh).
export CLAW_MODEL_KEYS="ANTHROPIC_API_KEY OPENAI_API_KEY XAI_API_KEY MOONSHOT_API_KEY DEEPSEEK_API_KEY OPENROUTER_API_KEY GEMINI_API_KEY"

# claw_init NAME: remembers the calling script's name for messages.
claw_init() {
  CLAW_SCRIPT=$1
}

# say MESSAGE: one line of progress on stdout (the lifecycle scripts' result is what they did).
say() {
  printf '%s\n' "$*"
}

# warn MESSAGE: a non-fatal problem, on stderr.
warn() {
  printf '%s: warning: %s\n' "${CLAW_SCRIPT:-claw}" "$*" >&2
}

# die MESSAGE [STATUS]: a fatal problem, on stderr, prefixed with the script's name.
die() {
  printf '%s: %s\n' "${CLAW_SCRIPT:-claw}" "$1" >&2
  exit "${2:-1}"
}

# json_quote VAR TEXT: sets VAR to TEXT as a JSON string literal, in pure bash (no subshell and
# no fork: verify.sh quotes two strings per check).
JSON_DROP=$'\001\002\003\004\005\006\007\010\013\014\016\017\020\021\022\023\024\025\026\027\030\031\032\033\034\035\036\037'
json_quote() {
  local s=${2//[$JSON_DROP]/}
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\t'/\\t}
  s=${s//$'\r'/}
  printf -v "$1" '"%s"' "$s"
}

# json_str TEXT: TEXT as a JSON string literal, on stdout.
json_str() {
  local q
  json_quote q "$1"
  printf '%s' "$q"
}

# boot_id: the kernel's id of the running boot (a new one at every start), or "" when unreadable.
boot_id() {
  cat "${CLAW_BOOT_ID_FILE:-/proc/sys/kernel/random/boot_id}" 2>/dev/null || true
}

# now_utc: the current time as ISO 8601 UTC.
now_utc() {
  date -u +%Y-%m-%dT%H:%M:%SZ
}

# write_file PATH CONTENT [MODE]: writes PATH atomically (temp file + mv), only when CONTENT differs.
# Returns 0 when it wrote, 1 when PATH already held CONTENT.
write_file() {
  local path=$1 content=$2 mode=${3:-0644} tmp
  if [ -f "$path" ] && [ "$(cat "$path")" = "$content" ]; then
    return 1
  fi
  tmp=$(mktemp "$path.XXXXXX")
  printf '%s\n' "$content" >"$tmp"
  chmod "$mode" "$tmp"
  mv -f "$tmp" "$path"
}

# env_get KEY FILE: prints KEY's value from a KEY=VALUE file (last one wins, surrounding quotes
# dropped). The file is parsed, never sourced: it is data delivered from outside.
env_get() {
  [ -r "$2" ] || return 0
  sed -n "s/^[[:space:]]*$1=//p" "$2" | tail -n 1 | sed -e 's/^"\(.*\)"$/\1/' -e "s/^'\(.*\)'\$/\\1/"
}

# deploy_conf KEY: a value cloud-init recorded in $CLAW_ETC/openclawps/deploy.conf (empty if absent).
deploy_conf() {
  env_get "$1" "$CLAW_DEPLOY_CONF"
}

# as_root CMD...: runs CMD as root; scripts the control plane runs as the admin user use sudo.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  else
    sudo -n "$@"
  fi
}

# latest_migration: the highest NNN among $CLAW_OPT/updates/NNN-*.sh, or 000 when there are none.
latest_migration() {
  local f n latest=000
  for f in "$CLAW_OPT"/updates/[0-9][0-9][0-9]-*.sh; do
    [ -e "$f" ] || continue
    n=$(basename "$f")
    n=${n:0:3}
    if ((10#$n > 10#$latest)); then latest=$n; fi
  done
  printf '%s\n' "$latest"
}

# recorded_update_version: the last migration applied to the data disk, or 000.
recorded_update_version() {
  local v=""
  [ ! -f "$CLAW_META/update-version" ] || v=$(tr -d '[:space:]' <"$CLAW_META/update-version")
  if [[ $v =~ ^[0-9]{3}$ ]]; then printf '%s\n' "$v"; else printf '000\n'; fi
}

# runtime_version: the app layer's version from the payload.
runtime_version() {
  if [ -f "$CLAW_OPT/VERSION" ]; then tr -d '[:space:]' <"$CLAW_OPT/VERSION"; fi
}

# image_version: the gallery image version this VM was created from.
image_version() {
  if [ -f "$CLAW_ETC/openclawps/image-version" ]; then
    tr -d '[:space:]' <"$CLAW_ETC/openclawps/image-version"
  fi
}

# tailscale_join KEY_FILE: joins the tailnet with the auth key in KEY_FILE unless already joined.
# The key is handed over as file:PATH so it never shows in the process list.
tailscale_join() {
  local key host
  key=$(env_get TAILSCALE_AUTHKEY "$1")
  if [ -z "$key" ]; then
    say "tailscale: no TAILSCALE_AUTHKEY, not joining"
    return 0
  fi
  if ! command -v tailscale >/dev/null; then
    warn "tailscale: TAILSCALE_AUTHKEY is set but tailscale is not installed"
    return 1
  fi
  if as_root tailscale status >/dev/null 2>&1; then
    say "tailscale: already joined"
    return 0
  fi
  host=${CLAW_NAME:-$(deploy_conf CLAW_NAME)}
  mkdir -p "$CLAW_STATE"
  local keyfile rc=0
  keyfile=$(mktemp "$CLAW_STATE/tailscale-key.XXXXXX")
  chmod 0600 "$keyfile"
  printf '%s' "$key" >"$keyfile"
  as_root tailscale up --auth-key="file:$keyfile" ${host:+--hostname="$host"} || rc=$?
  rm -f "$keyfile"
  if [ "$rc" -ne 0 ]; then
    warn "tailscale: 'tailscale up' failed (exit $rc)"
    return "$rc"
  fi
  say "tailscale: joined${host:+ as $host}"
}
