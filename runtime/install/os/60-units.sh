#!/usr/bin/env bash
# Summary: install step: the systemd units of the payload (claw-boot runs boot.sh on every start;
# openclaw-gateway is started by boot.sh / apply-secrets.sh, so it is installed but not enabled).
# Usage: run by install.sh (root).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
changed=0
for unit in "$here"/units/*.service; do
  dest=/etc/systemd/system/$(basename "$unit")
  if ! cmp -s "$unit" "$dest"; then
    install -m 0644 "$unit" "$dest"
    changed=1
  fi
done
[ "$changed" -eq 0 ] || systemctl daemon-reload
systemctl enable claw-boot.service
echo "units installed (claw-boot enabled)"
