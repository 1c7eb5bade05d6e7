#!/usr/bin/env bash
# Summary: migration 003: give the agent a gateway config (loopback, port 18789) when it has none, so
# the gateway does not refuse to start for a missing gateway.mode.
# Usage: run by run-updates.sh with the CLAW_* variables exported; safe to run twice.
set -euo pipefail
: "${CLAW_DATA:?}" "${CLAW_OPT:?}"
config=$CLAW_DATA/openclaw/openclaw.json
if [ -f "$config" ]; then
  echo "003: $config exists, left as is"
  exit 0
fi
mkdir -p "$(dirname "$config")"
tmp=$(mktemp "$config.XXXXXX")
cp "$CLAW_OPT/defaults/openclaw/openclaw.json" "$tmp"
chmod 0644 "$tmp"
mv -f "$tmp" "$config"
echo "003: wrote the default gateway config"
