#!/usr/bin/env bash
# Summary: install the app layer on a claw VM (cloud-init runs it on every deploy): Node.js,
# OpenClaw, Chrome, Claude Code, Tailscale, and the systemd units that run the /opt/claw payload.
# Usage: install.sh
#   Runs as root. Each NN-*.sh step next to this script checks before it acts, so a re-run only
#   installs what is missing or at the wrong version. Versions are pinned in versions.env.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
me=install.sh

[ "$(id -u)" -eq 0 ] || { echo "$me: must run as root" >&2; exit 1; }
# versions.env is data: read it key by key rather than sourcing it.
while IFS='=' read -r key value; do
  case $key in '' | \#*) continue ;; esac
  [[ $key =~ ^[A-Z_][A-Z0-9_]*$ ]] || { echo "$me: bad line in versions.env: $key" >&2; exit 1; }
  export "$key=$value"
done <"$here/versions.env"
export DEBIAN_FRONTEND=noninteractive

for step in "$here"/[0-9][0-9]-*.sh; do
  name=$(basename "$step" .sh)
  echo "install: $name"
  bash "$step" || { echo "$me: step $name failed" >&2; exit 1; }
done
echo "install: app layer in place"
