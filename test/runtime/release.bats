#!/usr/bin/env bats
# Summary: release.sh (hand the data disk over) and the handoff it serves: old VM releases, the disk
# moves to a standby VM that boots on it, and back again on a rollback.

load helpers

setup() {
  new_vm vm1
  start_gateway
}

teardown() {
  stop_gateway
}

# running_claw: vm1 booted on disk claw-data with secrets applied: the agent runs.
running_claw() {
  attach_disk claw-data
  "$CLAW_OPT/lifecycle/boot.sh" >/dev/null
  deliver_secrets "TELEGRAM_BOT_TOKEN=1:abc
OPENAI_API_KEY=sk-1"
  "$CLAW_OPT/lifecycle/apply-secrets.sh" >/dev/null
  systemctl is-active -q openclaw-gateway
}

@test "release: ShellCheck finds nothing" {
  require_tool shellcheck "apt-get install shellcheck"
  shellcheck -x "$REPO/runtime/lifecycle/release.sh"
}

@test "release: stops the agent and the desktop, unmounts the disk cleanly, prints JSON and records released" {
  running_claw
  run --separate-stderr "$CLAW_OPT/lifecycle/release.sh"
  [ "$status" -eq 0 ] || fail "$stderr"
  [ "$(wc -l <<<"$output")" -eq 1 ]
  node -e '
    const j = JSON.parse(process.argv[1]);
    if (j.ok !== true || j.unmounted !== true || !j.stopped.includes("openclaw-gateway") || !j.stopped.includes("lightdm"))
      throw new Error(process.argv[1]);
  ' "$output"
  ! systemctl is-active -q openclaw-gateway
  ! systemctl is-active -q lightdm
  ! mountpoint -q "$CLAW_DATA"
  [ "$(cat "$DISK/.fs-state")" = clean ]
  grep -qx status=released "$CLAW_STATE/boot-status"
}

@test "release: twice is fine (already released is success)" {
  running_claw
  "$CLAW_OPT/lifecycle/release.sh" >/dev/null
  run --separate-stderr "$CLAW_OPT/lifecycle/release.sh"
  [ "$status" -eq 0 ] || fail "$stderr"
  node -e '
    const j = JSON.parse(process.argv[1]);
    if (j.ok !== true || j.unmounted !== false || j.stopped.length !== 0) throw new Error(process.argv[1]);
  ' "$output"
  grep -qx status=released "$CLAW_STATE/boot-status"
}

@test "release: a busy mount fails with a clear error, and the disk stays mounted" {
  running_claw
  # Something of the claw's keeps a file open on the disk (the umount shim's busy list; a sandbox
  # cannot always read other processes' open files).
  echo "$CLAW_DATA" >"$CLAW_STATE/shim/busy"
  run --separate-stderr "$CLAW_OPT/lifecycle/release.sh"
  rm "$CLAW_STATE/shim/busy"
  [ "$status" -eq 1 ]
  [[ $stderr == "release.sh: cannot unmount $CLAW_DATA: umount: $CLAW_DATA: target is busy."* ]]
  node -e '
    const j = JSON.parse(process.argv[1]);
    if (j.ok !== false || j.step !== "unmount" || !/target is busy/.test(j.error)) throw new Error(process.argv[1]);
  ' "$output"
  mountpoint -q "$CLAW_DATA"
  ! grep -qx status=released "$CLAW_STATE/boot-status"
  # Once nothing holds it, a retry releases.
  "$CLAW_OPT/lifecycle/release.sh" >/dev/null
  ! mountpoint -q "$CLAW_DATA"
}

@test "handoff: old VM releases, the standby boots on the disk with the claw's host key; rollback boots the old VM again" {
  running_claw
  echo "remember the milk" >"$CLAW_HOME/workspace/note.txt"
  claw_key=$(cat "$CLAW_ETC/ssh/ssh_host_ed25519_key.pub")

  # The standby: a new VM with its own host key, booted without a disk.
  new_vm standby 1.1.0
  "$CLAW_OPT/lifecycle/boot.sh" >/dev/null
  grep -qx status=standby "$CLAW_STATE/boot-status"
  [ "$(cat "$CLAW_ETC/ssh/ssh_host_ed25519_key.pub")" != "$claw_key" ]
  ! systemctl is-active -q openclaw-gateway

  # Downtime: release on the old VM, detach, attach to the standby, boot there.
  use_vm vm1
  "$CLAW_OPT/lifecycle/release.sh" >/dev/null
  detach_disk
  use_vm standby
  attach_disk claw-data
  run "$CLAW_OPT/lifecycle/boot.sh"
  [ "$status" -eq 0 ] || fail "$output"
  grep -qx status=ok "$CLAW_STATE/boot-status"
  grep -qx fs=clean "$CLAW_STATE/boot-status"
  [ "$(cat "$CLAW_ETC/ssh/ssh_host_ed25519_key.pub")" = "$claw_key" ]
  [ "$(cat "$CLAW_HOME/workspace/note.txt")" = "remember the milk" ]
  systemctl is-active -q openclaw-gateway
  # The agent runs on one VM only.
  use_vm vm1
  ! systemctl is-active -q openclaw-gateway

  # Rollback: release on the standby, the disk goes back, boot.sh on the old VM starts the agent.
  use_vm standby
  "$CLAW_OPT/lifecycle/release.sh" >/dev/null
  ! systemctl is-active -q openclaw-gateway
  detach_disk
  use_vm vm1
  attach_disk claw-data
  run "$CLAW_OPT/lifecycle/boot.sh"
  [ "$status" -eq 0 ] || fail "$output"
  grep -qx status=ok "$CLAW_STATE/boot-status"
  grep -qx fs=clean "$CLAW_STATE/boot-status"
  systemctl is-active -q openclaw-gateway
  [ "$(cat "$CLAW_HOME/workspace/note.txt")" = "remember the milk" ]
  run "$CLAW_OPT/lifecycle/verify.sh"
  [ "$status" -eq 0 ] || fail "old VM unhealthy after rollback: $output"
}

@test "handoff: a disk detached without release is reported unclean where it boots next" {
  running_claw
  new_vm standby
  "$CLAW_OPT/lifecycle/boot.sh" >/dev/null
  use_vm vm1
  detach_disk
  use_vm standby
  attach_disk claw-data
  "$CLAW_OPT/lifecycle/boot.sh" >/dev/null 2>&1
  grep -qx fs=recovered "$CLAW_STATE/boot-status"
}
