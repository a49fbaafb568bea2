#!/usr/bin/env bash
# tests/scripts/delta_crash.sh BUILD_DIR: kill -9 writers at random moments
# of commit and checkpoint writing, RUNS times (default 120). After every kill
# the table must open at a consistent version: each append that landed is
# there exactly once, nothing else. (The deterministic counterpart, an I/O
# failure injected at every operation of a commit and of a checkpoint, is in
# tests/unit/table/test_delta_txn.c and test_delta_write.c.)
set -u
B=${1:-build/asan}
cd "$(dirname "$0")/../.."
S="$B/delta_stress"
RUNS=${DELTA_CRASH_RUNS:-120}
T=$(mktemp -d /tmp/lago-crash.XXXXXX)
trap 'rm -rf "$T"' EXIT
pass=0; fail=0
"$S" create "$T/t" || { echo "FAIL create"; echo "delta-crash: 0 passed, 1 failed"; exit 1; }
for r in $(seq 0 $((RUNS - 1))); do
  # writer r appends up to 6 times (its own appId, so landed appends are countable); every third
  # run a checkpoint writer races it; both are killed after 0-199 ms (a run takes ~200 ms)
  "$S" append "$T/t" "$r" 6 >/dev/null 2>&1 & p1=$!
  p2=
  if [ $((r % 3)) -eq 0 ]; then "$S" checkpoint "$T/t" 2 >/dev/null 2>&1 & p2=$!; fi
  sleep "0.$((RANDOM % 2))$((RANDOM % 10))$((RANDOM % 10))"
  kill -9 $p1 $p2 2>/dev/null
  wait $p1 $p2 2>/dev/null
  out=$("$S" check "$T/t" $((r + 1)) -1 quick 2>&1); rc=$?
  [ -n "${VERBOSE:-}" ] && echo "$out"
  if [ $rc -eq 0 ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL run $r:"; echo "$out" | head -5; fi
done
# finally every version must still open
out=$("$S" check "$T/t" "$RUNS" -1 2>&1)
if [ $? -eq 0 ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL final full check:"; echo "$out" | head -5; fi
echo "delta-crash: $pass passed, $fail failed"
[ $fail -eq 0 ]
