#!/usr/bin/env bash
# Summary: install step: Tailscale from its signed apt repository (joining happens in boot.sh /
# apply-secrets.sh, only when the claw's secrets carry TAILSCALE_AUTHKEY). tailscaled is left
# disabled: boot.sh points its state at the data disk and starts it once the disk is mounted, so the
# claw keeps its tailnet identity on every VM.
# Usage: run by install.sh (root).
set -euo pipefail
if command -v tailscale >/dev/null; then
  systemctl disable tailscaled >/dev/null 2>&1 || true
  echo "tailscale $(tailscale version | head -n 1) already installed (tailscaled started by boot.sh)"
  exit 0
fi
codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
curl -fsSL "https://pkgs.tailscale.com/stable/ubuntu/$codename.noarmor.gpg" \
  -o /usr/share/keyrings/tailscale-archive-keyring.gpg
curl -fsSL "https://pkgs.tailscale.com/stable/ubuntu/$codename.tailscale-keyring.list" \
  -o /etc/apt/sources.list.d/tailscale.list
apt-get update -q
apt-get install -y -q tailscale
systemctl disable --now tailscaled
echo "tailscale installed (tailscaled started by boot.sh)"
