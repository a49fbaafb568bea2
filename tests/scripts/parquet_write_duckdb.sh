#!/usr/bin/env bash
# tests/scripts/parquet_write_duckdb.sh BUILD_DIR: DuckDB (an independent Parquet reader) reads
# every file lago's writer produces in tests/tools/pq_write_sample.c (every type, nulls, extreme
# values, nested values, every codec, dictionary on/off, v1/v2 pages, delta encodings, small row
# groups and pages, page index, FLAT/CONST/DICT vectors and selection vectors) and must
#   1. render exactly the rows lago rendered from its input vectors (tests/node/canon.mjs:
#      the canonical text of shared/conformance/parquet/README.md), and
#   2. see the intended metadata (tests/node/pq_meta_check.mjs: physical/converted/logical
#      types, repetition, field ids, codecs, page types, data-page encodings, page index
#      consistency, key-value metadata, and the file statistics against DuckDB's aggregates).
#   3. read back with lago's own reader, render exactly the same rows (round trip).
# Three checks per file; prints "parquet-write-duckdb: N passed, M failed".
set -u
B=${1:-build/asan}
cd "$(dirname "$0")/../.."
pass=0; fail=0
if ! tests/node/setup.sh; then
  echo "FAIL parquet-write-duckdb: DuckDB oracle (tests/node/setup.sh) unavailable"
  echo "parquet-write-duckdb: 0 passed, 1 failed"; exit 1
fi
T=$(mktemp -d /tmp/lago-pqw.XXXXXX)
trap 'rm -rf "$T"' EXIT
if ! "$B/pq_write_sample" "$T" >"$T/sample.log" 2>&1; then
  echo "FAIL pq_write_sample:"; tail -20 "$T/sample.log"
  echo "parquet-write-duckdb: 0 passed, 1 failed"; exit 1
fi
n_files=0
for f in "$T"/*.parquet; do
  name=$(basename "$f" .parquet)
  n_files=$((n_files + 1))
  if node tests/node/canon.mjs "$f" >"$T/$name.duck.csv" 2>"$T/$name.err" && cmp -s "$T/$name.duck.csv" "$T/$name.expected.csv"; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1)); echo "FAIL $name: DuckDB's rows differ from lago's input"
    head -5 "$T/$name.err"; diff "$T/$name.duck.csv" "$T/$name.expected.csv" | head -10
  fi
  # 3. lago's own reader gives back exactly what lago wrote (the round trip)
  if "$B/lago" parquet cat "$f" --format csv >"$T/$name.lago.csv" 2>"$T/$name.lago.err" && cmp -s "$T/$name.lago.csv" "$T/$name.expected.csv"; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1)); echo "FAIL $name: lago's reader differs from lago's input"
    head -5 "$T/$name.lago.err"; diff "$T/$name.lago.csv" "$T/$name.expected.csv" | head -10
  fi
  if node tests/node/pq_meta_check.mjs "$f" "$T/$name.meta.tsv" >"$T/$name.meta.out" 2>&1; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1)); echo "FAIL $name: metadata"; head -10 "$T/$name.meta.out"
  fi
done
if [ "$n_files" -lt 16 ]; then fail=$((fail + 1)); echo "FAIL expected 16 sample files, got $n_files"; fi
echo "parquet-write-duckdb: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
