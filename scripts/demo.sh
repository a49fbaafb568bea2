#!/usr/bin/env bash
# scripts/demo.sh BUILD_DIR: the `make demo` job. It runs the most complete
# end-to-end path lago has; it grows with each layer (see README.md).
set -euo pipefail
B=${1:-build/release}
L="$B/lago"
echo "== lago $("$L" --version | cut -d' ' -f2): the upsell source schemas, as lago reads them"
"$L" types parse \
  'STRUCT<customer_id: BIGINT, name: STRING, email: STRING, points: BIGINT, created_at: TIMESTAMP, updated_at: TIMESTAMP>' \
  'STRUCT<transaction_id: BIGINT, customer_id: BIGINT, product: STRING, points: INT, amount: DECIMAL(12,2), channel: STRING, created_at: TIMESTAMP>'
