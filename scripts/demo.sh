#!/usr/bin/env bash
# scripts/demo.sh BUILD_DIR: the `make demo` job (Makefile: deps, release build, then this).
# The upsell workflow of shared/docs/WORKFLOWS.md §1-2 end to end (examples/upsell/):
#   1. the job's source task runs the source simulator, which writes a points system's full load and CDC batches (customers,
#      transactions, products; updates, inserts, deletes, duplicate keys in a batch, late rows)
#      as Parquet into the volume /Volumes/main/upsell/landing;
#   2. then `lago job run examples/upsell/job.yaml` goes on with three bronze CDC ingestors in parallel (full
#      load, then every CDC file exactly once, one MERGE commit per CDC batch), silver (cleaned,
#      joined), gold (points per customer, per product and day), with the job's report;
#   3. the final query: the top of gold and DESCRIBE HISTORY of bronze transactions;
#   4. the job again: no new files, so the CDC runs commit nothing.
# DEMO_SF (default 0.1) and DEMO_BATCHES (5) size the data; LAGO_WAREHOUSE (default
# ./lakehouse) is where it goes. The demo's own schema main.upsell and the volume's raw files
# are replaced on every run; nothing else in the warehouse is touched.
set -euo pipefail
B=${1:-build/release}
ROOT=$(pwd)
L="$ROOT/$B/lago"
SIM="$ROOT/$B/upsell-sim"
W=${LAGO_WAREHOUSE:-$ROOT/lakehouse}
mkdir -p "$W"
W=$(cd "$W" && pwd)
export LAGO_WAREHOUSE="$W"
SF=${DEMO_SF:-0.1}
NB=${DEMO_BATCHES:-5}
t0=$(date +%s%N)
ms() { echo $((($(date +%s%N) - t0) / 1000000)); }

echo "== lago $("$L" --version | cut -d' ' -f2), warehouse $W"
# start over: the demo schema's tables (with their CDC state) and stream checkpoints
rm -rf "$W/main/upsell" "$W"/_lago_streams/bronze_customers-* "$W"/_lago_streams/bronze_transactions-* \
  "$W"/_lago_streams/bronze_products-*

echo; echo "== 1+2. the job: source (full load + $NB CDC batches, scale $SF) -> bronze (CDC) -> silver -> gold"
"$L" job run "$ROOT/examples/upsell/job.yaml" --param "sim=$SIM" --param "sf=$SF" --param "batches=$NB"
echo; echo "   bronze_transactions, as the job's log shows it:"
log=$(ls -d "$W"/_lago/jobs/upsell/runs/*/ | sort -V | tail -1)
grep -E '^main\.upsell\.bronze_transactions: ' "$log/bronze_transactions.log" | sed 's/^/   /'

echo; echo "== 3. the final query (examples/upsell/report.sql)"
"$L" sql --format table -f "$ROOT/examples/upsell/report.sql" | cut -c1-200

echo; echo "== 4. the job again: no new CDC files"
"$L" job run "$ROOT/examples/upsell/job.yaml" --param "sim=$SIM" --param "sf=$SF" --param "batches=$NB" --quiet
log=$(ls -d "$W"/_lago/jobs/upsell/runs/*/ | sort -V | tail -1)
grep -hE '^main\.upsell\.bronze_[a-z]+: .*[0-9]+ batches' "$log"/bronze_*.log | sed 's/^/   /' || true
echo; echo "   the per-key sequence state kept with bronze_transactions (src/cdc/README.md):"
"$L" cdc state main.upsell.bronze_transactions | sed 's/^/   /'
echo; echo "== demo done in $(ms) ms"
