#!/usr/bin/env bash
# Summary: bake step: xrdp (a separate XFCE session per RDP connection, port 3389).
# Usage: run by Packer as root with CLAW_USER set (default claw).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
user=${CLAW_USER:-claw}
apt-get install -y -q xrdp
adduser xrdp ssl-cert >/dev/null
echo xfce4-session >/etc/skel/.xsession
install -m 0644 -o "$user" -g "$user" /etc/skel/.xsession "/home/$user/.xsession"
systemctl disable xrdp.service >/dev/null 2>&1 || true
echo "xrdp installed"
