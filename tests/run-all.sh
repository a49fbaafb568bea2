#!/usr/bin/env bash
# tests/run-all.sh BUILD_DIR: runs every test suite against one build and
# prints, last, one line "N passed, N failed" (the sum over all suites).
#
# Each suite prints its own "<suite>: N passed, M failed" line; this script
# collects those lines. Suites:
#   unit        build/<mode>/unit            (tests/unit/**)
#   fuzz-replay build/<mode>/fuzz/fuzz_*     over tests/fuzz/corpus/<name>/
#   scripts     tests/scripts/*.sh BUILD_DIR (conformance, CLI, interop, crash...)
# Set LAGO_SUITES="unit fuzz" to run only some.
set -uo pipefail
B=${1:-build/asan}
cd "$(dirname "$0")/.."
export LAGO_SHARED=${LAGO_SHARED:-$(cd ../shared 2>/dev/null && pwd)}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
SUITES=${LAGO_SUITES:-unit fuzz scripts}
LOG=$(mktemp -d /tmp/lago-tests.XXXXXX)
total_pass=0
total_fail=0

tally() { # "<suite>: N passed, M failed" lines on stdin
  while IFS= read -r line; do
    if [[ "$line" =~ ^([A-Za-z0-9_./-]+):\ ([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
      total_pass=$((total_pass + BASH_REMATCH[2]))
      total_fail=$((total_fail + BASH_REMATCH[3]))
      echo "$line"
    fi
  done
}

for s in $SUITES; do
  case $s in
  unit)
    "$B/unit" >"$LOG/unit.out" 2>&1
    rc=$?
    grep -E '^(FAIL|  )' "$LOG/unit.out" | head -50
    if ! grep -qE '^unit: [0-9]+ passed' "$LOG/unit.out"; then
      tail -20 "$LOG/unit.out"
      echo "unit: 0 passed, 1 failed" >>"$LOG/unit.out"
    fi
    tally < <(grep -E '^unit: ' "$LOG/unit.out")
    ;;
  fuzz)
    p=0; f=0
    for t in "$B"/fuzz/fuzz_*; do
      [ -x "$t" ] || continue
      name=$(basename "$t")
      if "$t" "tests/fuzz/corpus/$name" >"$LOG/$name.out" 2>&1; then
        p=$((p + 1))
      else
        f=$((f + 1)); echo "FAIL fuzz replay $name"; tail -20 "$LOG/$name.out"
      fi
    done
    tally < <(echo "fuzz-replay: $p passed, $f failed")
    ;;
  scripts)
    for sc in tests/scripts/*.sh; do
      [ -x "$sc" ] || continue
      name=$(basename "$sc" .sh)
      "$sc" "$B" >"$LOG/$name.out" 2>&1
      rc=$?
      grep -E '^FAIL' "$LOG/$name.out" | head -30
      if ! grep -qE '^[A-Za-z0-9_./-]+: [0-9]+ passed, [0-9]+ failed$' "$LOG/$name.out"; then
        tail -20 "$LOG/$name.out"
        echo "$name: 0 passed, 1 failed" >>"$LOG/$name.out"
      elif [ $rc -ne 0 ] && ! grep -qE ': [0-9]+ passed, [1-9][0-9]* failed$' "$LOG/$name.out"; then
        tail -20 "$LOG/$name.out"
        echo "$name: 0 passed, 1 failed (exit $rc)" >>"$LOG/$name.out"
        echo "$name-exit: 0 passed, 1 failed" >>"$LOG/$name.out"
      fi
      tally < <(grep -E '^[A-Za-z0-9_./-]+: [0-9]+ passed, [0-9]+ failed$' "$LOG/$name.out")
    done
    ;;
  esac
done
echo "logs: $LOG"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
