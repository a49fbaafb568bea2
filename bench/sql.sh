#!/usr/bin/env bash
# bench/sql.sh [BUILD_DIR]: the SQL engine against DuckDB on the upsell data (shared/bench), one run,
# the same data files and thread count for both, every stage a whole process under /usr/bin/time:
#   load     CTAS of both tables from the full-load Parquet files
#              lago:   CREATE OR REPLACE TABLE bronze.<t> AS SELECT * FROM parquet.`.../*.parquet`
#              DuckDB: ref.mjs load (COPY (SELECT * FROM read_parquet(..)) TO parquet)
#   merge-b  CDC batch b (dedupe + MERGE), both tables, one process per batch
#              lago:   MERGE INTO .. USING (SELECT * FROM read_files(..) QUALIFY ROW_NUMBER() .. = 1) ..
#              DuckDB: ref.mjs merge --mode merge (its MERGE INTO) and --mode rewrite (streaming join)
#   gold     GOLD_Q1 and GOLD_Q2 verbatim (shared/bench/lib.mjs) over the final tables
# then checks lago's final tables and gold results against DuckDB's oracle (ref.mjs check).
# Env: SFS="1 10" (scale factors), THREADS=2, WORK=/tmp/lago-bench. Data are generated once per SF.
# Output: a TSV of every stage and a markdown summary (lago and DuckDB wall, DuckDB's in-script time,
# max RSS) in $WORK/results/.
set -euo pipefail
B=${1:-build/release}
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SFS=${SFS:-1}
T=${THREADS:-2}
WORK=${WORK:-/tmp/lago-bench}
SHARED=${LAGO_SHARED:-$(cd ../shared 2>/dev/null && pwd)}
LAGO=$ROOT/$B/lago
[ -x "$LAGO" ] || { echo "bench/sql.sh: build $B first (make)"; exit 2; }
tests/node/setup.sh
mkdir -p "$WORK/results" "$WORK/logs"
cp "$SHARED/bench/gen.mjs" "$SHARED/bench/ref.mjs" "$SHARED/bench/lib.mjs" "$WORK/"
ln -sfn "$ROOT/tests/node/node_modules" "$WORK/node_modules"
TSV=$WORK/results/sql.tsv
printf 'engine\tsf\tstage\twall_s\tmaxrss_kib\tuser_s\tsys_s\tinscript_s\n' >"$TSV"

timed() { # engine sf stage cmd...
  local engine=$1 sf=$2 stage=$3
  shift 3
  local tlog="$WORK/logs/time.$engine.sf$sf.$stage" olog="$WORK/logs/out.$engine.sf$sf.$stage"
  if ! /usr/bin/time -v -o "$tlog" "$@" >"$olog" 2>&1; then
    echo "FAILED $engine sf=$sf $stage"; tail -5 "$olog"; return 1
  fi
  local wall rss user sys ins
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; printf "%.2f", s}' "$tlog")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tlog")
  user=$(awk -F': ' '/User time \(seconds\)/ {print $2}' "$tlog")
  sys=$(awk -F': ' '/System time \(seconds\)/ {print $2}' "$tlog")
  ins=$(grep -o '"total_s":[0-9.]*' "$olog" | tail -1 | cut -d: -f2 || true)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$engine" "$sf" "$stage" "$wall" "$rss" "$user" "$sys" "${ins:-}" >>"$TSV"
  printf '  %-14s sf=%-3s %-10s %7ss %9s KiB  cpu %5.2fs%s\n' "$engine" "$sf" "$stage" "$wall" "$rss" \
    "$(echo "$user + $sys" | bc)" "${ins:+  (in-script ${ins}s)}"
}

for SF in $SFS; do
  D=$WORK/sf$SF
  if [ ! -f "$D/manifest.json" ]; then (cd "$WORK" && node gen.mjs --sf "$SF" --out "$D" --threads "$T"); fi
  echo "== SF=$SF threads=$T"
  # DuckDB: load, the MERGE chain (and the oracle), the rewrite chain, gold
  rm -rf "$WORK/lake$SF" "$WORK/laker$SF"
  timed duckdb "$SF" load node "$WORK/ref.mjs" load --data "$D" --lake "$WORK/lake$SF" --format parquet --threads "$T"
  cp -r "$WORK/lake$SF" "$WORK/laker$SF"
  for b in 1 2 3 4 5; do
    timed duckdb "$SF" "merge-b$b" node "$WORK/ref.mjs" merge --data "$D" --lake "$WORK/lake$SF" --batch $b --threads "$T"
    timed duckdb-rewrite "$SF" "merge-b$b" node "$WORK/ref.mjs" merge --data "$D" --lake "$WORK/laker$SF" --batch $b --threads "$T" --mode rewrite
  done
  timed duckdb "$SF" gold node "$WORK/ref.mjs" gold --lake "$WORK/lake$SF" --threads "$T" --out "$WORK/duckgold$SF"
  [ -f "$D/expected/checksums.json" ] || (cd "$WORK" && node ref.mjs expect --data "$D" --lake "$WORK/lake$SF" --threads "$T" >/dev/null)

  # lago
  WH=$WORK/wh$SF
  rm -rf "$WH"
  L="$LAGO --warehouse $WH sql --format csv"
  $L -c "CREATE SCHEMA bronze; SET lago.threads = $T" >/dev/null
  printf 'SET lago.threads = %s;\n' "$T" >"$WORK/load.sql"
  for t in customers transactions; do
    printf 'CREATE OR REPLACE TABLE bronze.%s AS SELECT * FROM parquet.`%s/raw/full_load/%s/*.parquet`;\n' "$t" "$D" "$t" >>"$WORK/load.sql"
  done
  timed lago "$SF" load $L -f "$WORK/load.sql"
  for b in 1 2 3 4 5; do
    bb=$(printf %04d $b)
    printf 'SET lago.threads = %s;\n' "$T" >"$WORK/merge.sql"
    for tp in customers:customer_id transactions:transaction_id; do
      t=${tp%%:*}; pk=${tp##*:}
      cat >>"$WORK/merge.sql" <<EOF
MERGE INTO bronze.$t t
USING (SELECT * FROM read_files('$D/raw/cdc/$t/batch-$bb-*.parquet', format => 'parquet')
       QUALIFY ROW_NUMBER() OVER (PARTITION BY $pk ORDER BY modified_at DESC) = 1) s
ON t.$pk = s.$pk
WHEN MATCHED AND s.op = 'D' THEN DELETE
WHEN MATCHED AND s.op = 'U' THEN UPDATE SET *
WHEN NOT MATCHED AND s.op IN ('I', 'U') THEN INSERT *;
EOF
    done
    timed lago "$SF" "merge-b$b" $L -f "$WORK/merge.sql"
  done
  G=$WORK/lagogold$SF
  mkdir -p "$G"
  Q1=$(node --input-type=module -e "import {GOLD_Q1} from '$WORK/lib.mjs'; console.log(GOLD_Q1)")
  Q2=$(node --input-type=module -e "import {GOLD_Q2} from '$WORK/lib.mjs'; console.log(GOLD_Q2)")
  cat >"$WORK/gold.sh" <<EOF
set -e
$L -c "SET lago.threads = $T; USE bronze; $Q1" | tail -n +4 >"$G/q1.body"
$L -c "SET lago.threads = $T; USE bronze; $Q2" | tail -n +4 >"$G/q2.body"
EOF
  timed lago "$SF" gold bash "$WORK/gold.sh"
  # correctness (untimed): final tables and gold results against the oracle
  for t in customers transactions; do
    $L -c "SELECT * FROM bronze.$t" >"$WORK/$t.csv"
    (cd "$WORK" && node ref.mjs check --data "$D" --table "$t" --path "$WORK/$t.csv" --format csv) | grep -q '"ok":true' &&
      echo "  check $t v5: ok" || echo "  check $t v5: FAILED"
  done
  { echo 'customer_id,name,n,pts,amt'; cat "$G/q1.body"; } >"$G/q1.csv"
  { echo 'product,channel,d,n,avg_amount'; sed -E 's/^(("[^"]*"|[^,]*),("[^"]*"|[^,]*),[^,]*)\+00,/\1,/' "$G/q2.body"; } >"$G/q2.csv"
  (cd "$WORK" && node ref.mjs check --data "$D" --gold "$G") | grep -q '"ok":true' && echo "  check gold: ok" || echo "  check gold: FAILED"
done

# summary
node --input-type=module - "$TSV" <<'EOF' | tee "$WORK/results/summary.md"
import fs from 'node:fs';
const rows = fs.readFileSync(process.argv[2], 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));
const get = (e, sf, st) => rows.find((r) => r[0] === e && r[1] === sf && r[2] === st);
const sfs = [...new Set(rows.map((r) => r[1]))];
console.log('| SF | stage | lago wall s | DuckDB wall s (in-script) | DuckDB rewrite wall s (in-script) | lago / DuckDB | lago RSS MiB | DuckDB RSS MiB |');
console.log('|---|---|---:|---:|---:|---:|---:|---:|');
for (const sf of sfs) {
  const tot = { lago: 0, duck: 0, duckin: 0, rw: 0, rwin: 0 };
  for (const st of ['load', 'merge-b1', 'merge-b2', 'merge-b3', 'merge-b4', 'merge-b5', 'gold']) {
    const l = get('lago', sf, st), d = get('duckdb', sf, st), r = get('duckdb-rewrite', sf, st);
    if (!l || !d) continue;
    const best = r ? Math.min(Number(d[7] || d[3]), Number(r[7] || r[3])) : Number(d[7] || d[3]);
    if (st.startsWith('merge')) { tot.lago += +l[3]; tot.duck += +d[3]; tot.duckin += +(d[7] || 0); tot.rw += +(r ? r[3] : 0); tot.rwin += +(r ? r[7] || 0 : 0); }
    console.log(`| ${sf} | ${st} | ${l[3]} | ${d[3]} (${d[7] || '-'}) | ${r ? `${r[3]} (${r[7] || '-'})` : '-'} | ${(l[3] / best).toFixed(2)} | ${(l[4] / 1024).toFixed(0)} | ${(Math.max(d[4], r ? r[4] : 0) / 1024).toFixed(0)} |`);
  }
  console.log(`| ${sf} | merge total | ${tot.lago.toFixed(2)} | ${tot.duck.toFixed(2)} (${tot.duckin.toFixed(2)}) | ${tot.rw.toFixed(2)} (${tot.rwin.toFixed(2)}) | ${(tot.lago / Math.min(tot.duckin || tot.duck, tot.rwin || tot.rw)).toFixed(2)} | | |`);
}
console.log('\nlago / DuckDB divides lago\'s wall time by the faster DuckDB in-script time (DuckDB\'s process start, ~0.4 s, excluded).');
EOF
