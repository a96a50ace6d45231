#!/usr/bin/env bash
# Installs the web console's npm dependencies (web/package-lock.json: uPlot
# only) into a directory of the build tree, for the build to embed their
# files in the binary. Run by CMake (adapters/console/CMakeLists.txt); the
# source tree is left as it is.
#
#   scripts/web_deps.sh WEB_DIR OUT_DIR      # -> OUT_DIR/node_modules/..., OUT_DIR/installed.stamp
#
# Needs Debian's nodejs and npm (scripts/setup.sh installs them) and the npm
# registry, or npm's cache of an earlier install (--prefer-offline).
set -euo pipefail

WEB_DIR=$1
OUT_DIR=$2
command -v npm >/dev/null || {
  echo "web_deps: npm is not installed; run scripts/setup.sh (Debian packages nodejs and npm)" >&2
  exit 1
}
mkdir -p "$OUT_DIR"
cp "$WEB_DIR/package.json" "$WEB_DIR/package-lock.json" "$OUT_DIR/"
cd "$OUT_DIR"
# ci: exactly what the lock file names, checked against its integrity hashes.
npm ci --omit=dev --ignore-scripts --no-audit --no-fund --prefer-offline --loglevel=error
for f in node_modules/uplot/dist/uPlot.iife.min.js node_modules/uplot/dist/uPlot.min.css node_modules/uplot/LICENSE; do
  [ -s "$f" ] || { echo "web_deps: $OUT_DIR/$f is missing after npm ci" >&2; exit 1; }
done
touch installed.stamp
