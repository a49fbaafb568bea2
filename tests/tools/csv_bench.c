/*
** tests/tools/csv_bench.c: parse speed of format/csv (release build; not a
** test; bench/csv.sh runs it against DuckDB). The "bench" job in
** textfmt_tool.h with CSV's defaults: header=true and the bench
** "transactions" table.
*/
#include "textfmt_tool.h"

int main(int argc, char **argv) { return tt_bench_main(&tt_csv, argc, argv); }
