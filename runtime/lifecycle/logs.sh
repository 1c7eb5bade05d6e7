#!/usr/bin/env bash
# Summary: the last lines of one of the claw's logs, for the control plane's logs route.
# Usage: logs.sh boot|gateway|updates|verify LINES
#   boot     boot.sh's output (claw-boot.service's journal, else $CLAW_LOG_DIR/openclawps-boot.log)
#   updates  the migration lines of that output (run-updates.sh says "updates: ...")
#   gateway  the agent's gateway (openclaw-gateway.service's journal, else $CLAW_LOG_DIR/openclaw-gateway.log)
#   verify   runs verify.sh now (read-only checks) and prints one line per check
#   Prints at most LINES lines (1..2000) on stdout, nothing when the log is empty; exits 2 on a bad
#   argument. Values are not redacted here: the control plane redacts before anything leaves it.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$here/lib.sh"
claw_init logs.sh

CLAW_LOG_DIR=${CLAW_LOG_DIR:-${CLAW_ROOT:-}/var/log}

source_name=${1:-}
lines=${2:-200}
case "$lines" in
  '' | *[!0-9]*) die "LINES must be a whole number from 1 to 2000; got '$lines'" 2 ;;
esac
if [ "$lines" -lt 1 ] || [ "$lines" -gt 2000 ]; then
  die "LINES must be a whole number from 1 to 2000; got '$lines'" 2
fi

# journal UNIT: the unit's whole journal of this boot, when the machine has one.
journal() {
  command -v journalctl >/dev/null 2>&1 || return 1
  sudo -n journalctl -b -u "$1" --no-pager -q -o short-iso 2>/dev/null ||
    journalctl -b -u "$1" --no-pager -q -o short-iso 2>/dev/null
}

# stream FILE UNIT: the log file when it exists (the twin), else the unit's journal.
stream() {
  if [ -f "$CLAW_LOG_DIR/$1" ]; then
    cat "$CLAW_LOG_DIR/$1"
  else
    journal "$2" || true
  fi
}

case "$source_name" in
  boot) stream openclawps-boot.log claw-boot.service | tail -n "$lines" ;;
  updates) stream openclawps-boot.log claw-boot.service | { grep -E 'updates: |run-updates' || true; } | tail -n "$lines" ;;
  gateway) stream openclaw-gateway.log openclaw-gateway.service | tail -n "$lines" ;;
  verify)
    out=$("$here/verify.sh" 2>/dev/null || true)
    # One check per line: "ok|FAIL name: detail" (verify.sh prints one JSON line; no jq on the VM).
    printf '%s\n' "$out" | grep -o '{"name":[^}]*}' |
      sed -E 's/^\{"name":"([^"]*)","ok":(true|false),"detail":"(([^"\\]|\\.)*)".*$/\2 \1: \3/; s/^true /ok   /; s/^false /FAIL /' |
      tail -n "$lines" || true
    ;;
  *) die "unknown source '$source_name'; use boot, gateway, updates or verify" 2 ;;
esac
