#!/usr/bin/env bash
# Summary: whether the agent is mid-task, as JSON for the control plane (asked before a park or an
# upgrade stops it).
# Usage: agent-status.sh
#   Prints {"busy":bool,"known":bool,"activeSessions":N,"detail":"..."} on one line and exits 0.
#   Busy means a session of the agent had activity within the last CLAW_BUSY_ACTIVE_MINUTES (default
#   2): a turn is running or has just ended and may continue. A gateway that is not running has
#   nothing to interrupt (busy false). When the agent cannot be asked, known is false and busy false:
#   the caller decides (the control plane proceeds and says so). Runs as the admin user over SSH.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$here/lib.sh"
claw_init agent-status.sh

minutes=${CLAW_BUSY_ACTIVE_MINUTES:-2}
[[ $minutes =~ ^[0-9]+$ ]] || die "CLAW_BUSY_ACTIVE_MINUTES must be a whole number of minutes"

# report BUSY KNOWN COUNT DETAIL
report() {
  printf '{"busy":%s,"known":%s,"activeSessions":%s,"detail":"%s"}\n' "$1" "$2" "$3" "${4//\"/\'}"
}

if ! systemctl is-active -q openclaw-gateway; then
  report false true 0 "the gateway is not running"
  exit 0
fi
if ! out=$(sudo -n -u "$CLAW_USER" -H -- timeout 20 openclaw sessions --json --active "$minutes" 2>/dev/null); then
  report false false 0 "openclaw sessions did not answer"
  exit 0
fi
count=$(grep -Eo '"count"[[:space:]]*:[[:space:]]*[0-9]+' <<<"$out" | grep -Eo '[0-9]+$' | head -n 1 || true)
if [ -z "$count" ]; then
  report false false 0 "openclaw sessions printed no count"
elif [ "$count" -gt 0 ]; then
  report true true "$count" "$count session(s) active in the last $minutes min"
else
  report false true 0 "no session active in the last $minutes min"
fi
