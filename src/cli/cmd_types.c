/*
** cli/cmd_types.c: `lago types parse TYPE...`: parses Spark SQL type names
** and prints their canonical spelling, one per line.
*/
#include <string.h>

#include "cli/cli.h"
#include "vec/types.h"

int cmd_types(cli_ctx *cx, int argc, char **argv) {
  (void)cx;
  if (argc < 2 || strcmp(argv[1], "parse") != 0) return cli_usage("types", "expected 'parse'");
  if (argc < 3) return cli_usage("types", "expected at least one type name");
  arena *ar = arena_new("query", 4096);
  if (!ar) return cli_error("out of memory");
  int rc = CLI_OK;
  for (int i = 2; i < argc; i++) {
    lago_err e;
    lago_err_clear(&e);
    lago_type t;
    if (type_parse(ar, argv[i], &t, &e)) {
      rc = cli_error("%s", e.msg);
      break;
    }
    const char *s = type_sql_name(ar, t);
    if (!s) {
      rc = cli_error("out of memory");
      break;
    }
    printf("%s\n", s);
  }
  arena_free(ar);
  return rc;
}
