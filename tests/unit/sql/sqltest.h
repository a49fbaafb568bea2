/*
** tests/unit/sql/sqltest.h: helpers shared by the SQL front-end unit tests.
** Each helper parses into a private arena, renders the result into a static
** buffer and frees everything, so a test can write
**   ASSERT_EQ_STR(sqlt_expr("1 + 2 * x"), "(+ (lit INT 1) (* (lit INT 2) (col x)))");
** The returned string stays valid until the next call of the same helper.
** Errors come back as "ERR <rc>: <message>".
*/
#ifndef LAGO_TEST_SQLTEST_H
#define LAGO_TEST_SQLTEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql/parser.h"
#include "test.h"
#include "util/alloc.h"

typedef enum { SQLT_DUMP, SQLT_PRINT, SQLT_PRINT_PARENS } sqlt_mode;

/* Parses one statement and renders it; "ERR LAGO_PARSE: msg" on failure.
** *pos_out (if given) receives err->pos. */
static inline const char *sqlt_render(char *out, size_t cap, const char *sql, sqlt_mode mode, int *pos_out) {
  arena *ar = arena_new("test", 4096);
  if (!ar) test_fail_(__FILE__, __LINE__, "arena_new failed");
  lago_err e;
  lago_err_clear(&e);
  sql_stmt *s;
  int rc = sql_parse(ar, sql, &s, &e);
  if (pos_out) *pos_out = e.pos;
  if (rc) {
    snprintf(out, cap, "ERR %s: %s", lago_rc_name(rc), e.msg);
  } else {
    buf b;
    buf_init(&b);
    if (mode == SQLT_DUMP) rc = sql_dump_stmt(&b, s);
    else rc = sql_print_stmt(&b, s, mode == SQLT_PRINT_PARENS ? SQL_PRINT_PARENS : 0);
    if (rc) test_fail_(__FILE__, __LINE__, "render failed: %s", lago_rc_name(rc));
    snprintf(out, cap, "%s", buf_cstr(&b));
    buf_deinit(&b);
  }
  arena_free(ar);
  return out;
}

/* S-expression of a whole statement. */
static inline const char *sqlt_dump(const char *sql) {
  static char out[16384];
  return sqlt_render(out, sizeof out, sql, SQLT_DUMP, NULL);
}

/* Canonical SQL of a statement. */
static inline const char *sqlt_print(const char *sql) {
  static char out[16384];
  return sqlt_render(out, sizeof out, sql, SQLT_PRINT, NULL);
}

/* Canonical SQL with every compound sub-expression in parentheses. */
static inline const char *sqlt_parens(const char *sql) {
  static char out[16384];
  return sqlt_render(out, sizeof out, sql, SQLT_PRINT_PARENS, NULL);
}

/* Error message of a statement that must fail ("OK" if it parsed). */
static inline const char *sqlt_error(const char *sql, int *pos) {
  static char out[1024];
  sqlt_render(out, sizeof out, sql, SQLT_PRINT, pos);
  return strncmp(out, "ERR ", 4) == 0 ? out : "OK";
}

/* S-expression of one expression: parses "SELECT <expr>" and dumps item 0. */
static inline const char *sqlt_expr(const char *expr_sql) {
  static char out[8192];
  char sql[4096];
  snprintf(sql, sizeof sql, "SELECT %s", expr_sql);
  arena *ar = arena_new("test", 4096);
  lago_err e;
  lago_err_clear(&e);
  sql_stmt *s;
  int rc = sql_parse(ar, sql, &s, &e);
  if (rc) {
    snprintf(out, sizeof out, "ERR %s: %s", lago_rc_name(rc), e.msg);
  } else if (s->kind != SQL_S_QUERY || s->query->kind != SQL_Q_SELECT || s->query->select.n_items != 1) {
    snprintf(out, sizeof out, "not a one-item SELECT");
  } else {
    buf b;
    buf_init(&b);
    if (sql_dump_expr(&b, s->query->select.items[0].expr)) test_fail_(__FILE__, __LINE__, "dump failed");
    snprintf(out, sizeof out, "%s", buf_cstr(&b));
    buf_deinit(&b);
  }
  arena_free(ar);
  return out;
}

/* Parses one statement into ar (the test owns ar); fails the test on error. */
static inline sql_stmt *sqlt_parse(arena *ar, const char *sql) {
  lago_err e;
  lago_err_clear(&e);
  sql_stmt *s = NULL;
  int rc = sql_parse(ar, sql, &s, &e);
  if (rc) test_fail_(__FILE__, __LINE__, "sql_parse(%s): %s: %s", sql, lago_rc_name(rc), e.msg);
  return s;
}

/*
** The fixed point: p1 = print(parse(sql)), p2 = print(parse(p1)) must be
** equal, and the two trees must dump identically. Returns NULL when it
** holds, else a description of the difference (static buffer).
*/
static inline const char *sqlt_roundtrip(const char *sql) {
  static char why[16384];
  const char *res = NULL;
  arena *ar = arena_new("test", 4096);
  lago_err e;
  lago_err_clear(&e);
  sql_stmt *s;
  buf p1, p2, d1, d2;
  buf_init(&p1);
  buf_init(&p2);
  buf_init(&d1);
  buf_init(&d2);
  if (sql_parse(ar, sql, &s, &e)) {
    snprintf(why, sizeof why, "parse: %s", e.msg);
    res = why;
    goto done;
  }
  if (sql_print_stmt(&p1, s, 0) || sql_dump_stmt(&d1, s)) test_fail_(__FILE__, __LINE__, "print failed");
  lago_err_clear(&e);
  if (sql_parse(ar, buf_cstr(&p1), &s, &e)) {
    snprintf(why, sizeof why, "re-parse of '%s': %s", buf_cstr(&p1), e.msg);
    res = why;
    goto done;
  }
  if (sql_print_stmt(&p2, s, 0) || sql_dump_stmt(&d2, s)) test_fail_(__FILE__, __LINE__, "print failed");
  if (strcmp(buf_cstr(&p1), buf_cstr(&p2)) != 0) {
    snprintf(why, sizeof why, "printed text differs:\n    %s\n    %s", buf_cstr(&p1), buf_cstr(&p2));
    res = why;
  } else if (strcmp(buf_cstr(&d1), buf_cstr(&d2)) != 0) {
    snprintf(why, sizeof why, "trees differ:\n    %s\n    %s", buf_cstr(&d1), buf_cstr(&d2));
    res = why;
  }
done:
  buf_deinit(&p1);
  buf_deinit(&p2);
  buf_deinit(&d1);
  buf_deinit(&d2);
  arena_free(ar);
  return res;
}

/* Reads a whole file into a heap string (free with free()); NULL if missing. */
static inline char *sqlt_slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  rewind(f);
  char *s = malloc((size_t)n + 1);
  if (!s) {
    fclose(f);
    return NULL;
  }
  size_t got = fread(s, 1, (size_t)n, f);
  s[got] = 0;
  fclose(f);
  return s;
}

#endif /* LAGO_TEST_SQLTEST_H */
