#!/usr/bin/env bash
# Summary: bake step: the desktop's packages (XFCE, LightDM, the dummy X driver, X utilities).
# Usage: run by Packer as root (DEBIAN_FRONTEND=noninteractive).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get upgrade -y -q
apt-get install -y -q --no-install-recommends \
  xfce4 xfce4-terminal dbus-x11 lightdm lightdm-gtk-greeter xserver-xorg-core xserver-xorg-video-dummy \
  x11-utils x11-xserver-utils curl ca-certificates gnupg jq unzip
echo "desktop packages installed"
