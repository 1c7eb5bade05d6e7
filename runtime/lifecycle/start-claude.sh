#!/usr/bin/env bash
# Summary: start Claude Code as the agent's user in the agent's workspace, with the claw's Anthropic
# key from the agent's environment (the original tool's start-claude.sh).
# Usage: start-claude.sh [CLAUDE_ARGS...]
#   Run over SSH or in a terminal on the desktop (as the admin user or the agent's user). Arguments
#   go to `claude` unchanged. Exits 1 when Claude Code is not installed or the disk is not mounted.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$here/lib.sh"
claw_init start-claude.sh

mountpoint -q "$CLAW_DATA" || die "$CLAW_DATA is not mounted (has boot.sh run?)"
command -v claude >/dev/null || die "Claude Code is not installed (the install layer's 40-claude-code.sh installs it)"
workspace=$CLAW_HOME/workspace
[ -d "$workspace" ] || die "no workspace at $workspace"

# The key goes through the environment (never the command line); the file is parsed, not sourced.
key=$(as_root cat "$CLAW_AGENT_ENV" 2>/dev/null | sed -n 's/^ANTHROPIC_API_KEY=//p' | tail -n 1 || true)
[ -n "$key" ] || warn "no ANTHROPIC_API_KEY in the agent's environment; Claude Code will ask you to log in"
export ANTHROPIC_API_KEY=$key
cd "$workspace"
if [ "$(id -un)" = "$CLAW_USER" ]; then
  exec claude "$@"
fi
exec sudo -n --preserve-env=ANTHROPIC_API_KEY -u "$CLAW_USER" -H -- claude "$@"
