#!/usr/bin/env bash
# tests/scripts/delta_concurrency.sh BUILD_DIR: 8 appender processes (25 blind
# appends each) and 2 merger processes (10 rewrites or DV deletes each, retried
# on conflict) commit into one table at once: 220 commits. Then every version
# must open, every append must have landed exactly once, and no row may be
# lost or duplicated. Repeated ROUNDS times (default 2).
set -u
B=${1:-build/asan}
cd "$(dirname "$0")/../.."
S="$B/delta_stress"
ROUNDS=${DELTA_CONC_ROUNDS:-2}
pass=0; fail=0
for r in $(seq 1 "$ROUNDS"); do
  T=$(mktemp -d /tmp/lago-conc.XXXXXX)
  "$S" create "$T/t" || { echo "FAIL round $r: create"; fail=$((fail+1)); continue; }
  pids=()
  for w in 0 1 2 3 4 5 6 7; do "$S" append "$T/t" $w 25 >"$T/a$w.out" 2>&1 & pids+=($!); done
  "$S" merge "$T/t" 100 10 >"$T/m0.out" 2>&1 & pids+=($!)
  "$S" merge "$T/t" 101 10 >"$T/m1.out" 2>&1 & pids+=($!)
  ok=1
  for p in "${pids[@]}"; do wait "$p" || ok=0; done
  if [ $ok -ne 1 ]; then
    echo "FAIL round $r: a writer failed"; cat "$T"/*.out | grep -E 'FAIL|ERROR' | head -5; fail=$((fail+1))
  else
    out=$("$S" check "$T/t" 8 25 2>&1)
    if [ $? -eq 0 ] && grep -q "checked 221 versions, 600 rows" <<<"$out"; then
      pass=$((pass+1))
    else
      echo "FAIL round $r: check"; echo "$out" | head -5; fail=$((fail+1))
    fi
    # lago's own protocol validator over everything the 10 writers produced
    if "$B/lago" table validate "$T/t" >"$T/validate.out" 2>&1; then pass=$((pass+1)); else
      echo "FAIL round $r: validate"; head -5 "$T/validate.out"; fail=$((fail+1)); fi
  fi
  rm -rf "$T"
done
echo "delta-concurrency: $pass passed, $fail failed"
[ $fail -eq 0 ]
