#!/usr/bin/env bash
# tests/scripts/slt_selftest.sh BUILD_DIR: the sqllogictest runner checked
# against SQLite: tests/slt-selftest/pass.test must pass, every fail-*.test
# must be reported as failing (so the runner can actually fail).
set -u
B=${1:-build/asan}
S="$B/slt"
pass=0; fail=0
if "$S" --engine sqlite tests/slt-selftest/pass.test >/tmp/slt-self.out 2>&1; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL pass.test"; cat /tmp/slt-self.out; fi
for f in tests/slt-selftest/fail-*.test; do
  if "$S" --engine sqlite "$f" >/tmp/slt-self.out 2>&1; then
    fail=$((fail+1)); echo "FAIL $f passed but must fail"; cat /tmp/slt-self.out
  elif grep -q '^slt: 0 passed, 1 failed$' /tmp/slt-self.out; then pass=$((pass+1))
  else fail=$((fail+1)); echo "FAIL $f: unexpected output"; cat /tmp/slt-self.out; fi
done
echo "slt-selftest: $pass passed, $fail failed"
[ $fail -eq 0 ]
