#!/usr/bin/env bash
# tests/scripts/ingest_cli.sh BUILD_DIR: `lago ingest` end to end with real
# files and real processes: usage errors, the per-batch lines, --json, every
# discovery / schema / reader option, the four triggers (continuous and
# every=N run in the background and are stopped with Ctrl-C), inotify pick-up
# of files that arrive while the stream runs (written in place, renamed into
# place, in new subdirectories), the progress bar on a terminal, errors with
# file:line, the default checkpoint location.
set -u
B=${1:-build/asan}
cd "$(dirname "$0")/../.."
L="$PWD/$B/lago"
T=$(mktemp -d /tmp/lago-ingest-cli.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$T"' EXIT
cd "$T"
pass=0; fail=0
ok() { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL $*"; }
W="$T/wh"
ing() { "$L" --warehouse "$W" ingest "$@"; }
# rows of a table column, sorted, quotes removed
col() { "$L" --warehouse "$W" table cat "$1" --columns "$2" 2>/dev/null | tail -n +2 | tr -d '"' | sort | tr '\n' ' '; }
expect_eq() { if [ "$2" == "$3" ]; then ok; else bad "$1: got [$2], want [$3]"; fi; }
expect_grep() { if grep -qE -- "$2" <<<"$3"; then ok; else bad "$1: no /$2/ in:"; echo "$3" | head -8; fi; }
mk() { # DIR NAME TEXT MTIME_OFFSET
  mkdir -p "$(dirname "$1/$2")"; printf "$3" > "$1/$2"; touch -d "@$((1700000000 + $4))" "$1/$2"
}
reset() { rm -rf "$W" "$T/ck" "$T/src"; mkdir -p "$T/src"; }

# ---- usage --------------------------------------------------------------------------
out=$(ing 2>&1); expect_eq "no args exit" $? 2; expect_grep "no args" "missing SOURCE" "$out"
out=$(ing src --into t 2>&1); expect_eq "no format" $? 2; expect_grep "no format" "missing --format" "$out"
out=$(ing src --format csv 2>&1); expect_eq "no into" $? 2
out=$(ing src --format xml --into t 2>&1); expect_eq "bad format" $? 2; expect_grep "bad format" "expected csv, json or parquet" "$out"
out=$(ing src --format csv --into t --trigger sometimes 2>&1); expect_eq "bad trigger" $? 2
out=$(ing src --format csv --into t --option maxFilesPerTrigger=x 2>&1); expect_eq "bad option value" $? 2
out=$(ing src --format csv --into t --option novalue 2>&1); expect_eq "option without =" $? 2
out=$(ing src --format csv --into t --add-column 'x=upper(y)' 2>&1); expect_eq "bad added column" $? 2
out=$(ing src --format csv --into t --frob 2>&1); expect_eq "unknown flag" $? 2
out=$("$L" ingest --help); expect_grep "help" "^usage: lago ingest SOURCE" "$out"
reset
out=$(ing src --format csv --into t --option sep=toolong12 2>&1); expect_eq "reader option checked" $? 1
out=$(ing nosuchdir --format csv --into t 2>&1); expect_eq "missing source" $? 1
expect_grep "missing source message" "source directory .*nosuchdir does not exist" "$out"

# ---- a first run, the lines it prints, a catalog name, the default checkpoint ---------
reset
mk src a.csv 'id,name\n1,a\n2,b\n' 1
mk src b.csv 'id,name\n3,c\n' 2
out=$(ing src --format csv --into main.bronze.people --option header=true 2>"$T/err")
expect_grep "batch line" '^batch 0: 2 files, 3 rows, 28 B in [0-9.]+ s \([0-9]+ rows/s, .*/s\), lag [0-9.]+ s, backlog 0 files -> main.bronze.people version 0$' "$out"
expect_grep "done line" '^done: 1 batches, 2 files, 3 rows in' "$out"
expect_grep "new stream message" "^lago ingest: new stream .*: table main.bronze.people does not exist yet" "$(cat "$T/err")"
expect_eq "rows" "$(col main.bronze.people id)" "1 2 3 "
[ -f "$W/main/bronze/people/_delta_log/00000000000000000000.json" ] && ok || bad "table under the warehouse"
ls -d "$W"/_lago_streams/people-* >/dev/null 2>&1 && ok || bad "default checkpoint under <warehouse>/_lago_streams"
out=$(ing src --format csv --into main.bronze.people --option header=true 2>&1)
expect_grep "nothing new" "no new files" "$out"
expect_grep "nothing new done" "^done: 0 batches" "$out"

# ---- --json summary ----------------------------------------------------------------
mk src c.csv 'id,name\n4,d\n5,e\n' 3
out=$(ing src --format csv --into main.bronze.people --option header=true --json 2>/dev/null)
j=$(node -e 'const s=JSON.parse(require("fs").readFileSync(0,"utf8")); const b=s.batches[0];
  console.log([s.status, s.totals.batches, s.totals.files, s.totals.rows, b.batch, b.tableVersion, b.files, b.rows, b.bytes,
    typeof s.streamId, typeof b.rowsPerSecond, typeof b.lagSeconds].join(" "))' <<<"$out")
expect_eq "--json summary" "$j" "done 1 1 2 1 1 1 2 16 string number number"

# ---- rate limits and the once trigger ---------------------------------------------------
reset
for i in 0 1 2 3 4; do mk src "f$i.csv" "v\n$i$i$i$i$i$i$i$i\n" "$i"; done   # 11 bytes each
out=$(ing src --format csv --into t1 --option header=true --option maxFilesPerTrigger=2 2>/dev/null)
expect_eq "maxFilesPerTrigger batches" "$(grep -c '^batch' <<<"$out")" 3
expect_grep "maxFilesPerTrigger backlog" '^batch 0: 2 files.*backlog 3 files' "$out"
out=$(ing src --format csv --into t2 --option header=true --option maxBytesPerTrigger=25 --option maxFilesPerTrigger=0 2>/dev/null)
expect_eq "maxBytesPerTrigger batches" "$(grep -c '^batch' <<<"$out")" 3
out=$(ing src --format csv --into t3 --trigger once --option header=true --option maxFilesPerTrigger=1 2>/dev/null)
expect_eq "once ignores limits" "$(grep -c '^batch 0: 5 files' <<<"$out")" 1
out=$(ing src --format csv --into t4 --trigger available-now --option header=true --option cloudFiles.maxFilesPerTrigger=4 2>/dev/null)
expect_eq "availableNow" "$(grep -c '^batch' <<<"$out")" 2

# ---- discovery options ---------------------------------------------------------------------
reset
mk src a.csv 'v\na\n' 10; mk src b.txt 'v\nb\n' 20; mk src _SUCCESS 'v\nx\n' 20; mk src .tmp.csv 'v\nx\n' 20
mk src 2024/c.csv 'v\nc\n' 30; mk src 2024/d.csv 'v\nd\n' 40
ing src --format csv --into g1 --option header=true --option pathGlobFilter='*.csv' >/dev/null 2>&1
expect_eq "pathGlobFilter + hidden" "$(col g1 v)" "a c d "
ing "src/*/*.csv" --format csv --into g2 --option header=true >/dev/null 2>&1
expect_eq "glob in source" "$(col g2 v)" "c d "
ing src --format csv --into g3 --option header=true --option recursiveFileLookup=false >/dev/null 2>&1
expect_eq "recursiveFileLookup=false" "$(col g3 v)" "a b "
ing src --format csv --into g4 --option header=true --option modifiedAfter=2023-11-14T22:13:40Z \
  --option modifiedBefore=2023-11-14T22:14:00 >/dev/null 2>&1
expect_eq "modifiedAfter/Before (exclusive)" "$(col g4 v)" "c "
reset
mk src old.csv 'v\nold\n' 1
ing src --format csv --into e1 --option header=true --option includeExistingFiles=false >/dev/null 2>"$T/err"
expect_grep "includeExistingFiles message" "the 1 files already in .* are skipped" "$(cat "$T/err")"
mk src new.csv 'v\nnew\n' 2
ing src --format csv --into e1 --option header=true --option includeExistingFiles=false >/dev/null 2>&1
expect_eq "includeExistingFiles=false" "$(col e1 v)" "new "
reset
mk src a.csv 'v\n1\n' 1
ing src --format csv --into o1 --option header=true >/dev/null 2>&1
mk src a.csv 'v\n2\n3\n' 2
ing src --format csv --into o1 --option header=true >/dev/null 2>&1
expect_eq "overwrite ignored by default" "$(col o1 v)" "1 "
ing src --format csv --into o1 --option header=true --option allowOverwrites=true >/dev/null 2>&1
expect_eq "allowOverwrites=true" "$(col o1 v)" "1 2 3 "

# ---- schema options, evolution, added columns -------------------------------------------------
reset
mk src a.csv 'id;amount\n1;2.5\n' 1
mk src b.csv 'id;amount;email\n2;3;x@y\n' 2
ing src --format csv --into s1 --option header=true --option sep=';' --option inferColumnTypes=true \
  --option schemaHints='amount DECIMAL(10,2)' --option maxFilesPerTrigger=1 \
  --option schemaInference.sampleSize.numFiles=1 --option schemaLocation="$T/schemas" >"$T/out" 2>"$T/err"
expect_grep "evolution message" "batch 1: new columns email .* added to the schema \(version 1\)" "$(cat "$T/err")"
expect_grep "schema version in batch line" "^batch 1: .*\(schema version 1\)" "$(cat "$T/out")"
expect_eq "typed + evolved" "$(col s1 id,amount,email)" "1,2.50,\\N 2,3.00,x@y "
[ -f "$T/schemas/_schemas/1" ] && ok || bad "schemaLocation holds _schemas/1"
d=$("$L" --warehouse "$W" table describe s1 | tr '\t' ' ' | tr '\n' ' ')
expect_grep "inferred types" "id INT .*amount DECIMAL\(10,2\)" "$d"
ing src --format csv --into s2 --option header=true --option sep=';' --option schemaEvolutionMode=rescue \
  --option rescuedDataColumn=extra --option maxFilesPerTrigger=1 --option schemaInference.sampleSize.numFiles=1 >/dev/null 2>&1
r=$(col s2 extra)
expect_grep "rescue + rescuedDataColumn" '\{email:x@y,_file_path:.*/src/b.csv\}' "$r"
out=$(ing src --format csv --into s3 --option header=true --option sep=';' --option schemaEvolutionMode=failOnNewColumns \
  --option maxFilesPerTrigger=1 --option schemaInference.sampleSize.numFiles=1 2>&1)
expect_eq "failOnNewColumns exit" $? 1
expect_grep "failOnNewColumns message" "b.csv has columns the schema lacks: email" "$out"
ing src --format csv --into s4 --option header=true --option sep=';' --option schema='id BIGINT, amount DOUBLE' >/dev/null 2>&1
expect_eq "user schema, mode none" "$(col s4 id,amount)" "1,2.5 2,3.0 "
ing src --format csv --into s5 --option header=true --option sep=';' --option includeMetadata=true \
  --add-column load_date='current_date()' --add-column src="'landing'" >/dev/null 2>&1
today=$(date -u +%Y-%m-%d)
expect_eq "added columns" "$(col s5 load_date,src | tr -s ' ')" "$today,landing $today,landing "
m=$("$L" --warehouse "$W" table cat s5 --columns _metadata 2>/dev/null | tail -n +2 | head -1)
expect_grep "_metadata" '"file_name":"a.csv","file_size":16' "$m"

# ---- JSON (lines and multiLine), Parquet, malformed input ---------------------------------------
reset
mk src a.json '{"id":1,"tags":["x"]}\n{"id":2}\n' 1
mk src b.json '{"id":3,"new":true}\n' 2
ing src --format json --into j1 --option inferColumnTypes=true >/dev/null 2>"$T/err"
expect_eq "json rows" "$(col j1 id)" "1 2 3 "
expect_eq "json new column" "$(col j1 id,new)" "1,\\N 2,\\N 3,true "
reset
mk src m.json '[\n {"id": 1,\n  "v": "a"},\n {"id": 2, "v": "b"}\n]\n' 1
ing src --format json --into j2 --option multiLine=true >/dev/null 2>&1
expect_eq "multiLine json" "$(col j2 id,v)" "1,a 2,b "
mk src bad.json '{"id": 3, "v": "tr' 2
out=$(ing src --format json --into j2 --option multiLine=true --option mode=FAILFAST 2>&1)
expect_eq "truncated json FAILFAST exit" $? 1
expect_grep "truncated json message" "bad.json:1:" "$out"
reset
mk src a.csv 'id,name\n1,a\n2,"broken\n3,c,extra\n' 1
out=$(ing src --format csv --into b1 --option header=true 2>&1)
expect_grep "PERMISSIVE warning with file:line" "warning: batch 0: 2 malformed records \(kept with NULLs \(PERMISSIVE\)\), first at .*/src/a.csv:3" "$out"
ing src --format csv --into b2 --option header=true --option mode=DROPMALFORMED >/dev/null 2>&1
expect_eq "DROPMALFORMED" "$(col b2 id)" "1 "
out=$(ing src --format csv --into b3 --option header=true --option mode=FAILFAST 2>&1)
expect_eq "FAILFAST exit" $? 1
expect_grep "FAILFAST message" "^lago: batch 0: .*/src/a.csv:3:3: malformed record" "$out"
[ -d "$W/main/default/b3/_delta_log" ] && bad "FAILFAST left a table" || ok
reset
if tests_node=$(cd "$OLDPWD" 2>/dev/null; pwd); then :; fi
node "$OLDPWD/tests/node/duck.mjs" "COPY (SELECT range AS id, 'n' || range AS name FROM range(3)) TO '$T/src/a.parquet'" \
  "COPY (SELECT 7 AS id, 1.5::DOUBLE AS score) TO '$T/src/b.parquet'" >/dev/null 2>&1
touch -d @1700000001 "$T/src/a.parquet"; touch -d @1700000002 "$T/src/b.parquet"
cp "$T/src/b.parquet" "$T/src/c.parquet"; truncate -s 100 "$T/src/c.parquet"; touch -d @1700000003 "$T/src/c.parquet"
out=$(ing src --format parquet --into p1 2>&1)
expect_eq "truncated parquet exit" $? 1
expect_grep "truncated parquet message" "c.parquet" "$out"
ing src --format parquet --into p1 --option ignoreCorruptFiles=true >/dev/null 2>"$T/err"
expect_grep "ignoreCorruptFiles warning" "skipped unreadable file" "$(cat "$T/err")"
expect_eq "parquet rows" "$(col p1 id,score)" "0,\\N 1,\\N 2,\\N 7,1.5 "

# ---- triggers in the background, Ctrl-C, inotify -------------------------------------------------
wait_for() { # PATTERN FILE SECONDS
  for _ in $(seq 1 $(($3 * 10))); do grep -qE -- "$1" "$2" 2>/dev/null && return 0; sleep 0.1; done; return 1
}
reset
mk src a.csv 'v\n1\n' 1
"$L" --warehouse "$W" ingest src --format csv --into c1 --trigger continuous --option header=true --option pollInterval=200ms >"$T/out" 2>"$T/err" &
p=$!
wait_for '^batch 0' "$T/out" 20 && ok || bad "continuous: first batch"
printf 'v\n2\n' > src/.b.csv.tmp && mv src/.b.csv.tmp src/b.csv
wait_for '^batch 1' "$T/out" 20 && ok || bad "continuous (polling): a file that arrives is loaded"
kill -INT $p; wait $p; rc=$?
expect_eq "continuous: Ctrl-C exit" $rc 0
expect_grep "continuous: stopped line" "^stopped: 2 batches, 2 files, 2 rows" "$(cat "$T/out")"
expect_grep "continuous: stop message" "stopping after the batch in flight" "$(cat "$T/err")"
expect_eq "continuous rows" "$(col c1 v)" "1 2 "

reset
mk src a.csv 'v\n1\n' 1
"$L" --warehouse "$W" ingest src --format csv --into n1 --trigger continuous --option header=true --option useNotifications=true \
  --option backfillInterval=1h >"$T/out" 2>"$T/err" &
p=$!
wait_for '^batch 0' "$T/out" 20 && ok || bad "inotify: existing file"
wait_for "watching .*/src with inotify" "$T/err" 20 && ok || bad "inotify watching: $(cat "$T/err")"
printf 'v\n2\n' > src/b.csv                                      # written in place (IN_CLOSE_WRITE)
wait_for '^batch 1' "$T/out" 20 && ok || bad "inotify: file written in place"
mkdir -p src/2024/06 && printf 'v\n3\n' > src/2024/06/c.csv      # new nested directories
wait_for '^batch 2' "$T/out" 20 && ok || bad "inotify: file in a new subdirectory"
printf 'v\n4\n' > "$T/d.csv" && mv "$T/d.csv" src/2024/d.csv    # renamed into place (IN_MOVED_TO)
wait_for '^batch 3' "$T/out" 20 && ok || bad "inotify: file moved in"
printf 'v\n5\n' > src/_ignored.csv
sleep 1
kill -INT $p; wait $p; rc=$?
expect_eq "inotify: Ctrl-C exit" $rc 0
expect_eq "inotify rows" "$(col n1 v)" "1 2 3 4 "
expect_eq "inotify batches" "$(grep -c '^batch' "$T/out")" 4

# backfillInterval: a file that appears without an event inotify reports (a hard link makes only
# IN_CREATE) is found by the periodic full listing
reset
mk src a.csv 'v\n1\n' 1
"$L" --warehouse "$W" ingest src --format csv --into bf --trigger continuous --option header=true --option useNotifications=true \
  --option backfillInterval=2s >"$T/out" 2>"$T/err" &
p=$!
wait_for '^batch 0' "$T/out" 20 && ok || bad "backfill: first batch"
mkdir -p "$T/staging" && printf 'v\n2\n' > "$T/staging/x.csv" && ln "$T/staging/x.csv" src/x.csv
sleep 1
expect_eq "backfill: no event for a hard link" "$(grep -c '^batch' "$T/out")" 1
wait_for '^batch 1' "$T/out" 20 && ok || bad "backfill: the periodic listing loads it"
kill -INT $p; wait $p
expect_eq "backfill rows" "$(col bf v)" "1 2 "

reset
mk src a.csv 'v\n1\n' 1
"$L" --warehouse "$W" ingest src --format csv --into i1 --trigger every=2s --option header=true >"$T/out" 2>"$T/err" &
p=$!
wait_for '^batch 0' "$T/out" 20 && ok || bad "every=2s: first batch"
sleep 2.5
expect_eq "every=2s: no batch without new files" "$(grep -c '^batch' "$T/out")" 1
printf 'v\n2\n' > src/b.csv
wait_for '^batch 1' "$T/out" 20 && ok || bad "every=2s: next interval loads the new file"
kill -INT $p; wait $p; rc=$?
expect_eq "every: Ctrl-C exit" $rc 0
expect_grep "every: stopped" "^stopped: 2 batches" "$(cat "$T/out")"

# Ctrl-C while a batch is in flight: the batch commits, then the process stops
reset
for i in $(seq 0 39); do mk src "f$i.csv" "v\n$i\n" "$i"; done
"$L" --warehouse "$W" ingest src --format csv --into k1 --trigger continuous --option header=true --option maxFilesPerTrigger=2 >"$T/out" 2>&1 &
p=$!
wait_for '^batch 2' "$T/out" 30
kill -INT $p; wait $p; rc=$?
expect_eq "Ctrl-C mid-run exit" $rc 0
n=$(grep -c '^batch' "$T/out")
rows=$(col k1 v | wc -w)
expect_eq "Ctrl-C: committed batches are whole" "$rows" $((n * 2))
v=$("$L" --warehouse "$W" table history k1 2>/dev/null | tail -n +2 | wc -l)
expect_eq "Ctrl-C: one commit per printed batch" "$v" "$n"

# ---- the progress bar on a terminal -------------------------------------------------------------
reset
for i in $(seq 0 5); do seq 1 20000 | sed '1i v' > "src/f$i.csv"; done
script -qec "$L --warehouse $W ingest src --format csv --into pb --option header=true --option threads=1" /dev/null >"$T/tty" 2>&1
expect_grep "progress bar on a tty" '\[#+ *\] +[0-9]+% ' "$(tr '\r' '\n' <"$T/tty")"
out=$(ing src --format csv --into pb2 --option header=true 2>&1)
grep -q '\[#' <<<"$out" && bad "no progress bar when not a terminal" || ok

echo "ingest_cli: $pass passed, $fail failed"
[ $fail -eq 0 ]
