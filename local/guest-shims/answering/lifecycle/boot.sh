#!/usr/bin/env bash
# Summary: fleet benchmarks' stand-in for lifecycle/boot.sh: formats the data disk once, mounts it,
# and reports success in $CLAW_STATE/boot-status as boot.sh does, without the rest of its work
# (no seeding, no identity restore, no agent start).
# Usage: boot.sh   (guest contract variables set, the guest shims first on PATH)
set -euo pipefail

if [ -e "$CLAW_DATA_DEVICE" ] && ! mountpoint -q "$CLAW_DATA"; then
  blkid "$CLAW_DATA_DEVICE" >/dev/null 2>&1 || mkfs.ext4 "$CLAW_DATA_DEVICE" >/dev/null
  mkdir -p "$CLAW_DATA"
  mount "$CLAW_DATA_DEVICE" "$CLAW_DATA"
fi

runtime=""
[ ! -f "$CLAW_ROOT/opt/claw/VERSION" ] || runtime=$(tr -d '[:space:]' <"$CLAW_ROOT/opt/claw/VERSION")
mkdir -p "$CLAW_STATE"
printf 'status=ok\nat=%s\nboot=%s\nruntime=%s\nupdate=000\nfs=stand-in\n' \
  "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(cat "$CLAW_BOOT_ID_FILE")" "$runtime" >"$CLAW_STATE/boot-status.tmp"
mv -f "$CLAW_STATE/boot-status.tmp" "$CLAW_STATE/boot-status"
