/*
** tests/tools/jsonl_dump.c: reads JSON files with format/json and prints the
** rows as canonical text, one line per row (tests/scripts/jsonl_duckdb.sh,
** and by hand). Usage and output: the "dump" job in textfmt_tool.h, e.g.
**   jsonl_dump -o inferColumnTypes=true -t 2 -r 4096 -l x.jsonl
*/
#include "textfmt_tool.h"

int main(int argc, char **argv) { return tt_dump_main(&tt_jsonl, argc, argv); }
