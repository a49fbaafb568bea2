#!/usr/bin/env bash
# tests/scripts/sql_cli.sh BUILD_DIR: `lago sql` end to end: -c / -f / stdin scripts, output formats,
# error messages with a caret and exit codes, --timing; and statement outputs that sqllogictests cannot
# pin down (paths, timestamps): OPTIMIZE (bin-packing, idempotence, dataChange=false), VACUUM DRY RUN,
# DESCRIBE DETAIL / HISTORY, EXPLAIN pruning, delta.`path` and LOCATION, TIMESTAMP AS OF, volumes, the Delta log lago writes (validated by `lago table validate`).
# Prints "sql-cli: N passed, M failed".
set -u
B=${1:-build/asan}
cd "$(dirname "$0")/../.."
WH=$(mktemp -d /tmp/lago-sqlcli.XXXXXX)
trap 'rm -rf "$WH"' EXIT
L="$B/lago --warehouse $WH"
pass=0; fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
expect_eq() { # name got want
  if [ "$2" == "$3" ]; then ok; else bad "$1: got [$2] want [$3]"; fi
}
expect_has() { # name text needle
  if printf '%s' "$2" | grep -qF -- "$3"; then ok; else bad "$1: [$2] lacks [$3]"; fi
}

# -c with several statements, csv output (canonical text, quoted names)
out=$($L sql --format csv -c "CREATE TABLE t (id INT, s STRING, d DATE); INSERT INTO t VALUES (1, 'a\"b', DATE'2024-01-02'), (2, NULL, NULL); SELECT * FROM t ORDER BY id" 2>&1)
expect_eq "csv" "$out" $'"num_affected_rows","num_inserted_rows"\n2,2\n"id","s","d"\n1,"a""b",2024-01-02\n2,\\N,\\N'

out=$($L sql --format json -c "SELECT * FROM t ORDER BY id" 2>&1)
expect_eq "json" "$out" $'{"id":1,"s":"a\\"b","d":"2024-01-02"}\n{"id":2,"s":null,"d":null}'

out=$($L sql --format table -c "SELECT id, s FROM t ORDER BY id" 2>&1)
expect_eq "table" "$out" $'id | s   \n---+-----\n 1 | a"b \n 2 | NULL\n(2 rows)'

# a script from a file and from stdin
printf 'INSERT INTO t VALUES (3, %s, NULL);\n-- comment\nSELECT count(*) AS n FROM t;\n' "'x;y'" > "$WH/s.sql"
out=$($L sql --format csv -f "$WH/s.sql" 2>&1)
expect_eq "-f" "$(echo "$out" | tail -1)" "3"
out=$(echo "SELECT max(id) FROM t;" | $L sql --format csv 2>&1)
expect_eq "stdin" "$(echo "$out" | tail -1)" "3"

# errors: message with line/column, a caret, exit 1; the script stops at the error
out=$($L sql -c "SELECT id,
  nope FROM t" 2>&1); rc=$?
expect_eq "error exit" "$rc" "1"
expect_has "error message" "$out" "lago: [UNRESOLVED_COLUMN] A column with name 'nope' cannot be resolved. Did you mean one of: id, s, d? (line 2, column 3)"
expect_has "caret" "$out" $'    nope FROM t\n    ^'
out=$($L sql -c "SELECT 1 +; SELECT 2" 2>&1); rc=$?
expect_eq "syntax exit" "$rc" "1"
expect_has "syntax message" "$out" "syntax error at line 1, column 11"
out=$($L sql --format csv -c "INSERT INTO t VALUES (9, 'z', NULL); SELECT nope; INSERT INTO t VALUES (10, 'z', NULL)" 2>&1)
n=$($L sql --format csv -c "SELECT count(*) FROM t WHERE s = 'z'" | tail -1)
expect_eq "script stops at the first error" "$n" "1"
$L sql --format nope -c "SELECT 1" >/dev/null 2>&1; expect_eq "usage exit" "$?" "2"
out=$($L sql --timing --format csv -c "SELECT 1" 2>&1 >/dev/null)
expect_has "--timing" "$out" "Time: "

# OPTIMIZE: the 3 small files of partition a become one (b has one file left after the DELETE
# removed its other file); a second run does nothing
$L sql -c "CREATE TABLE o (id INT, p STRING) PARTITIONED BY (p);
  INSERT INTO o VALUES (1, 'a'), (2, 'b'); INSERT INTO o VALUES (3, 'a'), (4, 'b'); INSERT INTO o VALUES (5, 'a');
  DELETE FROM o WHERE id = 4" >/dev/null 2>&1
out=$($L sql --format csv -c "OPTIMIZE o" 2>&1)
expect_eq "optimize" "$(echo "$out" | tail -1 | cut -d, -f2-)" "1,3"
out=$($L sql --format csv -c "OPTIMIZE o" 2>&1)
expect_eq "optimize again" "$(echo "$out" | tail -1 | cut -d, -f2-)" "0,0"
out=$($L sql --format csv -c "SELECT count(*), sum(id) FROM o" 2>&1)
expect_eq "optimize keeps rows" "$(echo "$out" | tail -1)" "4,11"
out=$($L sql --format csv -c "DESCRIBE DETAIL o" 2>&1)
expect_has "detail numFiles" "$(echo "$out" | tail -1)" ',"[""p""]",2,'
hist=$($L sql --format csv -c "DESCRIBE HISTORY o LIMIT 1" 2>&1)
expect_has "history OPTIMIZE" "$hist" '"OPTIMIZE"'
log=$(ls "$WH"/main/default/o/_delta_log/*.json | sort | tail -1)
if grep -q '"remove".*"dataChange":false' "$log"; then ok; else bad "OPTIMIZE removes with dataChange=false: $(head -c 400 "$log")"; fi
out=$($B/lago --warehouse "$WH" table validate main.default.o 2>&1); rc=$?
expect_eq "validate after OPTIMIZE ($out)" "$rc" "0"

# VACUUM DRY RUN lists nothing inside the retention window; with the check off it lists the old files
out=$($L sql --format csv -c "VACUUM o DRY RUN" 2>&1)
expect_eq "vacuum dry run" "$out" '"path"'
out=$($L sql --format csv -c "SET spark.databricks.delta.retentionDurationCheck.enabled = false; VACUUM o RETAIN 0 HOURS DRY RUN" 2>&1)
expect_eq "vacuum retain 0 dry run" "$(echo "$out" | grep -c parquet)" "4"

# EXPLAIN shows pushed filters and the files a Delta scan prunes
$L sql -c "CREATE TABLE big (k INT, v STRING); INSERT INTO big SELECT id, 'x' FROM range(100); INSERT INTO big SELECT id, 'y' FROM range(100, 200)" >/dev/null 2>&1
out=$($L sql --format csv -c "EXPLAIN SELECT * FROM big WHERE k >= 150" 2>&1)
expect_has "explain pushed" "$out" 'pushed=[#0 >= 150]'
expect_has "explain pruned" "$out" 'files=1 pruned=1'

# path-based tables: delta.`path` (with time travel) and an external table with LOCATION
P=$WH/main/default/big
out=$($L sql --format csv -c "SELECT count(*) FROM delta.\`$P\`; SELECT count(*) FROM delta.\`$P\` VERSION AS OF 1" 2>&1)
expect_eq "delta.path" "$out" $'"count(1)"\n200\n"count(1)"\n100'
out=$($L sql --format csv -c "CREATE TABLE ext (a INT) LOCATION '$WH/ext_dir'; INSERT INTO ext VALUES (7); SELECT * FROM delta.\`$WH/ext_dir\`" 2>&1)
expect_eq "external LOCATION" "$(echo "$out" | tail -1)" "7"
out=$($L sql --format csv -c "DROP TABLE ext; SELECT count(*) FROM delta.\`$WH/ext_dir\`" 2>&1)
expect_eq "DROP keeps external data" "$(echo "$out" | tail -1)" "1"

# TIMESTAMP AS OF between two commits reads the older version; before the first commit is an error
hist=$($L sql --format csv -c "DESCRIBE HISTORY big" 2>&1)
t1=$(echo "$hist" | awk -F, '$1 == 1 {print $2}')
out=$($L sql --format csv -c "SELECT count(*) FROM big TIMESTAMP AS OF '$t1'" 2>&1)
expect_eq "timestamp as of v1 ($t1)" "$(echo "$out" | tail -1)" "100"
out=$($L sql --format csv -c "SELECT count(*) FROM big TIMESTAMP AS OF current_timestamp()" 2>&1)
expect_eq "timestamp as of now" "$(echo "$out" | tail -1)" "200"
out=$($L sql --format csv -c "SELECT count(*) FROM big TIMESTAMP AS OF '2001-01-01'" 2>&1); rc=$?
expect_has "timestamp before the first commit" "$out" "[DELTA_TIMESTAMP_EARLIER_THAN_COMMIT_RETENTION]"
expect_eq "timestamp before: exit" "$rc" "1"

# volumes: files under /Volumes/<catalog>/<schema>/<volume>/ are read from the warehouse
$L sql -c "CREATE SCHEMA raw; CREATE VOLUME raw.landing" >/dev/null 2>&1
vdir=$(find "$WH" -type d -path '*raw*' -name landing | head -1)
if [ -n "$vdir" ]; then
  cp tests/data/sql/people.csv "$vdir/"
  out=$($L sql --format csv -c "SELECT count(*) FROM read_files('/Volumes/main/raw/landing/', format => 'csv', header => true)" 2>&1)
  expect_eq "read_files from a volume" "$(echo "$out" | tail -1)" "4"
else
  bad "CREATE VOLUME made no directory under $WH"
fi

# tables written by every statement kind pass the strict Delta log validator
for tb in t o big; do
  out=$($B/lago --warehouse "$WH" table validate main.default.$tb 2>&1); rc=$?
  expect_eq "validate $tb ($out)" "$rc" "0"
done
echo "sql-cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
