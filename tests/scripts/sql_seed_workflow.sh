#!/usr/bin/env bash
# tests/scripts/sql_seed_workflow.sh BUILD_DIR: the "upsell" seed workflow (shared/docs/WORKFLOWS.md §1)
# written as lago SQL and checked against DuckDB's reference (shared/bench: gen.mjs data, ref.mjs
# oracle, seed semantics) at every version:
#   v0  CREATE OR REPLACE TABLE <t> AS SELECT * FROM parquet.`raw/full_load/<t>/*.parquet`
#   vb  MERGE INTO <t> USING (latest change per key of CDC batch b: QUALIFY ROW_NUMBER() ... = 1)
#       WHEN MATCHED AND s.op = 'D' THEN DELETE WHEN MATCHED AND s.op = 'U' THEN UPDATE SET *
#       WHEN NOT MATCHED AND s.op IN ('I','U') THEN INSERT *
# After each version both tables are exported (lago sql --format csv) and compared with the oracle
# (`node ref.mjs check --table T --version N --path x.csv --format csv`: row count + order-independent
# checksum). Then the two gold queries run and are compared too. Prints "sql-seed-workflow: N passed, M failed".
# SEED_SF (default 0.01) sets the scale; data and oracle are cached under /tmp/lago-seed-<SF>.
set -u
B=${1:-build/asan}
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
SF=${SEED_SF:-0.01}
SHARED=${LAGO_SHARED:-$(cd ../shared 2>/dev/null && pwd)}
pass=0; fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
finish() { echo "sql-seed-workflow: $pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit $?; }

if [ ! -f "$SHARED/bench/gen.mjs" ]; then bad "no shared bench at $SHARED/bench"; finish; fi
if ! tests/node/setup.sh; then bad "npm setup"; finish; fi
W=/tmp/lago-seed-$SF
mkdir -p "$W"
cp "$SHARED/bench/gen.mjs" "$SHARED/bench/ref.mjs" "$SHARED/bench/lib.mjs" "$W/"
ln -sfn "$ROOT/tests/node/node_modules" "$W/node_modules"
D=$W/data
if [ ! -f "$D/expected/checksums.json" ]; then
  rm -rf "$D" "$W/lake"
  (cd "$W" && node gen.mjs --sf "$SF" --out "$D" >/dev/null &&
    node ref.mjs load --data "$D" --lake "$W/lake" --format parquet >/dev/null &&
    for b in 1 2 3 4 5; do node ref.mjs merge --data "$D" --lake "$W/lake" --batch $b >/dev/null || exit 1; done &&
    node ref.mjs expect --data "$D" --lake "$W/lake" >/dev/null) || { bad "oracle generation"; finish; }
fi

WH=$(mktemp -d /tmp/lago-seed-wh.XXXXXX)
trap 'rm -rf "$WH"' EXIT
LAGO="$B/lago --warehouse $WH"
OUT=$WH/out
mkdir -p "$OUT"

check() { # table version
  local t=$1 v=$2 csv="$OUT/$1.v$2.csv"
  if ! $LAGO sql --format csv -c "SELECT * FROM bronze.$t" >"$csv" 2>"$OUT/err"; then
    bad "export $t v$v: $(cat "$OUT/err")"; return
  fi
  if (cd "$W" && node ref.mjs check --data "$D" --table "$t" --version "$v" --path "$csv" --format csv) >"$OUT/check" 2>&1; then
    ok
  else
    bad "$t v$v differs from the oracle: $(head -c 600 "$OUT/check")"
  fi
}

declare -A PK=([customers]=customer_id [transactions]=transaction_id)
if ! $LAGO sql -c "CREATE SCHEMA IF NOT EXISTS bronze" >"$OUT/log" 2>&1; then bad "create schema: $(cat "$OUT/log")"; finish; fi
for t in customers transactions; do
  if $LAGO sql -c "CREATE OR REPLACE TABLE bronze.$t AS SELECT * FROM parquet.\`$D/raw/full_load/$t/*.parquet\`" >"$OUT/log" 2>&1; then
    ok
  else
    bad "full load $t: $(cat "$OUT/log")"
  fi
  check "$t" 0
done

for b in 1 2 3 4 5; do
  bb=$(printf %04d "$b")
  for t in customers transactions; do
    pk=${PK[$t]}
    sql="MERGE INTO bronze.$t t
USING (SELECT * FROM read_files('$D/raw/cdc/$t/batch-$bb-*.parquet', format => 'parquet')
       QUALIFY ROW_NUMBER() OVER (PARTITION BY $pk ORDER BY modified_at DESC) = 1) s
ON t.$pk = s.$pk
WHEN MATCHED AND s.op = 'D' THEN DELETE
WHEN MATCHED AND s.op = 'U' THEN UPDATE SET *
WHEN NOT MATCHED AND s.op IN ('I', 'U') THEN INSERT *"
    if $LAGO sql -c "$sql" >"$OUT/log" 2>&1; then ok; else bad "merge $t batch $b: $(cat "$OUT/log")"; fi
    check "$t" "$b"
  done
done

# history: one CTAS and five MERGE commits with their metrics
hist=$($LAGO sql --format csv -c "DESCRIBE HISTORY bronze.transactions" 2>&1)
if [ "$(echo "$hist" | grep -c '"MERGE"')" -eq 5 ] && echo "$hist" | grep -q 'numTargetRowsInserted' &&
   echo "$hist" | grep -q 'numTargetDeletionVectorsAdded'; then ok; else bad "history: $hist"; fi

# gold queries over the final tables (verbatim from shared/bench/lib.mjs)
G=$OUT/gold
mkdir -p "$G"
q1="SELECT c.customer_id, c.name, count(*) n, sum(t.points) pts, sum(t.amount) amt FROM transactions t JOIN customers c USING (customer_id) GROUP BY ALL ORDER BY pts DESC LIMIT 100"
q2="SELECT product, channel, date_trunc('day', created_at) d, count(*), avg(amount) FROM transactions GROUP BY ALL"
if $LAGO sql --format csv -c "USE bronze; $q1" >"$G/q1.csv" 2>"$OUT/err" &&
   $LAGO sql --format csv -c "USE bronze; SELECT product, channel, CAST(d AS TIMESTAMP_NTZ) AS d, \`count(1)\` AS n, \`avg(amount)\` AS avg_amount FROM ($q2)" >"$G/q2.csv" 2>>"$OUT/err"; then
  if (cd "$W" && node ref.mjs check --data "$D" --gold "$G") >"$OUT/check" 2>&1; then ok; else bad "gold: $(head -c 600 "$OUT/check")"; fi
else
  bad "gold queries: $(cat "$OUT/err")"
fi
finish
