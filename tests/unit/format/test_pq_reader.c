/*
** tests/unit/format/test_pq_reader.c: the Parquet reader as a whole:
** nested assembly from levels, statistics-based row-group skipping (a
** predicate that skips and ones that must not), requested output types,
** projection and row-group selection, dictionary vectors, several threads
** on one pq_file, I/O failures, and allocation-failure sweeps over opening
** and reading. Files come from the shared conformance corpus
** (shared/conformance/parquet; test_shared_dir()).
*/
#include <math.h>
#include <pthread.h>

#include "format/parquet/pq_read_int.h"
#include "test.h"
#include "util/alloc.h"
#include "vec/value_text.h"

static const char *corpus(const char *rel) {
  static char path[1024];
  snprintf(path, sizeof path, "%s/conformance/parquet/%s", test_shared_dir(), rel);
  return path;
}

static pq_file *open_corpus(const char *rel) {
  lago_err e;
  lago_err_clear(&e);
  pq_file *pf = NULL;
  int rc = pq_open(fs_local(), corpus(rel), &pf, &e);
  if (rc) test_fail_(__FILE__, __LINE__, "open %s: %s", rel, e.msg);
  return pf;
}

/* Renders row i of v as canonical text into a static buffer. */
static const char *text(const vec *v, uint32_t i) {
  static buf b;
  buf_clear(&b);
  if (value_text_append(&b, v, i)) return "(oom)";
  return buf_cstr(&b);
}

/* Reads everything with opts; returns the canonical text of all rows (caller frees). */
static char *read_text(pq_file *pf, const pq_read_opts *o, int *rc_out, lago_err *e) {
  buf out;
  buf_init(&out);
  pq_reader *r;
  int rc = pq_reader_open(pf, o, &r, e);
  if (rc == LAGO_OK) {
    for (;;) {
      batch *b;
      rc = pq_reader_next(r, &b, NULL, e);
      if (rc || b->n_rows == 0) break;
      for (uint32_t i = 0; i < b->n_rows; i++) {
        for (uint32_t c = 0; c < b->n_cols; c++) {
          if (c) buf_putc(&out, ',');
          value_text_append(&out, &b->cols[c], i);
        }
        buf_putc(&out, '\n');
      }
    }
    pq_reader_close(r);
  }
  *rc_out = rc;
  return buf_detach(&out);
}

/* ---- assembly from levels --------------------------------------------------- */

static pq_anode *an(arena *ar, pq_anode_kind k, uint8_t R, uint8_t De, uint8_t Dv, uint32_t leaf, uint32_t nc) {
  pq_anode *a = arena_zalloc(ar, sizeof *a);
  a->kind = k;
  a->rep = R;
  a->def_exist = De;
  a->def_valid = Dv;
  a->leaf = leaf;
  a->n_children = nc;
  a->children = arena_calloc(ar, nc ? nc : 1, sizeof(pq_anode *));
  return a;
}

TEST(pq_assemble_optional_list_of_optional_ints) {
  arena *ar = arena_new("t", 4096);
  lago_type t;
  ASSERT_OK(type_array(ar, type_make(LT_INT), true, &t), NULL);
  /* optional group l (LIST) { repeated group list { optional int32 element } }: max def 3, max rep 1 */
  pq_anode *list = an(ar, PQA_LIST, 0, 0, 1, 0, 1);
  list->children[0] = an(ar, PQA_LEAF, 1, 2, 3, 0, 0);
  vec *v = vec_new(ar, t, 4);
  /* rows: [1, null], [], null, [7, 8, 9] */
  uint8_t def[] = {3, 2, 1, 0, 3, 3, 3}, rep[] = {0, 1, 0, 0, 0, 1, 1};
  pq_levels L = {def, rep, 7, 7, 4};
  int32_t dense[] = {1, 7, 8, 9};
  ASSERT_OK(vec_reserve(v->child, 4), NULL);
  memcpy(v->child->data, dense, sizeof dense);
  pq_levels *lv[1] = {&L};
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(pq_assemble(list, 0, 1, lv, v, 4, "t", &e), &e);
  ASSERT_EQ_STR(text(v, 0), "[1,\\N]");
  ASSERT_EQ_STR(text(v, 1), "[]");
  ASSERT_EQ_STR(text(v, 2), "\\N");
  ASSERT_EQ_STR(text(v, 3), "[7,8,9]");
  ASSERT_EQ_INT(v->child->len, 5);
  /* the same levels cannot make 5 rows */
  lago_err_clear(&e);
  ASSERT_RC(pq_assemble(list, 0, 1, lv, v, 5, "t", &e), LAGO_CORRUPT);
  arena_free(ar);
}

TEST(pq_assemble_struct_and_map) {
  arena *ar = arena_new("t", 4096);
  /* optional group s { optional int32 a; optional group m (MAP) { repeated group kv { required binary key; optional int32 value } } } */
  lago_type mt, st;
  ASSERT_OK(type_map(ar, type_make(LT_STRING), type_make(LT_INT), true, &mt), NULL);
  const char *names[] = {"a", "m"};
  lago_type types[] = {type_make(LT_INT), mt};
  ASSERT_OK(type_struct(ar, 2, names, types, NULL, &st), NULL);
  pq_anode *s = an(ar, PQA_STRUCT, 0, 0, 1, 0, 2);
  s->children[0] = an(ar, PQA_LEAF, 0, 0, 2, 0, 0);
  pq_anode *m = an(ar, PQA_MAP, 0, 0, 2, 1, 1);
  s->children[1] = m;
  pq_anode *kv = an(ar, PQA_STRUCT, 1, 3, 3, 1, 2);
  m->children[0] = kv;
  kv->children[0] = an(ar, PQA_LEAF, 1, 3, 3, 1, 0);
  kv->children[1] = an(ar, PQA_LEAF, 1, 3, 4, 2, 0);
  vec *v = vec_new(ar, st, 3);
  /* rows: {"a":1,"m":{"x":5,"y":null}}, null, {"a":null,"m":{}} */
  uint8_t ad[] = {2, 0, 1}, ar0[] = {0, 0, 0};
  uint8_t kd[] = {3, 3, 0, 2}, kr[] = {0, 1, 0, 0};
  uint8_t vd[] = {4, 3, 0, 2}, vr[] = {0, 1, 0, 0};
  pq_levels La = {ad, ar0, 3, 3, 1}, Lk = {kd, kr, 4, 4, 2}, Lv = {vd, vr, 4, 4, 1};
  pq_levels *lv[3] = {&La, &Lk, &Lv};
  vec *va = pq_leaf_vector(s, v, 0), *vk = pq_leaf_vector(s, v, 1), *vv = pq_leaf_vector(s, v, 2);
  ASSERT(va == v->fields[0] && vk == v->fields[1]->child->fields[0] && vv == v->fields[1]->child->fields[1]);
  ((int32_t *)va->data)[0] = 1;
  ASSERT_OK(vec_reserve(vk, 2), NULL);
  ((lago_str *)vk->data)[0] = str_make("x", 1);
  ((lago_str *)vk->data)[1] = str_make("y", 1);
  ASSERT_OK(vec_reserve(vv, 2), NULL);
  ((int32_t *)vv->data)[0] = 5;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(pq_assemble(s, 0, 3, lv, v, 3, "t", &e), &e);
  ASSERT_EQ_STR(text(v, 0), "{\"a\":1,\"m\":{\"x\":5,\"y\":\\N}}");
  ASSERT_EQ_STR(text(v, 1), "\\N");
  ASSERT_EQ_STR(text(v, 2), "{\"a\":\\N,\"m\":{}}");
  /* leaves that disagree on the struct's rows */
  La.n_levels = 2;
  La.n_values = 1;
  lago_err_clear(&e);
  ASSERT_RC(pq_assemble(s, 0, 3, lv, v, 3, "t", &e), LAGO_CORRUPT);
  ASSERT_CONTAINS(e.msg, "disagree");
  arena_free(ar);
}

/* ---- statistics ---------------------------------------------------------------- */

static vec *const_vec(arena *ar, lago_type t, const void *val) {
  vec *v = vec_new(ar, t, 1);
  memcpy(v->data, val, type_width(t));
  v->len = 1;
  return v;
}

/* Which of the file's row groups may match, as a bit mask. */
static unsigned may_mask(pq_file *pf, const pq_predicate *p, uint32_t n) {
  unsigned m = 0;
  for (uint32_t g = 0; g < pq_file_num_row_groups(pf); g++)
    if (pq_row_group_may_match(pf, g, p, n)) m |= 1u << g;
  return m;
}

TEST(pq_stats_skip_row_groups) {
  pq_file *pf = open_corpus("files/duckdb_rowgroups_v1_snappy.parquet");
  ASSERT_EQ_INT(pq_file_num_row_groups(pf), 3);
  arena *ar = arena_new("t", 4096);
  int64_t id3000 = 3000, id100 = 100, id4500 = 4500, id9 = 9999;
  pq_predicate p = {0, PQ_PRED_EQ, const_vec(ar, type_make(LT_BIGINT), &id3000)};
  ASSERT_EQ_UINT(may_mask(pf, &p, 1), 2u); /* only row group 1 holds 2048..4095 */
  p.op = PQ_PRED_LT;
  p.values = const_vec(ar, type_make(LT_BIGINT), &id100);
  ASSERT_EQ_UINT(may_mask(pf, &p, 1), 1u);
  p.op = PQ_PRED_GE;
  p.values = const_vec(ar, type_make(LT_BIGINT), &id4500);
  ASSERT_EQ_UINT(may_mask(pf, &p, 1), 4u);
  p.op = PQ_PRED_GT;
  p.values = const_vec(ar, type_make(LT_BIGINT), &id9);
  ASSERT_EQ_UINT(may_mask(pf, &p, 1), 0u);
  vec *in = vec_new(ar, type_make(LT_BIGINT), 2);
  ((int64_t *)in->data)[0] = 5;
  ((int64_t *)in->data)[1] = 4999;
  in->len = 2;
  pq_predicate pin = {0, PQ_PRED_IN, in};
  ASSERT_EQ_UINT(may_mask(pf, &pin, 1), 5u);
  pq_predicate pn = {0, PQ_PRED_IS_NULL, NULL};
  ASSERT_EQ_UINT(may_mask(pf, &pn, 1), 0u); /* id has no nulls */
  pn.op = PQ_PRED_IS_NOT_NULL;
  ASSERT_EQ_UINT(may_mask(pf, &pn, 1), 7u);
  pq_predicate un = {1, PQ_PRED_IS_NULL, NULL}; /* small has nulls everywhere */
  ASSERT_EQ_UINT(may_mask(pf, &un, 1), 7u);
  /* strings: "group_5" is inside [group_0, group_9]; "zzz" is above */
  lago_str g5 = str_make("group_5", 7), zz = str_make("zzz", 3);
  pq_predicate ps = {3, PQ_PRED_EQ, const_vec(ar, type_make(LT_STRING), &g5)};
  ASSERT_EQ_UINT(may_mask(pf, &ps, 1), 7u);
  ps.values = const_vec(ar, type_make(LT_STRING), &zz);
  ASSERT_EQ_UINT(may_mask(pf, &ps, 1), 0u);
  /* doubles, and a NaN constant that proves nothing */
  double big = 300.0, nan = NAN;
  pq_predicate pd = {5, PQ_PRED_LE, const_vec(ar, type_make(LT_DOUBLE), &big)};
  ASSERT_EQ_UINT(may_mask(pf, &pd, 1), 3u);
  pd.values = const_vec(ar, type_make(LT_DOUBLE), &nan);
  ASSERT_EQ_UINT(may_mask(pf, &pd, 1), 7u);
  /* a conjunction */
  pq_predicate both[2] = {{0, PQ_PRED_GE, const_vec(ar, type_make(LT_BIGINT), &id100)}, pd};
  both[1].values = const_vec(ar, type_make(LT_DOUBLE), &big);
  ASSERT_EQ_UINT(may_mask(pf, both, 2), 3u);
  /* the reader skips and counts */
  pq_read_opts o;
  memset(&o, 0, sizeof o);
  uint32_t cols[] = {0};
  o.columns = cols;
  o.n_columns = 1;
  p.op = PQ_PRED_EQ;
  p.values = const_vec(ar, type_make(LT_BIGINT), &id3000);
  o.preds = &p;
  o.n_preds = 1;
  pq_reader *r;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(pq_reader_open(pf, &o, &r, &e), &e);
  uint64_t rows = 0;
  for (;;) {
    batch *b;
    uint32_t rg;
    ASSERT_OK(pq_reader_next(r, &b, &rg, &e), &e);
    if (!b->n_rows) break;
    ASSERT_EQ_INT(rg, 1);
    rows += b->n_rows;
  }
  ASSERT_EQ_INT(rows, 2048); /* row groups are skipped, rows are not filtered */
  ASSERT_EQ_INT(pq_reader_skipped_row_groups(r), 2);
  pq_reader_close(r);
  arena_free(ar);
  pq_close(pf);
}

TEST(pq_stats_that_must_not_skip) {
  arena *ar = arena_new("t", 4096);
  /* NaN as the (legacy) maximum: NaN > 100 is true in Spark, so x > 100 may match. */
  pq_file *pf = open_corpus("files/nan_in_stats.parquet");
  double hundred = 100.0, half = 0.5;
  pq_predicate p = {0, PQ_PRED_GT, const_vec(ar, type_make(LT_DOUBLE), &hundred)};
  ASSERT(pq_row_group_may_match(pf, 0, &p, 1));
  p.op = PQ_PRED_LT;
  p.values = const_vec(ar, type_make(LT_DOUBLE), &half);
  ASSERT(pq_row_group_may_match(pf, 0, &p, 1));
  pq_close(pf);
  /* Truncated string statistics: max "Kf" is inexact; the real maximum is "Kevin Bacon". */
  pf = open_corpus("files/binary_truncated_min_max.parquet");
  lago_str kz = str_make("Kevin", 5), ak = str_make("Ak", 2);
  pq_predicate ps = {0, PQ_PRED_GE, const_vec(ar, type_make(LT_STRING), &kz)};
  ASSERT(pq_row_group_may_match(pf, 0, &ps, 1));
  lago_str kg = str_make("Kg", 2);
  ps.values = const_vec(ar, type_make(LT_STRING), &kg);
  ASSERT(pq_row_group_may_match(pf, 0, &ps, 1)); /* an inexact max is not trusted even above it */
  ps.op = PQ_PRED_LT; /* the inexact min "Al" is a prefix, still a lower bound */
  ps.values = const_vec(ar, type_make(LT_STRING), &ak);
  ASSERT(!pq_row_group_may_match(pf, 0, &ps, 1));
  pq_close(pf);
  arena_free(ar);
}

TEST(pq_stats_bounds_rules) {
  pq_file_meta fm;
  memset(&fm, 0, sizeof fm);
  pq_schema_element el;
  memset(&el, 0, sizeof el);
  pq_leaf lf;
  memset(&lf, 0, sizeof lf);
  lf.el = &el;
  int64_t lo = 1, hi = -1; /* as unsigned: 1 and 2^64-1; as signed: max < min */
  pq_statistics st;
  memset(&st, 0, sizeof st);
  st.has_min = st.has_max = true;
  st.min = (pq_bytes){(const uint8_t *)&lo, 8};
  st.max = (pq_bytes){(const uint8_t *)&hi, 8};
  uint8_t a[16], b[16];
  bool hmin, hmax;
  lf.phys = PQT_INT64;
  lf.type = type_make(LT_UBIGINT);
  ASSERT(!pq_stats_bounds(&fm, &lf, &st, a, b, &hmin, &hmax)); /* legacy min/max of an unsigned column */
  lf.type = type_make(LT_BIGINT);
  ASSERT(pq_stats_bounds(&fm, &lf, &st, a, b, &hmin, &hmax) && hmin && hmax); /* signed: trusted */
  lf.type = type_make(LT_UBIGINT);
  st.has_min_value = st.has_max_value = true;
  st.min_value = st.min;
  st.max_value = st.max;
  ASSERT(pq_stats_bounds(&fm, &lf, &st, a, b, &hmin, &hmax) && hmin && hmax);
  ASSERT_EQ_UINT(*(uint64_t *)b, UINT64_MAX);
  /* an order lago does not know: min_value/max_value are ignored */
  pq_column_order co = PQO_UNDEFINED;
  fm.n_column_orders = 1;
  fm.column_orders = &co;
  ASSERT(!pq_stats_bounds(&fm, &lf, &st, a, b, &hmin, &hmax));
  co = PQO_TYPE_DEFINED;
  ASSERT(pq_stats_bounds(&fm, &lf, &st, a, b, &hmin, &hmax));
  /* INT96 is never pruned */
  lf.phys = PQT_INT96;
  lf.conv = PQV_INT96;
  lf.type = type_make(LT_TIMESTAMP_NTZ);
  ASSERT(!pq_stats_bounds(&fm, &lf, &st, a, b, &hmin, &hmax));
  /* NaN bound */
  double dn = NAN, d1 = 1.0;
  lf.phys = PQT_DOUBLE;
  lf.conv = PQV_NONE;
  lf.type = type_make(LT_DOUBLE);
  st.min_value = (pq_bytes){(const uint8_t *)&d1, 8};
  st.max_value = (pq_bytes){(const uint8_t *)&dn, 8};
  ASSERT(!pq_stats_bounds(&fm, &lf, &st, a, b, &hmin, &hmax));
}

/* ---- reading ----------------------------------------------------------------- */

TEST(pq_read_requested_types) {
  pq_file *pf = open_corpus("files/duckdb_rowgroups_v1_snappy.parquet");
  uint32_t cols[] = {1, 1, 7, 10, 8, 0};
  lago_type want[] = {type_make(LT_BIGINT), type_make(LT_DOUBLE), type_make(LT_TIMESTAMP_NTZ),
                      type_decimal(20, 5),  type_make(LT_TIMESTAMP), type_decimal(25, 3)};
  pq_read_opts o;
  memset(&o, 0, sizeof o);
  o.columns = cols;
  o.n_columns = 6;
  o.types = want;
  o.keep_dictionary = true;
  pq_reader *r, *rn;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(pq_reader_open(pf, &o, &r, &e), &e);
  pq_read_opts on = o;
  on.types = NULL;
  ASSERT_OK(pq_reader_open(pf, &on, &rn, &e), &e);
  batch *b, *bn;
  ASSERT_OK(pq_reader_next(r, &b, NULL, &e), &e);
  ASSERT_OK(pq_reader_next(rn, &bn, NULL, &e), &e);
  ASSERT_EQ_INT(b->n_rows, bn->n_rows);
  for (uint32_t c = 0; c < 6; c++) ASSERT(type_equal(b->cols[c].type, want[c]));
  for (uint32_t i = 0; i < b->n_rows; i++) {
    ASSERT_EQ_INT(vec_is_valid(&b->cols[0], i), vec_is_valid(&bn->cols[0], i));
    if (!vec_is_valid(&bn->cols[0], i)) continue;
    char nat[64];
    snprintf(nat, sizeof nat, "%s", text(&bn->cols[0], i));
    ASSERT_EQ_STR(text(&b->cols[0], i), nat);
    char dbl[80];
    snprintf(dbl, sizeof dbl, "%s.0", nat);
    ASSERT_EQ_STR(text(&b->cols[1], i), dbl);
  }
  char want_ts[80];
  snprintf(want_ts, sizeof want_ts, "%s 00:00:00", text(&bn->cols[2], 5));
  ASSERT_EQ_STR(text(&b->cols[2], 5), want_ts);
  char want_dec[80];
  snprintf(want_dec, sizeof want_dec, "%s00", text(&bn->cols[3], 5));
  ASSERT_EQ_STR(text(&b->cols[3], 5), want_dec);
  char want_tz[80];
  snprintf(want_tz, sizeof want_tz, "%s+00", text(&bn->cols[4], 5));
  ASSERT_EQ_STR(text(&b->cols[4], 5), want_tz);
  snprintf(want_dec, sizeof want_dec, "%s.000", text(&bn->cols[5], 5));
  ASSERT_EQ_STR(text(&b->cols[5], 5), want_dec);
  pq_reader_close(r);
  pq_reader_close(rn);
  /* conversions that lose information are refused up front */
  uint32_t c3[] = {3, 0};
  lago_type bad[] = {type_make(LT_INT), type_make(LT_INT)};
  o.columns = c3;
  o.n_columns = 1;
  o.types = bad;
  lago_err_clear(&e);
  ASSERT_RC(pq_reader_open(pf, &o, &r, &e), LAGO_UNSUPPORTED);
  ASSERT_CONTAINS(e.msg, "'grp'");
  o.columns = c3 + 1; /* BIGINT -> INT narrows */
  lago_err_clear(&e);
  ASSERT_RC(pq_reader_open(pf, &o, &r, &e), LAGO_UNSUPPORTED);
  pq_close(pf);
}

TEST(pq_read_projection_and_row_groups) {
  pq_file *pf = open_corpus("files/duckdb_rowgroups_v1_snappy.parquet");
  uint32_t cols[] = {3, 0}, rgs[] = {2, 0};
  pq_read_opts o;
  memset(&o, 0, sizeof o);
  o.columns = cols;
  o.n_columns = 2;
  o.row_groups = rgs;
  o.n_row_groups = 2;
  o.batch_rows = 1000;
  pq_reader *r;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(pq_reader_open(pf, &o, &r, &e), &e);
  batch *b;
  uint32_t rg;
  ASSERT_OK(pq_reader_next(r, &b, &rg, &e), &e);
  ASSERT_EQ_INT(rg, 2);
  ASSERT_EQ_INT(b->n_cols, 2);
  ASSERT_EQ_INT(b->n_rows, 904); /* row group 2 holds rows 4096..4999 */
  ASSERT_EQ_INT(b->cols[0].type.id, LT_STRING);
  ASSERT_EQ_STR(text(&b->cols[1], 0), "4096");
  uint64_t rows = b->n_rows;
  uint32_t last_rg = rg;
  for (;;) {
    ASSERT_OK(pq_reader_next(r, &b, &rg, &e), &e);
    if (!b->n_rows) break;
    ASSERT(b->n_rows <= 1000);
    if (rg == 0 && last_rg == 2) ASSERT_EQ_STR(text(&b->cols[1], 0), "0"); /* batches never span row groups */
    last_rg = rg;
    rows += b->n_rows;
  }
  ASSERT_EQ_INT(rows, (5000 - 4096) + 2048);
  pq_reader_close(r);
  uint32_t badc[] = {11};
  o.columns = badc;
  o.n_columns = 1;
  o.row_groups = NULL;
  lago_err_clear(&e);
  ASSERT_RC(pq_reader_open(pf, &o, &r, &e), LAGO_MISUSE);
  pq_close(pf);
}

TEST(pq_read_keep_dictionary) {
  pq_file *pf = open_corpus("files/duckdb_rowgroups_v1_snappy.parquet");
  uint32_t cols[] = {3, 0};
  pq_read_opts o;
  memset(&o, 0, sizeof o);
  o.columns = cols;
  o.n_columns = 2;
  o.keep_dictionary = true;
  pq_reader *r;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(pq_reader_open(pf, &o, &r, &e), &e);
  batch *b;
  ASSERT_OK(pq_reader_next(r, &b, NULL, &e), &e);
  ASSERT_EQ_INT(b->cols[0].kind, VEC_DICT); /* grp is dictionary encoded */
  ASSERT(b->cols[0].dict && b->cols[0].dict->len >= 10);
  ASSERT_EQ_INT(b->cols[1].kind, VEC_FLAT); /* id is PLAIN */
  ASSERT_CONTAINS(text(&b->cols[0], 0), "group_");
  pq_reader_close(r);
  pq_close(pf);
}

typedef struct thr {
  pq_file *pf;
  char *out;
  int rc;
} thr;

static void *thread_read(void *ud) {
  thr *t = ud;
  lago_err e;
  lago_err_clear(&e);
  pq_read_opts o;
  memset(&o, 0, sizeof o);
  o.batch_rows = 333;
  t->out = read_text(t->pf, &o, &t->rc, &e);
  return NULL;
}

TEST(pq_read_threads_share_one_file) {
  pq_file *pf = open_corpus("files/duckdb_rowgroups_v2enc_zstd.parquet");
  thr t[3];
  pthread_t th[3];
  for (int i = 0; i < 3; i++) {
    t[i].pf = pf;
    t[i].out = NULL;
    ASSERT_EQ_INT(pthread_create(&th[i], NULL, thread_read, &t[i]), 0);
  }
  for (int i = 0; i < 3; i++) pthread_join(th[i], NULL);
  for (int i = 0; i < 3; i++) {
    ASSERT_OK(t[i].rc, NULL);
    ASSERT(t[i].out && strlen(t[i].out) > 10000);
    ASSERT_EQ_STR(t[i].out, t[0].out);
  }
  for (int i = 0; i < 3; i++) mem_free(t[i].out);
  pq_close(pf);
}

TEST(pq_open_errors) {
  lago_err e;
  lago_err_clear(&e);
  pq_file *pf;
  ASSERT_RC(pq_open(fs_local(), corpus("files/no-such-file.parquet"), &pf, &e), LAGO_NOTFOUND);
  uint8_t junk[64];
  memset(junk, 'x', sizeof junk);
  lago_err_clear(&e);
  ASSERT_RC(pq_open_buffer(junk, sizeof junk, "junk.bin", &pf, &e), LAGO_CORRUPT);
  ASSERT_CONTAINS(e.msg, "junk.bin: not a Parquet file");
  memcpy(junk, "PAR1", 4);
  memcpy(junk + 60, "PARE", 4);
  lago_err_clear(&e);
  ASSERT_RC(pq_open_buffer(junk, sizeof junk, "enc", &pf, &e), LAGO_UNSUPPORTED);
  ASSERT_CONTAINS(e.msg, "encrypted");
  memcpy(junk + 60, "PAR1", 4);
  store_le32(junk + 56, 1000); /* footer longer than the file */
  lago_err_clear(&e);
  ASSERT_RC(pq_open_buffer(junk, sizeof junk, "len", &pf, &e), LAGO_CORRUPT);
  ASSERT_CONTAINS(e.msg, "footer length 1000");
  lago_err_clear(&e);
  ASSERT_RC(pq_open_buffer(junk, 8, "tiny", &pf, &e), LAGO_CORRUPT);
}

/* Every failing I/O operation while opening and reading gives LAGO_IO and leaks nothing. */
TEST(pq_read_io_failures) {
  const char *path = corpus("nested/files/nested_maps.snappy.parquet");
  long base = mem_live();
  for (long k = 1; k < 200; k++) {
    lago_fs *fs = fs_faulty_new(fs_local(), k, false);
    lago_err e;
    lago_err_clear(&e);
    pq_file *pf;
    int rc = pq_open(fs, path, &pf, &e);
    char *out = NULL;
    if (rc == LAGO_OK) {
      pq_read_opts o;
      memset(&o, 0, sizeof o);
      out = read_text(pf, &o, &rc, &e);
      pq_close(pf);
    }
    bool fired = fs_faulty_ops(fs) >= k;
    fs_free(fs);
    mem_free(out);
    if (rc != LAGO_OK && rc != LAGO_IO) test_fail_(__FILE__, __LINE__, "op %ld: %s: %s", k, lago_rc_name(rc), e.msg);
    if (rc == LAGO_IO) ASSERT_CONTAINS(e.msg, "injected");
    ASSERT_EQ_INT(mem_live(), base);
    if (rc == LAGO_OK && !fired) return;
  }
  test_fail_(__FILE__, __LINE__, "the sweep did not finish");
}

static int oom_read(void *ud) {
  const char *path = ud;
  lago_err e;
  lago_err_clear(&e);
  pq_file *pf;
  int rc = pq_open(fs_local(), path, &pf, &e);
  if (rc) return rc;
  pq_read_opts o;
  memset(&o, 0, sizeof o);
  o.batch_rows = 3;
  o.keep_dictionary = true;
  char *out = read_text(pf, &o, &rc, &e);
  mem_free(out);
  pq_close(pf);
  return rc;
}

TEST(pq_oom_sweep_nested_file) {
  static char path[1024];
  snprintf(path, sizeof path, "%s", corpus("nested/files/nullable.impala.parquet"));
  ASSERT(test_oom_sweep(oom_read, path, 5000) > 50); /* about 100 allocations to open and read it */
}

TEST(pq_oom_sweep_compressed_files) {
  static char p1[1024], p2[1024], p3[1024];
  snprintf(p1, sizeof p1, "%s", corpus("files/duckdb_types_v1_zstd.parquet"));
  snprintf(p2, sizeof p2, "%s", corpus("files/duckdb_types_v1_gzip.parquet"));
  snprintf(p3, sizeof p3, "%s", corpus("files/delta_byte_array.parquet"));
  ASSERT(test_oom_sweep(oom_read, p1, 5000) > 10);
  ASSERT(test_oom_sweep(oom_read, p2, 5000) > 10);
  ASSERT(test_oom_sweep(oom_read, p3, 20000) > 10);
}

/* ---- a column chunk built by hand: dictionary page, dictionary data page, PLAIN data page ---- */

typedef struct cb {
  uint8_t b[512];
  size_t n;
} cb;
static void cput(cb *w, uint8_t x) { w->b[w->n++] = x; }
static void czz(cb *w, int64_t v) {
  uint64_t u = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
  while (u >= 0x80) {
    cput(w, (uint8_t)(u | 0x80));
    u >>= 7;
  }
  cput(w, (uint8_t)u);
}
/* PageHeader{type, sizes, DataPageHeader|DictionaryPageHeader{num_values, encoding, RLE, RLE}} */
static void page(cb *w, int type, const uint8_t *body, size_t len, int32_t nv, int enc) {
  cput(w, 0x15); czz(w, type);
  cput(w, 0x15); czz(w, (int64_t)len);
  cput(w, 0x15); czz(w, (int64_t)len);
  cput(w, (uint8_t)((type == PQP_DICTIONARY_PAGE ? 4 : 2) << 4 | TT_STRUCT)); /* field 7 or 5 */
  cput(w, 0x15); czz(w, nv);
  cput(w, 0x15); czz(w, enc);
  if (type == PQP_DATA_PAGE) {
    cput(w, 0x15); czz(w, PQE_RLE);
    cput(w, 0x15); czz(w, PQE_RLE);
  }
  cput(w, 0);
  cput(w, 0);
  memcpy(w->b + w->n, body, len);
  w->n += len;
}

TEST(pq_read_dictionary_fallback_mid_batch) {
  cb w = {{0}, 0};
  int32_t dict[3] = {10, 20, 30};
  page(&w, PQP_DICTIONARY_PAGE, (const uint8_t *)dict, sizeof dict, 3, PQE_PLAIN);
  uint8_t idx[] = {2, 0x03, 0x92, 0x00}; /* bit width 2; one bit-packed group: 2,0,1,2,0,0,0,0 */
  page(&w, PQP_DATA_PAGE, idx, sizeof idx, 4, PQE_RLE_DICTIONARY);
  int32_t plain[3] = {7, 8, 9};
  page(&w, PQP_DATA_PAGE, (const uint8_t *)plain, sizeof plain, 3, PQE_PLAIN);
  pq_schema_element el;
  memset(&el, 0, sizeof el);
  el.name = "c";
  el.has_type = true;
  el.type = PQT_INT32;
  el.converted = PQC_NONE;
  pq_leaf lf;
  memset(&lf, 0, sizeof lf);
  lf.el = &el;
  lf.phys = PQT_INT32;
  lf.type = type_make(LT_INT);
  lf.path_len = 1;
  lf.dotted = "c";
  pq_column_meta cm;
  memset(&cm, 0, sizeof cm);
  cm.type = PQT_INT32;
  cm.codec = PQ_CODEC_UNCOMPRESSED;
  arena *rg = arena_new("rowgroup", 4096), *ba = arena_new("batch", 4096);
  for (int split = 0; split < 2; split++) {
    pq_leaf_reader lr;
    lago_err e;
    lago_err_clear(&e);
    ASSERT_OK(pq_lr_init(&lr, &lf, &cm, w.b, w.n, rg, "t: column 'c'", true, &e), &e);
    vec *v = vec_new(ba, lf.type, 7);
    if (split) { /* 4 rows: all from the dictionary page, so a VEC_DICT; then 3 plain rows */
      ASSERT_OK(pq_lr_read_flat(&lr, v, 4, true, ba, &e), &e);
      ASSERT_EQ_INT(v->kind, VEC_DICT);
      ASSERT_EQ_STR(text(v, 0), "30");
      ASSERT_EQ_STR(text(v, 3), "30");
      vec *v2 = vec_new(ba, lf.type, 3);
      pq_lr_batch_begin(&lr);
      ASSERT_OK(pq_lr_read_flat(&lr, v2, 3, true, ba, &e), &e);
      ASSERT_EQ_INT(v2->kind, VEC_FLAT);
      ASSERT_EQ_STR(text(v2, 2), "9");
    } else { /* 7 rows in one batch: starts as codes, falls back to plain values mid-batch */
      ASSERT_OK(pq_lr_read_flat(&lr, v, 7, true, ba, &e), &e);
      ASSERT_EQ_INT(v->kind, VEC_FLAT);
      const char *want[] = {"30", "10", "20", "30", "7", "8", "9"};
      for (uint32_t i = 0; i < 7; i++) ASSERT_EQ_STR(text(v, i), want[i]);
    }
    /* the chunk is exhausted now */
    vec *v3 = vec_new(ba, lf.type, 1);
    lago_err_clear(&e);
    ASSERT_RC(pq_lr_read_flat(&lr, v3, 1, false, ba, &e), LAGO_CORRUPT);
    ASSERT_CONTAINS(e.msg, "column chunk ends after 7 rows");
    pq_lr_deinit(&lr);
  }
  arena_free(rg);
  arena_free(ba);
}

/* A dictionary page announcing more values than its bytes can hold is refused before allocating. */
TEST(pq_read_dictionary_count_bound) {
  cb w = {{0}, 0};
  uint8_t body[8] = {0};
  page(&w, PQP_DICTIONARY_PAGE, body, sizeof body, INT32_MAX, PQE_PLAIN);
  pq_schema_element el;
  memset(&el, 0, sizeof el);
  el.name = "f";
  el.has_type = true;
  el.type = PQT_FIXED_LEN_BYTE_ARRAY;
  el.type_length = 1 << 30; /* n * 8 * type_length would overflow 64 bits */
  pq_leaf lf;
  memset(&lf, 0, sizeof lf);
  lf.el = &el;
  lf.phys = PQT_FIXED_LEN_BYTE_ARRAY;
  lf.type_length = 1 << 30;
  lf.type = type_make(LT_BINARY);
  lf.path_len = 1;
  lf.dotted = "f";
  pq_column_meta cm;
  memset(&cm, 0, sizeof cm);
  cm.type = lf.phys;
  cm.codec = PQ_CODEC_UNCOMPRESSED;
  arena *rg = arena_new("rowgroup", 4096), *ba = arena_new("batch", 4096);
  pq_leaf_reader lr;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(pq_lr_init(&lr, &lf, &cm, w.b, w.n, rg, "t: column 'f'", true, &e), &e);
  vec *v = vec_new(ba, lf.type, 1);
  ASSERT_RC(pq_lr_read_flat(&lr, v, 1, false, ba, &e), LAGO_CORRUPT);
  ASSERT_CONTAINS(e.msg, "cannot hold");
  pq_lr_deinit(&lr);
  arena_free(rg);
  arena_free(ba);
}
