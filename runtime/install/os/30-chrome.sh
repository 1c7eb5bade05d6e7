#!/usr/bin/env bash
# Summary: install step: Google Chrome (stable) from Google's signed apt repository, for the agent's
# browser on display :0.
# Usage: run by install.sh (root).
set -euo pipefail
if command -v google-chrome-stable >/dev/null; then
  echo "$(google-chrome-stable --version) already installed"
  exit 0
fi
install -d -m 0755 /etc/apt/keyrings
curl -fsSL https://dl.google.com/linux/linux_signing_key.pub |
  gpg --batch --yes --dearmor -o /etc/apt/keyrings/google-chrome.gpg
echo "deb [arch=amd64 signed-by=/etc/apt/keyrings/google-chrome.gpg] https://dl.google.com/linux/chrome/deb/ stable main" \
  >/etc/apt/sources.list.d/google-chrome.list
apt-get update -q
apt-get install -y -q google-chrome-stable
echo "$(google-chrome-stable --version) installed"
