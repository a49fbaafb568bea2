#!/usr/bin/env bash
# bench/delta_open.sh [BUILD_DIR]: opening a 10,000-commit Delta table that has a
# checkpoint 9 commits before the end reads only _last_checkpoint, the checkpoint
# and the 9 tail commits. Measures open time, file-list time and peak RSS for
# ~10k and ~100k live files. Not a test: prints numbers (release build by default).
set -euo pipefail
B=${1:-build/release}
cd "$(dirname "$0")/.."
[ -x "$B/delta_bench" ] || make MODE="${B#build/}" "$B/delta_bench" >/dev/null
T=$(mktemp -d /tmp/lago-bench.XXXXXX)
trap 'rm -rf "$T"' EXIT
for per in 1 10; do
  echo "== 10000 commits x $per files per commit"
  "$B/delta_bench" gen "$T/t$per" 10000 "$per" 9990
  for i in 1 2 3; do "$B/delta_bench" open "$T/t$per"; done
done
