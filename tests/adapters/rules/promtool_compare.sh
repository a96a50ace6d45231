#!/usr/bin/env bash
# Runs `overtone rules check|test` and Debian's `promtool check|test rules`
# over every YAML file in the given folders and checks that both pass or
# fail on the same files (exit status 0 or not). A file with top-level
# `groups:` is a rule file (check), any other a unit-test file (test).
# Files listed in promtool_differences.txt are counted apart, with their
# reason; any other disagreement fails the test, and so does a listed
# difference that has gone away.
#
#   promtool_compare.sh OVERTONE DIFFERENCES DIR...
# Exit 77 (skipped) when promtool is not installed.
set -uo pipefail
overtone="$1"
differences="$2"
shift 2
if ! command -v promtool >/dev/null 2>&1; then
  echo "promtool_compare: no promtool (Debian package prometheus); skipped"
  exit 77
fi

# promtool's rule tests keep their storage in a temporary folder that a
# failing test file leaves behind (promtool exits before removing it): they
# get $WORK, removed on any exit.
source "$(dirname "$0")/../../support/peers.sh"

declare -A kind reason
while read -r file k rest; do
  case "$file" in '' | '#'*) continue ;; esac
  kind[$file]="$k"
  reason[$file]="$rest"
done <"$differences"

agree=0 out_of_scope=0 differ=0 bad=0
for dir in "$@"; do
  if [ ! -d "$dir" ]; then
    echo "promtool_compare: no folder $dir"
    bad=1
    continue
  fi
  for path in "$dir"/*.yml; do
    file="$(basename "$path")"
    mode=test
    grep -q '^groups:' "$path" && mode=check
    (cd "$dir" && TMPDIR="$WORK" timeout 120 promtool "$mode" rules "$file" >/dev/null 2>&1)
    p=$?
    (cd "$dir" && timeout 120 "$overtone" rules "$mode" "$file" >/dev/null 2>&1)
    o=$?
    same=$([ $((p == 0)) -eq $((o == 0)) ] && echo yes || echo no)
    k="${kind[$file]:-}"
    if [ "$same" = yes ] && [ "$k" = differs ]; then
      echo "UNEXPECTED AGREEMENT $mode $file (listed as differing: ${reason[$file]})"
      bad=1
    elif [ "$same" = yes ] && [ "$k" = out-of-scope ]; then
      echo "out of scope   $mode $file: ${reason[$file]} (promtool $p, overtone $o)"
      out_of_scope=$((out_of_scope + 1))
    elif [ "$same" = yes ]; then
      echo "agree          $mode $file (exit $p / $o)"
      agree=$((agree + 1))
    elif [ "$k" = differs ]; then
      echo "known DIFFERENCE $mode $file: promtool $p, overtone $o: ${reason[$file]}"
      differ=$((differ + 1))
    else
      echo "DISAGREE       $mode $file: promtool exit $p, overtone exit $o"
      bad=1
    fi
  done
done
echo "promtool_compare: $agree agree, $out_of_scope out of scope (both fail), $differ known differences"
exit $bad
