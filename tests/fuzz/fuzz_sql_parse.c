/*
** tests/fuzz/fuzz_sql_parse.c: the SQL parser (sql/parser.h) on arbitrary
** text, as one script. It must return LAGO_OK, LAGO_PARSE, LAGO_UNSUPPORTED
** or LAGO_NOMEM, never crash; every parsed statement must print, re-parse,
** and print to the same text (the printer's fixed point), and dump the same
** S-expression both times.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql/parser.h"

static void check_stmt(arena *ar, const sql_stmt *s) {
  buf p1, p2, d1, d2;
  buf_init(&p1);
  buf_init(&p2);
  buf_init(&d1);
  buf_init(&d2);
  if (sql_print_stmt(&p1, s, 0) || sql_dump_stmt(&d1, s) || sql_print_stmt(&p2, s, SQL_PRINT_PARENS)) abort();
  buf_clear(&p2);
  lago_err e;
  lago_err_clear(&e);
  sql_stmt *s2;
  if (sql_parse(ar, buf_cstr(&p1), &s2, &e) != LAGO_OK) {
    /* the printer may add parentheses the input did not have ((1).x,
    ** position((a IN b), c)), which can cross the nesting limit */
    if (strstr(e.msg, "nested too deeply")) goto done;
    fprintf(stderr, "printed text does not parse:\n  %s\n  %s\n", buf_cstr(&p1), e.msg);
    abort();
  }
  if (sql_print_stmt(&p2, s2, 0) || sql_dump_stmt(&d2, s2)) abort();
  if (strcmp(buf_cstr(&p1), buf_cstr(&p2)) != 0) {
    fprintf(stderr, "print is not a fixed point:\n  %s\n  %s\n", buf_cstr(&p1), buf_cstr(&p2));
    abort();
  }
  if (strcmp(buf_cstr(&d1), buf_cstr(&d2)) != 0) {
    fprintf(stderr, "re-parsed tree differs:\n  %s\n  %s\n  %s\n", buf_cstr(&p1), buf_cstr(&d1), buf_cstr(&d2));
    abort();
  }
done:
  buf_deinit(&p1);
  buf_deinit(&p2);
  buf_deinit(&d1);
  buf_deinit(&d2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 65536) return 0;
  char *text = malloc(size + 1);
  memcpy(text, data, size);
  text[size] = 0;
  arena *ar = arena_new("fuzz", 4096);
  lago_err e;
  lago_err_clear(&e);
  sql_script *sc;
  int rc = sql_parse_script(ar, text, &sc, &e);
  if (rc == LAGO_OK) {
    for (uint32_t k = 0; k < sc->n_stmts; k++) check_stmt(ar, sc->stmts[k]);
  } else if (rc != LAGO_PARSE && rc != LAGO_UNSUPPORTED && rc != LAGO_NOMEM) {
    abort();
  } else if (e.pos < 0 || (size_t)e.pos > strlen(text)) {
    abort(); /* every parse error carries a position inside the text */
  }
  sql_span *sp;
  uint32_t n;
  lago_err_clear(&e);
  (void)sql_split_script(ar, text, &sp, &n, &e);
  arena_free(ar);
  free(text);
  return 0;
}
