#!/usr/bin/env bash
# tests/scripts/job_upsell_sim.sh BUILD_DIR: the upsell source simulator
# (examples/upsell/sim.c): same seed -> same bytes, batches written later equal
# batches written at once, the volume layout through the catalog, lago and DuckDB
# read the files, and DuckDB's own SQL replay of both CDC semantics equals the
# simulator's expected states version by version (tests/node/upsell_replay.mjs).
set -u
B=${1:-build/asan}
cd "$(dirname "$0")/../.."
SIM="$(pwd)/$B/upsell-sim"
L="$(pwd)/$B/lago"
T=$(mktemp -d /tmp/lago-sim.XXXXXX)
trap 'rm -rf "$T"' EXIT
pass=0; fail=0
ok() { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL $1"; shift; for l in "$@"; do echo "  $l"; done; }
check() { # name, expected exit, pattern, command...
  local name=$1 want=$2 pat=$3; shift 3
  local out rc
  out=$("$@" 2>&1); rc=$?
  if [ "$rc" -eq "$want" ] && grep -qE -- "$pat" <<<"$out"; then ok; else
    bad "$name: exit $rc (want $want), pattern '$pat', output:" "$(head -10 <<<"$out")"; fi
}
json() { node -e 'const j=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")); console.log(eval(process.argv[2]))' "$1" "$2"; }

# ---- determinism ----
check run-a 0 '^upsell-sim: scale 0.01, seed 7: customers 1000, transactions 10000, products 20 rows \+ 4 CDC batches' \
  "$SIM" --out "$T/a" --scale 0.01 --batches 4 --seed 7 --expected "$T/xa"
check run-b 0 'seed 7' "$SIM" --out "$T/b" --scale 0.01 --batches 4 --seed 7 --expected "$T/xb"
n_files=$(find "$T/a/raw/upsell" -name '*.parquet' | wc -l)
[ "$n_files" -eq $((3 * (4 + 4 * 4))) ] && ok || bad "layout: $n_files Parquet files, want 60"
[ -f "$T/a/raw/upsell/full_load/customers/LOAD00000001.parquet" ] && [ -f "$T/a/raw/upsell/cdc/transactions/batch-0004-003.parquet" ] && ok || bad "layout: file names" "$(cd "$T/a" && find . | head)"
diff -r "$T/a" "$T/b" >/dev/null && diff -r "$T/xa" "$T/xb" >/dev/null && ok || bad "determinism: same seed gave different bytes"
"$SIM" --out "$T/c" --scale 0.01 --batches 4 --seed 8 >/dev/null
if cmp -s "$T/a/raw/upsell/cdc/customers/batch-0002-000.parquet" "$T/c/raw/upsell/cdc/customers/batch-0002-000.parquet"; then bad "determinism: another seed gave the same file"; else ok; fi
# batches 3..4 written later are the same files as when written with 1..2
"$SIM" --out "$T/d" --scale 0.01 --batches 2 --seed 7 >/dev/null && "$SIM" --out "$T/d" --scale 0.01 --batches 4 --seed 7 --from-batch 3 --skip-full-load >/dev/null
diff -r -x _manifest.json "$T/a/raw" "$T/d/raw" >/dev/null && ok || bad "incremental batches differ from batches written at once"
check exists 1 'LOAD00000001.parquet: File exists \(--clean replaces earlier output\)' "$SIM" --out "$T/d" --scale 0.01 --batches 4 --seed 7
check clean 0 'seed 7' "$SIM" --out "$T/d" --scale 0.01 --batches 4 --seed 7 --clean
check bad-option 2 'bad option or value: --batches x' "$SIM" --batches x
check bad-scale 2 '--scale takes 0.001..100' "$SIM" --scale 0
check bad-schema 2 '--schema must be a plain name' "$SIM" --schema ../up

# ---- volume through the catalog, and lago reads what it wrote ----
W="$T/wh"
check volume 0 "-> $W/main/upsell/_volumes/landing/raw/upsell " "$SIM" --warehouse "$W" --scale 0.001 --batches 2
V="$W/main/upsell/_volumes/landing/raw/upsell"
check volume-other 0 "-> $W/dev/src/_volumes/drop/raw/points " "$SIM" --warehouse "$W" --volume /Volumes/dev/src/drop --schema points --scale 0.001 --batches 1
check lago-reads-full 0 '^1,"[A-Za-z]+ [A-Za-z]+",("[a-z.0-9]+@[a-z.]+"|\\N),[0-9]+,2[0-9-]+ [0-9:.]+\+00,2[0-9-]+ [0-9:.]+\+00$' \
  "$L" parquet cat "$V/full_load/customers/LOAD00000001.parquet"
check lago-reads-cdc 0 '^"transaction_id","customer_id","product","points","amount","channel","created_at","op","modified_at"$' \
  "$L" parquet cat "$V/cdc/transactions/batch-0002-001.parquet" --limit 1
check lago-schema 0 'amount +DECIMAL\(12,2\)' "$L" parquet schema "$V/full_load/transactions/LOAD00000002.parquet"
rows=0
for f in "$T/a/raw/upsell/cdc/customers/"batch-0003-*.parquet; do rows=$((rows + $("$L" parquet cat "$f" | tail -n +2 | wc -l))); done
[ "$rows" -eq "$(json "$T/a/raw/upsell/_manifest.json" 'j.tables.customers.cdc[2].rows')" ] && ok || bad "lago reads $rows rows of customers batch 3"
# expected files: canonical text with a header, sorted by key; v0 is the full load as lago prints it
head -1 "$T/xa/seed/products/v0000.csv" | grep -qx '"product_id","name","category","price","points_per_unit","active","updated_at"' && ok || bad "expected: header"
cat "$T/a/raw/upsell/full_load/products/"LOAD*.parquet >/dev/null
got=$(for f in "$T/a/raw/upsell/full_load/products/"LOAD*.parquet; do "$L" parquet cat "$f" | tail -n +2; done)
[ "$got" = "$(tail -n +2 "$T/xa/seed/products/v0000.csv")" ] && ok || bad "expected v0000 differs from lago's reading of the full load"
sort -t, -k1,1n -c <(tail -n +2 "$T/xa/sequenced/transactions/v0004.csv") 2>/dev/null && ok || bad "expected: not sorted by key"

# ---- DuckDB: reads the files, checks the mix, replays both semantics ----
if ! tests/node/setup.sh; then
  bad "DuckDB oracle (tests/node/setup.sh) unavailable"
else
  "$SIM" --out "$T/e" --scale 0.01 --batches 5 --seed 3 --late-pct 20 --expected "$T/xe" >/dev/null
  out=$(node tests/node/upsell_replay.mjs "$T/e/raw/upsell" "$T/xe" 2>&1)
  grep '^FAIL' <<<"$out" | head -20
  p=$(sed -n 's/^upsell_replay: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' <<<"$out")
  f=$(sed -n 's/^upsell_replay: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' <<<"$out")
  if [ -n "$p" ] && [ "$p" -gt 100 ] && [ "$f" -eq 0 ]; then ok; else bad "DuckDB replay (late-pct 20): ${p:-?} passed, ${f:-?} failed" "$(tail -5 <<<"$out")"; fi
  ign=$(sed -n 's/^changes ignored under sequenced semantics: //p' <<<"$out")
  [ "${ign:-0}" -gt 0 ] && ok || bad "the replay data should make the two semantics differ (ignored: ${ign:-?})"
  # the default mix (1% late) at a scale where every table has late rows in batches >= 2
  out=$(node tests/node/upsell_replay.mjs "$T/a/raw/upsell" "$T/xa" 2>&1)
  grep -q '^upsell_replay: [0-9]* passed, 0 failed$' <<<"$out" && ok || bad "DuckDB replay (default mix)" "$(grep FAIL <<<"$out" | head -5)"
fi

# The demo job (examples/upsell/job.yaml) is tested by tests/scripts/demo_upsell.sh.

echo "job_upsell_sim: $pass passed, $fail failed"
[ $fail -eq 0 ]
