#!/usr/bin/env bash
# Summary: migration 002: disks from the original tool kept the secrets in openclaw/.env (written by
# cloud-init); the control plane now delivers secrets/claw.env. Carry the old file over once.
# Usage: run by run-updates.sh with the CLAW_* variables exported; safe to run twice.
set -euo pipefail
: "${CLAW_DATA:?}"
old=$CLAW_DATA/openclaw/.env
new=$CLAW_DATA/secrets/claw.env
if [ -f "$new" ] || [ ! -f "$old" ]; then
  echo "002: nothing to carry over"
  exit 0
fi
mkdir -p "$CLAW_DATA/secrets"
chmod 0700 "$CLAW_DATA/secrets"
tmp=$(mktemp "$new.XXXXXX")
chmod 0600 "$tmp"
cp "$old" "$tmp"
mv -f "$tmp" "$new"
echo "002: carried openclaw/.env over to secrets/claw.env"
