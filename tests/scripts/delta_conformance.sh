#!/usr/bin/env bash
# tests/scripts/delta_conformance.sh BUILD_DIR: lago's Delta reader over the
# shared corpus (shared/conformance/delta): open, protocol, metadata, active
# files, rows and CDF of every expected version, and the must-fail cases.
# Prints FAIL lines, a per-check summary, and "delta-conformance: N passed, M failed".
set -u
B=${1:-build/asan}
cd "$(dirname "$0")/../.."
SHARED=${LAGO_SHARED:-../shared}
CORPUS="$SHARED/conformance/delta/tables"
if [ ! -d "$CORPUS" ]; then
  echo "FAIL delta corpus not found at $CORPUS"
  echo "delta-conformance: 0 passed, 1 failed"
  exit 1
fi
exec "$B/delta_conformance" "$CORPUS"
