#!/usr/bin/env bats
# Summary: logs.sh: the last lines of a claw's boot, updates, gateway and verify logs.

load helpers

setup() {
  new_vm vm1
  attach_disk d1
  export CLAW_LOG_DIR=$VM_ROOT/var/log
  mkdir -p "$CLAW_LOG_DIR"
  "$CLAW_OPT/lifecycle/boot.sh" >"$CLAW_LOG_DIR/openclawps-boot.log" 2>&1
}

@test "logs: boot prints the last LINES lines of boot.sh's output" {
  run --separate-stderr "$CLAW_OPT/lifecycle/logs.sh" boot 2
  [ "$status" -eq 0 ] || fail "$stderr"
  [ "${#lines[@]}" -eq 2 ]
  [ "${lines[1]}" = "$(tail -n 1 "$CLAW_LOG_DIR/openclawps-boot.log")" ]
}

@test "logs: updates keeps only the migration lines" {
  run --separate-stderr "$CLAW_OPT/lifecycle/logs.sh" updates 200
  [ "$status" -eq 0 ] || fail "$stderr"
  [ "${#lines[@]}" -ge 1 ]
  for l in "${lines[@]}"; do [[ $l == *updates:* || $l == *run-updates* ]] || fail "not an update line: $l"; done
}

@test "logs: gateway prints nothing when the gateway has no log yet" {
  run --separate-stderr "$CLAW_OPT/lifecycle/logs.sh" gateway 10
  [ "$status" -eq 0 ] || fail "$stderr"
  [ -z "$output" ]
}

@test "logs: verify prints one line per check" {
  run --separate-stderr "$CLAW_OPT/lifecycle/logs.sh" verify 100
  [ "$status" -eq 0 ] || fail "$stderr"
  grep -q '^ok   boot: ' <<<"$output"
  grep -q '^FAIL ' <<<"$output"
}

@test "logs: a bad source or line count exits 2 and says what to use" {
  run --separate-stderr "$CLAW_OPT/lifecycle/logs.sh" nope 10
  [ "$status" -eq 2 ]
  [[ $stderr == *"use boot, gateway, updates or verify"* ]]
  run --separate-stderr "$CLAW_OPT/lifecycle/logs.sh" boot 2001
  [ "$status" -eq 2 ]
  [[ $stderr == *"from 1 to 2000"* ]]
}
