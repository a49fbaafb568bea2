#!/usr/bin/env bash
# tests/scripts/parquet_cli.sh BUILD_DIR: `lago parquet schema|meta|cat`:
# exit codes (0 ok, 1 error, 2 usage), the csv format byte for byte against
# the conformance corpus, json lines that parse, the table format,
# --columns/--limit, and the messages for bad, encrypted and missing files.
# Ends with "parquet-cli: N passed, M failed".
set -u
B=${1:-build/asan}
cd "$(dirname "$0")/../.."
L="$B/lago"
S=${LAGO_SHARED:-$(cd ../shared 2>/dev/null && pwd)}
C="$S/conformance/parquet"
TMP=$(mktemp -d /tmp/lago-pqcli.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
pass=0; fail=0
ok() { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL $*"; }

# check NAME WANT_EXIT PATTERN CMD...: exit code and an output (stdout+stderr) pattern
check() {
  local name=$1 want=$2 pat=$3; shift 3
  local out rc
  out=$("$@" 2>&1); rc=$?
  if [ "$rc" -eq "$want" ] && grep -qE -- "$pat" <<<"$out"; then ok; else bad "$name: exit $rc (want $want), output:"; echo "$out" | head -5; fi
}
# same_as NAME EXPECTED_FILE CMD...: stdout must equal the file byte for byte, exit 0
same_as() {
  local name=$1 want=$2; shift 2
  "$@" >"$TMP/out" 2>"$TMP/err"; local rc=$?
  if [ $rc -eq 0 ] && cmp -s "$TMP/out" "$want"; then ok; else bad "$name: exit $rc, differs from $want"; head -3 "$TMP/err"; diff "$TMP/out" "$want" | head -5; fi
}

F=$C/files/duckdb_rowgroups_v1_snappy.parquet
N=$C/nested/files/nullable.impala.parquet
[ -f "$F" ] || { echo "FAIL corpus not found under $C"; echo "parquet-cli: 0 passed, 1 failed"; exit 1; }

# schema and meta
check schema 0 '^id +BIGINT$' "$L" parquet schema "$F"
check schema-leaves 0 '^dec +INT64 +DECIMAL\(12,3\) +DECIMAL\(12,3\) +optional +1/0 +DECIMAL\(12,3\)' "$L" parquet schema "$F"
check schema-nested 0 '^int_Map_Array +ARRAY<MAP<STRING, INT>>$' "$L" parquet schema "$N"
check meta 0 '^row group 2: 904 rows' "$L" parquet meta "$F"
check meta-stats 0 'statistics: min=4096 max=4999' "$L" parquet meta "$F"
check meta-created-by 0 '^created_by: "DuckDB version v1.5.6' "$L" parquet meta "$F"
check meta-kv 0 'ARROW:schema' "$L" parquet meta "$C/nested/files/large_string_map.brotli.parquet"

# cat --format csv is the canonical text of the corpus
for stem in duckdb_rowgroups_v1_snappy duckdb_types_v2enc_zstd int96_from_spark delta_byte_array; do
  same_as "cat-csv-$stem" "$C/expected/$stem.rows.csv" "$L" parquet cat "$C/files/$stem.parquet"
done
for stem in nullable.impala nested_maps.snappy repeated_no_annotation; do
  same_as "cat-csv-$stem" "$C/nested/expected/$stem.rows.csv" "$L" parquet cat --format csv "$C/nested/files/$stem.parquet"
done

# --columns projects (in the given order), --limit stops early
"$L" parquet cat --columns grp,id --limit 3 "$F" >"$TMP/proj" 2>&1
printf '"grp","id"\n' >"$TMP/want"
awk -F, 'NR>1 && NR<=4 { print $4 "," $1 }' "$C/expected/duckdb_rowgroups_v1_snappy.rows.csv" >>"$TMP/want"
if cmp -s "$TMP/proj" "$TMP/want"; then ok; else bad "cat --columns grp,id --limit 3"; diff "$TMP/proj" "$TMP/want" | head; fi
check limit-0 0 '^"id","small"' "$L" parquet cat --limit 0 --columns id,small "$F"
n=$("$L" parquet cat --limit 0 "$F" | wc -l)
[ "$n" -eq 1 ] && ok || bad "cat --limit 0 printed $n lines (want the header only)"
n=$("$L" parquet cat --limit 2500 "$F" | wc -l)
[ "$n" -eq 2501 ] && ok || bad "cat --limit 2500 printed $n lines (want 2501: across row groups)"

# json: one object per row that parses, with the right values
"$L" parquet cat --format json --limit 5 "$N" >"$TMP/j" 2>&1
if command -v node >/dev/null; then
  if node -e '
    const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n");
    if (lines.length !== 5) throw new Error("lines " + lines.length);
    const r = lines.map((l) => JSON.parse(l));
    if (r[0].id !== 1 || r[0].int_map.k2 !== 100 || r[1].int_array[0] !== null || r[2].int_array.length !== 0) throw new Error("values");
    if (r[0].nested_struct.C.d[0][1].F !== "bbb") throw new Error("nested");
  ' "$TMP/j"; then ok; else bad "cat --format json"; head -2 "$TMP/j"; fi
else
  bad "node is needed to check JSON output (scripts/install-deps installs it)"
fi
check json-specials 0 '"f32":"nan"' "$L" parquet cat --format json --columns f32 "$C/files/duckdb_types_v1_uncompressed.parquet"

# table
check table 0 '^id +\| small +\| seq32' "$L" parquet cat --format table --limit 3 "$F"
check table-rule 0 '^-+-\+-' "$L" parquet cat --format table --limit 3 "$F"
n=$("$L" parquet cat --format table --limit 3 "$F" | wc -l)
[ "$n" -eq 5 ] && ok || bad "table with 3 rows printed $n lines (want 5)"

# errors (exit 1) and usage (exit 2)
check bad-file 1 "^lago: .*nation.dict-malformed.parquet: row group 0, column 'name', page 1: page of 28 bytes" \
  "$L" parquet cat "$C/bad/files/nation.dict-malformed.parquet"
check bad-footer 1 '^lago: .*PARQUET-1481.parquet: bad schema' "$L" parquet schema "$C/bad/files/PARQUET-1481.parquet"
check encrypted 1 'encrypted Parquet files are not supported' "$L" parquet meta "$C/bad/files/uniform_encryption.parquet.encrypted"
check not-parquet 1 'not a Parquet file' "$L" parquet cat "$C/expected/duckdb_rowgroups_v1_snappy.rows.csv"
check missing 1 '^lago: ' "$L" parquet cat "$TMP/no-such.parquet"
check no-column 1 "no column 'zzz'" "$L" parquet cat --columns id,zzz "$F"
check usage-none 2 'expected schema, meta, cat or convert' "$L" parquet
check usage-sub 2 "unknown subcommand 'frob'" "$L" parquet frob "$F"
check usage-nofile 2 'cat needs a FILE' "$L" parquet cat
check usage-format 2 "unknown format 'xml'" "$L" parquet cat --format xml "$F"
check usage-limit 2 '--limit needs a number' "$L" parquet cat --limit -3 "$F"
check usage-option 2 "unknown option '--frob'" "$L" parquet cat --frob "$F"
check usage-schema 2 'schema takes one FILE' "$L" parquet schema
check help 0 '^usage: lago parquet schema FILE' "$L" parquet --help

echo "parquet-cli: $pass passed, $fail failed"
[ $fail -eq 0 ]
