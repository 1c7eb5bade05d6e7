#!/usr/bin/env bash
# Summary: helpers shared by the guest shims (sourced by local/guest-shims/bin/*, never run directly).
# Usage: source "$here/../lib/common.sh"; shim_init NAME "$@"
#
# The shims stand in for system commands when runtime/ scripts run in a sandbox root (bats tests and
# the emulator's simulated guests). They keep their state under $CLAW_STATE/shim and touch nothing but
# that and the paths they are handed, so they refuse to run without CLAW_STATE: falling back to the
# production default (/var/lib/openclawps) would write into the host.

# shim_init NAME ARGS...: checks the sandbox, sets SHIM_NAME/SHIM_DIR, logs the call (secrets redacted).
shim_init() {
  SHIM_NAME=$1
  shift
  if [ -z "${CLAW_STATE:-}" ]; then
    echo "$SHIM_NAME (guest shim): CLAW_STATE must be set to the sandbox's state directory" >&2
    exit 125
  fi
  SHIM_DIR=$CLAW_STATE/shim
  [ -d "$SHIM_DIR" ] || mkdir -p "$SHIM_DIR"
  local logged=() a
  for a in "$@"; do
    case $a in
      *auth-key=* | *authkey=* | *token=* | *password=*) a="${a%%=*}=<redacted>" ;;
      tskey-*) a="<redacted>" ;;
    esac
    logged+=("$a")
  done
  printf '%s\n' "$SHIM_NAME ${logged[*]}" >>"$SHIM_DIR/calls.log"
}

# shim_die MESSAGE [STATUS]: prints "NAME: MESSAGE" on stderr and exits (default status 1).
shim_die() {
  echo "$SHIM_NAME: $1" >&2
  exit "${2:-1}"
}

# shim_write FILE CONTENT: replaces FILE atomically.
shim_write() {
  printf '%s\n' "$2" >"$1.tmp.$$"
  mv -f "$1.tmp.$$" "$1"
}

# shim_unit_state UNIT: prints the unit's ActiveState as kept by the systemctl shim.
shim_unit_state() {
  local f=$CLAW_STATE/shim/systemd/${1%.service} s=inactive
  if [ -f "$f" ]; then read -r s <"$f" || true; fi
  printf '%s\n' "$s"
}

# shim_env_get KEY FILE: prints KEY's value from a KEY=VALUE file (empty when absent), never sourcing it.
shim_env_get() {
  [ -r "$2" ] || return 0
  sed -n "s/^[[:space:]]*$1=//p" "$2" | tail -n 1 | sed -e 's/^"\(.*\)"$/\1/' -e "s/^'\(.*\)'\$/\\1/"
}
