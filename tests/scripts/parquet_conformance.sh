#!/usr/bin/env bash
# tests/scripts/parquet_conformance.sh BUILD_DIR: lago's Parquet reader
# against shared/conformance/parquet (every good file's rows and schema,
# every bad file's error) plus deterministic truncation/byte-flip mutants of
# every corpus file (tests/tools/parquet_conformance.c). Prints FAIL lines
# and ends with "parquet-conformance: N passed, M failed".
# PQ_MUTANTS=N sets the byte-flip mutants per file (default 100);
# PQ_HUGE=1 also reads the 2 GB large_string_map.brotli.parquet.
set -u
B=${1:-build/asan}
cd "$(dirname "$0")/../.."
export LAGO_SHARED=${LAGO_SHARED:-$(cd ../shared 2>/dev/null && pwd)}
T="$B/parquet_conformance"
if [ ! -x "$T" ]; then
  echo "FAIL $T is not built"
  echo "parquet-conformance: 0 passed, 1 failed"
  exit 1
fi
args=(--mutants "${PQ_MUTANTS:-100}")
[ "${PQ_HUGE:-0}" = 1 ] && args+=(--huge)
"$T" "${args[@]}"
