#!/usr/bin/env bash
# Summary: health checks of a claw, as JSON on stdout for the control plane.
# Usage: verify.sh
#   Prints {"ok":bool,"checks":[{"name","ok","detail","optional"?}],"imageVersion","runtimeVersion",
#   "updateVersion"} on one line (versions are "" when unknown) and exits 0 only when every required
#   check passes (1 otherwise). Runs as the admin user over SSH; privileged probes go through sudo.
#   Details name keys, never their values.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$here/lib.sh"
claw_init verify.sh

checks=()
all_ok=true

# check NAME required|optional OK(true|false) DETAIL: records one check.
check() {
  local entry name detail
  json_quote name "$1"
  json_quote detail "$4"
  entry="{\"name\":$name,\"ok\":$3,\"detail\":$detail"
  if [ "$2" = optional ]; then
    entry+=",\"optional\":true"
  elif [ "$3" != true ]; then
    all_ok=false
  fi
  checks+=("$entry}")
}

# as_claw CMD...: runs CMD as the agent's user (the gateway's CLI reads that user's config).
as_claw() {
  sudo -n -u "$CLAW_USER" -H -- "$@"
}

# --- the data disk -----------------------------------------------------------------------------

if mountpoint -q "$CLAW_DATA"; then
  check data-disk-mounted required true "$CLAW_DATA is mounted"
else
  check data-disk-mounted required false "$CLAW_DATA is not a mount point"
fi

if [ -f "$CLAW_META/seeded-at" ]; then
  check data-disk-seeded required true "seeded at $(cat "$CLAW_META/seeded-at")"
else
  check data-disk-seeded required false "no $CLAW_META/seeded-at (boot.sh has not seeded the disk)"
fi

for pair in ".openclaw:openclaw" "workspace:workspace"; do
  link=$CLAW_HOME/${pair%%:*} target=$CLAW_DATA/${pair##*:}
  name=link-${pair##*:}
  if [ -L "$link" ] && [ "$(readlink "$link")" = "$target" ] && [ -d "$link" ]; then
    check "$name" required true "$link -> $target"
  elif [ -L "$link" ]; then
    check "$name" required false "$link points to $(readlink "$link"), expected $target"
  else
    check "$name" required false "$link is not a symlink to $target"
  fi
done

key=ssh_host_ed25519_key
if [ ! -f "$CLAW_META/ssh/$key.pub" ]; then
  check host-key-persisted required false "no $key on the data disk"
elif cmp -s "$CLAW_META/ssh/$key.pub" "$CLAW_ETC/ssh/$key.pub"; then
  check host-key-persisted required true "$key on the data disk is the one sshd serves"
else
  check host-key-persisted required false "$key on the data disk differs from $CLAW_ETC/ssh (boot.sh did not restore it)"
fi

latest=$(latest_migration)
update=$(recorded_update_version)
if [ "$update" = "$latest" ]; then
  check update-version required true "data disk at update $update, the runtime's latest"
else
  check update-version required false "data disk at update $update, runtime's latest is $latest"
fi

if df_line=$(df -Pk "$CLAW_DATA" 2>/dev/null | tail -n 1); then
  free_kb=$(awk '{print $4}' <<<"$df_line")
  if [ "${free_kb:-0}" -ge 1048576 ]; then
    check data-disk-free optional true "$((free_kb / 1024)) MiB free"
  else
    check data-disk-free optional false "only $((${free_kb:-0} / 1024)) MiB free on $CLAW_DATA"
  fi
fi

# An ext4 filesystem that hit an error remounts itself read-only: the agent then loses every write.
if opts=$(findmnt -n -o OPTIONS "$CLAW_DATA" 2>/dev/null) && [[ ,$opts, == *,rw,* ]]; then
  check data-disk-writable required true "$CLAW_DATA is mounted read-write"
else
  check data-disk-writable required false "$CLAW_DATA is not mounted read-write (${opts:-no mount options})"
fi

missing=()
for f in SOUL.md AGENTS.md; do
  [ -f "$CLAW_DATA/workspace/$f" ] || missing+=("$f")
done
if [ "${#missing[@]}" -eq 0 ]; then
  check workspace-files required true "SOUL.md and AGENTS.md in $CLAW_DATA/workspace"
else
  check workspace-files required false "missing from $CLAW_DATA/workspace: ${missing[*]}"
fi

# --- secrets (names only) ----------------------------------------------------------------------

if [ ! -f "$CLAW_SECRETS_FILE" ]; then
  check secrets-file required false "no $CLAW_SECRETS_FILE (the control plane has not delivered secrets)"
elif [ ! -r "$CLAW_SECRETS_FILE" ]; then
  check secrets-file required false "$CLAW_SECRETS_FILE is not readable by $(id -un)"
else
  mode=$(stat -c %a "$CLAW_SECRETS_FILE")
  if [ "$mode" = 600 ]; then
    check secrets-file required true "$CLAW_SECRETS_FILE present, mode 0600"
  else
    check secrets-file required false "$CLAW_SECRETS_FILE has mode 0$mode, expected 0600"
  fi
fi

if [ -n "$(env_get TELEGRAM_BOT_TOKEN "$CLAW_SECRETS_FILE")" ]; then
  check telegram-token required true "TELEGRAM_BOT_TOKEN is set"
else
  check telegram-token required false "TELEGRAM_BOT_TOKEN is missing or empty"
fi

present=()
for k in $CLAW_MODEL_KEYS; do
  [ -z "$(env_get "$k" "$CLAW_SECRETS_FILE")" ] || present+=("$k")
done
if [ "${#present[@]}" -gt 0 ]; then
  check model-api-key required true "set: ${present[*]}"
else
  check model-api-key required false "none of $CLAW_MODEL_KEYS is set"
fi

if [ -d "$CLAW_DATA/secrets" ] && [ "$(stat -c %a "$CLAW_DATA/secrets")" = 700 ]; then
  check secrets-dir required true "$CLAW_DATA/secrets has mode 0700"
elif [ -d "$CLAW_DATA/secrets" ]; then
  check secrets-dir required false "$CLAW_DATA/secrets has mode 0$(stat -c %a "$CLAW_DATA/secrets"), expected 0700"
else
  check secrets-dir required false "no $CLAW_DATA/secrets directory"
fi

if [ -e "$CLAW_AGENT_ENV" ] && [ "$(stat -c %a "$CLAW_AGENT_ENV")" = 600 ]; then
  check agent-env required true "$CLAW_AGENT_ENV present, mode 0600"
elif [ -e "$CLAW_AGENT_ENV" ]; then
  check agent-env required false "$CLAW_AGENT_ENV has mode 0$(stat -c %a "$CLAW_AGENT_ENV"), expected 0600"
else
  check agent-env required false "no $CLAW_AGENT_ENV (apply-secrets.sh has not run)"
fi

# --- services, display, gateway ----------------------------------------------------------------

boot_status=$(env_get status "$CLAW_STATE/boot-status")
if [ "$boot_status" = ok ]; then
  check boot required true "boot.sh completed at $(env_get at "$CLAW_STATE/boot-status")"
elif [ -n "$boot_status" ]; then
  check boot required false "boot.sh failed at step $(env_get step "$CLAW_STATE/boot-status")"
else
  check boot required false "boot.sh has not completed on this VM"
fi

for unit in lightdm xrdp openclaw-gateway sunshine; do
  need=required
  [ "$unit" != sunshine ] || need=optional
  state=$(systemctl is-active "$unit" 2>/dev/null || true)
  if [ "$state" = active ]; then
    check "service-$unit" "$need" true "$unit is active"
  else
    check "service-$unit" "$need" false "$unit is ${state:-unknown}"
  fi
done

if as_root env DISPLAY=:0 XAUTHORITY="$CLAW_HOME/.Xauthority" timeout 5 xdpyinfo >/dev/null 2>&1; then
  check display-0 required true "X display :0 answers"
else
  check display-0 required false "X display :0 does not answer"
fi

# The desktop the operators watch (Moonlight on :0) must not blank while the agent works on it.
if blank=$(as_root env DISPLAY=:0 XAUTHORITY="$CLAW_HOME/.Xauthority" timeout 5 xset q 2>/dev/null |
  awk '/timeout:/ {print $2; exit}') && [ "$blank" = 0 ]; then
  check display-blanking optional true "screen saver off on :0"
else
  check display-blanking optional false "screen saver timeout on :0 is ${blank:-unknown}, expected 0"
fi

# The chat UI stays loopback-bound: it is reached through Tailscale Serve or an SSH tunnel only.
config=$CLAW_DATA/openclaw/openclaw.json
if [ ! -s "$config" ]; then
  check openclaw-config required false "no $config"
elif clobbered=$(find "$(dirname "$config")" -maxdepth 1 -name 'openclaw.json.clobbered.*' -newer "$config" \
  -printf '%f\n' 2>/dev/null | head -n 1) && [ -n "$clobbered" ]; then
  check openclaw-config required false "the gateway rejected $config and kept $clobbered"
else
  check openclaw-config required true "$config present"
fi
if grep -Eq '"bind"[[:space:]]*:[[:space:]]*"loopback"' "$config" 2>/dev/null; then
  check gateway-loopback required true "the gateway binds to loopback only"
else
  check gateway-loopback required false "$config does not bind the gateway to loopback"
fi

if code=$(curl -sS -o /dev/null --max-time 3 -w '%{http_code}' "$CLAW_GATEWAY_URL" 2>/dev/null) &&
  [ "${code:0:1}" = 2 ]; then
  check gateway-http required true "HTTP $code from $CLAW_GATEWAY_URL"
else
  check gateway-http required false "no 2xx answer from $CLAW_GATEWAY_URL (${code:-no response})"
fi

health=""
if health=$(as_claw timeout 15 openclaw health --json --timeout 5000 2>/dev/null) &&
  grep -Eq '^[[:space:]]*\{[[:space:]]*"ok"[[:space:]]*:[[:space:]]*true' <<<"$health"; then
  check gateway-health required true "openclaw health reports ok"
else
  check gateway-health required false "openclaw health --json did not report ok"
fi
telegram=$(grep -Eo '"telegram"[[:space:]]*:[[:space:]]*\{[^}]*\}' <<<"$health" || true)
if grep -Eq '"configured"[[:space:]]*:[[:space:]]*true' <<<"$telegram"; then
  check telegram-channel optional true "the gateway has Telegram configured"
else
  check telegram-channel optional false "the gateway does not report Telegram as configured"
fi
# Configured is not enough: a revoked token or a second poller on the same token (409) leaves the
# channel configured but deaf.
if grep -Eq '"connected"[[:space:]]*:[[:space:]]*true' <<<"$telegram"; then
  check telegram-connected required true "the Telegram channel is connected"
else
  err=$(grep -Eo '"lastError"[[:space:]]*:[[:space:]]*"[^"]*"' <<<"$telegram" | sed 's/.*:[[:space:]]*"//; s/"$//' || true)
  check telegram-connected required false "the Telegram channel is not connected${err:+: $err}"
fi

# One live request per configured provider (a token or so): the agent can think, not only listen.
if models=$(as_claw timeout 30 openclaw models status --probe --json --probe-timeout 15000 \
  --probe-max-tokens 1 2>/dev/null) && grep -Eq '"ok"[[:space:]]*:[[:space:]]*true' <<<"$models"; then
  providers=$(grep -Eo '"provider"[[:space:]]*:[[:space:]]*"[^"]*"[^}]*"ok"[[:space:]]*:[[:space:]]*true' <<<"$models" |
    sed -E 's/^"provider"[[:space:]]*:[[:space:]]*"([^"]*)".*/\1/' | sort -u | tr '\n' ' ')
  check model-provider required true "a live probe answered (${providers% })"
else
  check model-provider required false "no model provider answered a live probe (openclaw models status --probe)"
fi

# --- remote access -----------------------------------------------------------------------------

if [ -n "$(env_get TAILSCALE_AUTHKEY "$CLAW_SECRETS_FILE")" ]; then
  if as_root tailscale status >/dev/null 2>&1; then
    check tailscale required true "joined the tailnet (TAILSCALE_AUTHKEY is set)"
  else
    check tailscale required false "TAILSCALE_AUTHKEY is set but tailscale is not up"
  fi
fi

# --- versions ----------------------------------------------------------------------------------

runtime=$(runtime_version)
if [ -n "$runtime" ]; then
  check runtime-version required true "runtime $runtime at $CLAW_OPT"
else
  check runtime-version required false "no $CLAW_OPT/VERSION"
fi
# The app layer cloud-init installs (runtime/install/os); pinned versions when the payload has them.
pinned=$CLAW_OPT/install/os/versions.env
if node_v=$(node --version 2>/dev/null); then
  check node required true "node $node_v"
else
  check node required false "node does not answer --version"
fi
want=$(env_get OPENCLAW_VERSION "$pinned")
if ! oc_v=$(as_claw timeout 15 openclaw --version 2>/dev/null | head -n 1); then
  check openclaw-version required false "openclaw does not answer --version"
elif [ -n "$want" ] && [[ $oc_v != *"$want"* ]]; then
  check openclaw-version required false "openclaw $oc_v, pinned $want"
else
  check openclaw-version required true "openclaw $oc_v"
fi
if chrome_v=$(timeout 15 google-chrome --version 2>/dev/null | head -n 1) && [ -n "$chrome_v" ]; then
  check chrome required true "$chrome_v"
else
  check chrome required false "google-chrome does not answer --version"
fi
if claude_v=$(as_claw timeout 15 claude --version 2>/dev/null | head -n 1) && [ -n "$claude_v" ]; then
  check claude-code optional true "claude $claude_v"
else
  check claude-code optional false "claude does not answer --version"
fi

image=$(image_version)
if [ -n "$image" ]; then
  check image-version optional true "image $image"
else
  check image-version optional false "no $CLAW_ETC/openclawps/image-version"
fi

printf '{"ok":%s,"checks":[%s],"imageVersion":%s,"runtimeVersion":%s,"updateVersion":%s}\n' \
  "$all_ok" "$(IFS=,; echo "${checks[*]}")" "$(json_str "$image")" "$(json_str "$runtime")" \
  "$(json_str "$update")"
[ "$all_ok" = true ]
