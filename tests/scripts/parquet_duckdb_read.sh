#!/usr/bin/env bash
# tests/scripts/parquet_duckdb_read.sh BUILD_DIR: lago reads what DuckDB writes.
# DuckDB (tests/node/pq_duck_write.mjs) writes a `types` table (every type lago reads, nulls,
# extremes, NaN/inf/-0.0, strings needing quotes) and a `nested` table (lists, structs, maps,
# nested lists, null vs empty) with every codec (uncompressed, snappy, gzip, zstd, lz4_raw,
# brotli), PARQUET_VERSION V1 and V2 and several ROW_GROUP_SIZEs; tests/node/canon.mjs renders
# each file in the canonical text of shared/conformance/parquet/README.md, and
#   BUILD_DIR/lago parquet cat --format csv FILE
# must print exactly the same text (header line of quoted column names, then the rows).
# One check per file; prints "parquet-duckdb-read: N passed, M failed".
# Needs the Parquet reader and the `lago parquet cat` command (not on the writer's branch: this
# file is kept non-executable there, so `make test` skips it until the lead merges the reader).
set -u
B=${1:-build/asan}
cd "$(dirname "$0")/../.."
pass=0; fail=0
if ! tests/node/setup.sh; then
  echo "FAIL parquet-duckdb-read: DuckDB oracle (tests/node/setup.sh) unavailable"
  echo "parquet-duckdb-read: 0 passed, 1 failed"; exit 1
fi
T=$(mktemp -d /tmp/lago-pqr.XXXXXX)
trap 'rm -rf "$T"' EXIT
if ! node tests/node/pq_duck_write.mjs "$T" >"$T/files.txt" 2>"$T/write.err"; then
  echo "FAIL DuckDB could not write the files:"; head -20 "$T/write.err"
  echo "parquet-duckdb-read: 0 passed, 1 failed"; exit 1
fi
while IFS= read -r f; do
  name=$(basename "$f" .parquet)
  if ! node tests/node/canon.mjs "$f" >"$T/$name.duck.csv" 2>"$T/$name.canon.err"; then
    fail=$((fail + 1)); echo "FAIL $name: canon.mjs"; head -5 "$T/$name.canon.err"; continue
  fi
  if "$B/lago" parquet cat --format csv "$f" >"$T/$name.lago.csv" 2>"$T/$name.lago.err" &&
     cmp -s "$T/$name.duck.csv" "$T/$name.lago.csv"; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1)); echo "FAIL $name: lago's rows differ from DuckDB's"
    head -5 "$T/$name.lago.err"; diff "$T/$name.duck.csv" "$T/$name.lago.csv" | head -10
  fi
done <"$T/files.txt"
[ $((pass + fail)) -ge 24 ] || { fail=$((fail + 1)); echo "FAIL expected 24 files"; }
echo "parquet-duckdb-read: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
