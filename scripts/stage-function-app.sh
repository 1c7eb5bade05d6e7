#!/usr/bin/env bash
# Summary: stage the Function App deployment package: compiled dist/, host.json, package files,
#          runtime/ (the claw payload the cloud-init renderer reads) and production node_modules.
# Usage: scripts/stage-function-app.sh [OUT_DIR] [--skip-install]
#   OUT_DIR defaults to .deploy/function-app (relative to the repository root). Used by azd
#   (azure.yaml prepackage hook) and .github/workflows/deploy.yml, so both ship the same package.
#   --skip-install copies files only (tests). OPENCLAWPS_ROOT overrides the repository root.
set -euo pipefail

name=$(basename "$0")
root=${OPENCLAWPS_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
out=".deploy/function-app"
install=1
for arg in "$@"; do
  case "$arg" in
    --skip-install) install=0 ;;
    -*) echo "$name: unknown option $arg" >&2; exit 2 ;;
    *) out=$arg ;;
  esac
done

cd "$root"
if [ ! -f dist/functions/index.js ]; then
  echo "$name: dist/functions/index.js is missing; run 'npm run build' first" >&2
  exit 1
fi
case "$out" in
  "" | "/" | ".") echo "$name: refusing to stage into '$out'" >&2; exit 2 ;;
esac

tmp="$out.tmp"
rm -rf "$tmp"
mkdir -p "$tmp"
cp -R dist host.json package.json package-lock.json "$tmp"/
if [ -d runtime ]; then
  cp -R runtime "$tmp"/
fi
if [ "$install" -eq 1 ]; then
  # Production dependencies only; install scripts off (ssh2's optional native speed-up is not needed).
  (cd "$tmp" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund)
fi
rm -rf "$out"
mv "$tmp" "$out"
echo "$name: staged $(du -sh "$out" | cut -f1) in $out"
