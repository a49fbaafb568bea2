#!/usr/bin/env bash
# tests/scripts/cli.sh BUILD_DIR: the `lago` binary's contract: help,
# version, usage errors (exit 2), errors on stderr as "lago: ...".
set -u
B=${1:-build/asan}
L="$B/lago"
pass=0; fail=0
check() { # name, expected exit, command...
  local name=$1 want=$2; shift 2
  local out rc
  out=$("$@" 2>&1); rc=$?
  if [ "$rc" -eq "$want" ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL $name: exit $rc, want $want"; echo "$out" | head -5; fi
}
check_out() { # name, expected exit, pattern, command...
  local name=$1 want=$2 pat=$3; shift 3
  local out rc
  out=$("$@" 2>&1); rc=$?
  if [ "$rc" -eq "$want" ] && grep -qE -- "$pat" <<<"$out"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL $name: exit $rc (want $want), output:"; echo "$out" | head -5; fi
}
check_out help 0 '^usage: lago' "$L" --help
check_out version 0 '^lago [0-9]+\.[0-9]+\.[0-9]+$' "$L" --version
check_out bad-command 2 "^lago: unknown command 'frobnicate'" "$L" frobnicate
check_out bad-option 2 "unknown option" "$L" --frob
check_out no-command 2 'usage: lago' "$L"
check_out warehouse-needs-arg 2 'needs a directory' "$L" --warehouse
check_out types-help 0 '^usage: lago types' "$L" types --help
check_out types-parse 0 '^DECIMAL\(12,2\)$' "$L" types parse 'decimal(12, 2)'
check_out types-nested 0 '^STRUCT<a: INT, b: ARRAY<STRING>>$' "$L" types parse 'struct<a int, b array<string>>'
check_out types-error 1 "^lago: type: unknown type" "$L" types parse 'intx'
check_out types-usage 2 "^lago types: expected" "$L" types
echo "cli: $pass passed, $fail failed"
[ $fail -eq 0 ]
