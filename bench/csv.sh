#!/usr/bin/env bash
# bench/csv.sh [SF...]: CSV parse speed, lago vs DuckDB (not a test).
#
# Times parsing the full-load `transactions` CSVs of the upsell data set
# (SF=1 by default; e.g. `bench/csv.sh 1 10`), header and ',', into typed
# columns with the explicit schema
#   (BIGINT, BIGINT, STRING, INT, DECIMAL(12,2), STRING, TIMESTAMP):
#   lago    tests/tools/csv_bench (release), summing the columns
#   DuckDB  SELECT count(*), sum(amount) FROM read_csv(..., columns={...})
# The cases, runs and figures are those of bench/lib/text.sh (shared with
# bench/jsonl.sh). Data: ${CSV_BENCH_DATA:-/tmp/lago-csv-bench}/sf<SF>.
TOOL=csv_bench
DATA=${CSV_BENCH_DATA:-/tmp/lago-csv-bench}
SUBDIR=raw/full_load/transactions
EXT=csv
QUERY="SELECT count(*), sum(amount) FROM read_csv('%GLOB%', header=true, auto_detect=false, delim=',', quote='\"',
  columns={'transaction_id':'BIGINT','customer_id':'BIGINT','product':'VARCHAR','points':'INTEGER',
           'amount':'DECIMAL(12,2)','channel':'VARCHAR','created_at':'TIMESTAMP'})"
. "$(dirname "$0")/lib/text.sh"
text_bench "$@"
