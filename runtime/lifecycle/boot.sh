#!/usr/bin/env bash
# Summary: bring a claw up on every start: mount the data disk, seed it once, restore the claw's SSH
# host keys, link the agent's state, fix ownership, sync the access password, put Tailscale's state
# on the disk and join, run migrations, apply the agent's settings, start services.
# Usage: boot.sh
#   Idempotent: a second run changes nothing. Each step prints what it did on stdout; a failure names
#   its step on stderr, is recorded in $CLAW_STATE/boot-status, and exits non-zero. Runs as root
#   (claw-boot.service, or the control plane over SSH after handing the disk over); paths come from
#   the CLAW_* variables (see lib.sh).
#   No data disk at LUN 0 (a standby VM prepared for an upgrade): records status=standby and exits 0
#   without starting the agent; run again once the disk is attached. A disk that was not cleanly
#   unmounted (detached while mounted, or the VM died) is mounted after journal recovery and the
#   boot-status says fs=recovered.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$here/lib.sh"
# shellcheck source-path=SCRIPTDIR source=access.sh
source "$here/access.sh"
claw_init boot.sh

step=preflight
standby=0
# What the data disk's file system said before this boot mounted it: clean, recovered (its last
# mount ended without an unmount), or already-mounted (an earlier boot mounted it).
fs_state=already-mounted
record_status() {
  local rc=$?
  mkdir -p "$CLAW_STATE"
  if [ "$rc" -eq 0 ] && [ "$standby" -eq 1 ]; then
    write_file "$CLAW_STATE/boot-status" "status=standby
at=$(now_utc)
boot=$(boot_id)
step=wait-for-disk
runtime=$(runtime_version)" || true
  elif [ "$rc" -eq 0 ]; then
    write_file "$CLAW_STATE/boot-status" "status=ok
at=$(now_utc)
boot=$(boot_id)
runtime=$(runtime_version)
update=$(recorded_update_version)
fs=$fs_state" || true
  else
    printf '%s: step %s failed (exit %s)\n' "$CLAW_SCRIPT" "$step" "$rc" >&2
    write_file "$CLAW_STATE/boot-status" "status=failed
at=$(now_utc)
boot=$(boot_id)
step=$step
exit=$rc" || true
  fi
}
trap record_status EXIT

# --- steps -------------------------------------------------------------------------------------

preflight() {
  [ -d "$CLAW_OPT/lifecycle" ] || die "no payload at $CLAW_OPT"
  id "$CLAW_USER" >/dev/null 2>&1 || die "user $CLAW_USER does not exist (the baseline image creates it)"
  mkdir -p "$CLAW_STATE"
}

mount_disk() {
  if mountpoint -q "$CLAW_DATA"; then
    say "mount-disk: $CLAW_DATA already mounted"
    return 0
  fi
  local waited=0 fstype
  # The disk may still be appearing when the VM starts.
  while [ ! -e "$CLAW_DATA_DEVICE" ]; do
    if [ "$waited" -ge "$CLAW_DISK_WAIT_SECONDS" ]; then
      # A standby VM: ready for the handoff, but no agent without the claw's disk.
      step=wait-for-disk
      standby=1
      say "mount-disk: no data disk at $CLAW_DATA_DEVICE after ${waited}s; standing by (the agent starts when the disk is attached and boot.sh runs again)"
      exit 0
    fi
    sleep 1
    waited=$((waited + 1))
  done
  # A partitioned disk is not ours to format.
  if compgen -G "$CLAW_DATA_DEVICE-part*" >/dev/null; then
    die "mount-disk: $CLAW_DATA_DEVICE is partitioned; expected a whole-disk ext4 filesystem"
  fi
  fstype=$(blkid -o value -s TYPE "$CLAW_DATA_DEVICE" || true)
  case $fstype in
    ext4) ;;
    "")
      mkfs.ext4 -q -L claw-data "$CLAW_DATA_DEVICE"
      say "mount-disk: formatted the new data disk (ext4)"
      ;;
    *) die "mount-disk: $CLAW_DATA_DEVICE holds a $fstype filesystem, expected ext4; leaving it alone" ;;
  esac
  # ext4 keeps needs_recovery set while mounted: seen before mounting, the last mount never ended.
  fs_state=clean
  local superblock
  superblock=$(dumpe2fs -h "$CLAW_DATA_DEVICE" 2>/dev/null || true)
  if grep -q '^Filesystem features:.*needs_recovery' <<<"$superblock"; then
    fs_state=recovered
    warn "mount-disk: $CLAW_DATA_DEVICE was not cleanly unmounted (detached or powered off while mounted); the journal is replayed on mount"
  fi
  mkdir -p "$CLAW_DATA"
  mount -o noatime "$CLAW_DATA_DEVICE" "$CLAW_DATA"
  say "mount-disk: mounted $CLAW_DATA_DEVICE at $CLAW_DATA (waited ${waited}s, file system $fs_state)"
}

seed_defaults() {
  if [ -f "$CLAW_META/seeded-at" ]; then
    say "seed-defaults: disk seeded at $(cat "$CLAW_META/seeded-at"), left as is"
    return 0
  fi
  mkdir -p "$CLAW_META"
  local src rel count=0
  # Copy file by file and never overwrite: a half-seeded disk (boot interrupted) is completed, not reset.
  while IFS= read -r -d '' src; do
    rel=${src#"$CLAW_OPT/defaults/"}
    [ ! -e "$CLAW_DATA/$rel" ] || continue
    mkdir -p "$(dirname "$CLAW_DATA/$rel")"
    cp -p "$src" "$CLAW_DATA/$rel"
    count=$((count + 1))
  done < <(find "$CLAW_OPT/defaults" -type f -print0 | sort -z)
  # The defaults are the current layout, so a fresh disk starts at this runtime's latest migration.
  [ -f "$CLAW_META/update-version" ] || write_file "$CLAW_META/update-version" "$(latest_migration)"
  write_file "$CLAW_META/seeded-at" "$(now_utc)" || true
  say "seed-defaults: seeded $count files from runtime $(runtime_version), update $(recorded_update_version)"
}

ensure_layout() {
  local d made=()
  # The original tool's layout: openclaw/ (config, .env, exec approvals, the agent's database and
  # Telegram state), workspace/ (SOUL.md, agents, memory, skills), tailscale/ (the node's identity).
  for d in openclaw workspace workspace/agents workspace/memory workspace/skills secrets tailscale \
    .openclawps/ssh; do
    if [ ! -d "$CLAW_DATA/$d" ]; then
      mkdir -p "$CLAW_DATA/$d"
      made+=("$d/")
    fi
  done
  chmod 0700 "$CLAW_DATA/secrets" "$CLAW_DATA/tailscale" "$CLAW_META/ssh"
  if [ "${#made[@]}" -gt 0 ]; then say "layout: created ${made[*]}"; else say "layout: in place"; fi
}

# The claw's SSH host identity lives on the data disk, so the control plane's pinned host key stays
# valid when the VM under the disk is replaced.
host_keys() {
  local ssh_dir=$CLAW_ETC/ssh disk_dir=$CLAW_META/ssh key name restored=() saved=()
  mkdir -p "$ssh_dir"
  if ! compgen -G "$disk_dir/ssh_host_*_key" >/dev/null && [ ! -f "$ssh_dir/ssh_host_ed25519_key" ]; then
    ssh-keygen -q -t ed25519 -N '' -C '' -f "$ssh_dir/ssh_host_ed25519_key"
  fi
  for key in "$disk_dir"/ssh_host_*_key; do
    if [ ! -f "$key" ] || [ ! -f "$key.pub" ]; then continue; fi
    name=$(basename "$key")
    if ! cmp -s "$key" "$ssh_dir/$name" || ! cmp -s "$key.pub" "$ssh_dir/$name.pub"; then
      install -m 0600 "$key" "$ssh_dir/$name"
      install -m 0644 "$key.pub" "$ssh_dir/$name.pub"
      restored+=("$name")
    fi
  done
  for key in "$ssh_dir"/ssh_host_*_key; do
    if [ ! -f "$key" ] || [ ! -f "$key.pub" ]; then continue; fi
    name=$(basename "$key")
    [ ! -f "$disk_dir/$name" ] || continue
    install -m 0600 "$key" "$disk_dir/$name"
    install -m 0644 "$key.pub" "$disk_dir/$name.pub"
    saved+=("$name")
  done
  if [ "${#restored[@]}" -gt 0 ]; then
    # try-restart: a socket-activated sshd that is not running picks the keys up on its next start.
    systemctl try-restart ssh
    say "host-keys: restored ${restored[*]} from the data disk, ssh restarted"
  fi
  [ "${#saved[@]}" -eq 0 ] || say "host-keys: saved ${saved[*]} to the data disk"
  [ "${#restored[@]}" -gt 0 ] || [ "${#saved[@]}" -gt 0 ] || say "host-keys: in place"
}

link_state() {
  local pair link target what=()
  mkdir -p "$CLAW_HOME"
  for pair in ".openclaw:openclaw" "workspace:workspace"; do
    link=$CLAW_HOME/${pair%%:*}
    target=$CLAW_DATA/${pair##*:}
    if [ -L "$link" ] && [ "$(readlink "$link")" = "$target" ]; then continue; fi
    if [ -L "$link" ]; then
      rm -f "$link"
    elif [ -d "$link" ] && [ -z "$(ls -A "$link")" ]; then
      rmdir "$link"
    elif [ -e "$link" ]; then
      # Something (e.g. an installer) put real state here; keep it, out of the way.
      mv "$link" "$link.pre-claw.$(date -u +%Y%m%d%H%M%S)"
      what+=("moved the old ${pair%%:*} aside")
    fi
    ln -s "$target" "$link"
    what+=("${pair%%:*} -> $target")
  done
  if [ "${#what[@]}" -gt 0 ]; then
    say "symlinks: $(printf '%s; ' "${what[@]}" | sed 's/; $//')"
  else
    say "symlinks: in place"
  fi
}

fix_permissions() {
  local admin=${CLAW_ADMIN_USER:-$(deploy_conf CLAW_ADMIN_USER)}
  chown -R "$CLAW_USER:$CLAW_USER" "$CLAW_DATA/openclaw" "$CLAW_DATA/workspace"
  chown -h "$CLAW_USER:$CLAW_USER" "$CLAW_HOME/.openclaw" "$CLAW_HOME/workspace"
  # The control plane delivers claw.env over SFTP as the admin user, so the admin owns secrets/.
  chown "${admin:-root}:${admin:-root}" "$CLAW_DATA/secrets"
  chmod 0700 "$CLAW_DATA/secrets"
  if [ -f "$CLAW_SECRETS_FILE" ]; then
    chown "${admin:-root}:${admin:-root}" "$CLAW_SECRETS_FILE"
    chmod 0600 "$CLAW_SECRETS_FILE"
  fi
  [ ! -f "$CLAW_AGENT_ENV" ] || chmod 0600 "$CLAW_AGENT_ENV"
  say "permissions: openclaw/ and workspace/ owned by $CLAW_USER, secrets/ 0700 owned by ${admin:-root}"
}

# The password on the disk is the claw's: every VM it rides on gets it again.
access_password() {
  install_access_password || true
  sync_access_password
}

join_tailnet() {
  tailscale_state_on_disk
  if [ ! -f "$CLAW_SECRETS_FILE" ]; then
    say "tailscale: no secrets delivered yet, not joining"
    return 0
  fi
  # Tailscale is a convenience for operators, not a reason to keep the agent down.
  if tailscale_join "$CLAW_SECRETS_FILE"; then
    tailscale_serve_chat
  else
    warn "tailscale: join failed; continuing without it"
  fi
}

# The original tool's update-version.txt at the disk's root mirrors the migration the disk is at.
record_update_version() {
  if write_file "$CLAW_DATA/update-version.txt" "$(recorded_update_version)"; then
    say "update-version: $CLAW_DATA/update-version.txt at $(recorded_update_version)"
  else
    say "update-version: $CLAW_DATA/update-version.txt current"
  fi
}

agent_settings() {
  apply_agent_settings || true
}

# apt's daily timers upgrade packages at random hours and bounce the network (the original's tailnet
# flapped); packages arrive with the image and the install layer instead.
apt_timers() {
  local t off=()
  for t in apt-daily.timer apt-daily-upgrade.timer; do
    if systemctl is-enabled -q "$t" 2>/dev/null || systemctl is-active -q "$t" 2>/dev/null; then
      systemctl disable --now "$t" >/dev/null 2>&1 || warn "apt-timers: could not disable $t"
      off+=("$t")
    fi
  done
  if [ "${#off[@]}" -gt 0 ]; then say "apt-timers: disabled ${off[*]}"; else say "apt-timers: off"; fi
}

run_updates() {
  "$here/run-updates.sh"
}

start_services() {
  local unit started=() kept=()
  for unit in lightdm xrdp sunshine; do
    if systemctl is-active -q "$unit"; then
      kept+=("$unit")
    elif systemctl start "$unit"; then
      started+=("$unit")
    elif [ "$unit" = sunshine ]; then
      warn "services: sunshine failed to start (streaming only; the agent does not need it)"
    else
      die "services: $unit failed to start"
    fi
  done
  if [ ! -f "$CLAW_AGENT_ENV" ]; then
    say "services: openclaw-gateway waits for secrets (apply-secrets.sh starts it)"
  elif systemctl is-active -q openclaw-gateway; then
    kept+=(openclaw-gateway)
  else
    systemctl start openclaw-gateway || die "services: openclaw-gateway failed to start"
    started+=(openclaw-gateway)
  fi
  say "services: started ${started[*]:-nothing}; already running ${kept[*]:-nothing}"
}

# --- run -------------------------------------------------------------------------------------

preflight
mkdir -p "$CLAW_STATE"
exec 9>"$CLAW_STATE/boot.lock"
flock -w 900 9 || die "another boot.sh holds $CLAW_STATE/boot.lock"

# run_step NAME FUNCTION: the EXIT trap reports NAME if FUNCTION fails.
run_step() {
  step=$1
  "$2"
}
run_step mount-disk mount_disk
run_step seed-defaults seed_defaults
run_step layout ensure_layout
run_step host-keys host_keys
run_step symlinks link_state
run_step permissions fix_permissions
run_step access-password access_password
run_step apt-timers apt_timers
run_step tailscale join_tailnet
run_step updates run_updates
run_step update-version record_update_version
run_step agent-settings agent_settings
run_step services start_services
step=finished
