#!/usr/bin/env bash
# bench/ingest.sh [SF...]: file ingestion into a table, lago vs DuckDB (not a test).
#
# Data: the upsell set of ../shared/bench/gen.mjs (generated when missing into
# ${INGEST_BENCH_DATA:-/tmp/lago-bench-data}/sf<SF>; default SFs: 1 10).
# Workloads, each timed RUNS times (default 3; the median is reported):
#   csv   the full-load CSVs of both tables (raw/full_load/{customers,transactions}/*.csv,
#         header, 4 files each) into two tables
#   json  the CDC batches of transactions as JSON lines (raw/cdc_json/transactions/*.jsonl),
#         with the explicit schema of shared/bench (DuckDB's auto-detection fails on SF=10:
#         its 20480-row sample does not see every timestamp spelling)
# lago:   `lago ingest DIR --format csv|json --into T --trigger once` (release build, both
#         cores: parser threads=2); CSV schema inferred from a 20480-row sample
#         (inferColumnTypes=true, inferMaxRows=20480), JSON with --option schema=...,
#         written as a Delta table (snappy Parquet, one commit per table); wall time of the
#         whole process, CPU time (user+sys, all threads) and peak RSS from /usr/bin/time.
# DuckDB: COPY (SELECT * FROM read_csv|read_json('DIR/*')) TO 'x.parquet' (snappy), CSV type
#         detection from its default 20480-row sample, JSON columns={...}, threads=2, via the node API in
#         tests/node; wall and CPU time measured inside node around the COPY only (node's
#         start is not counted), peak RSS of the node process.
# Output: a markdown table (ratio = lago wall / DuckDB wall) on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SHARED=${LAGO_SHARED:-$(cd ../shared 2>/dev/null && pwd)}
DATA=${INGEST_BENCH_DATA:-/tmp/lago-bench-data}
RUNS=${RUNS:-3}
SFS=("$@"); [ ${#SFS[@]} -eq 0 ] && SFS=(1 10)
tests/node/setup.sh
make -s MODE=release build/release/lago >/dev/null
L=$ROOT/build/release/lago
W=$(mktemp -d /tmp/lago-ingest-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
cp "$SHARED"/bench/gen.mjs "$SHARED"/bench/lib.mjs "$W"/
ln -s "$ROOT/tests/node/node_modules" "$W/node_modules"
cat > "$W/duck.mjs" <<'JS'
import { DuckDBInstance } from '@duckdb/node-api';
const [kind, out, ...dirs] = process.argv.slice(2);
const inst = await DuckDBInstance.create(':memory:', { threads: '2' });
const con = await inst.connect();
const c0 = process.cpuUsage();
const t0 = performance.now();
let k = 0;
for (const d of dirs) {
  const src = kind === 'csv' ? `read_csv('${d}/*.csv')` : `read_json('${d}/*.jsonl', format='newline_delimited',
    columns={'transaction_id':'BIGINT','customer_id':'BIGINT','product':'VARCHAR','points':'INTEGER',
             'amount':'DECIMAL(12,2)','channel':'VARCHAR','created_at':'TIMESTAMP','op':'VARCHAR','modified_at':'TIMESTAMP'})`;
  await con.run(`COPY (SELECT * FROM ${src}) TO '${out}/t${k++}.parquet' (FORMAT parquet, COMPRESSION snappy)`);
}
const t = (performance.now() - t0) / 1000;
const c = process.cpuUsage(c0);
console.log(`${t.toFixed(3)} ${((c.user + c.system) / 1e6).toFixed(3)}`);
JS
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

run_lago() { # KIND DIR... -> "wall cpu rss_kb" of the whole set (tables ingested one after another)
  local kind=$1; shift
  local wall=0 cpu=0 rss=0 k=0
  rm -rf "$W/wh"
  for d in "$@"; do
    local opts
    if [ "$kind" = csv ]; then
      opts=(--option header=true --option 'pathGlobFilter=*.csv' --option inferColumnTypes=true --option inferMaxRows=20480)
    else
      opts=(--option 'pathGlobFilter=*.jsonl' --option "schema=transaction_id BIGINT, customer_id BIGINT, product STRING,
        points INT, amount DECIMAL(12,2), channel STRING, created_at TIMESTAMP, op STRING, modified_at TIMESTAMP")
    fi
    /usr/bin/time -f "%e %U %S %M" -o "$W/time" "$L" --warehouse "$W/wh" ingest "$d" --format "$kind" \
      --into "t$k" --trigger once --quiet "${opts[@]}" >/dev/null
    read -r e u s m < "$W/time"
    wall=$(echo "$wall + $e" | bc); cpu=$(echo "$cpu + $u + $s" | bc)
    [ "$m" -gt "$rss" ] && rss=$m
    k=$((k + 1))
  done
  echo "$wall $cpu $rss"
}

run_duck() { # KIND DIR...
  local kind=$1; shift
  rm -rf "$W/duck"; mkdir -p "$W/duck"
  local out
  out=$(cd "$W" && /usr/bin/time -f "%M" -o "$W/time" node duck.mjs "$kind" "$W/duck" "$@")
  echo "$out $(cat "$W/time")"
}

echo "| SF | data | MB | lago wall s | lago CPU s | lago peak RSS MB | DuckDB wall s | DuckDB CPU s | DuckDB peak RSS MB | lago / DuckDB wall |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for sf in "${SFS[@]}"; do
  D="$DATA/sf$sf"
  [ -d "$D/raw/full_load" ] || (cd "$W" && node gen.mjs --sf "$sf" --out "$D" >&2)
  for kind in csv json; do
    if [ "$kind" = csv ]; then dirs=("$D/raw/full_load/customers" "$D/raw/full_load/transactions"); pat='*.csv';
    else dirs=("$D/raw/cdc_json/transactions"); pat='*.jsonl'; fi
    mb=$(du -cb $(for d in "${dirs[@]}"; do echo "$d"/$pat; done) | tail -1 | awk '{printf "%.0f", $1 / 1e6}')
    : > "$W/l"; : > "$W/d"
    for r in $(seq 1 "$RUNS"); do
      run_lago "$kind" "${dirs[@]}" >> "$W/l"
      run_duck "$kind" "${dirs[@]}" >> "$W/d"
    done
    lw=$(awk '{print $1}' "$W/l" | median); lc=$(awk '{print $2}' "$W/l" | median); lm=$(awk '{print $3}' "$W/l" | median)
    dw=$(awk '{print $1}' "$W/d" | median); dc=$(awk '{print $2}' "$W/d" | median); dm=$(awk '{print $3}' "$W/d" | median)
    printf "| %s | %s | %s | %.2f | %.2f | %d | %.2f | %.2f | %d | %.2f |\n" "$sf" "$kind" "$mb" "$lw" "$lc" \
      $((lm / 1024)) "$dw" "$dc" $((dm / 1024)) "$(echo "$lw / $dw" | bc -l)"
  done
done
