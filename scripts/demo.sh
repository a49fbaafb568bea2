#!/usr/bin/env bash
# scripts/demo.sh BUILD_DIR: the `make demo` job. It runs the most complete
# end-to-end path lago has and grows with each layer (README.md).
# Today: raw CSV extracts -> Parquet -> a Delta table in the default warehouse,
# an append, a row delete with deletion vectors, history, time travel.
set -euo pipefail
B=${1:-build/release}
L="$(pwd)/$B/lago"
W=${LAGO_WAREHOUSE:-$(pwd)/lakehouse}
export LAGO_WAREHOUSE="$W"
RAW="$W/_demo_raw"
rm -rf "$RAW" "$W/main/bronze/customers"
mkdir -p "$RAW"
echo "== lago $("$L" --version | cut -d' ' -f2), warehouse $W"

# Two daily extracts of the points system's customers, as an extract script drops them.
cat > "$RAW/customers_day1.csv" <<'CSV'
customer_id,name,email,points,created_at
1,Ana Souza,ana@example.com,120,2024-05-01 09:15:00
2,Bruno Lima,bruno@example.com,45,2024-05-01 10:02:11
3,"Costa, Carla",carla@example.com,310,2024-05-02 14:30:00
4,Diego Alves,,0,2024-05-03 08:00:00
CSV
cat > "$RAW/customers_day2.csv" <<'CSV'
customer_id,name,email,points,created_at
5,Eva Rocha,eva@example.com,75,2024-05-04 16:45:00
6,Fábio Nunes,fabio@example.com,980,2024-05-04 17:20:30
CSV
hints='schemaHints=customer_id BIGINT, points BIGINT, created_at TIMESTAMP'
"$L" parquet convert "$RAW/customers_day1.csv" "$RAW/day1.parquet" --option header=true --option "$hints"
"$L" parquet convert "$RAW/customers_day2.csv" "$RAW/day2.parquet" --option header=true --option "$hints"

echo; echo "== bronze.customers: create from day 1, append day 2, delete one customer (deletion vector)"
"$L" table create bronze.customers --from "$RAW/day1.parquet" --property delta.enableDeletionVectors=true
"$L" table append bronze.customers "$RAW/day2.parquet"
"$L" table delete bronze.customers --where customer_id=4
echo; echo "== current rows"
"$L" table cat bronze.customers
echo; echo "== history"
"$L" table history bronze.customers
echo; echo "== time travel: version 0"
"$L" table cat bronze.customers --version 0
echo; echo "== the log is valid Delta"
"$L" table validate bronze.customers
