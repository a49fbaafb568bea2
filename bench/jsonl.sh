#!/usr/bin/env bash
# bench/jsonl.sh [SF...]: JSON Lines parse speed, lago vs DuckDB (not a test).
#
# Generates the upsell data set with ../shared/bench/gen.mjs (SF=1 by default;
# e.g. `bench/jsonl.sh 1 10`), then times parsing the CDC batches of
# `transactions` as JSON lines (raw/cdc_json/transactions/*.jsonl) into typed
# columns with the explicit schema
#   (BIGINT, BIGINT, STRING, INT, DECIMAL(12,2), STRING, TIMESTAMP, STRING, TIMESTAMP):
#   lago    tests/tools/jsonl_bench (release): -t 0 = one jsonl_reader per file
#           on this thread, -t 1 / -t 2 = jsonl_scan with 1 / 2 worker threads;
#           sums the columns
#   DuckDB  SELECT count(*), sum(amount), ... FROM read_json(..., format =
#           'newline_delimited', columns={...}), threads = 1 and 2 (node API,
#           the version in tests/node); timed inside node around the query
# Each is run RUNS times (default 5); the median wall time and the median CPU
# time (all threads; the reference machine is shared, so CPU time is the
# steadier figure) are reported with MB/s of wall time and the peak RSS
# (/usr/bin/time; DuckDB's includes node itself).
# Data: ${JSONL_BENCH_DATA:-/tmp/lago-jsonl-bench}/sf<SF> (generated when
# missing), or set JSONL_BENCH_DIR to a directory of .jsonl files to time those.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SHARED=${LAGO_SHARED:-$(cd ../shared 2>/dev/null && pwd)}
DATA=${JSONL_BENCH_DATA:-/tmp/lago-jsonl-bench}
RUNS=${RUNS:-5}
SFS=("$@"); [ ${#SFS[@]} -eq 0 ] && SFS=(1)
tests/node/setup.sh
make -s MODE=release build/release/jsonl_bench >/dev/null
W=$(mktemp -d /tmp/lago-jsonl-bench-work.XXXXXX)
trap 'rm -rf "$W"' EXIT
cp "$SHARED"/bench/gen.mjs "$SHARED"/bench/lib.mjs "$W"/
ln -s "$ROOT/tests/node/node_modules" "$W/node_modules"
cat > "$W/duck.mjs" <<'JS'
import { DuckDBInstance } from '@duckdb/node-api';
const [threads, glob] = process.argv.slice(2);
const inst = await DuckDBInstance.create(':memory:', { threads: String(threads) });
const con = await inst.connect();
const q = `SELECT count(*), sum(amount), sum(points), max(created_at), sum(length(product)) FROM read_json('${glob}',
  format='newline_delimited',
  columns={'transaction_id':'BIGINT','customer_id':'BIGINT','product':'VARCHAR','points':'INTEGER',
           'amount':'DECIMAL(12,2)','channel':'VARCHAR','created_at':'TIMESTAMP','op':'VARCHAR','modified_at':'TIMESTAMP'})`;
const c0 = process.cpuUsage();
const t0 = performance.now();
const r = await con.runAndReadAll(q);
const t = (performance.now() - t0) / 1000;
const c = process.cpuUsage(c0);
console.log(`wall=${t.toFixed(3)}s cpu=${((c.user + c.system) / 1e6).toFixed(3)}s rows=${r.getRows()[0][0]} sum=${r.getRows()[0][1]}`);
JS
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf '| SF | MB | engine | threads | median wall s | median CPU s | MB/s | peak RSS MB |\n|---|---|---|---|---|---|---|---|\n' > "$W/table.md"
run() { # label threads command...
  local label=$1 t=$2; shift 2
  : > "$W/times"; : > "$W/cpus"; : > "$W/rss"
  for i in $(seq "$RUNS"); do
    /usr/bin/time -f '%M' -o "$W/rss1" "$@" > "$W/out"
    sed -n 's/.*wall=\([0-9.]*\)s.*/\1/p' "$W/out" >> "$W/times"
    sed -n 's/.*cpu=\([0-9.]*\)s.*/\1/p' "$W/out" >> "$W/cpus"
    cat "$W/rss1" >> "$W/rss"
  done
  echo "$label t=$t: $(cat "$W/out")" >&2
  local wall cpu rss
  wall=$(median < "$W/times"); cpu=$(median < "$W/cpus"); rss=$(sort -n "$W/rss" | tail -1)
  printf '| %s | %s | %s | %s | %s | %s | %.0f | %.0f |\n' "$sf" "$mb" "$label" "$t" "$wall" "$cpu" \
    "$(echo "$mb / $wall" | bc -l)" "$(echo "$rss / 1024" | bc -l)" >> "$W/table.md"
}
for sf in "${SFS[@]}"; do
  if [ -n "${JSONL_BENCH_DIR:-}" ]; then
    dir=$JSONL_BENCH_DIR
  else
    out="$DATA/sf$sf"
    if [ ! -d "$out/raw/cdc_json/transactions" ]; then
      echo "generating SF=$sf into $out ..." >&2
      (cd "$W" && node gen.mjs --sf "$sf" --out "$out" >&2)
    fi
    dir="$out/raw/cdc_json/transactions"
  fi
  files=("$dir"/*.jsonl)
  mb=$(du -cb "${files[@]}" | tail -1 | awk '{printf "%.0f", $1/1e6}')
  for t in 0 1 2; do run lago "$t" build/release/jsonl_bench -t "$t" "${files[@]}"; done
  for t in 1 2; do run duckdb "$t" node "$W/duck.mjs" "$t" "$dir/*.jsonl"; done
done
cat "$W/table.md"
