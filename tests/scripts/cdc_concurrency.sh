#!/usr/bin/env bash
# tests/scripts/cdc_concurrency.sh BUILD_DIR: concurrent CDC merges (WORKFLOWS.md §2: the seed users had to
# serialise their bronze jobs because of ConcurrentAppendException).
#   1. Two CDC streams into the SAME table at once: shared/bench transactions (SF 0.1), the first two
#      files of every batch land in directory A, the other two in B; after the full load, two
#      `lago cdc run` processes (one per directory, --max-files 2, so 5 batches each) run at the same
#      time. Both must succeed; their commits conflict (same rows, same CDC state) and are retried on
#      the new table state (the runs report attempts > 1); the final table equals the sequenced
#      oracle's last version (under sequenced semantics the final state does not depend on the order
#      in which changes arrive), and the state holds the oracle's remembered keys and tombstones.
#   2. Two tables at once from a job (lago job run: two lago_task CDC tasks without dependencies, then a
#      check task depending on both): both succeed, in parallel, and equal the oracle.
# Prints "cdc-concurrency: N passed, M failed".
set -u
B=${1:-build/asan}
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
SF=${CDC_SF:-0.1}
SHARED=${LAGO_SHARED:-$(cd ../shared 2>/dev/null && pwd)}
. tests/scripts/cdc_lib.sh
pass=0; fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
finish() { echo "cdc-concurrency: $pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit $?; }

if [ ! -f "$SHARED/bench/gen.mjs" ]; then bad "no shared bench at $SHARED/bench"; finish; fi
if ! tests/node/setup.sh; then bad "npm setup"; finish; fi
LAGO_BIN=$ROOT/$B/lago
TMP=$(mktemp -d /tmp/lago-cdc-conc.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
D=$(cdc_data "$SF") || { bad "data sf$SF"; finish; }
ORACLE=$D/expected/sequenced/checksums.json
json_get() { node -e "const j=JSON.parse(require('fs').readFileSync('$1','utf8')); console.log($2)"; }

# ---- 1. two streams, one table ----------------------------------------------------------------
W=$TMP/wh1
mkdir -p "$W" "$TMP/A" "$TMP/B"
for s in A B; do
  cat >"$TMP/$s.yaml" <<EOF
table: transactions
schema: bronze
keys: transaction_id
sequence: modified_at
full_load: $D/raw/full_load/transactions
cdc: $TMP/$s
EOF
done
if "$LAGO_BIN" --warehouse "$W" cdc run "$TMP/A.yaml" -q >"$TMP/log" 2>&1; then ok; else bad "full load: $(cat "$TMP/log")"; fi
for b in 1 2 3 4 5; do
  bb=$(printf %04d "$b")
  cp "$D"/raw/cdc/transactions/batch-$bb-000.parquet "$D"/raw/cdc/transactions/batch-$bb-001.parquet "$TMP/A/"
  cp "$D"/raw/cdc/transactions/batch-$bb-002.parquet "$D"/raw/cdc/transactions/batch-$bb-003.parquet "$TMP/B/"
done
"$LAGO_BIN" --warehouse "$W" cdc run "$TMP/A.yaml" --max-files 2 --json >"$TMP/a.json" 2>"$TMP/a.err" &
pa=$!
"$LAGO_BIN" --warehouse "$W" cdc run "$TMP/B.yaml" --max-files 2 --json >"$TMP/b.json" 2>"$TMP/b.err" &
pb=$!
wait $pa; ra=$?
wait $pb; rb=$?
if [ $ra -eq 0 ] && [ $rb -eq 0 ]; then ok; else bad "concurrent runs into one table: exit $ra/$rb: $(head -c 500 "$TMP/a.err") $(head -c 500 "$TMP/b.err") $(head -c 300 "$TMP/a.json")"; fi
na=$(json_get "$TMP/a.json" "j.tables[0].batches.length")
nb=$(json_get "$TMP/b.json" "j.tables[0].batches.length")
if [ "$na" = 5 ] && [ "$nb" = 5 ]; then ok; else bad "batches: A $na, B $nb (want 5 each)"; fi
att=$(node -e "
let n=0; for (const f of ['$TMP/a.json','$TMP/b.json']) for (const b of JSON.parse(require('fs').readFileSync(f,'utf8')).tables[0].batches) n+=b.attempts-1;
console.log(n)")
echo "  same table: $att retries after conflicts over 10 batches"
if [ "$att" -gt 0 ]; then ok; else bad "the two runs never conflicted (no retries): the test did not exercise concurrency"; fi
grep -q ConcurrentAppendException "$TMP/a.err" "$TMP/b.err" && bad "ConcurrentAppendException reached the user" || ok
"$LAGO_BIN" --warehouse "$W" sql --format csv -c "SELECT * FROM bronze.transactions" >"$TMP/t.csv" 2>"$TMP/err"
if cdc_check "$D" sequenced transactions 5 "$TMP/t.csv" >"$TMP/check" 2>&1; then ok; else bad "same table: final state differs from the oracle: $(head -c 400 "$TMP/check")"; fi
root=$W/main/bronze/transactions
got=$("$LAGO_BIN" --warehouse "$W" sql --format csv -c "SELECT count(*), count_if(__lago_deleted) FROM (SELECT * FROM parquet.\`$root/_lago_cdc/*.parquet\` QUALIFY ROW_NUMBER() OVER (PARTITION BY transaction_id ORDER BY __lago_seq DESC) = 1)" 2>&1 | tail -1)
# segments of failed attempts are deleted, so every file in _lago_cdc is referenced or superseded by compaction
want=$(json_get "$ORACLE" "(v=>v.remembered_keys+','+v.tombstones)(j.tables.transactions.versions[5])")
if [ "$got" = "$want" ]; then ok; else bad "same table: remembered keys,tombstones $got, oracle $want"; fi
if "$LAGO_BIN" --warehouse "$W" table validate bronze.transactions >"$TMP/val" 2>&1; then ok; else bad "log: $(head -c 300 "$TMP/val")"; fi

# ---- 2. two tables at once, from a job ------------------------------------------------------------
W2=$TMP/wh2
mkdir -p "$W2" "$TMP/job/land/customers" "$TMP/job/land/transactions"
for t in customers transactions; do cp "$D"/raw/cdc/$t/batch-*.parquet "$TMP/job/land/$t/"; done
cat >"$TMP/job/ingest.yaml" <<EOF
defaults: {schema: bronze, sequence: modified_at}
tables:
  - {table: customers, keys: customer_id, full_load: $D/raw/full_load/customers, cdc: land/customers}
  - {table: transactions, keys: transaction_id, full_load: $D/raw/full_load/transactions, cdc: land/transactions}
EOF
cat >"$TMP/job/job.yaml" <<'EOF'
name: bronze
tasks:
  - task_key: bronze_customers
    lago_task: {command: "cdc run ingest.yaml --table customers --max-files 4"}
  - task_key: bronze_transactions
    lago_task: {command: "cdc run ingest.yaml --table transactions --max-files 4"}
  - task_key: counts
    depends_on: [{task_key: bronze_customers}, {task_key: bronze_transactions}]
    lago_task: {command: "table list main.bronze"}
EOF
if "$LAGO_BIN" --warehouse "$W2" job run "$TMP/job/job.yaml" --json >"$TMP/job.json" 2>"$TMP/job.err"; then ok; else bad "job: $(head -c 800 "$TMP/job.err") $(head -c 800 "$TMP/job.json")"; fi
# the two CDC tasks overlapped in time
overlap=$(node -e "
const r=JSON.parse(require('fs').readFileSync('$TMP/job.json','utf8')); const t={}; for (const x of r.tasks) t[x.task_key]=x;
const a=t.bronze_customers, b=t.bronze_transactions; console.log(a.start_time_ms < b.end_time_ms && b.start_time_ms < a.end_time_ms ? 1 : 0)")
if [ "$overlap" = 1 ]; then ok; else bad "the two CDC tasks did not run at the same time"; fi
for t in customers transactions; do
  "$LAGO_BIN" --warehouse "$W2" sql --format csv -c "SELECT * FROM bronze.$t" >"$TMP/$t.csv" 2>"$TMP/err"
  if cdc_check "$D" sequenced $t 5 "$TMP/$t.csv" >"$TMP/check" 2>&1; then ok; else bad "job: $t differs from the oracle: $(head -c 400 "$TMP/check")"; fi
done
finish
