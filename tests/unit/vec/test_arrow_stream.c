/*
** tests/unit/vec/test_arrow_stream.c: the ArrowArrayStream producer over a
** pull callback and the reader that drains a stream into batches
** (vec/arrow.h): batches handed over with their arena (zero-copy), borrowed
** (copied), with selections, empty ones skipped; schemas and arrays that
** outlive the stream; pull errors and get_last_error; a foreign stream's
** errors on the reader side; and an allocation-failure sweep over the whole
** produce -> consume path with a check that every handed-over keep is freed.
*/
#include <errno.h>

#include "test.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "vec/arrow.h"
#include "vec/value_text.h"

static const char *const k_cols[3] = {"id", "name", "tags"};

static lago_type col_type(arena *ar, int c) {
  if (c == 0) return type_make(LT_BIGINT);
  if (c == 1) return type_make(LT_STRING);
  lago_type t;
  ASSERT_OK(type_array(ar, type_make(LT_STRING), true, &t), NULL);
  return t;
}

/* Batch number k: 37*k % 50 rows; id = k*1000+i; name null every 5th; tags i%3 strings.
** Returns NULL on OOM. */
static batch *make_batch(arena *ar, int k) {
  lago_type ts[3] = {col_type(ar, 0), col_type(ar, 1), col_type(ar, 2)};
  uint32_t n = (uint32_t)(37 * k % 50);
  batch *b = batch_new(ar, 3, ts, n ? n : 1);
  if (!b) return NULL;
  char tmp[64];
  for (uint32_t i = 0; i < n; i++) {
    VEC_DATA(&b->cols[0], int64_t)[i] = k * 1000 + (int64_t)i;
    if (i % 5 == 4) {
      if (vec_set_null(&b->cols[1], i)) return NULL;
    } else {
      int len = snprintf(tmp, sizeof tmp, "name %d/%u with some length", k, i);
      if (vec_set_str(&b->cols[1], i, tmp, (uint32_t)len)) return NULL;
    }
    uint32_t off, m = i % 3;
    if (vec_list_reserve(&b->cols[2], m, &off)) return NULL;
    for (uint32_t j = 0; j < m; j++) {
      int len = snprintf(tmp, sizeof tmp, "t%u", j);
      if (vec_set_str(b->cols[2].child, off + j, tmp, (uint32_t)len)) return NULL;
    }
    VEC_DATA(&b->cols[2], lago_list)[i] = (lago_list){off, m};
  }
  batch_set_rows(b, n);
  return b;
}

static uint32_t g_sel[50];

/* Appends the text of every logical row of b (one line per row). */
static void rows_text(const batch *b, buf *out) {
  for (uint32_t i = 0; i < b->n_rows; i++) {
    for (uint32_t c = 0; c < b->n_cols; c++) {
      if (c) buf_putc(out, ',');
      ASSERT_OK(value_text_append(out, &b->cols[c], batch_row(b, i)), NULL);
    }
    buf_putc(out, '\n');
  }
}

/* ---- a producer ----------------------------------------------------------------- */

typedef struct src {
  int n_batches, next;
  int fail_at;      /* pull number that fails, or -1 */
  bool bad_type;    /* produce a batch whose column 0 is an INT */
  arena *borrowed;  /* the batch lent out last (freed at the next pull / ud_free) */
  int *ud_freed;
} src;

static int g_keeps_freed;
static void keep_free_counted(void *p) {
  g_keeps_freed++;
  arena_free(p);
}

static bool with_sel(int k) { return k % 3 == 2; }

static int pull(void *ud, const batch **out, arrow_keep *keep, lago_err *err) {
  src *s = ud;
  arena_free(s->borrowed);
  s->borrowed = NULL;
  *out = NULL;
  if (s->next == s->fail_at) {
    arena *ar = arena_new("doomed", 256); /* a keep given with an error must still be freed */
    *keep = (arrow_keep){keep_free_counted, ar};
    return LAGO_ERR(err, LAGO_CORRUPT, "source broke at batch %d", s->next);
  }
  if (s->next >= s->n_batches) return LAGO_OK;
  int k = s->next++;
  arena *ar = arena_new("batch", 4096);
  if (!ar) return LAGO_NOMEM_ERR(err);
  batch *b = make_batch(ar, k);
  if (!b) {
    arena_free(ar);
    return LAGO_NOMEM_ERR(err);
  }
  if (s->bad_type) b->cols[0].type = type_make(LT_INT);
  if (with_sel(k)) { /* every other row */
    uint32_t m = 0;
    for (uint32_t i = 0; i < b->n_rows; i += 2) g_sel[m++] = i;
    b->sel = g_sel;
    b->n_rows = m;
  }
  if (k % 2 == 0) *keep = (arrow_keep){keep_free_counted, ar}; /* zero-copy: the arena goes with the array */
  else s->borrowed = ar;                                           /* lent until the next pull */
  *out = b;
  return LAGO_OK;
}

static void src_free(void *ud) {
  src *s = ud;
  arena_free(s->borrowed);
  (*s->ud_freed)++;
}

static void expected_text(int n_batches, buf *out) {
  for (int k = 0; k < n_batches; k++) {
    arena *ar = arena_new("exp", 4096);
    batch *b = make_batch(ar, k);
    ASSERT_NE_NULL(b);
    if (with_sel(k)) {
      uint32_t m = 0;
      for (uint32_t i = 0; i < b->n_rows; i += 2) g_sel[m++] = i;
      b->sel = g_sel;
      b->n_rows = m;
    }
    rows_text(b, out);
    arena_free(ar);
  }
}

static void make_stream(struct ArrowArrayStream *st, src *s, arena *ar, unsigned flags) {
  lago_type ts[3] = {col_type(ar, 0), col_type(ar, 1), col_type(ar, 2)};
  bool nl[3] = {false, true, true};
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(arrow_stream_make(st, 3, k_cols, ts, nl, flags, pull, s, src_free, &e), &e);
}

TEST(arrow_stream_roundtrip) {
  arena *ar = arena_new("t", 1 << 16);
  int freed = 0;
  src s = {12, 0, -1, false, NULL, &freed};
  struct ArrowArrayStream st;
  make_stream(&st, &s, ar, 0);
  g_keeps_freed = 0;
  arrow_table tab;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(arrow_stream_drain(&st, ar, &tab, &e), &e);
  ASSERT(st.release == NULL); /* drain took the stream and released it */
  ASSERT_EQ_INT(freed, 1);
  ASSERT_EQ_INT(g_keeps_freed, 6); /* batches 0, 2, ..., 10 went out with their arena */
  ASSERT_EQ_INT(tab.n_batches, 11); /* batch 0 has no rows and is skipped */
  ASSERT_EQ_STR(type_field_at(tab.type, 2)->name, "tags");
  ASSERT(!type_field_at(tab.type, 0)->nullable);
  ASSERT(type_equal(type_field_at(tab.type, 2)->type, col_type(ar, 2)));
  buf got, want;
  buf_init(&got);
  buf_init(&want);
  for (uint32_t i = 0; i < tab.n_batches; i++) rows_text(tab.batches[i], &got);
  expected_text(12, &want);
  ASSERT(want.len > 1000);
  ASSERT_EQ_STR(buf_cstr(&got), buf_cstr(&want));
  uint64_t rows = 0;
  for (const char *p = buf_cstr(&want); *p; p++) rows += *p == '\n';
  ASSERT_EQ_UINT(tab.n_rows, rows);
  buf_deinit(&got);
  buf_deinit(&want);
  arena_free(ar);
}

TEST(arrow_stream_results_outlive_stream) {
  arena *ar = arena_new("t", 1 << 16);
  int freed = 0;
  src s = {3, 1, -1, false, NULL, &freed};
  struct ArrowArrayStream st;
  make_stream(&st, &s, ar, ARROW_EXPORT_LARGE);
  struct ArrowSchema s1, s2;
  ASSERT_EQ_INT(st.get_schema(&st, &s1), 0);
  ASSERT_EQ_INT(st.get_schema(&st, &s2), 0);
  ASSERT_EQ_STR(s1.format, "+s");
  ASSERT_EQ_INT(s1.n_children, 3);
  ASSERT_EQ_STR(s1.children[1]->format, "U");
  ASSERT_EQ_STR(s2.children[2]->format, "+L");
  ASSERT_EQ_STR(s2.children[2]->children[0]->format, "U");
  struct ArrowArray a1, a2, end;
  g_keeps_freed = 0;
  ASSERT_EQ_INT(st.get_next(&st, &a1), 0); /* batch 1: borrowed, copied */
  ASSERT_EQ_INT(st.get_next(&st, &a2), 0); /* batch 2: kept, zero-copy */
  ASSERT_EQ_INT(st.get_next(&st, &end), 0);
  ASSERT(end.release == NULL);
  ASSERT_EQ_INT(st.get_next(&st, &end), 0); /* still the end */
  ASSERT(end.release == NULL);
  st.release(&st);
  ASSERT(st.release == NULL);
  ASSERT_EQ_INT(freed, 1);
  ASSERT_EQ_INT(g_keeps_freed, 0); /* a2 still holds batch 2's arena */
  s2.release(&s2);
  /* Import after the stream is gone. */
  batch *b1, *b2;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(arrow_import_batch(&s1, &a1, ar, &b1, &e), &e);
  ASSERT_OK(arrow_import_batch(&s1, &a2, ar, &b2, &e), &e);
  ASSERT_EQ_INT(g_keeps_freed, 1);
  s1.release(&s1);
  buf got, want;
  buf_init(&got);
  buf_init(&want);
  rows_text(b1, &got);
  rows_text(b2, &got);
  expected_text(3, &want); /* batch 0 is empty */
  ASSERT_EQ_STR(buf_cstr(&got), buf_cstr(&want));
  buf_deinit(&got);
  buf_deinit(&want);
  arena_free(ar);
}

TEST(arrow_stream_pull_error) {
  arena *ar = arena_new("t", 1 << 16);
  int freed = 0;
  src s = {5, 1, 2, false, NULL, &freed};
  struct ArrowArrayStream st;
  make_stream(&st, &s, ar, 0);
  struct ArrowArray a;
  g_keeps_freed = 0;
  ASSERT_EQ_INT(st.get_next(&st, &a), 0);
  ASSERT(a.release != NULL);
  a.release(&a);
  ASSERT_EQ_INT(st.get_next(&st, &a), EIO);
  ASSERT(a.release == NULL);
  ASSERT_CONTAINS(st.get_last_error(&st), "source broke at batch 2");
  ASSERT_EQ_INT(g_keeps_freed, 1); /* the keep handed over with the error */
  ASSERT_EQ_INT(st.get_next(&st, &a), EIO); /* errors stick */
  ASSERT_CONTAINS(st.get_last_error(&st), "source broke");
  st.release(&st);
  ASSERT_EQ_INT(freed, 1);

  /* The reader turns it into LAGO_IO with the producer's message. */
  src s2 = {5, 1, 2, false, NULL, &freed};
  make_stream(&st, &s2, ar, 0);
  arrow_table tab;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_RC(arrow_stream_drain(&st, ar, &tab, &e), LAGO_IO);
  ASSERT_CONTAINS(e.msg, "source broke at batch 2");
  ASSERT_EQ_INT(freed, 2);

  /* A batch that is not of the declared types. */
  src s3 = {5, 1, -1, true, NULL, &freed};
  make_stream(&st, &s3, ar, 0);
  ASSERT_EQ_INT(st.get_next(&st, &a), EIO);
  ASSERT_CONTAINS(st.get_last_error(&st), "not of the stream's type");
  st.release(&st);
  ASSERT_EQ_INT(freed, 3);

  lago_type t = type_make(LT_INT);
  lago_err_clear(&e);
  ASSERT_RC(arrow_stream_make(&st, 1, k_cols, &t, NULL, 0, NULL, NULL, NULL, &e), LAGO_MISUSE);
  ASSERT(st.release == NULL);
  arena_free(ar);
}

/* ---- a foreign stream for the reader ---------------------------------------------- */

typedef struct fake {
  int schema_rc, next_rc;
  const char *format;
  int released;
} fake;

static void fake_schema_release(struct ArrowSchema *s) { s->release = NULL; }

static int fake_get_schema(struct ArrowArrayStream *st, struct ArrowSchema *out) {
  fake *f = st->private_data;
  memset(out, 0, sizeof *out);
  if (f->schema_rc) return f->schema_rc;
  out->format = f->format;
  out->name = "";
  out->release = fake_schema_release;
  return 0;
}

static int fake_get_next(struct ArrowArrayStream *st, struct ArrowArray *out) {
  fake *f = st->private_data;
  memset(out, 0, sizeof *out);
  return f->next_rc;
}

static const char *fake_error(struct ArrowArrayStream *st) {
  (void)st;
  return "the fake failed on purpose";
}

static void fake_release(struct ArrowArrayStream *st) {
  ((fake *)st->private_data)->released++;
  st->release = NULL;
}

static struct ArrowArrayStream fake_stream(fake *f) {
  struct ArrowArrayStream st = {fake_get_schema, fake_get_next, fake_error, fake_release, f};
  return st;
}

TEST(arrow_reader_foreign_errors) {
  arena *ar = arena_new("t", 4096);
  lago_err e;
  arrow_table tab;
  struct ArrowArrayStream st;

  fake f1 = {EINVAL, 0, "+s", 0};
  st = fake_stream(&f1);
  lago_err_clear(&e);
  ASSERT_RC(arrow_stream_drain(&st, ar, &tab, &e), LAGO_IO);
  ASSERT_CONTAINS(e.msg, "the fake failed on purpose");
  ASSERT_EQ_INT(f1.released, 1);
  ASSERT(st.release == NULL);

  fake f2 = {0, 0, "i", 0}; /* not a record batch */
  st = fake_stream(&f2);
  lago_err_clear(&e);
  ASSERT_RC(arrow_stream_drain(&st, ar, &tab, &e), LAGO_CORRUPT);
  ASSERT_EQ_INT(f2.released, 1);

  fake f3 = {0, ENOMEM, "+s", 0};
  st = fake_stream(&f3);
  lago_err_clear(&e);
  ASSERT_RC(arrow_stream_drain(&st, ar, &tab, &e), LAGO_NOMEM);
  ASSERT_EQ_INT(f3.released, 1);

  fake f4 = {0, 0, "+s", 0}; /* an empty stream of zero columns */
  st = fake_stream(&f4);
  lago_err_clear(&e);
  ASSERT_OK(arrow_stream_drain(&st, ar, &tab, &e), &e);
  ASSERT_EQ_INT(tab.n_batches, 0);
  ASSERT_EQ_INT(type_n_fields(tab.type), 0);
  ASSERT_EQ_INT(f4.released, 1);

  arrow_reader r;
  lago_err_clear(&e);
  ASSERT_RC(arrow_reader_open(&r, NULL, ar, &e), LAGO_MISUSE);
  arena_free(ar);
}

/* ---- allocation failures ------------------------------------------------------------ */

typedef struct osrc {
  batch *batches[6];
  int next, given, freed, ud_freed;
} osrc;

static void noop_keep(void *p) { ((osrc *)p)->freed++; }

static int opull(void *ud, const batch **out, arrow_keep *keep, lago_err *err) {
  (void)err;
  osrc *s = ud;
  *out = s->next < 6 ? s->batches[s->next] : NULL;
  if (*out && s->next % 2 == 0) { /* even batches "handed over" (the keep only counts) */
    *keep = (arrow_keep){noop_keep, s};
    s->given++;
  }
  s->next++;
  return LAGO_OK;
}

static void ofree(void *ud) { ((osrc *)ud)->ud_freed++; }

static int sweep_fn(void *ud) {
  osrc *s = ud;
  s->next = s->given = s->freed = s->ud_freed = 0;
  arena *tmp = arena_new("types", 1024);
  if (!tmp) return LAGO_NOMEM;
  lago_type ts[3] = {type_make(LT_BIGINT), type_make(LT_STRING), s->batches[1]->cols[2].type};
  struct ArrowArrayStream st;
  lago_err e;
  lago_err_clear(&e);
  int rc = arrow_stream_make(&st, 3, k_cols, ts, NULL, 0, opull, s, ofree, &e);
  if (!rc) {
    arena *ar = arena_new("drain", 1024);
    arrow_table tab;
    if (!ar) {
      st.release(&st);
      rc = LAGO_NOMEM;
    } else {
      rc = arrow_stream_drain(&st, ar, &tab, &e);
      if (!rc && tab.n_rows == 0) rc = LAGO_INTERNAL;
      arena_free(ar);
    }
    if (s->ud_freed != 1) rc = LAGO_INTERNAL;
  }
  if (s->given != s->freed) rc = LAGO_INTERNAL; /* every keep handed over was freed */
  arena_free(tmp);
  return rc;
}

TEST(arrow_stream_oom_sweep) {
  osrc s;
  memset(&s, 0, sizeof s);
  arena *ars[6];
  for (int k = 0; k < 6; k++) {
    ars[k] = arena_new("b", 4096);
    s.batches[k] = make_batch(ars[k], k + 1);
    ASSERT_NE_NULL(s.batches[k]);
  }
  int runs = test_oom_sweep(sweep_fn, &s, 5000);
  ASSERT(runs > 10);
  ASSERT_EQ_INT(s.given, 3);
  for (int k = 0; k < 6; k++) arena_free(ars[k]);
}
