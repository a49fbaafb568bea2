#!/usr/bin/env bash
# bench/cdc.sh [BUILD_DIR]: `lago cdc run` against DuckDB's reference pipeline (shared/bench ref.mjs) on the
# upsell data, one run, same data files and thread count, every stage a whole process under /usr/bin/time -v:
#   load     the full load of customers and transactions
#              lago:   lago cdc run ingest.yaml (the tables do not exist: CTAS of the full-load Parquet files;
#                      the CDC directories are still empty)
#              DuckDB: ref.mjs load --format parquet
#   cdc-b    CDC batch b of both tables, sequenced semantics (late changes ignored)
#              lago:   the batch's 4 files per table land in the CDC directory, then lago cdc run (one MERGE
#                      commit per table, deletion vectors; the per-key state as segments in the table's log)
#              DuckDB: ref.mjs merge --semantics sequenced --mode merge (its MERGE INTO) and --mode rewrite
#   noop     lago cdc run again with no new files (the "fast no-op"); DuckDB has no counterpart
# then checks lago's tables after the last batch against the sequenced oracle (ref.mjs check).
# Env: SFS="1" (scale factors, e.g. "1 10"), THREADS=2, WORK=/tmp/lago-bench-cdc. Data generated once per SF.
# Output: $WORK/results/cdc.tsv and a markdown summary $WORK/results/cdc-summary.md. lago/DuckDB divides lago's
# wall time by the faster DuckDB mode's wall time (both include process start: ~0.4 s for node + DuckDB).
set -euo pipefail
B=${1:-build/release}
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SFS=${SFS:-1}
T=${THREADS:-2}
WORK=${WORK:-/tmp/lago-bench-cdc}
SHARED=${LAGO_SHARED:-$(cd ../shared 2>/dev/null && pwd)}
LAGO=$ROOT/$B/lago
[ -x "$LAGO" ] || { echo "bench/cdc.sh: build $B first (make)"; exit 2; }
command -v /usr/bin/time >/dev/null || { echo "bench/cdc.sh: needs /usr/bin/time (apt-get install time)"; exit 2; }
tests/node/setup.sh
mkdir -p "$WORK/results" "$WORK/logs"
cp "$SHARED/bench/gen.mjs" "$SHARED/bench/ref.mjs" "$SHARED/bench/lib.mjs" "$WORK/"
ln -sfn "$ROOT/tests/node/node_modules" "$WORK/node_modules"
TSV=$WORK/results/cdc.tsv
printf 'engine\tsf\tstage\twall_s\tmaxrss_kib\tuser_s\tsys_s\n' >"$TSV"

timed() { # engine sf stage cmd...
  local engine=$1 sf=$2 stage=$3
  shift 3
  local tlog="$WORK/logs/time.$engine.sf$sf.$stage" olog="$WORK/logs/out.$engine.sf$sf.$stage"
  if ! /usr/bin/time -v -o "$tlog" "$@" >"$olog" 2>&1; then
    echo "FAILED $engine sf=$sf $stage"; tail -5 "$olog"; return 1
  fi
  local wall rss user sys
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; printf "%.3f", s}' "$tlog")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tlog")
  user=$(awk -F': ' '/User time \(seconds\)/ {print $2}' "$tlog")
  sys=$(awk -F': ' '/System time \(seconds\)/ {print $2}' "$tlog")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$engine" "$sf" "$stage" "$wall" "$rss" "$user" "$sys" >>"$TSV"
  printf '  %-15s sf=%-3s %-7s %8ss %9s KiB  cpu %6.2fs\n' "$engine" "$sf" "$stage" "$wall" "$rss" "$(echo "$user + $sys" | bc)"
}

for SF in $SFS; do
  D=$WORK/sf$SF
  if [ ! -f "$D/manifest.json" ]; then (cd "$WORK" && node gen.mjs --sf "$SF" --out "$D" --threads "$T" >/dev/null); fi
  echo "== SF=$SF threads=$T"
  # DuckDB: load, the sequenced MERGE chain (and the oracle), the sequenced rewrite chain
  rm -rf "$WORK/lake$SF" "$WORK/laker$SF"
  timed duckdb "$SF" load node "$WORK/ref.mjs" load --data "$D" --lake "$WORK/lake$SF" --format parquet --threads "$T"
  cp -r "$WORK/lake$SF" "$WORK/laker$SF"
  for b in 1 2 3 4 5; do
    timed duckdb "$SF" "cdc-b$b" node "$WORK/ref.mjs" merge --data "$D" --lake "$WORK/lake$SF" --batch $b --threads "$T" --semantics sequenced
    timed duckdb-rewrite "$SF" "cdc-b$b" node "$WORK/ref.mjs" merge --data "$D" --lake "$WORK/laker$SF" --batch $b --threads "$T" --semantics sequenced --mode rewrite
  done
  [ -f "$D/expected/sequenced/checksums.json" ] ||
    (cd "$WORK" && node ref.mjs expect --data "$D" --lake "$WORK/lake$SF" --semantics sequenced --threads "$T" >/dev/null)

  # lago
  WH=$WORK/wh$SF LAND=$WORK/land$SF
  rm -rf "$WH" "$LAND"
  mkdir -p "$WH" "$LAND/customers" "$LAND/transactions"
  cat >"$WORK/ingest$SF.yaml" <<YAML
defaults: {schema: bronze, format: parquet, sequence: modified_at, semantics: sequenced}
tables:
  - {table: customers, keys: customer_id, full_load: $D/raw/full_load/customers, cdc: $LAND/customers}
  - {table: transactions, keys: transaction_id, full_load: $D/raw/full_load/transactions, cdc: $LAND/transactions}
YAML
  C="$LAGO --warehouse $WH cdc run $WORK/ingest$SF.yaml --threads $T"
  timed lago "$SF" load $C
  for b in 1 2 3 4 5; do
    bb=$(printf %04d $b)
    for t in customers transactions; do cp "$D"/raw/cdc/$t/batch-$bb-*.parquet "$LAND/$t/"; done
    timed lago "$SF" "cdc-b$b" $C
  done
  timed lago "$SF" noop $C
  grep -h 'batches' "$WORK/logs/out.lago.sf$SF.noop" | sed 's/^/    /'
  # correctness (untimed): final tables against the sequenced oracle
  for t in customers transactions; do
    "$LAGO" --warehouse "$WH" sql --format csv -c "SELECT * FROM bronze.$t" >"$WORK/$t.csv"
    (cd "$WORK" && node ref.mjs check --data "$D" --semantics sequenced --table "$t" --version 5 --path "$WORK/$t.csv" --format csv) |
      grep -q '"ok":true' && echo "  check $t v5 (sequenced): ok" || echo "  check $t v5 (sequenced): FAILED"
  done
  du -sk "$WH/main/bronze/transactions" "$WORK/lake$SF/transactions" | sed 's/^/  size KiB: /'
done

node --input-type=module - "$TSV" <<'JS' | tee "$WORK/results/cdc-summary.md"
import fs from 'node:fs';
const rows = fs.readFileSync(process.argv[2], 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));
const get = (e, sf, st) => rows.find((r) => r[0] === e && r[1] === sf && r[2] === st);
const sfs = [...new Set(rows.map((r) => r[1]))];
console.log('| SF | stage | lago wall s | DuckDB MERGE wall s | DuckDB rewrite wall s | lago / best DuckDB | lago RSS MiB | DuckDB RSS MiB |');
console.log('|---|---|---:|---:|---:|---:|---:|---:|');
for (const sf of sfs) {
  for (const st of ['load', 'cdc-b1', 'cdc-b2', 'cdc-b3', 'cdc-b4', 'cdc-b5', 'noop']) {
    const l = get('lago', sf, st), d = get('duckdb', sf, st), r = get('duckdb-rewrite', sf, st);
    if (!l) continue;
    const best = d ? (r ? Math.min(+d[3], +r[3]) : +d[3]) : NaN;
    const drss = d ? Math.max(+d[4], r ? +r[4] : 0) / 1024 : NaN;
    console.log(`| ${sf} | ${st} | ${l[3]} | ${d ? d[3] : '-'} | ${r ? r[3] : '-'} | ${d ? (l[3] / best).toFixed(2) : '-'} | ${(l[4] / 1024).toFixed(0)} | ${d ? drss.toFixed(0) : '-'} |`);
  }
}
JS
