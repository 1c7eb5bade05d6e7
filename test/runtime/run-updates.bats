#!/usr/bin/env bats
# Summary: run-updates.sh and the shipped migrations.

load helpers

setup() {
  new_vm vm1
  attach_disk d1
  "$CLAW_OPT/lifecycle/boot.sh" >/dev/null
}

@test "run-updates: a failing migration stops the chain with its exit code and name" {
  add_migration 004-ok 'touch "$CLAW_DATA/004.done"'
  add_migration 005-broken 'echo "half done" >&2; exit 7'
  add_migration 006-later 'touch "$CLAW_DATA/006.done"'
  run --separate-stderr "$CLAW_OPT/lifecycle/run-updates.sh"
  [ "$status" -eq 7 ]
  [[ $stderr == *"migration 005-broken failed (exit 7); data disk stays at update 004"* ]]
  [ "$(cat "$DISK/.openclawps/update-version")" = 004 ]
  [ -f "$DISK/004.done" ]
  [ ! -e "$DISK/006.done" ]
}

@test "run-updates: after a fix it resumes at the migration that failed" {
  add_migration 004-ok 'echo x >>"$CLAW_DATA/004.count"'
  add_migration 005-broken 'exit 3'
  run "$CLAW_OPT/lifecycle/run-updates.sh"
  [ "$status" -eq 3 ]
  add_migration 005-broken 'touch "$CLAW_DATA/005.done"'
  run "$CLAW_OPT/lifecycle/run-updates.sh"
  [ "$status" -eq 0 ] || fail "$output"
  [ "$(cat "$DISK/.openclawps/update-version")" = 005 ]
  [ "$(wc -l <"$DISK/004.count")" -eq 1 ]
  [ -f "$DISK/005.done" ]
}

@test "run-updates: a disk newer than the runtime applies nothing and says so" {
  echo 009 >"$DISK/.openclawps/update-version"
  run --separate-stderr "$CLAW_OPT/lifecycle/run-updates.sh"
  [ "$status" -eq 0 ]
  [[ $stderr == *"data disk is at update 009, newer than this runtime's latest 003"* ]]
  [ "$(cat "$DISK/.openclawps/update-version")" = 009 ]
}

@test "run-updates: refuses a payload with two migrations of one number" {
  add_migration 003-another 'true'
  run --separate-stderr "$CLAW_OPT/lifecycle/run-updates.sh"
  [ "$status" -eq 1 ]
  [[ $stderr == *"more than one migration numbered 003"* ]]
}

@test "run-updates: refuses to run without a mounted, seeded disk" {
  umount "$CLAW_DATA"
  run --separate-stderr "$CLAW_OPT/lifecycle/run-updates.sh"
  [ "$status" -eq 1 ]
  [[ $stderr == "run-updates.sh: no data disk layout"* ]]
}

@test "migrations: every shipped migration is safe to run twice" {
  echo 000 >"$DISK/.openclawps/update-version"
  rm -f "$DISK/openclaw/openclaw.json"
  echo "TELEGRAM_BOT_TOKEN=1:abc" >"$DISK/openclaw/.env"
  run "$CLAW_OPT/lifecycle/run-updates.sh"
  [ "$status" -eq 0 ] || fail "$output"
  [[ $output == *"002: carried openclaw/.env over to secrets/claw.env"* ]]
  [ "$(stat -c %a "$DISK/secrets/claw.env")" = 600 ]
  cmp "$REPO/runtime/defaults/openclaw/openclaw.json" "$DISK/openclaw/openclaw.json"
  after_first=$(snapshot)
  for m in "$CLAW_OPT"/updates/*.sh; do
    bash "$m" >/dev/null
  done
  [ "$(snapshot)" = "$after_first" ] || fail "$(diff <(echo "$after_first") <(snapshot))"
}
