#!/usr/bin/env bash
# bench/parquet_write.sh: lago's Parquet writer against DuckDB's, single-threaded, on the same
# values: a synthetic table shaped like the upsell `transactions` table (shared/bench/README.md),
# computed from the row number by integer formulas that tests/tools/pq_write_bench.c and
# tests/node/pq_bench.mjs (DuckDB SQL over range(N)) evaluate identically; both write SNAPPY.
# Not a test: it prints figures. Usage (from anywhere):
#   bench/parquet_write.sh            N = 1,000,000 and 10,000,000, 3 runs each (median)
#   NS="1000000" RUNS=1 bench/parquet_write.sh
# Measured per engine and N: wall time of the whole process (/usr/bin/time -v; lago's includes
# the fsync of the atomic commit, DuckDB's includes node start-up), the engine's own timing
# (lago: open..close; DuckDB: the COPY statement), file size, peak RSS. DuckDB runs inside node,
# so its RSS includes node's; the node + DuckDB idle RSS is printed as a baseline. A second
# DuckDB row ("duckdb-table") times COPY from a table materialized first: pure write cost.
# Both files are checked to hold the same rows (EXCEPT ALL both ways) before any figure counts.
set -euo pipefail
cd "$(dirname "$0")/.."
NS=${NS:-"1000000 10000000"}
RUNS=${RUNS:-3}
OUT=${OUT:-$(mktemp -d /tmp/lago-pqbench.XXXXXX)}
make --no-print-directory MODE=release build/release/pq_write_bench >/dev/null
tests/node/setup.sh
LAGO=build/release/pq_write_bench

# run_timed LOG CMD...: runs CMD under /usr/bin/time -v; prints "wall_s rss_kib inner_s"
run_timed() {
  local log=$1; shift
  /usr/bin/time -v -o "$log.time" "$@" >"$log.out" 2>&1 || { cat "$log.out" "$log.time" >&2; exit 1; }
  local wall rss inner
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; printf "%.3f", s}' "$log.time")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log.time")
  inner=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' "$log.out" | tail -1)
  echo "$wall $rss ${inner:-0}"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

idle=$(run_timed "$OUT/idle" node tests/node/pq_bench.mjs idle)
printf 'node + DuckDB idle (connect, SELECT 1): peak RSS %s KiB\n\n' "$(echo "$idle" | cut -d' ' -f2)"
printf '%-10s %-13s %9s %9s %12s %10s\n' rows engine wall_s inner_s bytes rss_kib
declare -A W I S R
for n in $NS; do
  for eng in lago duckdb duckdb-table; do
    walls=""; inners=""; rsss=""
    for r in $(seq 1 "$RUNS"); do
      f="$OUT/$eng.$n.parquet"
      rm -f "$f"
      case $eng in
        lago) res=$(run_timed "$OUT/$eng.$n.$r" "$LAGO" "$n" "$f") ;;
        duckdb) res=$(run_timed "$OUT/$eng.$n.$r" node tests/node/pq_bench.mjs write "$n" "$f") ;;
        duckdb-table) res=$(run_timed "$OUT/$eng.$n.$r" node tests/node/pq_bench.mjs write-table "$n" "$f") ;;
      esac
      walls+="$(echo "$res" | cut -d' ' -f1)"$'\n'
      rsss+="$(echo "$res" | cut -d' ' -f2)"$'\n'
      inners+="$(echo "$res" | cut -d' ' -f3)"$'\n'
    done
    W[$eng.$n]=$(printf '%s' "$walls" | median)
    I[$eng.$n]=$(printf '%s' "$inners" | median)
    R[$eng.$n]=$(printf '%s' "$rsss" | median)
    S[$eng.$n]=$(stat -c %s "$OUT/$eng.$n.parquet")
    printf '%-10s %-13s %9s %9s %12s %10s\n' "$n" "$eng" "${W[$eng.$n]}" "${I[$eng.$n]}" "${S[$eng.$n]}" "${R[$eng.$n]}"
  done
  same=$(node tests/node/pq_bench.mjs same "$OUT/lago.$n.parquet" "$OUT/duckdb.$n.parquet")
  if [ "$same" != 1 ]; then echo "DIFFERENT ROWS at N=$n: $same" >&2; exit 1; fi
done
echo
echo "ratios lago / DuckDB (targets: time <= 1.0, size within 10%, peak RSS <= 1.0):"
printf '%-10s %12s %12s %12s %10s %10s\n' rows wall inner inner/table size rss
for n in $NS; do
  awk -v n="$n" -v lw="${W[lago.$n]}" -v dw="${W[duckdb.$n]}" -v li="${I[lago.$n]}" -v di="${I[duckdb.$n]}" \
      -v dt="${I[duckdb-table.$n]}" -v ls="${S[lago.$n]}" -v ds="${S[duckdb.$n]}" -v lr="${R[lago.$n]}" -v dr="${R[duckdb.$n]}" \
      'BEGIN { printf "%-10s %12.2f %12.2f %12.2f %10.3f %10.2f\n", n, lw/dw, li/di, li/dt, ls/ds, lr/dr }'
done
echo "(files and /usr/bin/time logs in $OUT)"
