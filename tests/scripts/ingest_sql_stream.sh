#!/usr/bin/env bash
# tests/scripts/ingest_sql_stream.sh BUILD_DIR: streaming reads in SQL
# (sql/stmt_stream.c on the stream layer) with `lago sql` and real files:
# CREATE [OR REFRESH] STREAMING TABLE ... AS SELECT ... FROM STREAM
# read_files(...) creates the table and loads every file, a re-run loads only
# new files (exactly once), projections / filters / current_timestamp() /
# _metadata over the stream, INSERT INTO t SELECT ... FROM STREAM
# read_files(...), cloud_files('path', 'csv', map(...)), JSON, a stream-static
# join, the lost-checkpoint and dropped-table experiments, kill -9 during a
# refresh, and the refused forms.
set -u
B=${1:-build/asan}
cd "$(dirname "$0")/../.."
L="$PWD/$B/lago"
T=$(mktemp -d /tmp/lago-sql-stream.XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
cd "$T"
pass=0; fail=0
ok() { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL $*"; }
expect_eq() { if [ "$2" == "$3" ]; then ok; else bad "$1: got [$2], want [$3]"; fi; }
expect_grep() { if grep -qE -- "$2" <<<"$3"; then ok; else bad "$1: no /$2/ in:"; echo "$3" | head -8; fi; }
sql() { "$L" --warehouse "$T/wh" sql --format csv -c "$1" 2>&1; }
last() { sql "$1" | tail -1; }
csv() { printf "$2" > "$1"; touch -d "@$3" "$1"; }   # FILE CONTENT MTIME

mkdir -p in/2024
csv in/a.csv 'id,name,amount\n1,a,1.5\n2,b,2.5\n' 1700000001
csv in/2024/b.csv 'name,id,amount\nc,3,3.5\n' 1700000002
CREATE="CREATE OR REFRESH STREAMING TABLE raw AS
  SELECT id, upper(name) AS name, amount, current_timestamp() AS loaded_at, _metadata.file_name AS src
  FROM STREAM read_files('$T/in', format => 'csv', header => 'true', inferColumnTypes => 'true')
  WHERE amount > 2"

expect_eq "first run creates and loads" "$(last "$CREATE")" "2,2"
expect_eq "projection, filter, _metadata" "$(sql "SELECT id, name, amount, src FROM raw ORDER BY id" | tr '\n' ' ')" \
  '"id","name","amount","src" 2,"B",2.5,"a.csv" 3,"C",3.5,"b.csv" '
expect_eq "types from inference" "$(sql "DESCRIBE raw" | cut -d, -f1,2 | tr '\n' ' ')" \
  '"col_name","data_type" "id","INT" "name","STRING" "amount","DOUBLE" "loaded_at","TIMESTAMP" "src","STRING" '
expect_eq "loaded_at set" "$(last "SELECT count(*) FROM raw WHERE loaded_at > TIMESTAMP '2024-01-01 00:00:00'")" "2"
log=wh/main/default/raw/_delta_log
expect_eq "one commit creates the table with the data" "$(ls $log/*.json | wc -l)" "1"
expect_grep "the commit carries txn and file list" '"txn".*' "$(cat $log/00000000000000000000.json)"
expect_grep "... and the file list" 'lago.files' "$(cat $log/00000000000000000000.json)"
expect_grep "the definition is kept" '"lago.streamingTable.definition",".*FROM STREAM read_files' "$(sql "SHOW TBLPROPERTIES raw" | tr '\n' ' ')"
expect_eq "re-run: nothing new" "$(last "$CREATE")" "0,0"
expect_eq "re-run: no commit" "$(ls $log/*.json | wc -l)" "1"
csv in/c.csv 'id,name,amount\n4,d,4.5\n5,e,0.5\n' 1700000003
expect_eq "re-run: only the new file" "$(last "$CREATE")" "1,1"
expect_eq "rows once" "$(last "SELECT count(*), count(DISTINCT id), sum(amount) FROM raw")" "3,3,10.5"
expect_eq "without OR REFRESH: exists" "$(sql "CREATE STREAMING TABLE raw AS SELECT * FROM STREAM read_files('$T/in', format => 'csv')" | grep -c ALREADY_EXISTS)" "1"
expect_eq "IF NOT EXISTS: no-op" "$(sql "CREATE STREAMING TABLE IF NOT EXISTS raw AS SELECT * FROM STREAM read_files('$T/in', format => 'csv')" | grep -c .)" "0"

# experiment 1: the checkpoint is lost -> progress rebuilt from the table's log
rm -rf wh/_lago_streams
csv in/d.csv 'id,name,amount\n6,f,6.5\n' 1700000004
expect_eq "lost checkpoint: only the new file" "$(last "$CREATE")" "1,1"
expect_eq "lost checkpoint: no duplicates" "$(last "SELECT count(*), count(DISTINCT id) FROM raw")" "4,4"
# experiment 2: the table is dropped -> a new table with every file
sql "DROP TABLE raw" >/dev/null
expect_eq "dropped table: created again with every file" "$(last "$CREATE")" "4,4"
expect_eq "dropped table: rows once" "$(last "SELECT count(*), count(DISTINCT id) FROM raw")" "4,4"

# INSERT INTO ... FROM STREAM, into an existing table with its own columns
sql "CREATE TABLE ledger (id BIGINT, amount DOUBLE, note STRING)" >/dev/null
INS="INSERT INTO ledger SELECT id, amount * 2, 'x' FROM STREAM read_files('$T/in', format => 'csv', header => 'true', schema => 'id BIGINT, name STRING, amount DOUBLE')"
expect_eq "INSERT from a stream: every file" "$(last "$INS")" "6,6"
expect_eq "INSERT: again nothing" "$(last "$INS")" "0,0"
csv in/e.csv 'id,name,amount\n7,g,7.5\n' 1700000005
expect_eq "INSERT: the new file" "$(last "$INS")" "1,1"
expect_eq "INSERT: values" "$(last "SELECT count(*), sum(amount), min(note) FROM ledger")" "7,53.0,\"x\""
expect_grep "INSERT into a missing table" "TABLE_OR_VIEW_NOT_FOUND" "$(sql "INSERT INTO nosuch SELECT * FROM STREAM read_files('$T/in', format => 'csv')")"

# cloud_files with a map of options; a stream-static join; JSON
sql "CREATE TABLE names (id INT, label STRING)" >/dev/null
sql "INSERT INTO names VALUES (1, 'one'), (3, 'three')" >/dev/null
CF="CREATE OR REFRESH STREAMING TABLE joined TBLPROPERTIES ('delta.appendOnly' = 'true') AS SELECT s.id, n.label FROM STREAM cloud_files('$T/in', 'csv', map('header', 'true', 'cloudFiles.inferColumnTypes', 'true', 'pathGlobFilter', 'a*.csv')) s LEFT JOIN names n ON s.id = n.id"
expect_eq "cloud_files + join" "$(last "$CF")" "2,2"
expect_grep "user TBLPROPERTIES kept" '"delta.appendOnly","true"' "$(sql "SHOW TBLPROPERTIES joined")"
expect_eq "join values" "$(sql "SELECT * FROM joined ORDER BY id" | tr '\n' ' ')" '"id","label" 1,"one" 2,\N '
mkdir -p j
printf '{"k":1,"v":"x"}\n{"k":2,"v":"y"}\n' > j/1.json
expect_eq "JSON stream" "$(last "CREATE OR REFRESH STREAMING TABLE js AS SELECT k, v FROM STREAM read_files('$T/j', format => 'json', inferColumnTypes => 'true')")" "2,2"
expect_eq "JSON values" "$(last "SELECT sum(k), max(v) FROM js")" "3,\"y\""

# kill -9 during refreshes of a streaming table (one file per batch), then a clean refresh
mkdir -p many
for i in $(seq 1 40); do csv "many/f$(printf %02d $i).csv" "id,v\n$i,$((i * 10))\n" $((1700000000 + i)); done
KS="CREATE OR REFRESH STREAMING TABLE ks AS SELECT id, v FROM STREAM read_files('$T/many', format => 'csv', header => 'true', inferColumnTypes => 'true', maxFilesPerTrigger => '1')"
for k in $(seq 1 ${INGEST_KILLS:-8}); do
  "$L" --warehouse "$T/wh" sql -c "$KS" >/dev/null 2>&1 &
  p=$!
  sleep "0.$((RANDOM % 8))$((RANDOM % 10))"
  kill -9 $p 2>/dev/null
  wait $p 2>/dev/null
done
sql "$KS" >/dev/null
expect_eq "kills: every row once" "$(last "SELECT count(*), count(DISTINCT id), sum(v) FROM ks")" "40,40,8200"

# refused forms
mkdir -p empty
expect_grep "empty source: no table" "no files to load" "$(sql "CREATE OR REFRESH STREAMING TABLE e AS SELECT * FROM STREAM read_files('$T/empty', format => 'csv')")"
expect_grep "empty source: table absent" "TABLE_OR_VIEW_NOT_FOUND" "$(sql "SELECT * FROM e")"
expect_grep "STREAM of a table" "not supported" "$(sql "CREATE OR REFRESH STREAMING TABLE x AS SELECT * FROM STREAM raw")"
expect_grep "no format" "needs format" "$(sql "CREATE OR REFRESH STREAMING TABLE x AS SELECT * FROM STREAM read_files('$T/in')")"
expect_grep "no stream" "needs FROM STREAM" "$(sql "CREATE OR REFRESH STREAMING TABLE x AS SELECT 1")"
expect_grep "bad option" "STREAM read_files" "$(sql "CREATE OR REFRESH STREAMING TABLE x AS SELECT * FROM STREAM read_files('$T/in', format => 'csv', maxFilesPerTrigger => 'many')")"
expect_grep "STREAM in a plain query" "not supported" "$(sql "SELECT * FROM STREAM read_files('$T/in', format => 'csv')")"

echo "ingest_sql_stream: $pass passed, $fail failed"
[ $fail -eq 0 ]
