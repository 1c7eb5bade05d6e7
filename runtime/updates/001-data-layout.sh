#!/usr/bin/env bash
# Summary: migration 001: the data disk's directories (agent state, workspace, memory, secrets).
# Usage: run by run-updates.sh with the CLAW_* variables exported; safe to run twice.
set -euo pipefail
: "${CLAW_DATA:?}"
mkdir -p "$CLAW_DATA/openclaw" "$CLAW_DATA/workspace/memory" "$CLAW_DATA/secrets"
chmod 0700 "$CLAW_DATA/secrets"
echo "001: data disk directories in place"
