#!/usr/bin/env bash
# tests/scripts/parquet_convert_parallel.sh BUILD_DIR: `lago parquet convert` of Parquet inputs is
# row-group parallel (cli/cmd_parquet_convert.c). Inputs written by DuckDB: nested columns (list,
# struct, map), row groups of 2048/904, a file with no rows, a file whose row groups are larger
# than --row-group-rows. Checks:
#   - --threads 1, 2 and 3 write byte-identical files;
#   - the output holds exactly the input rows, in order (lago's reader), and DuckDB reads the
#     same multiset of rows;
#   - row groups: runs of whole input row groups up to --row-group-rows, a larger input row group
#     cut at exactly --row-group-rows; one row group by default (17,300 rows < 1,048,576);
#   - a corrupt data page in the third input, or a corrupt footer in the second, fails the
#     conversion and leaves nothing at the output path (no temporary file either).
set -u
B=${1:-build/asan}
cd "$(dirname "$0")/../.."
L="$(pwd)/$B/lago"
pass=0; fail=0
ok() { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL $*"; }
if ! tests/node/setup.sh >/dev/null 2>&1; then
  echo "FAIL parquet-convert-parallel: DuckDB (tests/node/setup.sh) unavailable"
  echo "parquet-convert-parallel: 0 passed, 1 failed"; exit 1
fi
T=$(mktemp -d /tmp/lago-pqpar.XXXXXX)
trap 'rm -rf "$T"' EXIT
sel="SELECT i AS id, 'n' || (i % 37) AS name, CASE WHEN i % 5 = 0 THEN NULL ELSE [i, i+1] END AS xs,
     {'a': i * 0.5, 'b': CASE WHEN i % 4 = 1 THEN NULL ELSE 'k' || (i % 3) END} AS s, MAP {'k': i % 7} AS m, i * 1.25 AS d"
if ! (cd tests/node && node duck.mjs \
  "COPY ($sel FROM range(5000) t(i)) TO '$T/f1.parquet' (FORMAT parquet, ROW_GROUP_SIZE 1000)" \
  "COPY ($sel FROM range(0) t(i)) TO '$T/f2.parquet' (FORMAT parquet)" \
  "COPY ($sel FROM range(100000, 112000) t(i)) TO '$T/f3.parquet' (FORMAT parquet, ROW_GROUP_SIZE 10000)" \
  "COPY ($sel FROM range(7, 307) t(i)) TO '$T/f4.parquet' (FORMAT parquet)" >/dev/null); then
  echo "FAIL DuckDB could not write the inputs"; echo "parquet-convert-parallel: 0 passed, 1 failed"; exit 1
fi
IN=("$T/f1.parquet" "$T/f2.parquet" "$T/f3.parquet" "$T/f4.parquet")

# the same bytes for any thread count
for t in 1 2 3; do
  if "$L" parquet convert "${IN[@]}" "$T/o$t.parquet" --row-group-rows 3000 --threads "$t" 2>"$T/err"; then ok
  else bad "convert --threads $t: $(cat "$T/err")"; fi
done
if cmp -s "$T/o1.parquet" "$T/o2.parquet" && cmp -s "$T/o1.parquet" "$T/o3.parquet"; then ok; else bad "threads 1/2/3 differ"; fi

# exactly the input rows, in order
{ "$L" parquet cat "${IN[0]}" --format csv; for f in "${IN[@]:1}"; do "$L" parquet cat "$f" --format csv | tail -n +2; done; } >"$T/in.csv"
"$L" parquet cat "$T/o2.parquet" --format csv >"$T/out.csv"
if [ "$(wc -l <"$T/in.csv")" = 17301 ] && cmp -s "$T/in.csv" "$T/out.csv"; then ok; else bad "rows differ: $(diff "$T/in.csv" "$T/out.csv" | head -5)"; fi
list="['${IN[0]}','${IN[1]}','${IN[2]}','${IN[3]}']"
got=$(cd tests/node && node duck.mjs "SELECT (SELECT count(*) FROM (SELECT * FROM read_parquet($list) EXCEPT ALL SELECT * FROM read_parquet('$T/o2.parquet'))) AS a,
  (SELECT count(*) FROM (SELECT * FROM read_parquet('$T/o2.parquet') EXCEPT ALL SELECT * FROM read_parquet($list))) AS b,
  (SELECT count(*) FROM read_parquet('$T/o2.parquet')) AS n" 2>&1)
if [ "$got" = $'a,b,n\n0,0,17300' ]; then ok; else bad "DuckDB sees other rows: $got"; fi

# row groups: [2048] [2048 904] [3000 3000 3000 1240 of f3's first group] [its second group + f4]
rgs=$("$L" parquet meta "$T/o1.parquet" | sed -n 's/^row group [0-9]*: \([0-9]*\) rows.*/\1/p' | tr '\n' ' ')
want=$("$L" parquet meta "${IN[2]}" | sed -n 's/^row group [0-9]*: \([0-9]*\) rows.*/\1/p' | {
  read -r a; read -r b; r=$a; out="2048 2952 "; while [ "$r" -gt 3000 ]; do out+="3000 "; r=$((r-3000)); done
  echo "${out}$r $((b+300)) "; })
if [ "$rgs" = "$want" ]; then ok; else bad "row groups '$rgs', want '$want'"; fi
"$L" parquet convert "${IN[@]}" "$T/d.parquet" --threads 2 2>/dev/null
if [ "$("$L" parquet meta "$T/d.parquet" | grep -c '^row group [0-9]')" = 1 ]; then ok; else bad "default row groups"; fi

# a corrupt data page (third input) or footer (second input): failure, nothing left behind
cp "${IN[2]}" "$T/c3.parquet"
printf '\377\377\377\377\377\377\377\377\377\377\377\377\377\377\377\377' | dd of="$T/c3.parquet" bs=1 seek=4 conv=notrunc 2>/dev/null
for t in 1 2 3; do
  if ! "$L" parquet convert "${IN[0]}" "${IN[1]}" "$T/c3.parquet" "${IN[3]}" "$T/x.parquet" --row-group-rows 3000 --threads "$t" 2>"$T/err" &&
     grep -q 'c3.parquet' "$T/err" && [ ! -e "$T/x.parquet" ] && [ -z "$(ls -A "$T" | grep '^\.')" ]; then ok
  else bad "corrupt page, --threads $t: $(cat "$T/err")"; fi
done
head -c 200 "${IN[1]}" >"$T/c2.parquet"
if ! "$L" parquet convert "${IN[0]}" "$T/c2.parquet" "$T/x.parquet" 2>"$T/err" && grep -q 'c2.parquet' "$T/err" &&
   [ ! -e "$T/x.parquet" ] && [ -z "$(ls -A "$T" | grep '^\.')" ]; then ok; else bad "corrupt footer: $(cat "$T/err")"; fi

echo "parquet-convert-parallel: $pass passed, $fail failed"
[ $fail -eq 0 ]
