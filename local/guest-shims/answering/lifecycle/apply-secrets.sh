#!/usr/bin/env bash
# Summary: fleet benchmarks' stand-in for lifecycle/apply-secrets.sh: checks that the delivered
# secrets file is on the mounted data disk and applies nothing.
# Usage: apply-secrets.sh
set -euo pipefail

{ [ -L "$CLAW_DATA" ] && [ -d "$CLAW_DATA/" ]; } || { echo "apply-secrets.sh: $CLAW_DATA is not mounted" >&2; exit 1; }
[ -f "$CLAW_DATA/secrets/claw.env" ] || { echo "apply-secrets.sh: no secrets file" >&2; exit 1; }
echo "apply-secrets: stand-in, nothing applied"
