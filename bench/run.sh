#!/usr/bin/env bash
# bench/run.sh [BUILD_DIR]: `make bench`: every benchmark, lago vs DuckDB, in one run.
# Not a test: prints tables of figures (each script documents what it measures).
# SFS="1 10" chooses the scales for the upsell-data benchmarks (default "1").
set -uo pipefail
cd "$(dirname "$0")/.."
SFS=${SFS:-1}
for b in parquet csv jsonl parquet_write delta_open exec_bench sql ingest cdc; do
  s="bench/$b.sh"
  [ -x "$s" ] || continue
  echo; echo "## $b"; echo
  case $b in
    parquet|csv|jsonl|sql|ingest|cdc) "$s" $SFS ;;
    *) "$s" ;;
  esac || echo "(bench $b failed: exit $?)"
done
