#!/usr/bin/env bash
# tests/scripts/ingest_crash.sh BUILD_DIR: exactly-once of `lago ingest` under
# crashes, with real processes and real files.
#
#  1. Crash points: tests/tools/ingest_crash stops the process (_exit, as
#     kill -9 would) right before the n-th storage-changing step, for every n
#     of a run (offsets write-ahead, data files, the Delta commit, checkpoint
#     markers, schema versions, compaction). After each crash a clean run must
#     finish the job with every source row in the table exactly once; on
#     every third crash point the two Auto Loader experiments follow: delete
#     the checkpoint and rerun (nothing loaded twice), drop the table and
#     rerun (everything loaded again, once).
#     Scenarios: CSV in rate-limited batches; JSON whose second batch brings
#     a new column (schema evolution inside the crashed batch); a rebuild of a
#     lost checkpoint from the table's log, crashed at each of its steps.
#  2. kill -9 of `lago ingest` at random moments (INGEST_KILLS, default 25).
set -u
B=${1:-build/asan}
cd "$(dirname "$0")/../.."
L="$B/lago"
C="$B/ingest_crash"
T=$(mktemp -d /tmp/lago-ingest-crash.XXXXXX)
trap 'rm -rf "$T"' EXIT
pass=0; fail=0
ok() { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL $*"; }

# rows of table $1 (column id) sorted, one per line
ids() { "$L" table cat "$1" --columns id 2>/dev/null | tail -n +2 | tr -d '"' | sort; }

# check_once TABLE WANTFILE LABEL
check_once() {
  local got
  got=$(ids "$1")
  if [ "$got" == "$(cat "$2")" ]; then ok; else
    bad "$3: table rows differ (got $(echo "$got" | grep -c .) rows, want $(grep -c . "$2"))"
    diff <(echo "$got") "$2" | head -5
  fi
}

# ---- scenario setup ------------------------------------------------------------------
mk_csv() { # DIR N: N files of 2 rows each, ids 0..2N-1, distinct mtimes
  mkdir -p "$1"
  for i in $(seq 0 $(($2 - 1))); do
    printf 'id,v\n%d,a\n%d,b\n' $((i * 2)) $((i * 2 + 1)) > "$1/f$i.csv"
    touch -d "@$((1700000000 + i))" "$1/f$i.csv"
  done
}
mk_json() { # DIR: 3 files; the third has a new member
  mkdir -p "$1"
  printf '{"id":"0","v":"a"}\n{"id":"1","v":"b"}\n' > "$1/a.json"; touch -d @1700000001 "$1/a.json"
  printf '{"id":"2","v":"a"}\n' > "$1/b.json"; touch -d @1700000002 "$1/b.json"
  printf '{"id":"3","v":"a","w":"new"}\n{"id":"4"}\n' > "$1/c.json"; touch -d @1700000003 "$1/c.json"
}

# sweep NAME FORMAT SRC WANT [OPTIONS...]: crash at every step, recover, check
sweep() {
  local name=$1 fmt=$2 src=$3 want=$4; shift 4
  local d="$T/$name" n total rc
  rm -rf "$d"; mkdir -p "$d"
  total=$("$C" --count "$src" "$d/t" "$d/ck" "$fmt" "$@" 2>/dev/null)
  if [ -z "$total" ] || [ "$total" -lt 5 ]; then bad "$name: --count gave '$total'"; return; fi
  check_once "$d/t" "$want" "$name clean run"
  for n in $(seq 1 "$total"); do
    rm -rf "$d/t" "$d/ck"
    "$C" --crash-at "$n" "$src" "$d/t" "$d/ck" "$fmt" "$@" >/dev/null 2>&1; rc=$?
    if [ $rc -ne 77 ]; then bad "$name: crash point $n: exit $rc, want 77"; continue; fi
    if ! "$C" --count "$src" "$d/t" "$d/ck" "$fmt" "$@" >/dev/null 2>"$d/err"; then
      bad "$name: recovery after crash point $n failed: $(tail -1 "$d/err")"; continue
    fi
    check_once "$d/t" "$want" "$name: crash point $n"
    if [ $((n % 3)) -eq 0 ]; then
      rm -rf "$d/ck"  # experiment 2: the checkpoint is deleted
      "$C" --count "$src" "$d/t" "$d/ck" "$fmt" "$@" >/dev/null 2>"$d/err" || bad "$name: rerun without checkpoint after crash $n: $(tail -1 "$d/err")"
      grep -q "rebuilt progress" "$d/err" || bad "$name: crash $n: no rebuild message"
      check_once "$d/t" "$want" "$name: crash point $n, checkpoint deleted"
      rm -rf "$d/t"   # experiment 1: the table is dropped
      "$C" --count "$src" "$d/t" "$d/ck" "$fmt" "$@" >/dev/null 2>"$d/err" || bad "$name: rerun after drop, crash $n: $(tail -1 "$d/err")"
      grep -q "no longer exists" "$d/err" || bad "$name: crash $n: no 'dropped' message"
      check_once "$d/t" "$want" "$name: crash point $n, table dropped"
    fi
  done
  echo "$name: $total crash points"
}

mk_csv "$T/src_csv" 4
seq 0 7 | sort > "$T/want_csv"
sweep csv csv "$T/src_csv" "$T/want_csv" header=true maxFilesPerTrigger=2

mk_json "$T/src_json"
printf '0\n1\n2\n3\n4\n' | sort > "$T/want_json"
sweep json json "$T/src_json" "$T/want_json" maxFilesPerTrigger=2 schemaInference.sampleSize.numFiles=1
# the evolved column is there and filled only by c.json
w=$("$L" table cat "$T/json/t" --columns id,w 2>/dev/null | tail -n +2 | sort | tr '\n' ' ')
[ "$w" == '"0",\N "1",\N "2",\N "3","new" "4",\N ' ] && ok || bad "json evolved column: $w"

# rebuild of a lost checkpoint, crashed at each step: table holds f0..f3, f4 arrives, no checkpoint
d="$T/rebuild"; mkdir -p "$d"
mk_csv "$d/src" 4
"$C" --count "$d/src" "$d/t0" "$d/ck0" csv header=true >/dev/null 2>&1
mk_csv "$d/src" 5
seq 0 9 | sort > "$d/want"
cp -a "$d/t0" "$d/t"
total=$("$C" --count "$d/src" "$d/t" "$d/ck" csv header=true 2>/dev/null)
check_once "$d/t" "$d/want" "rebuild clean"
for n in $(seq 1 "$total"); do
  rm -rf "$d/t" "$d/ck"; cp -a "$d/t0" "$d/t"
  "$C" --crash-at "$n" "$d/src" "$d/t" "$d/ck" csv header=true >/dev/null 2>&1
  "$C" --count "$d/src" "$d/t" "$d/ck" csv header=true >/dev/null 2>"$d/err" || bad "rebuild crash $n: $(tail -1 "$d/err")"
  check_once "$d/t" "$d/want" "rebuild: crash point $n"
done
echo "rebuild: $total crash points"

# ---- kill -9 at random moments ---------------------------------------------------------
d="$T/kill"; mkdir -p "$d"
mk_csv "$d/src" 60
seq 0 119 | sort > "$d/want"
KILLS=${INGEST_KILLS:-25}
for k in $(seq 1 "$KILLS"); do
  "$L" --warehouse "$d/wh" ingest "$d/src" --format csv --into "$d/t" --checkpoint "$d/ck" --option header=true \
    --option maxFilesPerTrigger=3 --quiet >/dev/null 2>&1 &
  p=$!
  sleep "0.$((RANDOM % 4))$((RANDOM % 10))"
  kill -9 $p 2>/dev/null
  wait $p 2>/dev/null
  # the table must hold whole batches only: every id it has appears once, in pairs of a file
  got=$(ids "$d/t")
  if [ -n "$got" ] && [ "$(echo "$got" | sort | uniq -d | wc -l)" -ne 0 ]; then bad "kill $k: duplicate rows"; else ok; fi
done
"$L" --warehouse "$d/wh" ingest "$d/src" --format csv --into "$d/t" --checkpoint "$d/ck" --option header=true \
  --option maxFilesPerTrigger=3 --quiet >/dev/null 2>"$d/err" || bad "final run after kills: $(tail -1 "$d/err")"
check_once "$d/t" "$d/want" "after $KILLS kills"

echo "ingest_crash: $pass passed, $fail failed"
[ $fail -eq 0 ]
