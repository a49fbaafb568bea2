#!/usr/bin/env bash
# bench/csv.sh [SF...]: CSV parse speed, lago vs DuckDB (not a test).
#
# Generates the upsell data set with ../shared/bench/gen.mjs (SF=1 by default;
# e.g. `bench/csv.sh 1 10`), then times parsing the full-load `transactions`
# CSVs (header, ',') into typed columns with the explicit schema
#   (BIGINT, BIGINT, STRING, INT, DECIMAL(12,2), STRING, TIMESTAMP):
#   lago    tests/tools/csv_bench (release): -t 0 = one reader on this thread,
#           -t 1 / -t 2 = csv_scan with 1 / 2 worker threads; sums columns
#   DuckDB  SELECT count(*), sum(amount) FROM read_csv(..., columns={...}),
#           threads = 1 and 2 (node API, same version as tests/node)
# Each is run RUNS times (default 5); reported: median wall time, MB/s,
# median CPU seconds of the query (user + system; lago: getrusage around the
# read, DuckDB: process.cpuUsage around the query) and the peak RSS
# (/usr/bin/time; DuckDB's includes node itself). On a shared, loaded machine
# wall times mostly measure the scheduler: compare CPU seconds too.
# Data goes to ${CSV_BENCH_DATA:-/tmp/lago-csv-bench}/sf<SF>.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SHARED=${LAGO_SHARED:-$(cd ../shared 2>/dev/null && pwd)}
DATA=${CSV_BENCH_DATA:-/tmp/lago-csv-bench}
RUNS=${RUNS:-5}
SFS=("$@"); [ ${#SFS[@]} -eq 0 ] && SFS=(1)
tests/node/setup.sh
make -s MODE=release build/release/csv_bench >/dev/null
W=$(mktemp -d /tmp/lago-csv-bench-work.XXXXXX)
trap 'rm -rf "$W"' EXIT
cp "$SHARED"/bench/gen.mjs "$SHARED"/bench/lib.mjs "$W"/
ln -s "$ROOT/tests/node/node_modules" "$W/node_modules"
cat > "$W/duck.mjs" <<'JS'
import { DuckDBInstance } from '@duckdb/node-api';
const [threads, glob] = process.argv.slice(2);
const inst = await DuckDBInstance.create(':memory:', { threads: String(threads) });
const con = await inst.connect();
const q = `SELECT count(*), sum(amount) FROM read_csv('${glob}', header=true, auto_detect=false, delim=',', quote='"',
  columns={'transaction_id':'BIGINT','customer_id':'BIGINT','product':'VARCHAR','points':'INTEGER',
           'amount':'DECIMAL(12,2)','channel':'VARCHAR','created_at':'TIMESTAMP'})`;
const t0 = performance.now(), c0 = process.cpuUsage();
const r = await con.runAndReadAll(q);
const t = (performance.now() - t0) / 1000, c = process.cpuUsage(c0);
console.log(`wall=${t.toFixed(3)}s cpu=${((c.user + c.system) / 1e6).toFixed(3)}s rows=${r.getRows()[0][0]} sum=${r.getRows()[0][1]}`);
JS
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf '| SF | MB | engine | threads | median wall s | MB/s | median CPU s | peak RSS MB |\n|---|---|---|---|---|---|---|---|\n' > "$W/table.md"
for sf in "${SFS[@]}"; do
  out="$DATA/sf$sf"
  if [ ! -d "$out/raw/full_load/transactions" ]; then
    echo "generating SF=$sf into $out ..." >&2
    (cd "$W" && node gen.mjs --sf "$sf" --out "$out" >&2)
  fi
  files=("$out"/raw/full_load/transactions/*.csv)
  mb=$(du -cb "${files[@]}" | tail -1 | awk '{printf "%.0f", $1/1e6}')
  for t in 0 1 2; do
    : > "$W/times"; : > "$W/rss"; : > "$W/cpus"
    for i in $(seq "$RUNS"); do
      /usr/bin/time -f '%M' -o "$W/rss1" build/release/csv_bench -t "$t" "${files[@]}" > "$W/out"
      sed -n 's/.*wall=\([0-9.]*\)s.*/\1/p' "$W/out" >> "$W/times"
      sed -n 's/.*cpu=\([0-9.]*\)s.*/\1/p' "$W/out" >> "$W/cpus"
      cat "$W/rss1" >> "$W/rss"
    done
    echo "lago t=$t: $(cat "$W/out")" >&2
    wall=$(median < "$W/times"); cpu=$(median < "$W/cpus"); rss=$(sort -n "$W/rss" | tail -1)
    printf '| %s | %s | lago | %s | %s | %.0f | %s | %.0f |\n' "$sf" "$mb" "$t" "$wall" "$(echo "$mb / $wall" | bc -l)" "$cpu" "$(echo "$rss / 1024" | bc -l)" >> "$W/table.md"
  done
  for t in 1 2; do
    : > "$W/times"; : > "$W/rss"; : > "$W/cpus"
    for i in $(seq "$RUNS"); do
      /usr/bin/time -f '%M' -o "$W/rss1" node "$W/duck.mjs" "$t" "$out/raw/full_load/transactions/*.csv" > "$W/out"
      sed -n 's/.*wall=\([0-9.]*\)s.*/\1/p' "$W/out" >> "$W/times"
      sed -n 's/.*cpu=\([0-9.]*\)s.*/\1/p' "$W/out" >> "$W/cpus"
      cat "$W/rss1" >> "$W/rss"
    done
    echo "duckdb t=$t: $(cat "$W/out")" >&2
    wall=$(median < "$W/times"); cpu=$(median < "$W/cpus"); rss=$(sort -n "$W/rss" | tail -1)
    printf '| %s | %s | duckdb | %s | %s | %.0f | %s | %.0f |\n' "$sf" "$mb" "$t" "$wall" "$(echo "$mb / $wall" | bc -l)" "$cpu" "$(echo "$rss / 1024" | bc -l)" >> "$W/table.md"
  done
done
cat "$W/table.md"
