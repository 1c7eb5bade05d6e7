#!/usr/bin/env bats
# Summary: boot.sh in a sandbox guest: first boot, reboots, late and missing disks, host keys.

load helpers

setup() {
  new_vm vm1
}

teardown() {
  stop_gateway
}

@test "boot: on a fresh disk formats it, seeds the defaults and records the latest update" {
  attach_disk d1
  run "$CLAW_OPT/lifecycle/boot.sh"
  [ "$status" -eq 0 ] || fail "$output"
  [[ $output == *"formatted the new data disk"* ]]
  [[ $output == *"seed-defaults: seeded"* ]]
  [ -f "$DISK/.fs-ext4" ]
  [ -f "$DISK/.openclawps/seeded-at" ]
  [ "$(cat "$DISK/.openclawps/update-version")" = 003 ]
  cmp "$REPO/runtime/defaults/workspace/SOUL.md" "$DISK/workspace/SOUL.md"
  [ "$(readlink "$CLAW_HOME/.openclaw")" = "$CLAW_DATA/openclaw" ]
  [ "$(readlink "$CLAW_HOME/workspace")" = "$CLAW_DATA/workspace" ]
  [ "$(stat -c %a "$DISK/secrets")" = 700 ]
  grep -qx status=ok "$CLAW_STATE/boot-status"
  systemctl is-active -q lightdm
  # No secrets yet: the gateway is left for apply-secrets.sh.
  ! systemctl is-active -q openclaw-gateway
}

@test "boot: a second boot changes nothing" {
  attach_disk d1
  "$CLAW_OPT/lifecycle/boot.sh" >/dev/null
  deliver_secrets "TELEGRAM_BOT_TOKEN=1:abc"
  "$CLAW_OPT/lifecycle/apply-secrets.sh" >/dev/null
  before=$(snapshot)
  restarts_before=$(grep -c 'restart' "$CLAW_STATE/shim/calls.log" || true)
  run "$CLAW_OPT/lifecycle/boot.sh"
  [ "$status" -eq 0 ] || fail "$output"
  [ "$(snapshot)" = "$before" ] || fail "$(diff <(echo "$before") <(snapshot))"
  [ "$(grep -c 'restart' "$CLAW_STATE/shim/calls.log" || true)" = "$restarts_before" ]
  [[ $output == *"mount-disk: $CLAW_DATA already mounted"* ]]
  [[ $output == *"host-keys: in place"* ]]
  [[ $output == *"already at update 003"* ]]
}

@test "boot: waits for a data disk that is attached late" {
  export CLAW_DISK_WAIT_SECONDS=10
  disk=$BATS_TEST_TMPDIR/disks/late
  mkdir -p "$disk"
  (sleep 1 && ln -sfn "$disk" "$CLAW_DATA_DEVICE") 3>&- &
  run "$CLAW_OPT/lifecycle/boot.sh"
  wait
  [ "$status" -eq 0 ] || fail "$output"
  [ -f "$disk/.openclawps/seeded-at" ]
}

@test "boot: without a data disk stands by (status=standby, no agent) and boots normally once the disk is attached" {
  start_gateway
  run --separate-stderr "$CLAW_OPT/lifecycle/boot.sh"
  [ "$status" -eq 0 ] || fail "$stderr"
  [[ $output == *"no data disk at $CLAW_DATA_DEVICE after 1s; standing by"* ]]
  grep -qx status=standby "$CLAW_STATE/boot-status"
  grep -qx step=wait-for-disk "$CLAW_STATE/boot-status"
  grep -Eq '^at=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' "$CLAW_STATE/boot-status"
  # Nothing was seeded anywhere and nothing of the claw runs.
  [ ! -e "$CLAW_DATA/.openclawps" ]
  ! systemctl is-active -q openclaw-gateway
  ! systemctl is-active -q lightdm

  # The disk (of a claw whose agent had its environment) arrives; boot.sh runs again.
  attach_disk d1
  mkdir -p "$DISK/openclaw" && echo "TELEGRAM_BOT_TOKEN=1:abc" >"$DISK/openclaw/.env"
  touch "$DISK/.fs-ext4"
  run "$CLAW_OPT/lifecycle/boot.sh"
  [ "$status" -eq 0 ] || fail "$output"
  grep -qx status=ok "$CLAW_STATE/boot-status"
  grep -qx fs=clean "$CLAW_STATE/boot-status"
  systemctl is-active -q openclaw-gateway
}

@test "boot: a disk detached while mounted is recovered on the next mount, and boot-status says so" {
  attach_disk d1
  "$CLAW_OPT/lifecycle/boot.sh" >/dev/null
  grep -qx fs=clean "$CLAW_STATE/boot-status"
  # Detached without an unmount: the device and the mount vanish, the file system stays marked.
  rm -f "$CLAW_DATA_DEVICE" "$CLAW_DATA"
  attach_disk d1
  run --separate-stderr "$CLAW_OPT/lifecycle/boot.sh"
  [ "$status" -eq 0 ] || fail "$stderr"
  [[ $stderr == *"was not cleanly unmounted"* ]]
  [[ $stderr == *"recovering journal"* ]]
  [[ $output == *"file system recovered"* ]]
  grep -qx status=ok "$CLAW_STATE/boot-status"
  grep -qx fs=recovered "$CLAW_STATE/boot-status"
}

@test "boot: on a disk from an older runtime runs only the pending migrations" {
  attach_disk d1
  "$CLAW_OPT/lifecycle/boot.sh" >/dev/null
  echo 001 >"$DISK/.openclawps/update-version"
  add_migration 004-note 'echo "004 ran" >>"$CLAW_DATA/migrations.log"'
  run "$CLAW_OPT/lifecycle/boot.sh"
  [ "$status" -eq 0 ] || fail "$output"
  [[ $output != *"applied 001-"* ]]
  [[ $output == *"applied 002-legacy-env-to-secrets"* ]]
  [[ $output == *"applied 003-gateway-config"* ]]
  [[ $output == *"applied 004-note"* ]]
  [ "$(cat "$DISK/.openclawps/update-version")" = 004 ]
  [ "$(cat "$DISK/migrations.log")" = "004 ran" ]
}

@test "boot: a fresh disk starts at the latest migration without running any" {
  add_migration 004-note 'echo ran >>"$CLAW_DATA/migrations.log"'
  attach_disk d1
  run "$CLAW_OPT/lifecycle/boot.sh"
  [ "$status" -eq 0 ] || fail "$output"
  [ "$(cat "$DISK/.openclawps/update-version")" = 004 ]
  [ ! -e "$DISK/migrations.log" ]
}

@test "boot: starts the gateway when the agent's environment is already on the disk" {
  attach_disk d1
  "$CLAW_OPT/lifecycle/boot.sh" >/dev/null
  deliver_secrets "TELEGRAM_BOT_TOKEN=1:abc"
  "$CLAW_OPT/lifecycle/apply-secrets.sh" >/dev/null
  systemctl stop openclaw-gateway lightdm
  run "$CLAW_OPT/lifecycle/boot.sh"
  [ "$status" -eq 0 ] || fail "$output"
  [[ $output == *"services: started lightdm openclaw-gateway"* ]]
  systemctl is-active -q openclaw-gateway
}

@test "boot: restores the claw's host keys from the disk and restarts ssh" {
  attach_disk d1
  "$CLAW_OPT/lifecycle/boot.sh" >/dev/null
  systemctl start ssh
  # A new VM image comes with a different key.
  rm "$CLAW_ETC"/ssh/ssh_host_ed25519_key*
  ssh-keygen -q -t ed25519 -N '' -f "$CLAW_ETC/ssh/ssh_host_ed25519_key"
  ! cmp -s "$DISK/.openclawps/ssh/ssh_host_ed25519_key" "$CLAW_ETC/ssh/ssh_host_ed25519_key"
  run "$CLAW_OPT/lifecycle/boot.sh"
  [ "$status" -eq 0 ] || fail "$output"
  [[ $output == *"host-keys: restored ssh_host_ed25519_key from the data disk, ssh restarted"* ]]
  cmp "$DISK/.openclawps/ssh/ssh_host_ed25519_key" "$CLAW_ETC/ssh/ssh_host_ed25519_key"
  [ "$(stat -c %a "$CLAW_ETC/ssh/ssh_host_ed25519_key")" = 600 ]
  grep -qx 'systemctl try-restart ssh' "$CLAW_STATE/shim/calls.log"
}

@test "boot: moves existing state in the home directory aside instead of deleting it" {
  attach_disk d1
  mkdir -p "$CLAW_HOME/.openclaw"
  echo keep >"$CLAW_HOME/.openclaw/installer.json"
  run "$CLAW_OPT/lifecycle/boot.sh"
  [ "$status" -eq 0 ] || fail "$output"
  [ -L "$CLAW_HOME/.openclaw" ]
  saved=$(compgen -G "$CLAW_HOME/.openclaw.pre-claw.*")
  [ "$(cat "$saved/installer.json")" = keep ]
}

@test "boot: fails at the services step when a required service does not start" {
  attach_disk d1
  mkdir -p "$CLAW_STATE/shim/systemd"
  touch "$CLAW_STATE/shim/systemd/xrdp.fail"
  run --separate-stderr "$CLAW_OPT/lifecycle/boot.sh"
  [ "$status" -eq 1 ]
  [[ $stderr == *"services: xrdp failed to start"* ]]
  grep -qx step=services "$CLAW_STATE/boot-status"
}
