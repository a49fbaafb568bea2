#!/usr/bin/env bash
# tests/scripts/sql_cli.sh BUILD_DIR: `lago sql` end to end: -c / -f / stdin scripts, output formats,
# error messages with a caret and exit codes, --timing; and statement outputs that sqllogictests cannot
# pin down (paths, timestamps): OPTIMIZE (bin-packing, idempotence, dataChange=false), VACUUM DRY RUN,
# DESCRIBE DETAIL / HISTORY, EXPLAIN pruning, the Delta log lago writes (validated by `lago table validate`).
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

# tables written by every statement kind pass the strict Delta log validator
for tb in t o big; do
  out=$($B/lago --warehouse "$WH" table validate main.default.$tb 2>&1); rc=$?
  expect_eq "validate $tb ($out)" "$rc" "0"
done
echo "sql-cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
