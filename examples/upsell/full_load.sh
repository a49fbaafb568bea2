#!/bin/sh
# examples/upsell/full_load.sh TABLE: the full load of one upsell table into the
# Delta table main.upsell.bronze_TABLE, once: if the table exists, nothing is done
# (the seed users' driver rule; its CDC batches are merged by a later step).
# Run by examples/upsell/job.yaml with $LAGO and $LAGO_WAREHOUSE set by `lago job run`.
set -eu
t=$1
dir="$LAGO_WAREHOUSE/main/upsell/_volumes/landing/raw/upsell/full_load/$t"  # /Volumes/main/upsell/landing/...
if "$LAGO" table describe "upsell.bronze_$t" >/dev/null 2>&1; then
  echo "upsell.bronze_$t exists: full load skipped"
  exit 0
fi
set -- "$dir"/LOAD*.parquet
first=$1; shift
"$LAGO" table create "upsell.bronze_$t" --from "$first"
[ $# -eq 0 ] || "$LAGO" table append "upsell.bronze_$t" "$@"
