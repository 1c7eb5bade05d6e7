#!/usr/bin/env bash
# Summary: install step: Node.js $NODE_MAJOR from NodeSource's signed apt repository.
# Usage: run by install.sh (root, NODE_MAJOR exported).
set -euo pipefail
: "${NODE_MAJOR:?}"
if command -v node >/dev/null && [[ $(node --version) == v$NODE_MAJOR.* ]]; then
  echo "node $(node --version) already installed"
  exit 0
fi
install -d -m 0755 /etc/apt/keyrings
curl -fsSL https://deb.nodesource.com/gpgkey/nodesource-repo.gpg.key |
  gpg --batch --yes --dearmor -o /etc/apt/keyrings/nodesource.gpg
echo "deb [signed-by=/etc/apt/keyrings/nodesource.gpg] https://deb.nodesource.com/node_$NODE_MAJOR.x nodistro main" \
  >/etc/apt/sources.list.d/nodesource.list
apt-get update -q
apt-get install -y -q nodejs
echo "node $(node --version) installed"
