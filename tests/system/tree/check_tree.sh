#!/usr/bin/env bash
# Checks the rules of the source tree (docs/ARCHITECTURE.md):
#   1. every #include "..." points down the dependency order, never up or
#      sideways into a folder the includer may not use;
#   2. RocksDB is included only by storage/, httplib and generated protobuf
#      only by adapters/ (and the tests, benches and fuzz targets of them);
#   3. no source file sits directly in adapters/;
#   4. no source file has more than 800 lines.
# Prints every violation and exits 1 if there is one.
set -euo pipefail
cd "${1:-$(dirname "${BASH_SOURCE[0]}")/../../..}"

# What each folder may include, besides itself. Later folders may use all
# that earlier ones may.
declare -A may_use=(
  [include/overtone]=""
  [base]="include/overtone"
  [storage]="include/overtone base"
  [engine]="include/overtone base storage"
  [sql]="include/overtone base storage engine"
  [adapters/formats]="include/overtone base storage engine sql"
  [adapters/emulator]="include/overtone base storage engine sql adapters/formats"
  [adapters/prometheus]="include/overtone base storage engine sql adapters/formats"
  [adapters/promql]="include/overtone base storage engine sql"
  [adapters/console]="include/overtone base"
  [adapters/http]="include/overtone base storage engine sql adapters/formats adapters/prometheus adapters/promql adapters/console"
  [adapters/rules]="include/overtone base storage engine sql adapters/formats adapters/promql"
  [adapters/notify]="include/overtone base storage engine sql adapters/formats adapters/prometheus"
  [adapters/monitors]="include/overtone base storage engine sql adapters/formats adapters/prometheus adapters/promql adapters/console adapters/http adapters/notify"
  [shell]="include/overtone base storage engine sql adapters/formats adapters/emulator adapters/prometheus adapters/promql adapters/console adapters/http adapters/rules adapters/notify adapters/monitors"
)

# The folder an include path or a file belongs to: the longest key above
# that prefixes it ("overtone/x.h" is include/overtone).
folder_of() {
  local p="$1" best=""
  case "$p" in overtone/*) p="include/$p" ;; esac
  for k in "${!may_use[@]}"; do
    if [[ "$p" == "$k"/* && ${#k} -gt ${#best} ]]; then best="$k"; fi
  done
  printf '%s' "$best"
}

bad=0
fail() { echo "check_tree: $*"; bad=1; }

while IFS= read -r file; do
  from="$(folder_of "$file")"
  [ -n "$from" ] || continue
  while IFS=: read -r line inc; do
    to="$(folder_of "$inc")"
    if [ -z "$to" ]; then
      case "$inc" in
        adapters/*) fail "$file:$line includes $inc, which is in no adapters/ sub-folder" ;;
      esac
      continue
    fi
    [ "$to" = "$from" ] && continue
    if [[ " ${may_use[$from]} " != *" $to "* ]]; then
      fail "$file:$line includes \"$inc\": $from/ may not use $to/"
    fi
  done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$file" |
           sed 's/^\([0-9]*\):[^"]*"\([^"]*\)".*/\1:\2/' || true)
  if [[ "$from" != storage ]] && grep -qE '^\s*#\s*include\s*[<"]rocksdb/' "$file"; then
    fail "$file includes RocksDB: only storage/ may"
  fi
  if [[ "$from" != adapters/* ]] &&
     grep -qE '^\s*#\s*include\s*[<"](httplib\.h|[^>"]*\.pb\.h)' "$file"; then
    fail "$file includes httplib or generated protobuf: only adapters/ may"
  fi
done < <(git ls-files 'include/*' 'base/*' 'storage/*' 'engine/*' 'sql/*' 'adapters/*' 'shell/*' |
         grep -E '\.(h|cc)$')

while IFS= read -r f; do
  fail "$f sits directly in adapters/: put it in the sub-folder of its concern"
done < <(git ls-files 'adapters/*' | grep -E '^adapters/[^/]+\.(h|cc|proto)$' || true)

while IFS= read -r f; do
  n=$(wc -l < "$f")
  [ "$n" -le 800 ] || fail "$f has $n lines (at most 800)"
done < <(git ls-files | grep -E '\.(h|cc)$')

if [ "$bad" -ne 0 ]; then exit 1; fi
echo "check_tree: includes point down the order; no file over 800 lines"
