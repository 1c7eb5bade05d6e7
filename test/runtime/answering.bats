#!/usr/bin/env bats
# Summary: the fleet benchmarks' answering stand-ins (local/guest-shims/answering): boot.sh's status
# report, apply-secrets.sh's checks and verify.sh's JSON, in a sandbox guest.

load helpers

setup() {
  new_vm vm1
  STANDIN=$REPO/local/guest-shims/answering/lifecycle
  export CLAW_ROOT=$VM_ROOT CLAW_BOOT_ID_FILE=$VM_ROOT/run/boot_id
  mkdir -p "$VM_ROOT/run"
  echo boot-1 >"$CLAW_BOOT_ID_FILE"
  attach_disk d1
}

@test "answering boot: formats the disk once, mounts it and reports ok for this boot" {
  run "$STANDIN/boot.sh"
  [ "$status" -eq 0 ] || fail "$output"
  [ -f "$DISK/.fs-ext4" ]
  [ "$(readlink -f "$CLAW_DATA")" = "$(readlink -f "$DISK")" ]
  grep -qx status=ok "$CLAW_STATE/boot-status"
  grep -qx boot=boot-1 "$CLAW_STATE/boot-status"
  grep -qx "runtime=$(tr -d '[:space:]' <"$CLAW_OPT/VERSION")" "$CLAW_STATE/boot-status"
}

@test "answering verify: passes with the disk mounted, secrets delivered and this boot reported" {
  "$STANDIN/boot.sh"
  deliver_secrets "TELEGRAM_BOT_TOKEN=x"
  run "$STANDIN/apply-secrets.sh"
  [ "$status" -eq 0 ] || fail "$output"
  run --separate-stderr "$STANDIN/verify.sh"
  [ "$status" -eq 0 ] || fail "$output $stderr"
  node -e '
    const r = JSON.parse(process.argv[1]);
    if (!r.ok || r.checks.length !== 3 || r.imageVersion !== "1.0.0") process.exit(1);
  ' "$output"
}

@test "answering verify: fails when nothing was delivered or the report is an earlier boot's" {
  "$STANDIN/boot.sh"
  run --separate-stderr "$STANDIN/verify.sh"
  [ "$status" -eq 1 ]
  [[ $output == *'"ok":false'* ]]
  [[ $output == *'{"name":"secrets","ok":false'* ]]
  deliver_secrets "TELEGRAM_BOT_TOKEN=x"
  echo boot-2 >"$CLAW_BOOT_ID_FILE"
  run --separate-stderr "$STANDIN/verify.sh"
  [ "$status" -eq 1 ]
  [[ $output == *'{"name":"boot","ok":false'* ]]
}

@test "answering apply-secrets: refuses without a mounted disk or a secrets file" {
  run "$STANDIN/apply-secrets.sh"
  [ "$status" -eq 1 ]
  [[ $output == *"is not mounted"* ]]
  "$STANDIN/boot.sh"
  run "$STANDIN/apply-secrets.sh"
  [ "$status" -eq 1 ]
  [[ $output == *"no secrets file"* ]]
}
