#!/usr/bin/env bash
# Summary: how an operator reaches a claw, kept on its data disk (sourced by boot.sh and
# apply-secrets.sh after lib.sh, never run directly): the access password (vnc-password.txt, the
# original tool's name; one password for SSH, RDP and the Sunshine admin UI), the agent's settings
# (default model, operator's Telegram id), Tailscale's state (the claw keeps its tailnet identity on
# a new VM) and Tailscale Serve in front of the chat UI (port 18789 stays bound to loopback).
# Usage: source "$here/access.sh"

CLAW_PASSWORD_FILE=$CLAW_DATA/vnc-password.txt
CLAW_DELIVERED_PASSWORD=$CLAW_DATA/secrets/access-password
CLAW_SETTINGS_FILE=$CLAW_DATA/secrets/claw-settings.env
CLAW_AGENT_CONFIG=$CLAW_DATA/openclaw/openclaw.json
CLAW_TAILSCALE_DIR=$CLAW_DATA/tailscale
CLAW_CHAT_UI=${CLAW_CHAT_UI:-http://127.0.0.1:18789}

# install_access_password: puts the password the control plane delivered in place as
# $CLAW_DATA/vnc-password.txt (root, 0600). Returns 0 when it changed, 1 when it was current.
install_access_password() {
  as_root test -f "$CLAW_DELIVERED_PASSWORD" || return 1
  if as_root cmp -s "$CLAW_DELIVERED_PASSWORD" "$CLAW_PASSWORD_FILE"; then return 1; fi
  local tmp
  tmp=$(as_root mktemp "$CLAW_PASSWORD_FILE.XXXXXX")
  as_root chmod 0600 "$tmp"
  as_root cp "$CLAW_DELIVERED_PASSWORD" "$tmp"
  as_root mv -f "$tmp" "$CLAW_PASSWORD_FILE"
  say "access-password: installed a new $CLAW_PASSWORD_FILE"
}

# sync_access_password: sets the password in vnc-password.txt for the admin and agent users (SSH,
# RDP) and Sunshine's admin UI, unless this VM already has exactly it. The password travels on
# stdin only (chpasswd), never in the process list, and is never printed.
sync_access_password() {
  if ! as_root test -f "$CLAW_PASSWORD_FILE"; then
    say "access-password: no $CLAW_PASSWORD_FILE yet (the control plane delivers it)"
    return 0
  fi
  as_root chmod 0600 "$CLAW_PASSWORD_FILE"
  local pw sum applied=$CLAW_STATE/access-password.sha256 admin
  pw=$(as_root head -n 1 "$CLAW_PASSWORD_FILE")
  [ -n "$pw" ] || die "access-password: $CLAW_PASSWORD_FILE is empty"
  sum=$(printf '%s' "$pw" | sha256sum | cut -d' ' -f1)
  if as_root test -f "$applied" && [ "$(as_root cat "$applied")" = "$sum" ]; then
    say "access-password: in place"
    return 0
  fi
  admin=${CLAW_ADMIN_USER:-$(deploy_conf CLAW_ADMIN_USER)}
  local users=("$CLAW_USER") u
  [ -z "$admin" ] || users+=("$admin")
  for u in "${users[@]}"; do
    printf '%s:%s\n' "$u" "$pw" | as_root chpasswd || die "access-password: chpasswd failed for $u"
  done
  if command -v sunshine >/dev/null; then
    # Sunshine takes its admin credentials only as arguments; the agent's user owns its config.
    as_root sudo -n -u "$CLAW_USER" -H sunshine --creds "$CLAW_USER" "$pw" >/dev/null 2>&1 ||
      warn "access-password: setting Sunshine's admin password failed"
  fi
  as_root mkdir -p "$CLAW_STATE"
  printf '%s\n' "$sum" | as_root tee "$applied" >/dev/null
  as_root chmod 0600 "$applied"
  say "access-password: set for ${users[*]}$(command -v sunshine >/dev/null && echo ' and Sunshine')"
}

# apply_agent_settings: writes the default model and the operator's Telegram id from
# claw-settings.env into the agent's configuration. Returns 0 when the configuration changed.
apply_agent_settings() {
  if ! as_root test -f "$CLAW_SETTINGS_FILE"; then
    say "agent-settings: none delivered yet"
    return 1
  fi
  # Starting node costs a second on a busy VM: skip it when neither file changed since the last run.
  local out rc=0 seen=$CLAW_STATE/agent-settings.sha256 sum
  sum=$(as_root cat "$CLAW_SETTINGS_FILE" "$CLAW_AGENT_CONFIG" 2>/dev/null | sha256sum | cut -d' ' -f1)
  if as_root test -f "$seen" && [ "$(as_root cat "$seen")" = "$sum" ]; then
    say "agent-settings: $CLAW_AGENT_CONFIG already current"
    return 1
  fi
  out=$(as_root node "$CLAW_OPT/lifecycle/agent-settings.js" "$CLAW_AGENT_CONFIG" "$CLAW_SETTINGS_FILE") || rc=$?
  if [ "$rc" -ne 0 ]; then
    warn "agent-settings: not applied (exit $rc)"
    return 1
  fi
  sum=$(as_root cat "$CLAW_SETTINGS_FILE" "$CLAW_AGENT_CONFIG" 2>/dev/null | sha256sum | cut -d' ' -f1)
  as_root mkdir -p "$CLAW_STATE"
  printf '%s\n' "$sum" | as_root tee "$seen" >/dev/null
  if [ "$out" = changed ]; then
    say "agent-settings: model and operator written to $CLAW_AGENT_CONFIG"
    return 0
  fi
  say "agent-settings: $CLAW_AGENT_CONFIG already current"
  return 1
}

# tailscale_state_on_disk: points tailscaled's state at the data disk ($CLAW_DATA/tailscale), so a
# claw keeps its node key and tailnet name when its VM is replaced, then (re)starts tailscaled. The
# install layer leaves tailscaled disabled: started before the disk is mounted, it would make a
# fresh identity on the OS disk.
tailscale_state_on_disk() {
  if ! command -v tailscale >/dev/null; then
    say "tailscale-state: tailscale not installed"
    return 0
  fi
  mkdir -p "$CLAW_TAILSCALE_DIR"
  chmod 0700 "$CLAW_TAILSCALE_DIR"
  local defaults=$CLAW_ETC/default/tailscaled
  local flags="FLAGS=\"--state=$CLAW_TAILSCALE_DIR/tailscaled.state --statedir=$CLAW_TAILSCALE_DIR\""
  mkdir -p "$(dirname "$defaults")"
  local port="PORT=\"41641\""
  if [ -f "$defaults" ] && grep -q '^PORT=' "$defaults"; then port=$(grep '^PORT=' "$defaults" | tail -n 1); fi
  if write_file "$defaults" "# Written by boot.sh: Tailscale's state lives on the claw's data disk.
$port
$flags"; then
    systemctl restart tailscaled
    say "tailscale-state: state on $CLAW_TAILSCALE_DIR, tailscaled restarted"
  elif ! systemctl is-active -q tailscaled; then
    systemctl start tailscaled
    say "tailscale-state: state on $CLAW_TAILSCALE_DIR, tailscaled started"
  else
    say "tailscale-state: in place"
  fi
}

# tailscale_serve_chat: once on the tailnet, serves the chat UI (loopback :18789) over HTTPS to the
# tailnet with Tailscale Serve. The setting lives in tailscaled's state, so on the data disk too.
tailscale_serve_chat() {
  command -v tailscale >/dev/null || return 0
  if ! as_root tailscale status >/dev/null 2>&1; then
    say "tailscale-serve: not on a tailnet, chat UI not served"
    return 0
  fi
  if as_root tailscale serve status --json 2>/dev/null | grep -qF "$CLAW_CHAT_UI"; then
    say "tailscale-serve: chat UI served on the tailnet"
    return 0
  fi
  if as_root tailscale serve --bg --https=443 "$CLAW_CHAT_UI" >/dev/null; then
    say "tailscale-serve: serving $CLAW_CHAT_UI on the tailnet (HTTPS)"
  else
    warn "tailscale-serve: 'tailscale serve' failed (is HTTPS enabled for the tailnet?)"
  fi
}
