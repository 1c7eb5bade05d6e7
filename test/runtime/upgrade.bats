#!/usr/bin/env bats
# Summary: the upgrade story at the guest level: a data disk used by "VM 1" moves to a fresh "VM 2"
# with a newer runtime.

load helpers

teardown() {
  stop_gateway
}

@test "upgrade: a disk moved to a new VM with a newer runtime keeps its state, runs only the new migrations and keeps the host key" {
  start_gateway
  # VM 1: first boot on a fresh disk, secrets delivered, the agent writes to its workspace.
  new_vm vm1
  attach_disk claw-data
  "$CLAW_OPT/lifecycle/boot.sh" >/dev/null
  deliver_secrets "TELEGRAM_BOT_TOKEN=1:abc
OPENAI_API_KEY=sk-1"
  "$CLAW_OPT/lifecycle/apply-secrets.sh" >/dev/null
  echo "remember the milk" >"$CLAW_HOME/workspace/memory/today.md"
  vm1_key=$(cat "$CLAW_ETC/ssh/ssh_host_ed25519_key.pub")
  vm1_root=$VM_ROOT
  run "$CLAW_OPT/lifecycle/verify.sh"
  [ "$status" -eq 0 ] || fail "VM 1 unhealthy: $output"

  # VM 1 is deleted (its root goes with it); VM 2 has its own host key and runtime 1.1.0 with a new
  # migration 004.
  rm -rf "$vm1_root"
  new_vm vm2 1.1.0
  add_migration 004-new-layout 'echo "004 on $(cat "$CLAW_ETC/ssh/ssh_host_ed25519_key.pub" | cut -c1-20)" >>"$CLAW_DATA/migrations.log"'
  [ "$(cat "$CLAW_ETC/ssh/ssh_host_ed25519_key.pub")" != "$vm1_key" ]
  attach_disk claw-data
  run "$CLAW_OPT/lifecycle/boot.sh"
  [ "$status" -eq 0 ] || fail "$output"

  [[ $output == *"seed-defaults: disk seeded at"* ]]
  [[ $output == *"applied 004-new-layout"* ]]
  [[ $output != *"applied 00[123]-"* ]]
  [[ $output == *"host-keys: restored ssh_host_ed25519_key from the data disk"* ]]
  [ "$(cat "$CLAW_ETC/ssh/ssh_host_ed25519_key.pub")" = "$vm1_key" ]
  [ "$(wc -l <"$DISK/migrations.log")" -eq 1 ]
  [ "$(cat "$CLAW_HOME/workspace/memory/today.md")" = "remember the milk" ]
  # The agent's environment came along on the disk, so the gateway is back before secrets are re-sent.
  systemctl is-active -q openclaw-gateway

  run "$CLAW_OPT/lifecycle/verify.sh"
  [ "$status" -eq 0 ] || fail "VM 2 unhealthy: $output"
  sum=$(summarize "$output")
  grep -qx runtimeVersion=1.1.0 <<<"$sum"
  grep -qx updateVersion=004 <<<"$sum"
}
