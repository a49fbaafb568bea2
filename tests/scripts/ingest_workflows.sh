#!/usr/bin/env bash
# tests/scripts/ingest_workflows.sh BUILD_DIR: the ingestion parts of two
# workflows of shared/docs/WORKFLOWS.md, run with `lago` commands.
#
# §4 healthcare heart-rate lab: a static patient CSV (schema inferred) loaded
#    once into a bronze table; heart-rate files (multi-line JSON) read as a
#    stream, one file per trigger, with a checkpoint, appended to a bronze
#    table with availableNow; new files later. (Silver and gold are SQL: the
#    gold figures are computed here from `lago table cat` to check the bronze
#    data, until `lago sql` exists.)
# §5 Auto Loader lab: an extract script drops a CSV per day into a landing
#    volume; lago ingests only new files with an inferred, stored schema and a
#    load-date column, availableNow, the same parameterised command for two
#    tables; then the two experiments: drop the target table and rerun (lago
#    reloads everything, once, and says so), delete the checkpoint and rerun
#    (lago rebuilds progress from the table and loads nothing twice).
set -u
B=${1:-build/asan}
cd "$(dirname "$0")/../.."
L="$PWD/$B/lago"
T=$(mktemp -d /tmp/lago-ingest-wf.XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T"
pass=0; fail=0
ok() { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL $*"; }
expect_eq() { if [ "$2" == "$3" ]; then ok; else bad "$1: got [$2], want [$3]"; fi; }
expect_grep() { if grep -qE -- "$2" <<<"$3"; then ok; else bad "$1: no /$2/ in:"; echo "$3" | head -8; fi; }
W="$T/wh"
lago() { "$L" --warehouse "$W" "$@"; }
cat_rows() { lago table cat "$1" --columns "$2" 2>/dev/null | tail -n +2 | tr -d '"'; }

# ================= §4 healthcare heart-rate lab ================================================
mkdir -p data/patients data/heartrate
{
  echo "patient_id,name,age,gender"
  for p in $(seq 1 12); do echo "$p,patient_$p,$((30 + p)),$([ $((p % 2)) -eq 0 ] && echo F || echo M)"; done
} > data/patients/patients.csv
# heart-rate readings: multi-line JSON arrays, one file per device upload; time in epoch microseconds
gen_hr() { # FILE_INDEX
  local f=data/heartrate/hr_$(printf %03d "$1").json
  {
    echo "["
    for k in $(seq 0 9); do
      p=$(( (k + $1) % 12 + 1 )); bpm=$(( 60 + (k * 7 + $1 * 3) % 40 ))
      sep=","; [ $k -eq 9 ] && sep=""
      printf '  {\n    "patient_id": %d,\n    "time": %d,\n    "heartrate": %d\n  }%s\n' "$p" $(( (1700000000 + $1 * 60 + k) * 1000000 )) "$bpm" "$sep"
    done
    echo "]"
  } > "$f.tmp" && mv "$f.tmp" "$f"
  touch -d "@$((1700000000 + $1))" "$f"
}
for i in 0 1 2 3 4; do gen_hr "$i"; done

out=$(lago ingest data/patients --format csv --into health.bronze.patients --trigger once \
  --option header=true --option inferColumnTypes=true 2>&1)
expect_grep "§4 patients loaded" "^batch 0: 1 files, 12 rows" "$out"
d=$(lago table describe health.bronze.patients | tr '\t' ' ' | tr '\n' ' ')
expect_grep "§4 patient schema inferred" "patient_id INT .*name STRING .*age INT .*gender STRING" "$d"

out=$(lago ingest data/heartrate --format json --into health.bronze.heart_rate --checkpoint ck/heart_rate \
  --option multiLine=true --option maxFilesPerTrigger=1 --option inferColumnTypes=true 2>&1)
expect_eq "§4 one file per trigger" "$(grep -c '^batch [0-9]*: 1 files, 10 rows' <<<"$out")" 5
expect_eq "§4 five commits" "$(lago table history health.bronze.heart_rate | tail -n +2 | wc -l)" 5
d=$(lago table describe health.bronze.heart_rate | tr '\t' ' ' | tr '\n' ' ')
expect_grep "§4 heart-rate schema inferred" "heartrate BIGINT .*patient_id BIGINT .*time BIGINT" "$d"
[ -f ck/heart_rate/_schemas/0 ] && ok || bad "§4 schema stored in the checkpoint"
# a new upload later: only it is read
gen_hr 5
out=$(lago ingest data/heartrate --format json --into health.bronze.heart_rate --checkpoint ck/heart_rate \
  --option multiLine=true --option maxFilesPerTrigger=1 --option inferColumnTypes=true 2>&1)
expect_eq "§4 new upload only" "$(grep -c '^batch 5: 1 files, 10 rows' <<<"$out")" 1
# gold check from bronze: per patient ceil(avg(heartrate)) and count, against the generator's own numbers
got=$(cat_rows health.bronze.heart_rate patient_id,heartrate | awk -F, '{s[$1]+=$2; n[$1]++}
  END {for (p in s) {a = s[p] / n[p]; c = (a == int(a)) ? a : int(a) + 1; print p, c, n[p]}}' | sort -n)
want=$(for i in 0 1 2 3 4 5; do for k in $(seq 0 9); do echo "$(( (k + i) % 12 + 1 )) $(( 60 + (k * 7 + i * 3) % 40 ))"; done; done |
  awk '{s[$1]+=$2; n[$1]++} END {for (p in s) {a = s[p] / n[p]; c = (a == int(a)) ? a : int(a) + 1; print p, c, n[p]}}' | sort -n)
expect_eq "§4 per-patient ceil(avg(heartrate)), count from bronze" "$got" "$want"
expect_eq "§4 every patient has readings" "$(echo "$got" | wc -l)" 12

# ================= §5 Auto Loader fed by an extract script ===================================
# the landing volume /Volumes/main/raw/landing (what CREATE VOLUME makes)
mkdir -p "$W/main/raw/_volumes/landing"
extract() { # TABLE DAY: yesterday's rows of TABLE as one CSV in the volume (written, then renamed in)
  local dir="$W/main/raw/_volumes/landing/$1" f
  mkdir -p "$dir"; f="$dir/$1_2024-06-0$2.csv"
  if [ "$1" = orders ]; then
    { echo "order_id,customer_id,amount,purchase_date"
      for k in $(seq 1 5); do echo "$(( $2 * 100 + k )),$(( k % 3 + 1 )),$(( k * 10 + $2 )).50,2024-06-0$2"; done; } > "$dir/.tmp"
  else
    { echo "customer_id,name,updated_at"
      echo "$2,cust_$2,2024-06-0$2 10:00:00"; } > "$dir/.tmp"
  fi
  mv "$dir/.tmp" "$f"
}
job() { # TABLE: the reusable ingestion job, parameterised by table
  lago ingest "/Volumes/main/raw/landing/$1" --format csv --into "main.bronze.$1" --option header=true \
    --option inferColumnTypes=true --add-column load_date='current_date()' 2>&1
}
today=$(date -u +%Y-%m-%d)
extract orders 1; extract orders 2; extract customers 1
out=$(job orders)
expect_grep "§5 first run" "^batch 0: 2 files, 10 rows" "$out"
expect_grep "§5 schema inferred and stored" "inferred the schema from 2 files: order_id, customer_id, amount, purchase_date \(types inferred; stored as version 0" "$out"
d=$(lago table describe main.bronze.orders | tr '\t' ' ' | tr '\n' ' ')
expect_grep "§5 types" "order_id INT .*amount DOUBLE .*purchase_date DATE .*load_date DATE" "$d"
expect_eq "§5 load date" "$(cat_rows main.bronze.orders load_date | sort -u)" "$today"
out=$(job customers)
expect_grep "§5 same job, other table" "^batch 0: 1 files, 1 rows" "$out"
extract orders 3
out=$(job orders)
expect_grep "§5 only the new file" "^batch 1: 1 files, 5 rows" "$out"
expect_eq "§5 rows after day 3" "$(cat_rows main.bronze.orders order_id | sort -n | tr '\n' ' ')" \
  "101 102 103 104 105 201 202 203 204 205 301 302 303 304 305 "

# experiment 1: drop the target table and rerun
rm -rf "$W/main/bronze/orders"
out=$(job orders)
expect_grep "§5 exp 1 says what it does" "table main.bronze.orders no longer exists, but checkpoint .* fed it .*: it was dropped\. Discarding the old progress; the table is created again and every file of .* is loaded into it" "$out"
expect_grep "§5 exp 1 reload" "^batch 0: 3 files, 15 rows" "$out"
expect_eq "§5 exp 1 each row once" "$(cat_rows main.bronze.orders order_id | sort -n | uniq -d | wc -l) $(cat_rows main.bronze.orders order_id | wc -l)" "0 15"

# experiment 1b: drop and recreate the table (another job creates it first) and rerun
rm -rf "$W/main/bronze/orders"
mkdir -p seed && extract orders 9 && mv "$W/main/raw/_volumes/landing/orders/orders_2024-06-09.csv" seed/
lago ingest seed --format csv --into main.bronze.orders --option header=true --option inferColumnTypes=true \
  --add-column load_date='current_date()' >/dev/null 2>&1
out=$(job orders)
expect_grep "§5 exp 1b says what it does" "is not the table checkpoint .* fed \(its id was .*, now it is .*\): it was dropped and recreated" "$out"
expect_eq "§5 exp 1b rows" "$(cat_rows main.bronze.orders order_id | wc -l)" 20

# experiment 2: delete the checkpoint and rerun (a new file arrived meanwhile)
rm -rf "$W"/_lago_streams/orders-*
extract orders 4
out=$(job orders)
expect_grep "§5 exp 2 says what it does" "no checkpoint at .*: rebuilt progress from the log of table main.bronze.orders: stream .* committed batches 0..0; the log lists 3 files loaded from .*; they will not be loaded again" "$out"
expect_grep "§5 exp 2 loads only the new file" "^batch 1: 1 files, 5 rows" "$out"
expect_eq "§5 exp 2 no duplicates" "$(cat_rows main.bronze.orders order_id | sort -n | uniq -d | wc -l) $(cat_rows main.bronze.orders order_id | wc -l)" "0 25"
out=$(job orders)
expect_grep "§5 rerun loads nothing" "no new files" "$out"

echo "ingest_workflows: $pass passed, $fail failed"
[ $fail -eq 0 ]
