#!/usr/bin/env bash
# Summary: apply the payload's numbered migrations (updates/NNN-*.sh) that are newer than the version
# recorded on the data disk, in order, recording each success.
# Usage: run-updates.sh
#   Prints one line per migration applied. A failing migration stops the chain: the recorded version
#   stays at the last success and the script exits with the migration's status, naming it on stderr.
#   Migrations run with the CLAW_* variables exported and must be safe to run twice.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$here/lib.sh"
claw_init run-updates.sh

[ -d "$CLAW_META" ] || die "no data disk layout at $CLAW_META (is the disk mounted and seeded?)"

current=$(recorded_update_version)
latest=$(latest_migration)

# Two migrations with one number would apply in an arbitrary order: refuse the payload.
dupes=$(find "$CLAW_OPT/updates" -maxdepth 1 -name '[0-9][0-9][0-9]-*.sh' -printf '%f\n' 2>/dev/null |
  cut -c1-3 | sort | uniq -d | tr '\n' ' ')
[ -z "$dupes" ] || die "payload has more than one migration numbered ${dupes% }"

if ((10#$current > 10#$latest)); then
  # A disk from a newer runtime (e.g. a rollback to an older image): nothing to apply, and the older
  # runtime must not pretend the disk is current. verify.sh reports the mismatch.
  warn "data disk is at update $current, newer than this runtime's latest $latest; applying nothing"
  exit 0
fi

applied=0
for script in "$CLAW_OPT"/updates/[0-9][0-9][0-9]-*.sh; do
  [ -e "$script" ] || continue
  name=$(basename "$script" .sh)
  n=${name:0:3}
  ((10#$n > 10#$current)) || continue
  rc=0
  bash "$script" || rc=$?
  if [ "$rc" -ne 0 ]; then
    die "migration $name failed (exit $rc); data disk stays at update $current" "$rc"
  fi
  write_file "$CLAW_META/update-version" "$n" 0644 || true
  current=$n
  applied=$((applied + 1))
  say "applied $name"
done

if [ "$applied" -eq 0 ]; then
  say "updates: data disk already at update $current"
else
  say "updates: data disk now at update $current"
fi
