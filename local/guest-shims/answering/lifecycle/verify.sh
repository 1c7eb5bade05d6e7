#!/usr/bin/env bash
# Summary: fleet benchmarks' stand-in for lifecycle/verify.sh: the same JSON shape on stdout, from
# three cheap checks (data disk mounted: a link, as the mount shim makes one; secrets delivered;
# this boot reported ok) instead of the agent, gateway, Telegram, model and desktop checks.
# Usage: verify.sh   (exit 0 only when every check passed)
set -euo pipefail

checks="" all=true
check() { # name ok detail
  [ "$2" = true ] || all=false
  checks="${checks:+$checks,}{\"name\":\"$1\",\"ok\":$2,\"detail\":\"$3\"}"
}

if [ -L "$CLAW_DATA" ] && [ -d "$CLAW_DATA/" ]; then check data-disk true "mounted (stand-in)"; else check data-disk false "not mounted"; fi
if [ -f "$CLAW_DATA/secrets/claw.env" ]; then check secrets true "present"; else check secrets false "missing"; fi
status=$(grep -s '^status=' "$CLAW_STATE/boot-status" || true)
boot=$(grep -s '^boot=' "$CLAW_STATE/boot-status" || true)
if [ "$status" = status=ok ] && [ "$boot" = "boot=$(cat "$CLAW_BOOT_ID_FILE")" ]; then
  check boot true "this boot reported ok"
else
  check boot false "no ok report for this boot"
fi

read_version() { [ ! -f "$1" ] || tr -d '[:space:]' <"$1"; }
printf '{"ok":%s,"checks":[%s],"imageVersion":"%s","runtimeVersion":"%s","updateVersion":"000"}\n' \
  "$all" "$checks" "$(read_version "$CLAW_ETC/openclawps/image-version")" \
  "$(read_version "$CLAW_ROOT/opt/claw/VERSION")"
[ "$all" = true ]
