#!/usr/bin/env bash
# bench/jsonl.sh [SF...]: JSON Lines parse speed, lago vs DuckDB (not a test).
#
# Times parsing the CDC batches of `transactions` of the upsell data set as
# JSON lines (raw/cdc_json/transactions/*.jsonl; SF=1 by default, e.g.
# `bench/jsonl.sh 1 10`) into typed columns with the explicit schema
#   (BIGINT, BIGINT, STRING, INT, DECIMAL(12,2), STRING, TIMESTAMP, STRING, TIMESTAMP):
#   lago    tests/tools/jsonl_bench (release), summing the columns
#   DuckDB  SELECT count(*), sum(amount), ... FROM read_json(..., format =
#           'newline_delimited', columns={...})
# The cases, runs and figures are those of bench/lib/text.sh (shared with
# bench/csv.sh). Data: ${JSONL_BENCH_DATA:-/tmp/lago-jsonl-bench}/sf<SF>, or
# set JSONL_BENCH_DIR to a directory of .jsonl files to time those.
TOOL=jsonl_bench
DATA=${JSONL_BENCH_DATA:-/tmp/lago-jsonl-bench}
SUBDIR=raw/cdc_json/transactions
EXT=jsonl
BENCH_DIR=${JSONL_BENCH_DIR:-}
QUERY="SELECT count(*), sum(amount), sum(points), max(created_at), sum(length(product)) FROM read_json('%GLOB%',
  format='newline_delimited',
  columns={'transaction_id':'BIGINT','customer_id':'BIGINT','product':'VARCHAR','points':'INTEGER',
           'amount':'DECIMAL(12,2)','channel':'VARCHAR','created_at':'TIMESTAMP','op':'VARCHAR','modified_at':'TIMESTAMP'})"
. "$(dirname "$0")/lib/text.sh"
text_bench "$@"
