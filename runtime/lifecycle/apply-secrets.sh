#!/usr/bin/env bash
# Summary: put the secrets the control plane delivered ($CLAW_DATA/secrets/claw.env) to use: the
# agent's environment, the tailnet, the gateway.
# Usage: apply-secrets.sh
#   Idempotent. Checks claw.env is KEY=VALUE lines (reporting bad line numbers, never contents), keeps
#   it at 0600, installs it as the agent's environment ($CLAW_DATA/openclaw/.env, owned by $CLAW_USER,
#   0600), joins Tailscale when TAILSCALE_AUTHKEY is set, and restarts openclaw-gateway when its
#   environment changed or it is not running. Runs as the admin user over SSH; uses sudo for root work.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$here/lib.sh"
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

# A failed tailnet join is reported but does not keep the agent from getting its keys.
tailscale_join "$CLAW_SECRETS_FILE" || warn "tailscale: join failed; continuing without it"

if [ "$changed" = true ] || ! systemctl is-active -q openclaw-gateway; then
  as_root systemctl restart openclaw-gateway || die "openclaw-gateway failed to restart"
  say "gateway: restarted openclaw-gateway"
else
  say "gateway: openclaw-gateway already running with these secrets"
fi
