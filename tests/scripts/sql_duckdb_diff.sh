#!/usr/bin/env bash
# tests/scripts/sql_duckdb_diff.sh BUILD_DIR: cross-checks lago's results of complex queries (joins,
# aggregates, windows, subqueries, set operations, QUALIFY, explode) with DuckDB's on the upsell data at SF 0.01
# (shared/bench gen.mjs, cached in /tmp/lago-seed-0.01). The queries are in sql_duckdb_diff.sql; the
# comparison is tests/node/sql_diff.mjs. Prints "sql-duckdb-diff: N passed, M failed" (per query).
set -u
B=${1:-build/asan}
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
SHARED=${LAGO_SHARED:-$(cd ../shared 2>/dev/null && pwd)}
if [ ! -f "$SHARED/bench/gen.mjs" ] || ! tests/node/setup.sh; then echo "FAIL setup"; echo "sql-duckdb-diff: 0 passed, 1 failed"; exit 1; fi
W=/tmp/lago-seed-0.01
mkdir -p "$W"
cp "$SHARED/bench/gen.mjs" "$SHARED/bench/lib.mjs" "$W/"
ln -sfn "$ROOT/tests/node/node_modules" "$W/node_modules"
D=$W/data
[ -f "$D/manifest.json" ] || (cd "$W" && node gen.mjs --sf 0.01 --out "$D" >/dev/null) || { echo "FAIL gen"; echo "sql-duckdb-diff: 0 passed, 1 failed"; exit 1; }
WH=$(mktemp -d /tmp/lago-diff.XXXXXX)
trap 'rm -rf "$WH"' EXIT
L="$B/lago --warehouse $WH sql --format csv"
$L -c "CREATE TABLE c AS SELECT * FROM parquet.\`$D/raw/full_load/customers/*.parquet\`;
CREATE TABLE t AS SELECT * FROM parquet.\`$D/raw/full_load/transactions/*.parquet\`;
CREATE VIEW cdc AS SELECT * FROM parquet.\`$D/raw/cdc/transactions/batch-0001-*.parquet\`" >/dev/null 2>"$WH/err" ||
  { echo "FAIL load: $(cat "$WH/err")"; echo "sql-duckdb-diff: 0 passed, 1 failed"; exit 1; }
mkdir -p "$WH/out"
i=0
grep -v '^--' tests/scripts/sql_duckdb_diff.sql | awk 'BEGIN{RS=";\n"} NF{print > ("'"$WH"'/q" ++n ".sql")}'
for f in $(ls "$WH"/q*.sql | sort -V); do
  i=$((i + 1))
  $L -f "$f" >"$WH/out/q$i.csv" 2>"$WH/out/q$i.err" || echo "lago error in q$i: $(cat "$WH/out/q$i.err")"
done
out=$(node tests/node/sql_diff.mjs "$D" tests/scripts/sql_duckdb_diff.sql "$WH/out" 2>&1)
echo "$out" | grep -v '^ok '
pass=$(echo "$out" | grep -c '^ok ')
fail=$(echo "$out" | grep -c '^FAIL')
echo "sql-duckdb-diff: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
