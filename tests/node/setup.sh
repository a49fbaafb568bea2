#!/usr/bin/env bash
# tests/node/setup.sh: installs the npm test oracles (DuckDB) into
# tests/node/node_modules once; quiet and fast when already there.
# Usage from a test script:  tests/node/setup.sh || exit 1; node tests/node/x.mjs ...
set -euo pipefail
cd "$(dirname "$0")"
if [ -d node_modules/@duckdb/node-api ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then exit 0; fi
command -v npm >/dev/null || { echo "tests/node/setup.sh: npm is missing (scripts/install-deps installs it)" >&2; exit 1; }
npm install --no-audit --no-fund --loglevel=error >/tmp/lago-npm.log 2>&1 || { tail -20 /tmp/lago-npm.log >&2; exit 1; }
