#!/usr/bin/env bash
# Checks that the docs point at things that exist: every `path/x_test.cc::Suite.Name` (a path
# under tests/) names a file that holds that test, and every source path in backticks
# (`engine/x.h`, `adapters/http/routes.cc`, ...) names a file or folder of the repository
# (or, for a program such as `bench/segment_bench`, its .cc).
# Prints each stale reference and exits 1 if there is one.
set -euo pipefail
cd "${1:-$(dirname "${BASH_SOURCE[0]}")/../../..}"

bad=0
docs=(README.md docs/*.md fuzz/README.md)

# Test references: `dir/file_test.cc::Suite.Name` or `…::Suite.Name` (same file as before).
while IFS=$'\t' read -r doc ref; do
  file="${ref%%::*}"
  test="${ref#*::}"
  suite="${test%%.*}"
  name="${test#*.}"
  if [ ! -f "tests/$file" ]; then
    echo "check_doc_refs: $doc names tests/$file, which does not exist"; bad=1; continue
  fi
  if ! grep -qE "^(TEST|TEST_F|TEST_P)\(\s*$suite,\s*$name\)" "tests/$file"; then
    echo "check_doc_refs: $doc names $suite.$name, which tests/$file does not hold"; bad=1
  fi
done < <(for d in "${docs[@]}"; do
           grep -oE '`[a-z_/]+_test\.cc::[A-Za-z0-9_]+\.[A-Za-z0-9_]+`' "$d" | tr -d '`' |
             sed "s|^|$d\t|" || true
         done)

# Source paths in backticks.
while IFS=$'\t' read -r doc path; do
  [ -e "$path" ] || [ -e "$path.cc" ] || { echo "check_doc_refs: $doc names $path, which does not exist"; bad=1; }
done < <(for d in "${docs[@]}"; do
           grep -oE '`(base|storage|engine|sql|adapters|shell|include|tests|bench|fuzz|scripts)/[A-Za-z0-9_./*-]*[A-Za-z0-9_]`' "$d" |
             tr -d '`' | grep -v '[*]' | sed "s|^|$d\t|" || true
         done)

if [ "$bad" -ne 0 ]; then exit 1; fi
echo "check_doc_refs: every test and source path the docs name exists"
