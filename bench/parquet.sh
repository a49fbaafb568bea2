#!/usr/bin/env bash
# bench/parquet.sh [SF...]: the Parquet issue's figures on the upsell `transactions` table
# (SF=1: 1M rows, SF=10: 10M rows; full-load files from ../shared/bench/gen.mjs), lago vs
# DuckDB in one run, same thread count (THREADS, default 2) and codec (snappy). Not a test.
#   decode  full scan of every column: lago tests/tools/pq_scan_bench (release) vs DuckDB
#           count(*) + min() of every column (tests/node/pq_read_bench.mjs); best of REPEAT,
#           wall and CPU seconds measured inside each process
#   write   the same table rewritten to one snappy file: `lago parquet convert` vs DuckDB
#           COPY (SELECT * FROM read_parquet(..)) TO (both read the input as part of the job);
#           whole-process wall time, output size, peak RSS (DuckDB's includes node, ~40 MB idle)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
SFS=("$@"); [ ${#SFS[@]} -eq 0 ] && SFS=(1 10)
THREADS=${THREADS:-2}
REPEAT=${REPEAT:-3}
make -s MODE=release build/release/lago build/release/pq_scan_bench >/dev/null
tests/node/setup.sh
W=$(mktemp -d /tmp/lago-pqbench.XXXXXX)
trap 'rm -rf "$W"' EXIT
cat > "$W/copy.mjs" <<'JS'
import { DuckDBInstance } from '@duckdb/node-api';
const [threads, out, ...files] = process.argv.slice(2);
const inst = await DuckDBInstance.create(':memory:', { threads: String(threads), autoinstall_known_extensions: 'false' });
const con = await inst.connect();
const list = '[' + files.map((f) => `'${f}'`).join(',') + ']';
await con.run(`COPY (SELECT * FROM read_parquet(${list})) TO '${out}' (FORMAT parquet, COMPRESSION snappy)`);
JS
ln -s "$PWD/tests/node/node_modules" "$W/node_modules"
echo "| SF | rows | measure | lago | DuckDB | ratio |"
echo "|---|---|---|---|---|---|"
for sf in "${SFS[@]}"; do
  d=$(bench_data "$sf")
  files=("$d"/raw/full_load/transactions/*.parquet)
  lo=$(build/release/pq_scan_bench --threads "$THREADS" --per-row-group --repeat "$REPEAT" "${files[@]}")
  du=$(node tests/node/pq_read_bench.mjs "$THREADS" "$REPEAT" "${files[@]}")
  rows=$(sed -n 's/.*rows \([0-9]*\).*/\1/p' <<<"$du")
  lw=$(sed -n 's/.*time \([0-9.]*\) s.*/\1/p' <<<"$lo"); lc=$(sed -n 's/.*cpu \([0-9.]*\) s.*/\1/p' <<<"$lo")
  dw=$(sed -n 's/.*time \([0-9.]*\) s.*/\1/p' <<<"$du"); dc=$(sed -n 's/.*cpu \([0-9.]*\) s.*/\1/p' <<<"$du")
  printf '| %s | %s | decode wall s | %s | %s | %.2f |\n' "$sf" "$rows" "$lw" "$dw" "$(echo "$lw / $dw" | bc -l)"
  printf '| %s | %s | decode CPU s | %s | %s | %.2f |\n' "$sf" "$rows" "$lc" "$dc" "$(echo "$lc / $dc" | bc -l)"
  rm -f "$W"/*.parquet
  read -r lwt lrss < <(bench_time "$W/lw" build/release/lago parquet convert "${files[@]}" "$W/lago.parquet" --codec snappy)
  read -r dwt drss < <(bench_time "$W/dw" node "$W/copy.mjs" "$THREADS" "$W/duck.parquet" "${files[@]}")
  ls=$(stat -c %s "$W/lago.parquet"); ds=$(stat -c %s "$W/duck.parquet")
  printf '| %s | %s | write wall s | %s | %s | %.2f |\n' "$sf" "$rows" "$lwt" "$dwt" "$(echo "$lwt / $dwt" | bc -l)"
  printf '| %s | %s | file MB | %.1f | %.1f | %.2f |\n' "$sf" "$rows" "$(echo "$ls/1000000" | bc -l)" "$(echo "$ds/1000000" | bc -l)" "$(echo "$ls / $ds" | bc -l)"
  printf '| %s | %s | write peak RSS MB | %s | %s | %.2f |\n' "$sf" "$rows" "$lrss" "$drss" "$(echo "$lrss / $drss" | bc -l)"
done
