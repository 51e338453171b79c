#!/usr/bin/env bash
# After a failed ctest run: the failed assertions of the run (Catch2's "file:line: FAILED:"
# with the assertion and its expansion), short enough to read at the end of a CI log, where
# ctest's own per-test output has long scrolled away. Usage: failure-digest.sh BUILD_DIR
set -uo pipefail
log="${1:?usage: failure-digest.sh BUILD_DIR}/Testing/Temporary/LastTest.log"
[[ -r "$log" ]] || { echo "failure-digest: no $log" >&2; exit 0; }
echo "---- failed assertions (from $log) ----"
# Each failure: its location line and the next 5 lines (assertion, expansion), each cut to
# 160 characters; at most 40 lines in all.
grep -A5 -E '(: FAILED:|: (FATAL )?ERROR:|ERROR: AddressSanitizer|runtime error:)' "$log" \
  | cut -c1-160 | grep -v '^--$' | tail -n 40
exit 0
