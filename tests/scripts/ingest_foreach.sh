#!/usr/bin/env bash
# tests/scripts/ingest_foreach.sh BUILD_DIR: foreachBatch-style per-batch SQL
# (`lago ingest --foreach-batch-sql`, sql/stmt_stream.c) with real files and
# real processes. CDC-like CSV files (id, op, seq, amount) are deduplicated
# per batch (QUALIFY ROW_NUMBER) and MERGEd into a table whose `hits` column
# counts the updates a row received, so a batch applied twice changes the
# table. Checks: the final rows against values computed here (latest change
# per id wins), hits against a clean reference run, one commit per batch
# carrying txn + file list, a rerun applies nothing, kill -9 at random
# moments then a rerun (table identical to the reference), a deleted
# checkpoint (progress rebuilt from the log: nothing applied twice), several
# statements per batch (an audit table + the MERGE), a batch without a commit
# to the target (bookkeeping commit: not run again), a second commit to the
# target refused, --batch-view, SQL from @file, and errors up front.
set -u
B=${1:-build/asan}
cd "$(dirname "$0")/../.."
L="$PWD/$B/lago"
T=$(mktemp -d /tmp/lago-ingest-foreach.XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
cd "$T"
pass=0; fail=0
ok() { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL $*"; }
expect_eq() { if [ "$2" == "$3" ]; then ok; else bad "$1: got [$2], want [$3]"; fi; }
expect_grep() { if grep -qE -- "$2" <<<"$3"; then ok; else bad "$1: no /$2/ in:"; echo "$3" | head -8; fi; }
sql() { "$L" --warehouse "$1" sql --format csv -c "$2" 2>&1; }
rows() { sql "$1" "SELECT id, amount, hits FROM t ORDER BY id" | tail -n +2; }
SCHEMA='schema=id INT, op STRING, seq BIGINT, amount BIGINT'

# N CDC files in $1: file k has 5 changes of ids (7k+j) mod 40, seq 10k+j, op D when (k+j) mod 9 == 0;
# strictly increasing mtimes so the batches are cut the same way in every run
mk_cdc() {
  mkdir -p "$1"
  for k in $(seq 0 $(($2 - 1))); do
    f="$1/c$(printf %03d "$k").csv"
    { echo "id,op,seq,amount"
      for j in 0 1 2 3 4; do
        op=U; [ $(((k + j) % 9)) -eq 0 ] && op=D
        echo "$(((7 * k + j) % 40)),$op,$((10 * k + j)),$((10 * k + j))"
      done; } > "$f"
    touch -d "@$((1700000000 + k))" "$f"
  done
}
# the expected table: per id the change with the highest seq; present unless it is a delete
want_rows() { cat "$1"/*.csv | grep -v '^id' | sort -t, -k1,1n -k3,3n | awk -F, '{last[$1]=$0} END {for (i in last) print last[i]}' |
  awk -F, '$2 != "D" {print $1 "," $4}' | sort -t, -k1,1n; }

MERGE="MERGE INTO t USING (SELECT id, op, seq, amount FROM batch
    QUALIFY ROW_NUMBER() OVER (PARTITION BY id ORDER BY seq DESC) = 1) b ON t.id = b.id
  WHEN MATCHED AND b.op = 'D' THEN DELETE
  WHEN MATCHED THEN UPDATE SET amount = b.amount, hits = t.hits + 1
  WHEN NOT MATCHED AND b.op <> 'D' THEN INSERT (id, amount, hits) VALUES (b.id, b.amount, 1)"
echo "$MERGE" > merge.sql
run() { # WAREHOUSE [extra args...]
  local w=$1; shift
  "$L" --warehouse "$w" ingest "$T/src" --format csv --into t --option header=true --option "$SCHEMA" \
    --option maxFilesPerTrigger=3 --quiet --foreach-batch-sql @"$T/merge.sql" "$@"
}
mk_cdc src 45
want_rows src > want

# ---- reference run ----------------------------------------------------------------------
sql ref "CREATE TABLE t (id INT, amount BIGINT, hits INT)" >/dev/null
out=$(run ref --json 2>&1) || bad "reference run failed: $out"
expect_grep "15 batches of 3 files" '"totals":\{"batches":15,"files":45,"rows":225' "$out"
rows ref > ref.rows
expect_eq "final rows = latest change per id" "$(cut -d, -f1,2 ref.rows)" "$(cat want)"
expect_grep "some rows updated several times" '^[0-9]+,[0-9]+,[3-9]$' "$(cat ref.rows)"
log=ref/main/default/t/_delta_log
expect_eq "one commit per batch (+ create)" "$(ls $log/*.json | wc -l)" "16"
expect_eq "every batch commit carries txn and file list" \
  "$(grep -l '"txn"' $log/*.json | xargs grep -l 'lago.files' | xargs grep -l '"MERGE"' | wc -l)" "15"
out=$(run ref 2>&1) || bad "rerun failed: $out"
expect_eq "rerun: no commit" "$(ls $log/*.json | wc -l)" "16"
expect_eq "rerun: table unchanged" "$(rows ref)" "$(cat ref.rows)"

# ---- kill -9 at random moments, then a clean rerun ---------------------------------------
sql k "CREATE TABLE t (id INT, amount BIGINT, hits INT)" >/dev/null
KILLS=${INGEST_KILLS:-12}
runx() { exec "$L" --warehouse k ingest "$T/src" --format csv --into t --option header=true --option "$SCHEMA" \
  --option maxFilesPerTrigger=3 --quiet --foreach-batch-sql @"$T/merge.sql" >/dev/null 2>&1; }
for k in $(seq 1 "$KILLS"); do
  runx &
  p=$!
  sleep "0.$((RANDOM % 6))$((RANDOM % 10))"
  kill -9 $p 2>/dev/null
  wait $p 2>/dev/null
done
out=$(run k 2>&1) || bad "run after kills failed: $out"
expect_eq "after $KILLS kills: table = reference (no batch twice, none lost)" "$(rows k)" "$(cat ref.rows)"
expect_eq "after kills: one txn commit per batch" \
  "$(grep -l '"txn"' k/main/default/t/_delta_log/*.json | wc -l)" "15"

# ---- two processes on the same checkpoint at once -----------------------------------------
sql c "CREATE TABLE t (id INT, amount BIGINT, hits INT)" >/dev/null
run c >/dev/null 2>&1 & p1=$!
run c >/dev/null 2>&1 & p2=$!
wait $p1; wait $p2
out=$(run c 2>&1) || bad "run after concurrent runs failed: $out"
expect_eq "two concurrent runs: table = reference" "$(rows c)" "$(cat ref.rows)"
expect_eq "two concurrent runs: one txn commit per batch" \
  "$(grep -l '"txn"' c/main/default/t/_delta_log/*.json | wc -l)" "15"

# ---- deleted checkpoint: progress rebuilt from the table's log ----------------------------
rm -rf ref/_lago_streams
for k in 45 46; do # two new files
  f="src/c$k.csv"; { echo "id,op,seq,amount"; echo "$((k - 40)),U,$((1000 + k)),$((1000 + k))"; } > "$f"
  touch -d "@$((1700000000 + k))" "$f"
done
out=$(run ref 2>&1) || bad "run without checkpoint failed: $out"
got=$(rows ref)
expect_eq "lost checkpoint: old batches not applied again" "$(grep -v '^[56],' <<<"$got")" "$(grep -v '^[56],' ref.rows)"
expect_grep "lost checkpoint: the new files applied once" '^5,1045,' "$got"
expect_eq "lost checkpoint: one new commit" "$(ls $log/*.json | wc -l)" "17"

# ---- several statements; other tables; errors -----------------------------------------------
mkdir -p min; printf 'id,op,seq,amount\n1,U,1,10\n2,U,2,20\n' > min/a.csv
sql m "CREATE TABLE t (id INT, amount BIGINT, hits INT)" >/dev/null
sql m "CREATE TABLE audit (n BIGINT, ids STRING)" >/dev/null
out=$("$L" --warehouse m ingest min --format csv --into t --option header=true --option "$SCHEMA" --quiet \
  --batch-view changes --foreach-batch-sql "INSERT INTO audit SELECT count(*), concat_ws(',', collect_list(CAST(id AS STRING))) FROM changes;
  MERGE INTO t USING changes c ON t.id = c.id WHEN NOT MATCHED THEN INSERT (id, amount, hits) VALUES (c.id, c.amount, 0)" 2>&1) ||
  bad "two statements: $out"
expect_eq "two statements: audit" "$(sql m "SELECT n FROM audit" | tail -1)" "2"
expect_eq "two statements: target" "$(sql m "SELECT count(*), sum(amount) FROM t" | tail -1)" "2,30"
printf 'id,op,seq,amount\n3,U,3,30\n' > min/b.csv
touch -d '2030-01-01' min/b.csv
out=$("$L" --warehouse m ingest min --format csv --into t --option header=true --option "$SCHEMA" --quiet \
  --foreach-batch-sql "INSERT INTO audit SELECT count(*), 'x' FROM batch" 2>&1) || bad "no target commit: $out"
expect_eq "no target commit: statement ran" "$(sql m "SELECT count(*) FROM audit" | tail -1)" "2"
expect_grep "no target commit: bookkeeping commit with txn" '"txn"' "$(cat m/main/default/t/_delta_log/00000000000000000002.json)"
"$L" --warehouse m ingest min --format csv --into t --option header=true --option "$SCHEMA" --quiet \
  --foreach-batch-sql "INSERT INTO audit SELECT count(*), 'x' FROM batch" >/dev/null 2>&1
expect_eq "no target commit: batch not run again" "$(sql m "SELECT count(*) FROM audit" | tail -1)" "2"
printf 'id,op,seq,amount\n4,U,4,40\n' > min/c.csv
out=$("$L" --warehouse m ingest min --format csv --into t --option header=true --option "$SCHEMA" --quiet \
  --checkpoint "$T/ck2" --foreach-batch-sql "INSERT INTO t SELECT id, amount, 0 FROM batch; INSERT INTO t SELECT id, amount, 1 FROM batch" 2>&1)
expect_grep "second commit to the target refused" "second commit to the stream's table" "$out"
out=$("$L" --warehouse m ingest min --format csv --into t --option header=true --foreach-batch-sql "MERGE INTO t USING" 2>&1)
expect_grep "syntax error up front" "foreachBatch SQL.*syntax error" "$out"
out=$("$L" --warehouse m ingest min --format csv --into nosuch --option header=true --checkpoint "$T/ck3" \
  --foreach-batch-sql "INSERT INTO nosuch SELECT * FROM batch" 2>&1)
expect_grep "missing table" "does not exist" "$out"

echo "ingest_foreach: $pass passed, $fail failed"
[ $fail -eq 0 ]
