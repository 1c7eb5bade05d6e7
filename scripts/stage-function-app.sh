#!/usr/bin/env bash
# Summary: stage the Function App deployment package: the app bundled by esbuild into
#          dist/functions/index.js (dependencies inlined; packages few invocations need in lazy/
#          chunks loaded on first use), host.json, a package.json without dependencies, and runtime/
#          (the claw payload the cloud-init renderer reads). No node_modules, twin, tests or benches.
# Usage: scripts/stage-function-app.sh [OUT_DIR]
#   OUT_DIR defaults to .deploy/function-app (relative to the repository root). Used by azd
#   (azure.yaml prepackage hook) and .github/workflows/deploy.yml, so both ship the same package.
#   Needs the dev dependencies (`npm ci`): the bundler is one. OPENCLAWPS_ROOT overrides the root.
set -euo pipefail

name=$(basename "$0")
root=${OPENCLAWPS_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
out=".deploy/function-app"
for arg in "$@"; do
  case "$arg" in
    --skip-install) ;; # accepted for older callers: nothing is installed any more
    -*) echo "$name: unknown option $arg" >&2; exit 2 ;;
    *) out=$arg ;;
  esac
done

cd "$root"
case "$out" in
  "" | "/" | ".") echo "$name: refusing to stage into '$out'" >&2; exit 2 ;;
esac
if [ ! -f node_modules/esbuild/package.json ]; then
  echo "$name: esbuild is missing; run 'npm ci' first (it is a dev dependency)" >&2
  exit 1
fi
node scripts/bundle-function-app.mjs "$out"
echo "$name: staged $(du -sh "$out" | cut -f1) in $out"
