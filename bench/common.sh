# bench/common.sh: shared pieces of the benchmark scripts (source it; not a test).
#   bench_data SF         prints the directory of the upsell data set at scale SF, generating it
#                         once with ../shared/bench/gen.mjs (cached under $BENCH_DATA,
#                         default bench/data, git-ignored)
#   bench_time LOG CMD..  runs CMD under /usr/bin/time -v; prints "wall_s peak_rss_mib"
#   bench_median          median of numbers on stdin
# Scripts set -euo pipefail themselves and cd to the repository root before sourcing.
BENCH_ROOT=${BENCH_ROOT:-$(pwd)}
BENCH_SHARED=${LAGO_SHARED:-$(cd "$BENCH_ROOT/../shared" 2>/dev/null && pwd)}
BENCH_DATA=${BENCH_DATA:-$BENCH_ROOT/bench/data}

bench_data() {
  local sf=$1 out="$BENCH_DATA/sf$1"
  if [ ! -f "$out/manifest.json" ]; then
    "$BENCH_ROOT/tests/node/setup.sh" >&2
    local w; w=$(mktemp -d /tmp/lago-gen.XXXXXX)
    cp "$BENCH_SHARED"/bench/gen.mjs "$BENCH_SHARED"/bench/lib.mjs "$w"/
    ln -s "$BENCH_ROOT/tests/node/node_modules" "$w/node_modules"
    echo "bench: generating upsell data SF=$sf into $out ..." >&2
    (cd "$w" && node gen.mjs --sf "$sf" --out "$out" >&2)
    rm -rf "$w"
  fi
  echo "$out"
}

bench_time() {
  local log=$1; shift
  /usr/bin/time -v -o "$log.time" "$@" >"$log.out" 2>&1 || { cat "$log.out" "$log.time" >&2; return 1; }
  awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; w=s}
              /Maximum resident set size/ {r=$2/1024}
              END {printf "%.3f %.0f\n", w, r}' "$log.time"
}

bench_median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
