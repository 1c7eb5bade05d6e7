#!/usr/bin/env bash
# Summary: bake step: Sunshine (Moonlight streaming of display :0), from a pinned release .deb whose
# SHA-256 must match.
# Usage: run by Packer as root with SUNSHINE_VERSION, SUNSHINE_SHA256 and CLAW_USER set.
set -euo pipefail
: "${SUNSHINE_VERSION:?}" "${SUNSHINE_SHA256:?set to the SHA-256 of the release .deb (packer var sunshine_sha256)}"
export DEBIAN_FRONTEND=noninteractive
user=${CLAW_USER:-claw}
version_id=$(. /etc/os-release && echo "$VERSION_ID")
deb=$(mktemp --suffix=.deb)
curl -fsSL -o "$deb" \
  "https://github.com/LizardByte/Sunshine/releases/download/v$SUNSHINE_VERSION/sunshine-ubuntu-$version_id-amd64.deb"
echo "$SUNSHINE_SHA256  $deb" | sha256sum -c --quiet -
apt-get install -y -q "$deb"
rm -f "$deb"
cat >/etc/systemd/system/sunshine.service <<UNIT
[Unit]
Description=Sunshine streaming of the agent's display :0
After=lightdm.service

[Service]
User=$user
Environment=DISPLAY=:0 XAUTHORITY=/home/$user/.Xauthority
ExecStart=/usr/bin/sunshine
Restart=on-failure
RestartSec=5
UNIT
systemctl daemon-reload
echo "sunshine $SUNSHINE_VERSION installed (started by boot.sh)"
