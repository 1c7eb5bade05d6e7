#!/usr/bin/env bash
# Summary: install step: the OpenClaw CLI and gateway, pinned to $OPENCLAW_VERSION (npm, global).
# Usage: run by install.sh (root, OPENCLAW_VERSION exported).
set -euo pipefail
: "${OPENCLAW_VERSION:?}"
if command -v openclaw >/dev/null && [[ $(openclaw --version 2>/dev/null) == *"$OPENCLAW_VERSION"* ]]; then
  echo "openclaw $OPENCLAW_VERSION already installed"
  exit 0
fi
npm install --global --no-fund --no-audit "openclaw@$OPENCLAW_VERSION"
echo "openclaw $OPENCLAW_VERSION installed"
