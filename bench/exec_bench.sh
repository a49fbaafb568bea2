#!/usr/bin/env bash
# bench/exec_bench.sh [threads...]: builds bench/exec_bench.c against the
# release library and runs it (default: 1 and 2 threads). ONLY=agg,join,... limits workloads;
# BENCH_SCALE=0.1 shrinks the data, BENCH_REPS=1 runs each once (callgrind).
set -euo pipefail
cd "$(dirname "$0")/.."
make --no-print-directory MODE=release lib -j2 >/dev/null
cc -std=c11 -O2 -g -DNDEBUG -D_GNU_SOURCE -pthread -Iinclude -Isrc -o build/release/exec_bench bench/exec_bench.c \
  build/release/liblago.a -lzstd -lsnappy -llz4 -lz -lbrotlidec -lbrotlienc -lm -lpthread
exec build/release/exec_bench "$@"
