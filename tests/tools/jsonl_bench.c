/*
** tests/tools/jsonl_bench.c: parse speed of format/json (release build; not
** a test; bench/jsonl.sh runs it against DuckDB). The "bench" job in
** textfmt_tool.h with JSON's default table: the CDC "transactions" batches
** (the table's columns plus op and modified_at).
*/
#include "textfmt_tool.h"

int main(int argc, char **argv) { return tt_bench_main(&tt_jsonl, argc, argv); }
