#!/usr/bin/env bash
# tests/scripts/cdc_crash.sh BUILD_DIR: crash safety of `lago cdc run` (src/cdc/README.md, "State and why it
# is crash-consistent"). On shared/bench data (SF 0.01), for both semantics, the CDC batches are
# delivered one at a time; for each (and for the full load before them) `lago cdc run` is started and
# killed with SIGKILL after a random delay, CDC_CRASH_RUNS times (default 40: 6 x 40 = 240 kills per
# semantics); every third kill is followed by deleting the stream checkpoints, and some kills by
# deleting a random file of a checkpoint. Then one run completes, and:
#   - both tables equal the oracle's version for that batch (ref.mjs check);
#   - the tables' logs validate (lago table validate) and hold exactly one MERGE commit per batch
#     delivered so far (nothing applied twice, nothing lost);
#   - a further run commits nothing.
# Before the kills, a deterministic case: the checkpoint's compact state (file list of the batches
# before it) is lost; the next run must take those files from the table's log, not load them again.
# Prints "cdc-crash: N passed, M failed".
set -u
B=${1:-build/asan}
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
SF=${CDC_CRASH_SF:-0.01}
RUNS=${CDC_CRASH_RUNS:-40}
SHARED=${LAGO_SHARED:-$(cd ../shared 2>/dev/null && pwd)}
. tests/scripts/cdc_lib.sh
pass=0; fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
finish() { echo "cdc-crash: $pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit $?; }

if [ ! -f "$SHARED/bench/gen.mjs" ]; then bad "no shared bench at $SHARED/bench"; finish; fi
if ! tests/node/setup.sh; then bad "npm setup"; finish; fi
LAGO_BIN=$ROOT/$B/lago
TMP=$(mktemp -d /tmp/lago-cdc-crash.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
D=$(cdc_data "$SF") || { bad "data sf$SF"; finish; }
RANDOM=7

# A run's duration decides the range of kill delays (a quarter of kills land after it finished).
one_set() { # semantics
  local SEM=$1 W=$TMP/wh-$1 LAND=$TMP/land-$1 CFG=$TMP/$1.yaml
  mkdir -p "$W" "$LAND/customers" "$LAND/transactions"
  cat >"$CFG" <<EOF
defaults:
  schema: bronze
  sequence: modified_at
  semantics: $SEM
tables:
  - {table: customers, keys: customer_id, full_load: $D/raw/full_load/customers, cdc: $LAND/customers}
  - {table: transactions, keys: transaction_id, full_load: $D/raw/full_load/transactions, cdc: $LAND/transactions}
EOF
  local b kills=0 max_ms=300
  for b in 0 1 2 3 4 5; do
    if [ "$b" -gt 0 ]; then
      local bb t
      bb=$(printf %04d "$b")
      for t in customers transactions; do cp "$D"/raw/cdc/$t/batch-$bb-*.parquet "$LAND/$t/"; done
    fi
    local i
    for i in $(seq 1 "$RUNS"); do
      "$LAGO_BIN" --warehouse "$W" cdc run "$CFG" -q >"$TMP/out" 2>&1 &
      local pid=$! delay=$((RANDOM % max_ms))
      sleep "$(printf '0.%03d' "$delay")"
      kill -9 "$pid" 2>/dev/null && kills=$((kills + 1))
      wait "$pid" 2>/dev/null
      if [ $((i % 3)) -eq 0 ]; then rm -rf "$W/_lago_streams"; fi
      if [ $((i % 7)) -eq 0 ] && [ -d "$W/_lago_streams" ]; then
        # lose one random file of the checkpoints (offsets, commits, metadata or compact state)
        local f
        f=$(find "$W/_lago_streams" -type f | shuf -n 1 --random-source=<(yes "$i") 2>/dev/null)
        [ -n "$f" ] && rm -f "$f"
      fi
    done
    local t0 t1
    t0=$(date +%s%N)
    if ! "$LAGO_BIN" --warehouse "$W" cdc run "$CFG" -q >"$TMP/out" 2>&1; then
      bad "$SEM batch $b: the run after the crashes failed: $(head -c 800 "$TMP/out")"
      return
    fi
    t1=$(date +%s%N)
    # the next round's kill delays span this run's duration (plus a margin)
    max_ms=$(( (t1 - t0) / 1000000 * 5 / 4 + 20 ))
    [ "$max_ms" -gt 999 ] && max_ms=999
    for t in customers transactions; do
      if ! "$LAGO_BIN" --warehouse "$W" sql --format csv -c "SELECT * FROM bronze.$t" >"$TMP/$t.csv" 2>"$TMP/err"; then
        bad "$SEM batch $b: export $t: $(cat "$TMP/err")"
        continue
      fi
      if cdc_check "$D" "$SEM" "$t" "$b" "$TMP/$t.csv" >"$TMP/check" 2>&1; then ok; else bad "$SEM $t v$b after crashes differs from the oracle: $(head -c 400 "$TMP/check")"; fi
      local merges
      merges=$("$LAGO_BIN" --warehouse "$W" table history "bronze.$t" 2>/dev/null | grep -c MERGE)
      if [ "$merges" -eq "$b" ]; then ok; else bad "$SEM $t after batch $b: $merges MERGE commits"; fi
      if "$LAGO_BIN" --warehouse "$W" table validate "bronze.$t" >"$TMP/val" 2>&1; then ok; else bad "$SEM $t log does not validate: $(head -c 400 "$TMP/val")"; fi
    done
  done
  # nothing left to do
  local before after
  before=$(ls "$W/main/bronze/transactions/_delta_log" | grep -c '\.json$')
  "$LAGO_BIN" --warehouse "$W" cdc run "$CFG" -q >/dev/null 2>&1
  after=$(ls "$W/main/bronze/transactions/_delta_log" | grep -c '\.json$')
  if [ "$before" = "$after" ]; then ok; else bad "$SEM: a run after everything committed: $before -> $after commits"; fi
  # (a quarter at least: the delays follow the last run's duration, which varies with the machine's load)
  if [ "$kills" -ge $((RUNS * 6 / 4)) ]; then ok; else bad "$SEM: only $kills of $((RUNS * 6)) runs were killed mid-way"; fi
  echo "  $SEM: $kills runs killed"
}

# A lost compact state (the checkpoint's file list of the batches before it) must not make the
# stream load those batches' files again: deterministic, then the random kills above.
lost_compact() {
  local W=$TMP/wh-lc LAND=$TMP/land-lc CFG=$TMP/lc.yaml b bb
  mkdir -p "$W" "$LAND"
  echo "{table: customers, schema: bronze, keys: customer_id, sequence: modified_at, semantics: seed, full_load: $D/raw/full_load/customers, cdc: $LAND}" >"$CFG"
  run_lc() { "$LAGO_BIN" --warehouse "$W" cdc run "$CFG" -q >>"$TMP/lc.log" 2>&1 || bad "lost compact: run failed: $(tail -c 400 "$TMP/lc.log")"; }
  run_lc
  for b in 1 2; do cp "$D"/raw/cdc/customers/batch-000$b-*.parquet "$LAND/"; run_lc; done
  rm -rf "$W/_lago_streams"; run_lc            # rebuilt from the log: written as a compact state
  cp "$D"/raw/cdc/customers/batch-0003-*.parquet "$LAND/"; run_lc
  local n
  n=$(find "$W/_lago_streams" -name '*.compact' | wc -l)
  [ "$n" -ge 1 ] && ok || bad "lost compact: no compact state to lose"
  find "$W/_lago_streams" -name '*.compact' -delete
  run_lc
  n=$("$LAGO_BIN" --warehouse "$W" table history bronze.customers 2>/dev/null | grep -c MERGE)
  [ "$n" -eq 3 ] && ok || bad "lost compact: $n MERGE commits after 3 batches (files loaded again)"
  "$LAGO_BIN" --warehouse "$W" sql --format csv -c "SELECT * FROM bronze.customers" >"$TMP/lc.csv" 2>&1
  cdc_check "$D" seed customers 3 "$TMP/lc.csv" >"$TMP/check" 2>&1 && ok || bad "lost compact: customers v3 differs from the oracle: $(head -c 300 "$TMP/check")"
}

lost_compact
one_set sequenced
one_set seed
finish
