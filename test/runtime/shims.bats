#!/usr/bin/env bats
# Summary: the guest shims themselves: harmless without a sandbox, honest about disks and units.

load helpers

setup() {
  export CLAW_STATE=$BATS_TEST_TMPDIR/state
}

@test "shims: ShellCheck finds nothing in the shims" {
  require_tool shellcheck "apt-get install shellcheck"
  shellcheck -x "$REPO"/local/guest-shims/bin/* "$REPO/local/guest-shims/lib/common.sh"
}

@test "shims: refuse to run without CLAW_STATE instead of touching the host" {
  unset CLAW_STATE
  for shim in "$REPO"/local/guest-shims/bin/*; do
    run "$shim" --version
    [ "$status" -eq 125 ] || fail "$(basename "$shim") ran without CLAW_STATE: $output"
  done
}

@test "shims: mount needs a formatted disk and mountpoint follows it" {
  disk=$BATS_TEST_TMPDIR/disk
  mkdir -p "$disk" "$BATS_TEST_TMPDIR/mnt"
  ln -s "$disk" "$BATS_TEST_TMPDIR/lun0"
  run blkid -o value -s TYPE "$BATS_TEST_TMPDIR/lun0"
  [ "$status" -eq 2 ]
  run mount "$BATS_TEST_TMPDIR/lun0" "$BATS_TEST_TMPDIR/mnt"
  [ "$status" -eq 32 ]
  mkfs.ext4 -q "$BATS_TEST_TMPDIR/lun0"
  run mkfs.ext4 "$BATS_TEST_TMPDIR/lun0"
  [ "$status" -eq 1 ]
  [ "$(blkid -o value -s TYPE "$BATS_TEST_TMPDIR/lun0")" = ext4 ]
  mount -o noatime "$BATS_TEST_TMPDIR/lun0" "$BATS_TEST_TMPDIR/mnt"
  mountpoint -q "$BATS_TEST_TMPDIR/mnt"
  [ "$(readlink "$BATS_TEST_TMPDIR/mnt")" = "$disk" ]
  umount "$BATS_TEST_TMPDIR/mnt"
  ! mountpoint -q "$BATS_TEST_TMPDIR/mnt"
  [ -d "$BATS_TEST_TMPDIR/mnt" ]
}

@test "shims: systemctl keeps unit state and fails a unit marked to fail" {
  run systemctl is-active gateway
  [ "$status" -eq 3 ]
  [ "$output" = inactive ]
  systemctl start gateway.service
  [ "$(systemctl is-active gateway)" = active ]
  touch "$CLAW_STATE/shim/systemd/gateway.fail"
  run systemctl restart gateway
  [ "$status" -eq 1 ]
  [ "$(systemctl is-active gateway || true)" = failed ]
}

@test "shims: openclaw health follows the gateway unit and the agent's environment" {
  export CLAW_DATA=$BATS_TEST_TMPDIR/data
  run openclaw health --json
  [ "$status" -eq 1 ]
  systemctl start openclaw-gateway
  run openclaw health --json
  [ "$status" -eq 0 ]
  [[ $output == '{"ok":true,'*'"telegram":{"configured":false'* ]]
  mkdir -p "$CLAW_DATA/openclaw"
  echo "TELEGRAM_BOT_TOKEN=1:x" >"$CLAW_DATA/openclaw/.env"
  [[ $(openclaw health --json) == *'"telegram":{"configured":true'* ]]
}

@test "shims: tailscale joins with a key file and never records the key" {
  run tailscale up
  [ "$status" -eq 1 ]
  echo "tskey-auth-abcdef" >"$BATS_TEST_TMPDIR/key"
  tailscale up --auth-key="file:$BATS_TEST_TMPDIR/key" --hostname=claw-1
  tailscale up --authkey=tskey-auth-abcdef
  [[ $(tailscale status) == *claw-1* ]]
  ! grep -rq abcdef "$CLAW_STATE"
}

@test "shims: xdpyinfo sees display :0 only while lightdm runs" {
  run env DISPLAY=:0 xdpyinfo
  [ "$status" -eq 1 ]
  systemctl start lightdm
  DISPLAY=:0 xdpyinfo >/dev/null
  run env DISPLAY=:1 xdpyinfo
  [ "$status" -eq 1 ]
}

@test "shims: the ext4 state follows mounts: needs_recovery until umount, recovery reported by the next mount, busy refused" {
  disk=$BATS_TEST_TMPDIR/disk
  mkdir -p "$disk" "$BATS_TEST_TMPDIR/mnt"
  ln -s "$disk" "$BATS_TEST_TMPDIR/lun0"
  mkfs.ext4 -q "$BATS_TEST_TMPDIR/lun0"
  [[ $(dumpe2fs -h "$BATS_TEST_TMPDIR/lun0") != *needs_recovery* ]]
  mount "$BATS_TEST_TMPDIR/lun0" "$BATS_TEST_TMPDIR/mnt"
  [[ $(dumpe2fs -h "$BATS_TEST_TMPDIR/lun0") == *needs_recovery* ]]
  echo "$BATS_TEST_TMPDIR/mnt" >"$CLAW_STATE/shim/busy"
  run umount "$BATS_TEST_TMPDIR/mnt"
  [ "$status" -eq 32 ]
  [[ $output == *"target is busy"* ]]
  rm "$CLAW_STATE/shim/busy"
  umount "$BATS_TEST_TMPDIR/mnt"
  [[ $(dumpe2fs -h "$BATS_TEST_TMPDIR/lun0") != *needs_recovery* ]]
  # Mounted, then the disk vanishes without an unmount (a detach): the next mount recovers.
  mount "$BATS_TEST_TMPDIR/lun0" "$BATS_TEST_TMPDIR/mnt"
  rm "$BATS_TEST_TMPDIR/mnt" && mkdir "$BATS_TEST_TMPDIR/mnt"
  run --separate-stderr mount "$BATS_TEST_TMPDIR/lun0" "$BATS_TEST_TMPDIR/mnt"
  [ "$status" -eq 0 ]
  [[ $stderr == *"not cleanly unmounted; recovering journal"* ]]
}
