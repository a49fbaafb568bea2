# bench/lib/text.sh: sourced by the text-reader benchmarks (bench/csv.sh,
# bench/jsonl.sh): lago's <fmt>_bench tool against DuckDB on the upsell data
# set, one table of results. The sourcing script sets, then calls
# text_bench "$@":
#   TOOL    tests/tools/<TOOL>.c, built in release mode
#   DATA    where data sets go: $DATA/sf<SF> (generated with
#           ../shared/bench/gen.mjs when missing)
#   SUBDIR  the files to read under $DATA/sf<SF>, and EXT their extension
#   QUERY   DuckDB's query, with %GLOB% for the files (node API, the version
#           in tests/node; timed inside node around the query)
#   BENCH_DIR (optional) a directory of *.EXT files to time instead
# Each case runs RUNS times (default 5): lago -t 0 (one reader per file on
# one thread), -t 1 / -t 2 (the parallel scan), DuckDB with 1 and 2
# threads. Reported: median wall time, median CPU seconds (user + system,
# all threads: on a shared machine wall time mostly measures the scheduler),
# MB/s of wall time, peak RSS (/usr/bin/time; DuckDB's includes node).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SHARED=${LAGO_SHARED:-$(cd ../shared 2>/dev/null && pwd)}
RUNS=${RUNS:-5}
BENCH_DIR=${BENCH_DIR:-}
tests/node/setup.sh
make -s MODE=release "build/release/$TOOL" >/dev/null
W=$(mktemp -d "/tmp/lago-$TOOL-work.XXXXXX")
trap 'rm -rf "$W"' EXIT
cp "$SHARED"/bench/gen.mjs "$SHARED"/bench/lib.mjs "$W"/
ln -s "$ROOT/tests/node/node_modules" "$W/node_modules"
cat > "$W/duck.mjs" <<'JS'
import { DuckDBInstance } from '@duckdb/node-api';
const [threads, glob] = process.argv.slice(2);
const inst = await DuckDBInstance.create(':memory:', { threads: String(threads) });
const con = await inst.connect();
const q = process.env.QUERY.replaceAll('%GLOB%', glob);
const c0 = process.cpuUsage();
const t0 = performance.now();
const r = await con.runAndReadAll(q);
const t = (performance.now() - t0) / 1000;
const c = process.cpuUsage(c0);
console.log(`wall=${t.toFixed(3)}s cpu=${((c.user + c.system) / 1e6).toFixed(3)}s rows=${r.getRows()[0][0]} sum=${r.getRows()[0][1]}`);
JS
export QUERY

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# run LABEL THREADS CMD...: RUNS runs of CMD (which prints wall=..s cpu=..s), one table row.
run() {
  local label=$1 t=$2
  shift 2
  : > "$W/times"; : > "$W/cpus"; : > "$W/rss"
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f '%M' -o "$W/rss1" "$@" > "$W/out"
    sed -n 's/.*wall=\([0-9.]*\)s.*/\1/p' "$W/out" >> "$W/times"
    sed -n 's/.*cpu=\([0-9.]*\)s.*/\1/p' "$W/out" >> "$W/cpus"
    cat "$W/rss1" >> "$W/rss"
  done
  echo "$label t=$t: $(cat "$W/out")" >&2
  local wall cpu rss
  wall=$(median < "$W/times"); cpu=$(median < "$W/cpus"); rss=$(sort -n "$W/rss" | tail -1)
  printf '| %s | %s | %s | %s | %s | %s | %.0f | %.0f |\n' "$sf" "$mb" "$label" "$t" "$wall" "$cpu" \
    "$(echo "$mb / $wall" | bc -l)" "$(echo "$rss / 1024" | bc -l)" >> "$W/table.md"
}

text_bench() {
  local sfs=("$@") dir
  [ ${#sfs[@]} -eq 0 ] && sfs=(1)
  printf '| SF | MB | engine | threads | median wall s | median CPU s | MB/s | peak RSS MB |\n|---|---|---|---|---|---|---|---|\n' > "$W/table.md"
  for sf in "${sfs[@]}"; do
    if [ -n "$BENCH_DIR" ]; then
      dir=$BENCH_DIR
    else
      dir="$DATA/sf$sf/$SUBDIR"
      if [ ! -d "$dir" ]; then
        echo "generating SF=$sf into $DATA/sf$sf ..." >&2
        (cd "$W" && node gen.mjs --sf "$sf" --out "$DATA/sf$sf" >&2)
      fi
    fi
    local files=("$dir"/*."$EXT")
    mb=$(du -cb "${files[@]}" | tail -1 | awk '{printf "%.0f", $1/1e6}')
    for t in 0 1 2; do run lago "$t" "build/release/$TOOL" -t "$t" "${files[@]}"; done
    for t in 1 2; do run duckdb "$t" node "$W/duck.mjs" "$t" "$dir/*.$EXT"; done
  done
  cat "$W/table.md"
}
