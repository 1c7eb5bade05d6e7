#!/usr/bin/env bash
# Summary: bake step: LightDM autologin of the agent's user into XFCE on :0, on a dummy X display
# (a GPU image replaces the dummy driver), and no screen blanking.
# Usage: run by Packer as root with CLAW_USER set (default claw).
set -euo pipefail
user=${CLAW_USER:-claw}
install -d -m 0755 /etc/lightdm/lightdm.conf.d /etc/X11/xorg.conf.d
cat >/etc/lightdm/lightdm.conf.d/50-claw-autologin.conf <<CONF
[Seat:*]
autologin-user=$user
autologin-user-timeout=0
autologin-session=xfce
user-session=xfce
xserver-command=X -s 0 -dpms
CONF
cat >/etc/X11/xorg.conf.d/10-dummy.conf <<'CONF'
Section "Device"
  Identifier "dummy"
  Driver "dummy"
  VideoRam 256000
EndSection
Section "Monitor"
  Identifier "monitor"
  HorizSync 5.0-1000.0
  VertRefresh 5.0-200.0
  Modeline "1920x1080" 148.50 1920 2448 2492 2640 1080 1084 1089 1125 +hsync +vsync
EndSection
Section "Screen"
  Identifier "screen"
  Device "dummy"
  Monitor "monitor"
  DefaultDepth 24
  SubSection "Display"
    Depth 24
    Modes "1920x1080"
  EndSubSection
EndSection
CONF
# boot.sh starts the display manager once the data disk is in place.
systemctl disable lightdm.service >/dev/null 2>&1 || true
systemctl set-default multi-user.target
echo "autologin of $user on :0 configured"
