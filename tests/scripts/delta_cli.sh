#!/usr/bin/env bash
# tests/scripts/delta_cli.sh BUILD_DIR: the `lago table` commands end to end on a
# warehouse: create from Parquet, append, describe/detail/history/files/cat, time
# travel, changes, delete, restore, checkpoint, vacuum, list, and their errors.
set -u
B=${1:-build/asan}
cd "$(dirname "$0")/../.."
L="$B/lago"
SHARED=${LAGO_SHARED:-../shared}
SRC="$SHARED/conformance/delta/tables/dat-basic_append/delta"
P1=$(ls "$SRC"/*.parquet | head -1)
T=$(mktemp -d /tmp/lago-dcli.XXXXXX)
trap 'rm -rf "$T"' EXIT
W="$T/wh"
pass=0; fail=0
check() { # name, expected exit, pattern, command...
  local name=$1 want=$2 pat=$3; shift 3
  local out rc
  out=$("$@" 2>&1); rc=$?
  if [ "$rc" -eq "$want" ] && grep -qE -- "$pat" <<<"$out"; then pass=$((pass+1)); else
    fail=$((fail+1)); echo "FAIL $name: exit $rc (want $want), output:"; echo "$out" | head -5; fi
}
t() { "$L" --warehouse "$W" table "$@"; }
check create 0 '^created sales at .*/main/default/sales \(version 0\)' t create sales --from "$P1" --partition-by letter --property delta.enableChangeDataFeed=true
check create-again 1 'already exists' t create sales --from "$P1"
check append 0 '^committed version 1$' t append sales "$P1"
check describe 0 '^number	BIGINT	true$' t describe sales
check describe-partition 0 '^# Partition Information' t describe sales
check detail 0 '^numFiles	6$' t detail sales
check detail-protocol 0 '^minWriterVersion	4$' t detail main.default.sales
check history 0 '^1	.*	WRITE	' t history sales
check history-limit 0 '^0	.*CREATE TABLE AS SELECT' t history sales --limit 5
check cat 0 '^"a",1,1.1$' t cat sales
check cat-v0 0 '^"c",3,3.3$' t cat sales --version 0
check cat-columns 0 '^"number"$' t cat sales --columns number
check files 0 '^letter=a/part-.*\{"letter":"a"\}.*numRecords' t files sales
check delete 0 '^deleted 2 rows from 2 files \(rewritten\) as version 2$' t delete sales --where letter=b
check changes 0 '^"b",2,2.2,"delete",2,' t changes sales --from 2
check changes-range 1 'start version 5 is after the latest version 2' t changes sales --from 5
check time-travel-ts 1 'before the earliest available version' t cat sales --timestamp '2000-01-01'
check restore 0 '^restored to version 1 as version 3$' t restore sales --version 1
check restored-rows 0 '^"b",2,2.2$' t cat sales
check checkpoint 0 '^checkpoint written at version 3$' t checkpoint sales
check vacuum-unsafe 1 'below the safe minimum' t vacuum sales --retain 1
check vacuum-dry 0 '^would delete 0 files' t vacuum sales --dry-run
check validate 0 '^ok$' t validate sales
check overwrite 0 '^committed version 4$' t append sales "$P1" --overwrite
check overwritten 0 '^numFiles	3$' t detail sales
check list 0 '^main.default.sales	MANAGED' t list
check path-table 0 '^"letter","number","a_float"$' t cat "$SRC"
check not-delta 1 'not a Delta table' t describe "$T"
check bad-name 1 'must have 1 to' t describe 'a..b'
check bad-name2 1 "must not start with '_'" t describe _x
check no-table 1 'not a Delta table' t describe nosuch
check bad-version 2 'bad version' t cat sales --version x
check both-tt 2 'not both' t cat sales --version 1 --timestamp 0
check unknown-sub 2 'unknown subcommand' t frob sales
check help 0 '^usage: lago table' "$L" table --help
echo "delta-cli: $pass passed, $fail failed"
[ $fail -eq 0 ]
