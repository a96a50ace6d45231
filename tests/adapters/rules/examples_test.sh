#!/usr/bin/env bash
# The example rules that ship with overtone (examples/rules/) check and pass
# their unit tests under `overtone rules`, and under Debian's promtool when it
# is installed, so the demo's alerts behave as the tests say.
#
#   examples_test.sh OVERTONE_BINARY EXAMPLES_DIR
set -euo pipefail

OVERTONE=$1
DIR=$2
PROMTOOL=${PROMTOOL:-$(command -v promtool || true)}
cd "$DIR"
for rules in $(ls *.yml | grep -v '_test\.yml$'); do
  "$OVERTONE" rules check "$rules" || { echo "FAIL: overtone rules check $rules" >&2; exit 1; }
  if [ -n "$PROMTOOL" ]; then
    "$PROMTOOL" check rules "$rules" >/dev/null || { echo "FAIL: promtool check rules $rules" >&2; exit 1; }
  fi
done
for t in *_test.yml; do
  "$OVERTONE" rules test "$t" || { echo "FAIL: overtone rules test $t" >&2; exit 1; }
  if [ -n "$PROMTOOL" ]; then
    "$PROMTOOL" test rules "$t" >/dev/null || { echo "FAIL: promtool test rules $t" >&2; exit 1; }
  fi
done
echo "examples_test: every example rule file checks and its unit tests pass${PROMTOOL:+ (overtone and promtool)}"
