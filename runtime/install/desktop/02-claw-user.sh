#!/usr/bin/env bash
# Summary: bake step: the agent's user (autologin on :0, passwordless sudo: the claw's containment
# is at the network boundary, not inside the guest).
# Usage: run by Packer as root with CLAW_USER set (default claw).
set -euo pipefail
user=${CLAW_USER:-claw}
if ! id "$user" >/dev/null 2>&1; then
  useradd --create-home --shell /bin/bash --user-group "$user"
fi
for group in video render input audio; do
  if getent group "$group" >/dev/null; then usermod -aG "$group" "$user"; fi
done
tmp=$(mktemp)
printf '%s ALL=(ALL) NOPASSWD:ALL\n' "$user" >"$tmp"
visudo -cf "$tmp" >/dev/null
install -m 0440 "$tmp" "/etc/sudoers.d/90-$user"
rm -f "$tmp"
echo "user $user ready"
