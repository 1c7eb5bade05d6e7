#!/usr/bin/env bash
# Summary: install step: Claude Code, pinned to $CLAUDE_CODE_VERSION (npm, global).
# Usage: run by install.sh (root, CLAUDE_CODE_VERSION exported).
set -euo pipefail
: "${CLAUDE_CODE_VERSION:?}"
if command -v claude >/dev/null && [[ $(claude --version 2>/dev/null) == *"$CLAUDE_CODE_VERSION"* ]]; then
  echo "claude code $CLAUDE_CODE_VERSION already installed"
  exit 0
fi
npm install --global --no-fund --no-audit "@anthropic-ai/claude-code@$CLAUDE_CODE_VERSION"
echo "claude code $CLAUDE_CODE_VERSION installed"
