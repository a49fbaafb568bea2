#!/usr/bin/env bash
# tests/scripts/sql.sh BUILD_DIR: runs every sqllogictest file under tests/sql/
# (query binder/planner/executor, DDL, DML, MERGE...) against lago with the
# slt runner; prints "sql: N passed, M failed" (N, M count files).
set -u
B=${1:-build/asan}
cd "$(dirname "$0")/../.."
mapfile -t files < <(find tests/sql -name '*.test' | sort)
if [ ${#files[@]} -eq 0 ]; then echo "FAIL no test files"; echo "sql: 0 passed, 1 failed"; exit 1; fi
out=$("$B/slt" --engine lago "${files[@]}" 2>&1)
rc=$?
echo "$out" | grep -v '^slt: '
line=$(echo "$out" | grep -E '^slt: [0-9]+ passed, [0-9]+ failed$' | tail -1)
if [ -z "$line" ]; then echo "FAIL slt did not finish (exit $rc)"; echo "sql: 0 passed, 1 failed"; exit 1; fi
echo "sql:${line#slt:}"
[ "$rc" -eq 0 ]
