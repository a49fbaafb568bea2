/*
** tests/tools/csv_dump.c: reads CSV files with format/csv and prints the rows
** as canonical text, one line per row (tests/scripts/csv_duckdb.sh, and by
** hand). Usage and output: the "dump" job in textfmt_tool.h, e.g.
**   csv_dump -o header=true -s 'STRUCT<a: BIGINT, b: STRING>' -t 2 -l x.csv
*/
#include "textfmt_tool.h"

int main(int argc, char **argv) { return tt_dump_main(&tt_csv, argc, argv); }
