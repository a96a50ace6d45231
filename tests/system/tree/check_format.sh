#!/usr/bin/env bash
# Checks that every C++ file is formatted as .clang-format says (Google style,
# 110 columns), so that no change carries reformatting of code it did not
# touch. Fix with: git ls-files '*.cc' '*.h' | xargs clang-format -i
# Exit 77 (skipped) when clang-format is not installed.
set -euo pipefail
cd "${1:-$(dirname "${BASH_SOURCE[0]}")/../../..}"
command -v clang-format >/dev/null || { echo "check_format: clang-format not installed"; exit 77; }
if ! git ls-files '*.cc' '*.h' | grep -v '^fuzz/corpus/' | xargs clang-format --dry-run --Werror; then
  echo "check_format: the files above are not formatted; run clang-format -i on them"
  exit 1
fi
echo "check_format: every C++ file is formatted"
