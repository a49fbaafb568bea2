#!/usr/bin/env bash
# tests/scripts/cdc_oracle.sh BUILD_DIR: `lago cdc run` (full load, then the CDC files as exactly-once
# batches) against the shared/bench oracle (gen.mjs data, ref.mjs states; README "Semantics") at every
# version, for both semantics and both delivery orders:
#   - data sets: in order, and batches delivered as 1,3,2,5,4 (gen.mjs --order);
#   - the files of delivered batch b land in the CDC directory, then `lago cdc run` runs: version b of
#     bronze customers and transactions must equal the oracle's (row count + checksum, ref.mjs check);
#   - sequenced: each batch's latest/ignored counts equal the oracle's, and after the last batch the
#     remembered keys and tombstones of the table's CDC state equal the oracle's;
#   - seed: the plain-SQL way (QUALIFY dedupe + three-clause MERGE per batch, in schema plain) equals
#     the same oracle at every version;
#   - a run with no new files commits nothing; deleting the checkpoint and running again commits
#     nothing either (progress rebuilt from the table's log) and the tables still match;
#   - DESCRIBE HISTORY shows the MERGE commits with Delta's metrics and the CDC metrics.
# CDC_SF (default 0.1) sets the scale; data and oracles are cached under /tmp/lago-cdc-data.
# Prints "cdc-oracle: N passed, M failed".
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
finish() { echo "cdc-oracle: $pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit $?; }

if [ ! -f "$SHARED/bench/gen.mjs" ]; then bad "no shared bench at $SHARED/bench"; finish; fi
if ! tests/node/setup.sh; then bad "npm setup"; finish; fi
LAGO_BIN=$ROOT/$B/lago
TMP=$(mktemp -d /tmp/lago-cdc-oracle.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
declare -A PK=([customers]=customer_id [transactions]=transaction_id)

# json_get FILE JS-EXPR: evaluates an expression over the parsed JSON document `j`
json_get() { node -e "const j=JSON.parse(require('fs').readFileSync('$1','utf8')); console.log($2)"; }

export_table() { # wh table out.csv
  "$LAGO_BIN" --warehouse "$1" sql --format csv -c "SELECT * FROM $2" >"$3" 2>"$TMP/err"
}

check_version() { # label data semantics wh qualified-table table version
  local csv=$TMP/out.csv
  if ! export_table "$4" "$5" "$csv"; then bad "$1: export $5 v$7: $(cat "$TMP/err")"; return; fi
  if cdc_check "$2" "$3" "$6" "$7" "$csv" >"$TMP/check" 2>&1; then ok; else bad "$1: $5 v$7 differs from the $3 oracle: $(head -c 400 "$TMP/check")"; fi
}

run_set() { # data-dir semantics label
  local D=$1 SEM=$2 LABEL=$3
  local W=$TMP/$LABEL-$SEM LAND=$TMP/$LABEL-$SEM-land CFG=$TMP/$LABEL-$SEM.yaml
  mkdir -p "$W" "$LAND/customers" "$LAND/transactions"
  cat >"$CFG" <<EOF
defaults:
  schema: bronze
  format: parquet
  sequence: modified_at
  semantics: $SEM
tables:
  - table: customers
    full_load: $D/raw/full_load/customers
    cdc: $LAND/customers
    keys: customer_id
  - table: transactions
    full_load: $D/raw/full_load/transactions
    cdc: $LAND/transactions
    keys: [transaction_id]
EOF
  local ORACLE=$D/expected/checksums.json
  [ "$SEM" = sequenced ] && ORACLE=$D/expected/sequenced/checksums.json
  local b
  for b in 0 1 2 3 4 5; do
    if [ "$b" -gt 0 ]; then
      local bb t
      bb=$(printf %04d "$b")
      for t in customers transactions; do cp "$D"/raw/cdc/$t/batch-$bb-*.parquet "$LAND/$t/"; done
    fi
    if ! "$LAGO_BIN" --warehouse "$W" cdc run "$CFG" --json >"$TMP/run.json" 2>"$TMP/run.err"; then
      bad "$LABEL $SEM batch $b: lago cdc run failed: $(head -c 600 "$TMP/run.err") $(head -c 600 "$TMP/run.json")"
      return
    fi
    for t in customers transactions; do
      check_version "$LABEL $SEM" "$D" "$SEM" "$W" "bronze.$t" "$t" "$b"
      if [ "$b" -gt 0 ]; then
        local got want
        got=$(json_get "$TMP/run.json" "j.tables.find(x=>x.table==='main.bronze.$t').batches.map(x=>x.latest+'/'+x.ignored).join(' ')")
        if [ "$SEM" = sequenced ]; then
          want=$(json_get "$ORACLE" "(c=>c.latest_changes+'/'+c.ignored_not_newer)(j.tables.$t.versions[$b].changes)")
        else
          want=$(json_get "$ORACLE" "'$got'.split('/')[0]+'/0'")  # seed: nothing is ignored
        fi
        if [ "$got" = "$want" ]; then ok; else bad "$LABEL $SEM $t batch $b: latest/ignored $got, oracle $want"; fi
      fi
    done
    if [ "$b" -eq 0 ]; then
      # the full load alone: no batches yet
      local nb
      nb=$(json_get "$TMP/run.json" "j.tables.map(x=>x.batches.length).join(',')")
      if [ "$nb" = "0,0" ]; then ok; else bad "$LABEL $SEM: batches before any CDC file: $nb"; fi
    fi
  done
  # the per-key state equals the oracle's remembered keys and tombstones
  if [ "$SEM" = sequenced ]; then
    for t in customers transactions; do
      local root=$W/main/bronze/$t pk=${PK[$t]} got want
      got=$("$LAGO_BIN" --warehouse "$W" sql --format csv -c "SELECT count(*), count_if(__lago_deleted) FROM (SELECT * FROM parquet.\`$root/_lago_cdc/*.parquet\` QUALIFY ROW_NUMBER() OVER (PARTITION BY $pk ORDER BY __lago_seq DESC) = 1)" 2>&1 | tail -1)
      want=$(json_get "$ORACLE" "(v=>v.remembered_keys+','+v.tombstones)(j.tables.$t.versions[5])")
      if [ "$got" = "$want" ]; then ok; else bad "$LABEL $t state: remembered keys,tombstones $got, oracle $want"; fi
    done
  fi
  # nothing new: no commit
  local v_before v_after
  v_before=$("$LAGO_BIN" --warehouse "$W" table history bronze.transactions 2>/dev/null | grep -c MERGE)
  if "$LAGO_BIN" --warehouse "$W" cdc run "$CFG" --json >"$TMP/run.json" 2>"$TMP/run.err"; then
    local nb
    nb=$(json_get "$TMP/run.json" "j.tables.map(x=>x.batches.length).join(',')")
    if [ "$nb" = "0,0" ]; then ok; else bad "$LABEL $SEM: a run with no new files made batches: $nb"; fi
  else
    bad "$LABEL $SEM: rerun failed: $(head -c 400 "$TMP/run.err")"
  fi
  # lost checkpoints: progress rebuilt from the table's log, nothing applied twice
  rm -rf "$W/_lago_streams"
  if "$LAGO_BIN" --warehouse "$W" cdc run "$CFG" --json >"$TMP/run.json" 2>"$TMP/run.err"; then
    local nb
    nb=$(json_get "$TMP/run.json" "j.tables.map(x=>x.batches.length).join(',')")
    if [ "$nb" = "0,0" ] && grep -q 'rebuilt progress' "$TMP/run.err"; then ok; else bad "$LABEL $SEM: without checkpoints: batches $nb: $(head -c 300 "$TMP/run.err")"; fi
  else
    bad "$LABEL $SEM: run without checkpoints failed: $(head -c 400 "$TMP/run.err")"
  fi
  v_after=$("$LAGO_BIN" --warehouse "$W" table history bronze.transactions 2>/dev/null | grep -c MERGE)
  if [ "$v_before" = "$v_after" ] && [ "$v_after" -eq 5 ]; then ok; else bad "$LABEL $SEM: MERGE commits $v_before then $v_after (want 5, unchanged)"; fi
  for t in customers transactions; do check_version "$LABEL $SEM after reruns" "$D" "$SEM" "$W" "bronze.$t" "$t" 5; done
  # history: MERGE commits with Delta and CDC metrics
  local hist
  hist=$("$LAGO_BIN" --warehouse "$W" sql --format csv -c "DESCRIBE HISTORY bronze.transactions" 2>&1)
  if echo "$hist" | grep -q numTargetRowsInserted && echo "$hist" | grep -q numTargetDeletionVectorsAdded &&
     echo "$hist" | grep -q numCdcIgnoredChanges && echo "$hist" | grep -q 'lago.files'; then ok; else bad "$LABEL $SEM history: $(echo "$hist" | head -c 600)"; fi
}

plain_sql() { # data-dir label: the seed users' plain SQL per batch, against the seed oracle
  local D=$1 LABEL=$2 W=$TMP/$2-plain
  mkdir -p "$W"
  "$LAGO_BIN" --warehouse "$W" sql -c "CREATE SCHEMA plain" >/dev/null 2>&1
  local t b
  for t in customers transactions; do
    if "$LAGO_BIN" --warehouse "$W" sql -c "CREATE TABLE plain.$t AS SELECT * FROM parquet.\`$D/raw/full_load/$t/*.parquet\`" >"$TMP/log" 2>&1; then ok; else bad "$LABEL plain full load $t: $(cat "$TMP/log")"; fi
    check_version "$LABEL plain" "$D" seed "$W" "plain.$t" "$t" 0
  done
  for b in 1 2 3 4 5; do
    local bb pk
    bb=$(printf %04d "$b")
    for t in customers transactions; do
      pk=${PK[$t]}
      local sql="MERGE INTO plain.$t t
USING (SELECT * FROM read_files('$D/raw/cdc/$t/batch-$bb-*.parquet', format => 'parquet')
       QUALIFY ROW_NUMBER() OVER (PARTITION BY $pk ORDER BY modified_at DESC, op) = 1) s
ON t.$pk = s.$pk
WHEN MATCHED AND s.op = 'D' THEN DELETE
WHEN MATCHED AND s.op = 'U' THEN UPDATE SET *
WHEN NOT MATCHED AND s.op IN ('I', 'U') THEN INSERT *"
      if "$LAGO_BIN" --warehouse "$W" sql -c "$sql" >"$TMP/log" 2>&1; then ok; else bad "$LABEL plain merge $t batch $b: $(cat "$TMP/log")"; fi
      check_version "$LABEL plain" "$D" seed "$W" "plain.$t" "$t" "$b"
    done
  done
}

D1=$(cdc_data "$SF") || { bad "data sf$SF"; finish; }
D2=$(cdc_data "$SF" 1,3,2,5,4) || { bad "data sf$SF order 1,3,2,5,4"; finish; }
for sem in sequenced seed; do
  run_set "$D1" $sem inorder
  run_set "$D2" $sem shuffled
done
plain_sql "$D1" inorder
plain_sql "$D2" shuffled
finish
