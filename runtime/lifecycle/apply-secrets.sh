#!/usr/bin/env bash
# Summary: put what the control plane delivered to $CLAW_DATA/secrets to use: claw.env as the agent's
# environment, the access password (vnc-password.txt; SSH, RDP, Sunshine), the agent's settings
# (default model, operator's Telegram id), the tailnet, the gateway.
# Usage: apply-secrets.sh
#   Idempotent. Checks claw.env is KEY=VALUE lines (reporting bad line numbers, never contents), keeps
#   it at 0600, installs it as the agent's environment ($CLAW_DATA/openclaw/.env, owned by $CLAW_USER,
#   0600), installs and sets the access password, writes the agent's settings into openclaw.json,
#   joins Tailscale when TAILSCALE_AUTHKEY is set (and serves the chat UI on the tailnet), and
#   restarts openclaw-gateway only when its environment or configuration changed or it is not
#   running. Runs as the admin user over SSH; uses sudo for root work.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$here/lib.sh"
# shellcheck source-path=SCRIPTDIR source=access.sh
source "$here/access.sh"
claw_init apply-secrets.sh

mountpoint -q "$CLAW_DATA" || die "$CLAW_DATA is not mounted (has boot.sh run?)"
[ -f "$CLAW_SECRETS_FILE" ] || die "no secrets file at $CLAW_SECRETS_FILE"
as_root chmod 0600 "$CLAW_SECRETS_FILE"

bad=$(as_root cat "$CLAW_SECRETS_FILE" |
  grep -nvE '^[[:space:]]*(#.*)?$|^[A-Za-z_][A-Za-z0-9_]*=' | cut -d: -f1 | tr '\n' ' ' || true)
[ -z "$bad" ] || die "$CLAW_SECRETS_FILE: not KEY=VALUE on line(s) ${bad% }"

# The agent's copy is owned by its user: the admin-owned original is not readable by the gateway.
changed=false
if ! as_root cmp -s "$CLAW_SECRETS_FILE" "$CLAW_AGENT_ENV"; then
  as_root mkdir -p "$(dirname "$CLAW_AGENT_ENV")"
  tmp=$(as_root mktemp "$CLAW_AGENT_ENV.XXXXXX")
  as_root chmod 0600 "$tmp"
  as_root cp "$CLAW_SECRETS_FILE" "$tmp"
  as_root chown "$CLAW_USER:$CLAW_USER" "$tmp"
  as_root mv -f "$tmp" "$CLAW_AGENT_ENV"
  changed=true
  say "agent-env: installed $CLAW_AGENT_ENV"
else
  say "agent-env: $CLAW_AGENT_ENV already current"
fi

install_access_password || true
sync_access_password
if apply_agent_settings; then changed=true; fi

# A failed tailnet join is reported but does not keep the agent from getting its keys.
if tailscale_join "$CLAW_SECRETS_FILE"; then
  tailscale_serve_chat
else
  warn "tailscale: join failed; continuing without it"
fi

if [ "$changed" = true ] || ! systemctl is-active -q openclaw-gateway; then
  as_root systemctl restart openclaw-gateway || die "openclaw-gateway failed to restart"
  say "gateway: restarted openclaw-gateway"
else
  say "gateway: openclaw-gateway already running with these secrets and settings"
fi
