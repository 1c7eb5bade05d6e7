#!/usr/bin/env bash
# Summary: run the shell-level checks: ShellCheck over every script and the bats suites.
# Usage: test/shell/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

mapfile -t scripts < <(find runtime .ci test/shell local scripts -type f \( -name '*.sh' -o -name 'run' \) -not -path '*/node_modules/*' 2>/dev/null | sort)
if [ "${#scripts[@]}" -gt 0 ]; then
  if ! command -v shellcheck >/dev/null; then
    echo "run.sh: shellcheck is not installed (apt-get install shellcheck)" >&2
    exit 1
  fi
  shellcheck -x "${scripts[@]}"
  echo "shellcheck: ${#scripts[@]} scripts clean"
fi

mapfile -t suites < <(find test -name '*.bats' | sort)
if [ "${#suites[@]}" -gt 0 ]; then
  npx --no-install bats "${suites[@]}"
fi
