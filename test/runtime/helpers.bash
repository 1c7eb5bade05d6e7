# Summary: shared setup for the runtime/ bats suites: sandbox guests ("VMs") with the guest shims
# first on PATH, data disks as directories, and a loopback stand-in for the gateway's HTTP endpoint.
# Usage: load helpers   (then new_vm NAME, attach_disk DISK, boot, ...)

bats_require_minimum_version 1.5.0

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
export PATH="$REPO/local/guest-shims/bin:$PATH"

# fail MESSAGE: fails the current test with MESSAGE.
fail() {
  echo "$1" >&2
  return 1
}

# require_tool NAME HINT: fails clearly when a tool the suite needs is not installed.
require_tool() {
  command -v "$1" >/dev/null || fail "$1 is not installed ($2); .ci/run installs it"
}

# new_vm NAME [RUNTIME_VERSION]: a fresh guest root with the repository's payload and its own SSH host
# key; exports the guest contract's variables for it.
new_vm() {
  local root=$BATS_TEST_TMPDIR/$1
  mkdir -p "$root"/{etc/ssh,etc/openclawps,opt/claw,home,mnt,var/lib/openclawps,dev/disk/azure/scsi1}
  cp -R "$REPO/runtime/lifecycle" "$REPO/runtime/updates" "$REPO/runtime/defaults" "$REPO/runtime/VERSION" \
    "$root/opt/claw/"
  [ -z "${2:-}" ] || echo "$2" >"$root/opt/claw/VERSION"
  ssh-keygen -q -t ed25519 -N '' -C "$1" -f "$root/etc/ssh/ssh_host_ed25519_key"
  echo 1.0.0 >"$root/etc/openclawps/image-version"
  export VM_ROOT=$root
  export CLAW_STATE=$root/var/lib/openclawps CLAW_DATA=$root/mnt/claw-data CLAW_HOME=$root/home/claw
  export CLAW_ETC=$root/etc CLAW_OPT=$root/opt/claw CLAW_DATA_DEVICE=$root/dev/disk/azure/scsi1/lun0
  export CLAW_USER=claw CLAW_DISK_WAIT_SECONDS=1
  # Nothing listens on port 1: the gateway is down unless start_gateway runs (before or after).
  [ -n "${GATEWAY_PID:-}" ] || export CLAW_GATEWAY_URL=http://127.0.0.1:1/health
}

# use_vm NAME: makes the guest NAME (made by new_vm) the current one again.
use_vm() {
  local root=$BATS_TEST_TMPDIR/$1
  [ -d "$root" ] || fail "no VM $1"
  export VM_ROOT=$root
  export CLAW_STATE=$root/var/lib/openclawps CLAW_DATA=$root/mnt/claw-data CLAW_HOME=$root/home/claw
  export CLAW_ETC=$root/etc CLAW_OPT=$root/opt/claw CLAW_DATA_DEVICE=$root/dev/disk/azure/scsi1/lun0
}

# detach_disk: what an online detach does to the current VM: the LUN link goes, and with it a mount
# still standing on the disk.
detach_disk() {
  rm -f "$CLAW_DATA_DEVICE"
  if [ -L "$CLAW_DATA" ]; then rm -f "$CLAW_DATA"; fi
}

# attach_disk NAME: attaches the data disk NAME (a directory, created on first use) at LUN 0.
attach_disk() {
  export DISK=$BATS_TEST_TMPDIR/disks/$1
  mkdir -p "$DISK"
  ln -sfn "$DISK" "$CLAW_DATA_DEVICE"
}

# add_migration NAME BODY: adds updates/NAME.sh to the current VM's payload.
add_migration() {
  printf '#!/usr/bin/env bash\nset -euo pipefail\n%s\n' "$2" >"$CLAW_OPT/updates/$1.sh"
}

# deliver_secrets CONTENT: what the control plane's SFTP upload does.
deliver_secrets() {
  mkdir -p "$CLAW_DATA/secrets"
  printf '%s\n' "$1" >"$CLAW_DATA/secrets/claw.env"
  chmod 0600 "$CLAW_DATA/secrets/claw.env"
}

# start_gateway: serves 200 on a loopback ephemeral port and points CLAW_GATEWAY_URL at it.
start_gateway() {
  local portfile=$BATS_TEST_TMPDIR/gateway.port
  node -e '
    const http = require("http");
    const s = http.createServer((_q, r) => { r.writeHead(200, {"content-type": "application/json"}); r.end("{\"ok\":true}"); });
    s.listen(0, "127.0.0.1", () => require("fs").writeFileSync(process.argv[1], String(s.address().port)));
  ' "$portfile" 3>&- &
  GATEWAY_PID=$!
  local i
  for i in $(seq 1 100); do
    [ -s "$portfile" ] && break
    sleep 0.05
  done
  [ -s "$portfile" ] || fail "the gateway stand-in did not start"
  export CLAW_GATEWAY_URL="http://127.0.0.1:$(cat "$portfile")/health"
}

# stop_gateway: stops the stand-in started by start_gateway (teardown calls it).
stop_gateway() {
  if [ -n "${GATEWAY_PID:-}" ]; then
    kill "$GATEWAY_PID" 2>/dev/null || true
    wait "$GATEWAY_PID" 2>/dev/null || true
    GATEWAY_PID=""
  fi
}

# summarize JSON: parses verify.sh's output once (fails on invalid JSON) and prints it as lines:
#   ok=BOOL, imageVersion=..., runtimeVersion=..., updateVersion=..., then per check
#   "check NAME ok|FAILED required|optional: DETAIL".
summarize() {
  node -e '
    const j = JSON.parse(process.argv[1]);
    const out = [`ok=${j.ok}`, `imageVersion=${j.imageVersion}`, `runtimeVersion=${j.runtimeVersion}`,
      `updateVersion=${j.updateVersion}`];
    for (const c of j.checks) {
      if (typeof c.name !== "string" || typeof c.ok !== "boolean" || typeof c.detail !== "string") throw new Error("bad check");
      out.push(`check ${c.name} ${c.ok ? "ok" : "FAILED"} ${c.optional ? "optional" : "required"}: ${c.detail}`);
    }
    console.log(out.join("\n"));
  ' "$1"
}

# failed_required SUMMARY: the names of the failed required checks, comma-separated.
failed_required() {
  awk '$1 == "check" && $3 == "FAILED" && $4 == "required:" { printf "%s%s", sep, $2; sep = "," }' <<<"$1"
}

# snapshot: every path of the VM and its disk with type, mode, link target and content hash, minus
# what legitimately changes on each run (the boot record, the lock, the shims' call log).
snapshot() {
  local base
  for base in "$VM_ROOT" "$DISK"; do
    find "$base" \( -path "$CLAW_STATE/boot-status" -o -path "$CLAW_STATE/boot.lock" -o \
      -path "$CLAW_STATE/shim/calls.log" \) -prune -o -printf '%p %y %m %l\n' | sort
    find "$base" -type f ! -path "$CLAW_STATE/boot-status" ! -path "$CLAW_STATE/shim/calls.log" \
      -exec md5sum {} + | sort
  done
}
