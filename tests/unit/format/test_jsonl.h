/*
** tests/unit/format/test_jsonl.h: helpers shared by the JSON reader tests
** (test_jsonl*.c): write a file into the test's temporary directory, read it
** back as canonical text rows, compare chunk sizes.
*/
#ifndef LAGO_TEST_JSONL_H
#define LAGO_TEST_JSONL_H

#include "format/json/jsonl.h"
#include "format/json/jsonl_int.h"
#include "test.h"
#include "util/alloc.h"
#include "vec/value_text.h"

/* Writes text to <tmpdir>/name; returns the path (static storage, one per name slot). */
static inline const char *jt_write(const char *name, const char *text, size_t len) {
  static char paths[16][512];
  static int next;
  char *p = paths[next++ % 16];
  snprintf(p, 512, "%s/%s", test_tmpdir(), name);
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(fs_write(fs_local(), p, text, len, true, &e), &e);
  return p;
}
#define JT_WRITE(name, lit) jt_write((name), (lit), sizeof(lit) - 1)

/* A process-wide arena for results (reachable, so leak checks stay quiet; tests run in their own process). */
static inline arena *jt_ar(void) {
  static arena *ar;
  if (!ar) ar = arena_new("jt", 4096);
  return ar;
}

/* Parses a schema (in jt_ar). */
static inline lago_type jt_schema(const char *text) {
  arena *ar = jt_ar();
  lago_type t;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(type_parse(ar, text, &t, &e), &e);
  return t;
}

/* Every nested vector holds the rows it should: STRUCT fields the struct's rows, lists' children their elements. */
static inline void jt_check_vec(const vec *v, uint32_t n) {
  ASSERT(v->len >= n);
  if (v->type.id == LT_STRUCT)
    for (uint32_t i = 0; i < type_n_fields(v->type); i++) jt_check_vec(v->fields[i], n);
  if (v->type.id == LT_ARRAY || v->type.id == LT_MAP) {
    for (uint32_t r = 0; r < n; r++) {
      if (!vec_is_valid(v, r)) continue;
      const lago_list *l = VEC_DATA(v, lago_list) + r;
      ASSERT(l->offset <= v->child->len && l->length <= v->child->len - l->offset);
    }
    jt_check_vec(v->child, v->child->len);
  }
}

/* Appends a batch's rows: "[line:]v1,v2,...\n". */
static inline void jt_render(buf *out, batch *b, const jsonl_batch_info *bi, bool lines) {
  for (uint32_t i = 0; i < b->n_rows; i++) {
    if (lines) buf_printf(out, "%llu:", (unsigned long long)bi->lines[i]);
    for (uint32_t c = 0; c < b->n_cols; c++) {
      if (c) buf_putc(out, ',');
      ASSERT_OK(value_text_append(out, &b->cols[c], batch_row(b, i)), NULL);
    }
    buf_putc(out, '\n');
  }
}

/*
** Reads path with one jsonl_reader (chunk 0 = default) and returns the rows
** as text (heap; never freed), rc in *rc and the error in *e. The batches are
** checked for consistent lengths.
*/
static inline char *jt_read_chunk(const char *path, const jsonl_options *o, lago_type s, size_t chunk, bool lines,
                                  int *rc, lago_err *e, jsonl_stats *stats) {
  lago_err_clear(e);
  buf out;
  buf_init(&out);
  jsonl_reader *r;
  *rc = jsonl_reader_open(fs_local(), path, o, s, &r, e);
  if (!*rc && chunk) jsonl_reader_set_chunk(r, chunk);
  while (!*rc) {
    batch *b;
    jsonl_batch_info bi;
    *rc = jsonl_reader_next(r, NULL, &b, &bi, e);
    if (*rc || !b->n_rows) break;
    ASSERT_EQ_UINT(b->n_cols, type_n_fields(s));
    ASSERT(b->n_rows <= LAGO_VECTOR_SIZE);
    for (uint32_t c = 0; c < b->n_cols; c++) {
      ASSERT_EQ_UINT(b->cols[c].len, b->n_rows);
      jt_check_vec(&b->cols[c], b->n_rows);
    }
    jt_render(&out, b, &bi, lines);
  }
  if (stats && r) *stats = *jsonl_reader_stats(r);
  jsonl_reader_close(r);
  char *res = arena_strdup(jt_ar(), buf_cstr(&out));
  buf_deinit(&out);
  return res;
}

/* As jt_read_chunk, and checks that tiny chunks (1, 2, 7, 64 bytes) give the same rows and error. */
static inline char *jt_read_ex(const char *path, const jsonl_options *o, const char *schema, bool lines, int *rc,
                               lago_err *e) {
  lago_type s = jt_schema(schema);
  char *want = jt_read_chunk(path, o, s, 0, lines, rc, e, NULL);
  fs_stat st;
  lago_err e2;
  lago_err_clear(&e2);
  ASSERT_OK(fs_stat_path(fs_local(), path, &st, &e2), &e2);
  static const size_t chunks[] = {1, 2, 7, 64};
  for (size_t k = 0; k < sizeof chunks / sizeof chunks[0]; k++) {
    if (st.size > 4096 && chunks[k] < 64) continue;
    int rc2;
    char *got = jt_read_chunk(path, o, s, chunks[k], lines, &rc2, &e2, NULL);
    if (strcmp(got, want) != 0)
      test_fail_(__FILE__, __LINE__, "chunk %zu differs:\n%s\nvs default:\n%s", chunks[k], got, want);
    ASSERT_EQ_INT(rc2, *rc);
    if (*rc) ASSERT_EQ_STR(e2.msg, e->msg);
  }
  return want;
}

/* Reads and expects success; returns the rows with line numbers. */
static inline char *jt_rows(const char *path, const jsonl_options *o, const char *schema) {
  int rc;
  lago_err e;
  char *s = jt_read_ex(path, o, schema, true, &rc, &e);
  ASSERT_OK(rc, &e);
  return s;
}

/* Reads and expects failure with rc; returns the message. */
static inline char *jt_fail(const char *path, const jsonl_options *o, const char *schema, int want_rc) {
  int rc;
  lago_err e;
  (void)jt_read_ex(path, o, schema, true, &rc, &e);
  ASSERT_RC(rc, want_rc);
  return arena_strdup(jt_ar(), e.msg);
}

#endif /* LAGO_TEST_JSONL_H */
