# tests/scripts/lib/duckdb_diff.sh: sourced by the differential tests of the
# text readers against DuckDB (tests/scripts/csv_duckdb.sh, jsonl_duckdb.sh).
# The sourcing script sets NAME (its suite name) first; its $1 is the build
# directory. Provides: $B (build dir), $T (temp dir with the npm oracle
# linked, removed at exit), LAGO_ROOT (exported, for the node scripts'
# import of tests/node/textgen.mjs), ok / bad (count a check; bad prints
# "FAIL ..."), same_rows (run lago, compare with DuckDB's rows) and finish
# (prints "<NAME>: N passed, M failed" and sets the exit status), oracle
# (generate a file, DuckDB reads it) and enough_rows.
# Not a suite itself: tests/run-all.sh runs only tests/scripts/*.sh.
set -u
B=${1:-build/asan}
cd "$(dirname "$0")/../.." || exit 1
pass=0; fail=0
ok() { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL $*"; }
T=$(mktemp -d "/tmp/lago-$NAME.XXXXXX")
trap 'rm -rf "$T"' EXIT
if ! tests/node/setup.sh; then
  echo "FAIL $NAME: tests/node/setup.sh failed (npm oracle missing)"
  echo "$NAME: 0 passed, 1 failed"; exit 1
fi
cp tests/node/package.json "$T/" 2>/dev/null
ln -s "$PWD/tests/node/node_modules" "$T/node_modules"
LAGO_ROOT=$PWD; export LAGO_ROOT

# same_rows LABEL WANT GOT CMD...: runs CMD > GOT; one check: GOT equals WANT (DuckDB's rows).
same_rows() {
  local label=$1 want=$2 got=$3
  shift 3
  if ! "$@" > "$got" 2>"$T/lago.err"; then bad "$label: lago read: $(head -3 "$T/lago.err")"; return; fi
  if cmp -s "$got" "$want"; then ok; else
    bad "$label: lago and DuckDB differ"; diff "$got" "$want" | head -10
  fi
}

# oracle SCRIPT FILE ROWS SEED WANT: the node SCRIPT generates FILE (ROWS records from SEED), then
# DuckDB reads it into WANT; one check. Fails (status 1) when either step does.
oracle() {
  local js=$1 f=$2 rows=$3 seed=$4 want=$5
  if ! node "$js" gen "$f" "$rows" "$seed"; then bad "generate seed $seed"; return 1; fi
  if ! node "$js" duck "$f" > "$want" 2>"$T/duck.err"; then bad "duckdb read seed $seed: $(head -3 "$T/duck.err")"; return 1; fi
  ok
}

# enough_rows WANT MIN: one check: DuckDB's rows are more than MIN lines (the generator works).
enough_rows() {
  local rows
  rows=$(($(wc -l < "$1")))
  if [ "$rows" -gt "$2" ]; then ok; else bad "$1: DuckDB gave only $rows lines"; fi
}

finish() {
  echo "$NAME: $pass passed, $fail failed"
  [ $fail -eq 0 ]
}
