# tests/scripts/cdc_lib.sh: sourced by the cdc_*.sh suites (not a suite itself: not executable).
# cdc_data SF [ORDER]: generates shared/bench data (gen.mjs) and both oracles (ref.mjs, seed and
# sequenced semantics) once, cached under /tmp/lago-cdc-data/sf<SF>[-o<order>]; prints the data dir.
# Needs: $SHARED (shared/ folder), tests/node set up (DuckDB), ROOT (repo root).
cdc_data() {
  local sf=$1 order=${2:-} w=/tmp/lago-cdc-data
  local d=$w/sf$sf${order:+-o${order//,/}}
  mkdir -p "$w" || return 1
  cp "$SHARED/bench/gen.mjs" "$SHARED/bench/ref.mjs" "$SHARED/bench/lib.mjs" "$w/" || return 1
  ln -sfn "$ROOT/tests/node/node_modules" "$w/node_modules"
  if [ ! -f "$d/expected/sequenced/checksums.json" ]; then
    rm -rf "$d"
    (cd "$w" && node gen.mjs --sf "$sf" ${order:+--order "$order"} --out "$d" >/dev/null) || return 1
    local sem
    for sem in seed sequenced; do
      local l=$d/lake/duck-$sem
      (cd "$w" && node ref.mjs load --data "$d" --lake "$l" --format parquet >/dev/null &&
        for b in 1 2 3 4 5; do node ref.mjs merge --data "$d" --lake "$l" --batch $b --semantics $sem >/dev/null || exit 1; done &&
        node ref.mjs expect --data "$d" --lake "$l" --semantics $sem >/dev/null) || return 1
    done
  fi
  echo "$d"
}

# cdc_check DATA SEMANTICS TABLE VERSION CSV: ref.mjs check of one exported table state.
cdc_check() {
  (cd /tmp/lago-cdc-data && node ref.mjs check --data "$1" --semantics "$2" --table "$3" --version "$4" --path "$5" --format csv)
}
