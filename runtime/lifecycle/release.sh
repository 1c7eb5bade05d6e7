#!/usr/bin/env bash
# Summary: hand the claw's data disk over: stop the agent and everything else that uses the disk,
# flush, and unmount it, so the control plane can detach it and attach it to another VM.
# Usage: release.sh
#   Idempotent: a disk already unmounted (or never attached) is success. Prints one line of JSON on
#   stdout: {"ok":true,"stopped":[...],"unmounted":true|false,"at":"..."} or, on failure,
#   {"ok":false,"step":"...","error":"..."} (the error also on stderr) and exits non-zero. Records
#   status=released in $CLAW_STATE/boot-status. Runs as root (the control plane runs it with sudo).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$here/lib.sh"
claw_init release.sh

# Units that run the agent or the claw's desktop sessions, whose files live on the disk (the
# claw's home links into it). sshd stays: the control plane is talking through it.
CLAW_RELEASE_UNITS=${CLAW_RELEASE_UNITS:-openclaw-gateway xrdp lightdm}

step=lock
error=""
stopped=()
unmounted=false

fail_json() {
  printf '{"ok":false,"step":%s,"error":%s}\n' "$(json_str "$step")" "$(json_str "$error")"
}

# fail MESSAGE: the error on stderr and as JSON on stdout, then exit 1.
release_fail() {
  error=$1
  printf '%s: %s\n' "$CLAW_SCRIPT" "$error" >&2
  fail_json
  exit 1
}

mkdir -p "$CLAW_STATE"
# The same lock as boot.sh: a release never runs in the middle of a boot, nor a boot mid-release.
exec 9>"$CLAW_STATE/boot.lock"
flock -w 900 9 || release_fail "another boot.sh or release.sh holds $CLAW_STATE/boot.lock"

step=stop-agent
for unit in $CLAW_RELEASE_UNITS; do
  systemctl is-active -q "$unit" || continue
  systemctl stop "$unit" || release_fail "cannot stop $unit"
  stopped+=("$unit")
done

step=unmount
if mountpoint -q "$CLAW_DATA"; then
  sync
  if ! out=$(umount "$CLAW_DATA" 2>&1); then
    release_fail "cannot unmount $CLAW_DATA: ${out:-umount failed}; something still uses it (fuser -vm $CLAW_DATA shows what)"
  fi
  unmounted=true
fi

step=record
write_file "$CLAW_STATE/boot-status" "status=released
at=$(now_utc)
runtime=$(runtime_version)" || true

list=""
for unit in "${stopped[@]}"; do list+="${list:+,}$(json_str "$unit")"; done
printf '{"ok":true,"stopped":[%s],"unmounted":%s,"at":%s}\n' "$list" "$unmounted" "$(json_str "$(now_utc)")"
