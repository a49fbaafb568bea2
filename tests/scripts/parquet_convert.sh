#!/usr/bin/env bash
# tests/scripts/parquet_convert.sh BUILD_DIR: `lago parquet convert` from CSV
# and Parquet, every codec, checked with lago's reader and with DuckDB.
set -u
B=${1:-build/asan}
L="$(pwd)/$B/lago"
T=$(mktemp -d /tmp/lago-convert.XXXXXX)
trap 'rm -rf "$T"' EXIT
pass=0; fail=0
ok() { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL $*"; }
tests/node/setup.sh >/dev/null 2>&1 || { echo "FAIL npm setup"; echo "parquet-convert: 0 passed, 1 failed"; exit 1; }

printf 'id,name,amount,ts\n1,alice,12.50,2024-01-01 10:00:00\n2,"bob, jr",7.25,2024-01-02 11:30:00\n3,,0.00,\n' > "$T/a.csv"
want='"id","name","amount","ts"
1,"alice",12.5,2024-01-01 10:00:00+00
2,"bob, jr",7.25,2024-01-02 11:30:00+00
3,\N,0.0,\N'
if "$L" parquet convert "$T/a.csv" "$T/a.parquet" --option header=true --infer-schema 2>/dev/null &&
   [ "$("$L" parquet cat "$T/a.parquet" --format csv)" = "$want" ]; then ok; else bad "csv with inference"; fi

# all STRING without inference, schemaHints override one column
if "$L" parquet convert "$T/a.csv" "$T/s.parquet" --option header=true --option 'schemaHints=amount DECIMAL(10,2)' 2>/dev/null &&
   "$L" parquet schema "$T/s.parquet" | grep -q 'amount *DECIMAL(10,2)' &&
   "$L" parquet schema "$T/s.parquet" | grep -q '^id *STRING'; then ok; else bad "csv strings + schemaHints"; fi

# DuckDB reads the converted file identically
got=$(cd tests/node && node duck.mjs "SELECT id, name, amount FROM read_parquet('$T/a.parquet') ORDER BY id" 2>&1)
if [ "$got" = $'id,name,amount\n1,alice,12.5\n2,bob, jr,7.25\n3,\\N,0' ]; then ok; else bad "duckdb read: $got"; fi

# parquet -> parquet with every codec, concatenating two inputs
for c in snappy zstd gzip lz4_raw brotli uncompressed; do
  if "$L" parquet convert "$T/a.parquet" "$T/a.parquet" "$T/c-$c.parquet" --codec "$c" 2>/dev/null &&
     [ "$("$L" parquet cat "$T/c-$c.parquet" --format csv | tail -n +2 | wc -l)" = 6 ] &&
     "$L" parquet meta "$T/c-$c.parquet" | grep -qi "$c"; then ok; else bad "codec $c"; fi
done

# refuses to overwrite; bad input fails clearly and leaves nothing behind
if ! "$L" parquet convert "$T/a.csv" "$T/a.parquet" --option header=true 2>"$T/err" && grep -q 'exists' "$T/err"; then ok; else bad "overwrite refused"; fi
printf 'id,x\n1,2\n3\n' > "$T/bad.csv"
if ! "$L" parquet convert "$T/bad.csv" "$T/bad.parquet" --option header=true --option mode=FAILFAST 2>"$T/err" &&
   grep -q 'bad.csv:3' "$T/err" && [ ! -e "$T/bad.parquet" ] && [ -z "$(ls -A "$T" | grep '^\.')" ]; then ok; else bad "failfast: $(cat "$T/err")"; fi
if ! "$L" parquet convert "$T/a.csv" 2>/dev/null; then ok; else bad "usage"; fi
echo "parquet-convert: $pass passed, $fail failed"
[ $fail -eq 0 ]
