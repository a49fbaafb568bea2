/*
** tests/unit/exec/exec_test.h: helpers for executor tests.
**
** Vectors are written as text: tv(ar, "INT", "1|2|NULL|4") builds a FLAT
** INT vector by casting each '|'-separated token from STRING ("NULL" is a
** NULL; "" is an empty string). tv_text renders rows back the same way, with
** Spark's CAST(x AS STRING) text. Batches, plans and query runs have
** one-call helpers so tests read like tables.
*/
#ifndef LAGO_TEST_EXEC_H
#define LAGO_TEST_EXEC_H

#include <string.h>

#include "exec/exec.h"
#include "exec/func.h"
#include "test.h"
#include "util/alloc.h"

#define TU __attribute__((unused)) static

TU lago_type tt(arena *ar, const char *name) {
  lago_type t;
  lago_err err;
  lago_err_clear(&err);
  if (type_parse(ar, name, &t, &err)) test_fail_(__FILE__, __LINE__, "bad type %s: %s", name, err.msg);
  return t;
}

/* Vector of type `type` from '|'-separated text values. */
TU vec *tv(arena *ar, const char *type, const char *text) {
  lago_type t = tt(ar, type);
  uint32_t n = 0;
  if (*text) {
    n = 1;
    for (const char *p = text; *p; p++) n += *p == '|';
  }
  vec *s = vec_new(ar, type_make(LT_STRING), n ? n : 1);
  const char *p = text;
  for (uint32_t i = 0; i < n; i++) {
    const char *q = strchr(p, '|');
    size_t len = q ? (size_t)(q - p) : strlen(p);
    if (len == 4 && !memcmp(p, "NULL", 4)) vec_set_null(s, i);
    else vec_set_str(s, i, p, (uint32_t)len);
    p = q ? q + 1 : p + len;
  }
  s->len = n;
  if (t.id == LT_STRING) return s;
  vec *o = vec_new(ar, t, n ? n : 1);
  lago_err err;
  lago_err_clear(&err);
  eval_ctx ec = {ar, &err, 0, NULL};
  if (cast_vec(&ec, s, NULL, n, t, false, o)) test_fail_(__FILE__, __LINE__, "tv(%s): %s", type, err.msg);
  o->len = n;
  return o;
}

/* Text of rows sel[0..n) (NULL sel: 0..n-1) of v, '|'-separated, NULL for nulls. Allocated in ar. */
TU const char *tv_text_sel(arena *ar, const vec *v, const uint32_t *sel, uint32_t n) {
  buf b;
  buf_init(&b);
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (i) buf_putc(&b, '|');
    if (!vec_is_valid(v, r)) buf_puts(&b, "NULL");
    else cast_value_to_text(v, r, &b);
  }
  char *s = arena_strdup(ar, buf_cstr(&b));
  buf_deinit(&b);
  return s;
}
TU const char *tv_text(arena *ar, const vec *v, uint32_t n) { return tv_text_sel(ar, v, NULL, n); }

/* A batch over the given vectors (same length). */
TU batch *tbatch(arena *ar, uint32_t n_cols, vec **cols) {
  batch *b = arena_zalloc(ar, sizeof *b);
  b->ar = ar;
  b->n_cols = n_cols;
  b->cols = arena_zalloc(ar, (n_cols ? n_cols : 1) * sizeof(vec));
  for (uint32_t i = 0; i < n_cols; i++) b->cols[i] = *cols[i];
  b->n_rows = n_cols ? cols[0]->len : 0;
  return b;
}

/* Column reference helper. */
TU expr *tcol(arena *ar, const batch *b, uint32_t i) { return expr_column(ar, i, b->cols[i].type, NULL); }

/* Builds name(args...) or fails the test. */
TU expr *tcall(arena *ar, const char *name, uint32_t n, expr **args) {
  expr *e;
  lago_err err;
  lago_err_clear(&err);
  if (expr_call(ar, name, args, n, &e, &err)) test_fail_(__FILE__, __LINE__, "expr_call(%s): %s", name, err.msg);
  return e;
}
TU expr *tcall1(arena *ar, const char *name, expr *a) { return tcall(ar, name, 1, &a); }
TU expr *tcall2(arena *ar, const char *name, expr *a, expr *b) {
  expr *args[2] = {a, b};
  return tcall(ar, name, 2, args);
}
TU expr *tcall3(arena *ar, const char *name, expr *a, expr *b, expr *c) {
  expr *args[3] = {a, b, c};
  return tcall(ar, name, 3, args);
}

/* Evaluates e over the whole batch and renders the result rows (err gets any error; rc returned via *rc). */
TU const char *teval_rc(arena *ar, const expr *e, const batch *b, int *rc, lago_err *err) {
  lago_err_clear(err);
  eval_ctx ec = {ar, err, 1700000000000000LL, NULL};
  vec *v = NULL;
  *rc = expr_eval(&ec, e, b, b->sel, b->n_rows, &v);
  if (*rc) return NULL;
  return tv_text_sel(ar, v, b->sel, b->n_rows);
}
TU const char *teval(arena *ar, const expr *e, const batch *b) {
  lago_err err;
  int rc;
  const char *s = teval_rc(ar, e, b, &rc, &err);
  if (rc) test_fail_(__FILE__, __LINE__, "eval failed: %s", err.msg);
  return s;
}

/* Evaluates a constant expression (one-row batch without columns). */
TU const char *teval1(arena *ar, const expr *e) {
  batch one;
  memset(&one, 0, sizeof one);
  one.n_rows = 1;
  return teval(ar, e, &one);
}
/* Same, returning the error message ("" if none) and rc. */
TU const char *teval1_err(arena *ar, const expr *e, int *rc) {
  batch one;
  memset(&one, 0, sizeof one);
  one.n_rows = 1;
  lago_err err;
  const char *s = teval_rc(ar, e, &one, rc, &err);
  if (*rc) return arena_strdup(ar, err.msg);
  return s;
}

/* Casts text literal `lit` (STRING) to `type`, as an expression. */
TU expr *tlit(arena *ar, const char *type, const char *lit) {
  vec *v = tv(ar, type, lit);
  return expr_const(ar, v, 0);
}

/* ---- tables, plans, runs ------------------------------------------------------------ */

/* An in-memory table from columns written as tv() text. Free with memsource_free. */
TU memsource *tsource(arena *ar, uint32_t n_cols, const char *const *types, const char *const *cols) {
  lago_type ts[32] = {{0, 0, 0, 0, NULL}};
  vec *vs[32] = {NULL};
  if (n_cols > 32) test_fail_(__FILE__, __LINE__, "tsource: too many columns");
  for (uint32_t i = 0; i < n_cols; i++) {
    ts[i] = tt(ar, types[i]);
    vs[i] = tv(ar, types[i], cols[i]);
  }
  memsource *m = memsource_new(n_cols, ts, NULL, "t");
  batch *b = tbatch(ar, n_cols, vs);
  if (!m || memsource_append(m, b)) test_fail_(__FILE__, __LINE__, "memsource");
  return m;
}

/* Scan plan of all columns of m. */
TU plan *tscan(arena *ar, memsource *m) {
  plan *p;
  lago_err err;
  lago_err_clear(&err);
  if (plan_scan(ar, memsource_source(m), NULL, 0, NULL, 0, &p, &err)) test_fail_(__FILE__, __LINE__, "%s", err.msg);
  return p;
}

static int tline_cmp(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

/*
** Runs p with cfg (NULL: defaults) and returns the rows as lines "v1,v2,...\n"
** (values as tv_text, NULL as NULL), sorted when sort is true. On failure
** returns NULL with *rc and err set.
*/
TU const char *trun_rc(arena *ar, const plan *p, const exec_config *cfg, bool sort, int *rc, lago_err *err) {
  exec_ctx *cx;
  lago_err_clear(err);
  *rc = exec_ctx_new(cfg, &cx);
  if (*rc) return NULL;
  exec_query *q;
  *rc = exec_open(cx, p, &q, err);
  if (*rc) {
    exec_ctx_free(cx);
    return NULL;
  }
  size_t cap = 1024, n = 0;
  char **lines = malloc(cap * sizeof(char *));
  buf line;
  buf_init(&line);
  for (;;) {
    batch *b;
    *rc = exec_next(q, &b, err);
    if (*rc || b->n_rows == 0) break;
    for (uint32_t i = 0; i < b->n_rows; i++) {
      uint32_t r = b->sel ? b->sel[i] : i;
      buf_clear(&line);
      for (uint32_t c = 0; c < b->n_cols; c++) {
        if (c) buf_putc(&line, ',');
        if (!vec_is_valid(&b->cols[c], r)) buf_puts(&line, "NULL");
        else cast_value_to_text(&b->cols[c], r, &line);
      }
      if (n == cap) lines = realloc(lines, (cap *= 2) * sizeof(char *));
      lines[n++] = strdup(buf_cstr(&line));
    }
  }
  exec_close(q);
  exec_ctx_free(cx);
  buf_deinit(&line);
  if (*rc) {
    for (size_t i = 0; i < n; i++) free(lines[i]);
    free(lines);
    return NULL;
  }
  if (sort) qsort(lines, n, sizeof(char *), tline_cmp);
  buf all;
  buf_init(&all);
  for (size_t i = 0; i < n; i++) {
    buf_puts(&all, lines[i]);
    buf_putc(&all, '\n');
    free(lines[i]);
  }
  free(lines);
  char *res = arena_strdup(ar, buf_cstr(&all));
  buf_deinit(&all);
  return res;
}

TU const char *trun(arena *ar, const plan *p, const exec_config *cfg, bool sort) {
  int rc;
  lago_err err;
  const char *s = trun_rc(ar, p, cfg, sort, &rc, &err);
  if (rc) test_fail_(__FILE__, __LINE__, "query failed: %s: %s", lago_rc_name(rc), err.msg);
  return s;
}

#define TFAIL_IF(rc, err) \
  do { if (rc) test_fail_(__FILE__, __LINE__, "%s: %s", lago_rc_name(rc), (err).msg); } while (0)

#endif /* LAGO_TEST_EXEC_H */
