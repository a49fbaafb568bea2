#!/usr/bin/env bash
# tests/scripts/ingest_copy_into.sh BUILD_DIR: COPY INTO (sql/stmt_copy.c on
# the stream layer) with `lago sql` and real files: CSV/JSON/Parquet loads,
# idempotence (a second COPY INTO loads nothing, a new file alone is loaded),
# PATTERN on file names, the table's schema without mergeSchema (extra columns ignored,
# missing ones NULL), mergeSchema adding a column in the load's commit, the
# two Auto Loader experiments (checkpoint deleted: nothing loaded twice; table
# dropped and recreated: everything loaded again), and the refused forms.
set -u
B=${1:-build/asan}
cd "$(dirname "$0")/../.."
L="$PWD/$B/lago"
T=$(mktemp -d /tmp/lago-copy-into.XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T"
pass=0; fail=0
ok() { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL $*"; }
expect_eq() { if [ "$2" == "$3" ]; then ok; else bad "$1: got [$2], want [$3]"; fi; }
expect_grep() { if grep -qE -- "$2" <<<"$3"; then ok; else bad "$1: no /$2/ in:"; echo "$3" | head -8; fi; }
sql() { "$L" --warehouse "$T/wh" sql --format csv -c "$1" 2>&1; }
last() { sql "$1" | tail -1; }
copy_csv() { last "COPY INTO t FROM '$T/in' FILEFORMAT = CSV FORMAT_OPTIONS ('header' = 'true'${1:-}) ${2:-}"; }

mkdir -p in/2024
printf 'id,name,amount\n1,a,1.5\n2,b,2.5\n' > in/a.csv
printf 'name,id,extra\nc,3,x\n' > in/2024/b.csv    # columns reordered, one the table lacks
printf 'id,name\n4,d\n' > in/c.txt
sql "CREATE TABLE t (id INT, name STRING, amount DOUBLE)" >/dev/null

expect_eq "first load (recursive, every file)" "$(copy_csv)" "4,4,0"
expect_eq "rows by name, extra ignored, missing NULL" "$(sql "SELECT * FROM t ORDER BY id" | tr '\n' ' ')" \
  '"id","name","amount" 1,"a",1.5 2,"b",2.5 3,"c",\N 4,"d",\N '
expect_eq "schema kept without mergeSchema" "$(sql "SELECT * FROM t LIMIT 0")" '"id","name","amount"'
expect_eq "second COPY INTO loads nothing" "$(copy_csv)" "0,0,0"
printf 'id,name,amount\n5,e,5.5\n' > in/e.csv
expect_eq "a new file alone" "$(copy_csv)" "1,1,0"
expect_eq "rows once" "$(last "SELECT count(*), count(DISTINCT id) FROM t")" "5,5"
v=$("$L" --warehouse "$T/wh" table history main.default.t | tail -n +2 | wc -l)
expect_eq "one commit per load that loaded files (+ create)" "$v" "3"
expect_grep "commit carries the file list" '"lago.files"' "$(cat wh/main/default/t/_delta_log/00000000000000000002.json)"

# experiment 1: the checkpoint is lost -> progress rebuilt from the table's log
rm -rf wh/_lago_streams
printf 'id,name,amount\n6,f,6.5\n' > in/f.csv
expect_eq "lost checkpoint: only the new file" "$(copy_csv)" "1,1,0"
expect_eq "lost checkpoint: no duplicates" "$(last "SELECT count(*), count(DISTINCT id) FROM t")" "6,6"

# PATTERN: a glob on file names
expect_eq "PATTERN, loaded already" "$(copy_csv "" "PATTERN = '*.csv'")" "0,0,0"
printf 'id,name,amount\n7,g,7.5\n' > in/2024/g.csv
printf 'id,name,amount\n8,h,8.5\n' > in/h.txt
expect_eq "PATTERN: matching new file" "$(copy_csv "" "PATTERN = '*.csv'")" "1,1,0"
expect_eq "PATTERN: other file not loaded" "$(last "SELECT count(*) FROM t WHERE id = 8")" "0"
expect_grep "PATTERN with a directory refused" "not supported" \
  "$(sql "COPY INTO t FROM '$T/in' FILEFORMAT = CSV PATTERN = '2024/*.csv'")"

# mergeSchema: the new column joins the table in the load's commit
printf 'id,name,amount,city\n9,i,9.5,Oslo\n' > in/i.csv
expect_eq "mergeSchema load" "$(copy_csv ", 'inferSchema' = 'true'" "COPY_OPTIONS ('mergeSchema' = 'true')")" "2,2,0"
expect_eq "mergeSchema: column added" "$(last "SELECT city FROM t WHERE id = 9")" '"Oslo"'
expect_eq "mergeSchema: old rows NULL" "$(last "SELECT count(city) FROM t")" "1"

# experiment 2: the table is dropped and recreated -> everything loaded again, once
sql "DROP TABLE t" >/dev/null
sql "CREATE TABLE t (id INT, name STRING, amount DOUBLE)" >/dev/null
expect_eq "recreated table: reloaded" "$(copy_csv)" "9,9,0"
expect_eq "recreated table: once" "$(last "SELECT count(*), count(DISTINCT id) FROM t")" "9,9"

# JSON and Parquet
mkdir -p js pq
printf '{"id": 1, "tags": "x"}\n{"id": 2}\n' > js/a.json
sql "CREATE TABLE j (id BIGINT, tags STRING)" >/dev/null
expect_eq "JSON load" "$(last "COPY INTO j FROM '$T/js' FILEFORMAT = JSON")" "2,2,0"
expect_eq "JSON again" "$(last "COPY INTO j FROM '$T/js' FILEFORMAT = JSON")" "0,0,0"
"$L" --warehouse "$T/wh" sql -c "CREATE TABLE src AS SELECT id, name FROM t" >/dev/null 2>&1
f=$(ls wh/main/default/src/*.parquet 2>/dev/null | head -1)
if [ -n "$f" ]; then
  cp "$f" pq/part.parquet
  sql "CREATE TABLE p (id INT, name STRING)" >/dev/null
  expect_eq "Parquet load" "$(last "COPY INTO p FROM '$T/pq' FILEFORMAT = PARQUET")" "9,9,0"
  expect_eq "Parquet again" "$(last "COPY INTO p FROM '$T/pq' FILEFORMAT = PARQUET")" "0,0,0"
else
  bad "no Parquet file to load (CTAS wrote none)"
fi

# refused forms and errors
expect_grep "FILES refused" "not supported" "$(sql "COPY INTO t FROM '$T/in' FILEFORMAT = CSV FILES = ('a.csv')")"
expect_grep "SELECT refused" "not supported" "$(sql "COPY INTO t FROM (SELECT id FROM '$T/in') FILEFORMAT = CSV")"
expect_grep "force refused" "force" "$(sql "COPY INTO t FROM '$T/in' FILEFORMAT = CSV COPY_OPTIONS ('force' = 'true')")"
expect_grep "unknown format" "AVRO" "$(sql "COPY INTO t FROM '$T/in' FILEFORMAT = AVRO")"
expect_grep "missing table" "TABLE_OR_VIEW_NOT_FOUND" "$(sql "COPY INTO nope FROM '$T/in' FILEFORMAT = CSV")"
expect_grep "bad reader option" "bogus" "$(sql "COPY INTO t FROM '$T/in' FILEFORMAT = CSV FORMAT_OPTIONS ('bogus' = '1')")"
printf 'id,name,amount\n"10,j\n' > in/z.csv
expect_grep "FAILFAST names file:line" "z.csv:2" \
  "$(sql "COPY INTO t FROM '$T/in' FILEFORMAT = CSV FORMAT_OPTIONS ('header' = 'true', 'mode' = 'FAILFAST')")"
expect_eq "failed load committed nothing" "$(last "SELECT count(*) FROM t")" "9"

echo "ingest_copy_into: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
