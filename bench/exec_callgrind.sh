#!/usr/bin/env bash
# bench/exec_callgrind.sh WORKLOAD [SCALE] [THREADS]: instruction counts of one exec_bench
# workload (agg, join, sort, q1, q2, dedupe) under valgrind's callgrind, counting only the
# query (data generation excluded) on every thread. Deterministic on a busy machine, unlike time
# (with 2 threads the split between threads may vary slightly). Prints the total and the top
# functions; the profile stays in build/release/cg.<workload>.out.
set -euo pipefail
cd "$(dirname "$0")/.."
w=${1:?workload}; scale=${2:-0.1}; th=${3:-1}
[ -x build/release/exec_bench ] || { echo "run bench/exec_bench.sh first" >&2; exit 1; }
rm -f build/release/cg.$w.raw*
ONLY=$w BENCH_SCALE=$scale BENCH_REPS=1 valgrind --tool=callgrind \
  --callgrind-out-file=build/release/cg.$w.raw build/release/exec_bench "$th" 2>&1 | grep -v '^==' || true
mv "$(ls build/release/cg.$w.raw.* | sort -t. -k5 -n | head -1)" build/release/cg.$w.out  # the first dump: the query
rm -f build/release/cg.$w.raw*
callgrind_annotate build/release/cg.$w.out 2>/dev/null | sed -n '/Ir/,$p' | head -40
