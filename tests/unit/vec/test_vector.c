/*
** tests/unit/vec/test_vector.c: vectors (flat/const/dict), strings, nested
** children, gathers, batches, and an allocation-failure sweep over vector and
** batch construction.
*/
#include "test.h"
#include "util/alloc.h"
#include "vec/vector.h"

TEST(vector_flat_int_nulls) {
  arena *ar = arena_new("batch", 4096);
  vec *v = vec_new(ar, type_make(LT_INT), 100);
  ASSERT_NE_NULL(v);
  for (uint32_t i = 0; i < 100; i++) VEC_DATA(v, int32_t)[i] = (int32_t)i * 3;
  v->len = 100;
  ASSERT_EQ_INT(vec_null_count(v), 0);
  ASSERT_OK(vec_set_null(v, 7), NULL);
  ASSERT_OK(vec_set_null(v, 99), NULL);
  ASSERT_EQ_INT(vec_null_count(v), 2);
  ASSERT(!vec_is_valid(v, 7));
  ASSERT(vec_is_valid(v, 8));
  ASSERT_OK(vec_reserve(v, 5000), NULL);
  ASSERT_EQ_INT(VEC_DATA(v, int32_t)[50], 150);
  ASSERT(vec_is_valid(v, 4000));
  ASSERT(!vec_is_valid(v, 99));
  arena_free(ar);
}

TEST(vector_strings_inline_and_heap) {
  arena *ar = arena_new("batch", 4096);
  vec *v = vec_new(ar, type_make(LT_STRING), 4);
  ASSERT_OK(vec_set_str(v, 0, "", 0), NULL);
  ASSERT_OK(vec_set_str(v, 1, "twelve bytes", 12), NULL);
  ASSERT_OK(vec_set_str(v, 2, "thirteen byte", 13), NULL);
  char longs[300];
  memset(longs, 'q', sizeof longs);
  ASSERT_OK(vec_set_str(v, 3, longs, sizeof longs), NULL);
  v->len = 4;
  lago_str *s = VEC_DATA(v, lago_str);
  ASSERT_EQ_INT(s[0].len, 0);
  ASSERT_EQ_MEM(str_data(&s[1]), "twelve bytes", 12);
  ASSERT_EQ_MEM(str_data(&s[2]), "thirteen byte", 13);
  ASSERT(str_data(&s[3]) != longs); /* copied */
  lago_str a = str_make("abc", 3), b = str_make("abd", 3), c = str_make("ab", 2);
  ASSERT(str_compare(&a, &b) < 0);
  ASSERT(str_compare(&c, &a) < 0);
  ASSERT(str_equal(&a, &a));
  ASSERT(!str_equal(&a, &b));
  arena_free(ar);
}

TEST(vector_const_and_dict_view) {
  arena *ar = arena_new("batch", 4096);
  vec *dict = vec_new(ar, type_make(LT_BIGINT), 3);
  VEC_DATA(dict, int64_t)[0] = 10;
  VEC_DATA(dict, int64_t)[1] = 20;
  VEC_DATA(dict, int64_t)[2] = 30;
  dict->len = 3;
  vec *d = vec_new(ar, type_make(LT_BIGINT), 0);
  ASSERT_OK(vec_make_dict(d, dict, 6), NULL);
  uint32_t codes[6] = {2, 0, 1, 1, 0, 2};
  memcpy(d->data, codes, sizeof codes);
  d->len = 6;
  ASSERT_OK(vec_set_null(d, 3), NULL);
  vec_view vw;
  vec_view_init(&vw, d);
  int64_t sum = 0;
  int nulls = 0;
  for (uint32_t r = 0; r < 6; r++) {
    if (!VIEW_VALID(&vw, r)) { nulls++; continue; }
    sum += ((const int64_t *)vw.data)[VIEW_IDX(&vw, r)];
  }
  ASSERT_EQ_INT(sum, 30 + 10 + 20 + 10 + 30);
  ASSERT_EQ_INT(nulls, 1);
  ASSERT_OK(vec_flatten(d), NULL);
  ASSERT_EQ_INT(d->kind, VEC_FLAT);
  ASSERT_EQ_INT(VEC_DATA(d, int64_t)[0], 30);
  ASSERT(!vec_is_valid(d, 3));

  vec *c = vec_new(ar, type_make(LT_DOUBLE), 1);
  VEC_DATA(c, double)[0] = 2.5;
  ASSERT_OK(vec_make_const(c, 1000), NULL);
  vec_view_init(&vw, c);
  ASSERT(vw.is_const);
  ASSERT(((const double *)vw.data)[VIEW_IDX(&vw, 999)] == 2.5);
  vec *cn = vec_new_const_null(ar, type_make(LT_INT), 50);
  ASSERT_EQ_INT(vec_null_count(cn), 50);
  arena_free(ar);
}

/* Builds ARRAY<STRUCT<a INT, s STRING>> rows: row i has i % 4 elements. */
static vec *build_nested(arena *ar, uint32_t rows) {
  lago_err e;
  lago_err_clear(&e);
  lago_type t;
  if (type_parse(ar, "array<struct<a: int, s: string>>", &t, &e)) return NULL;
  vec *v = vec_new(ar, t, rows);
  if (!v) return NULL;
  for (uint32_t i = 0; i < rows; i++) {
    if (i % 7 == 3) {
      if (vec_set_null(v, i)) return NULL;
      continue;
    }
    uint32_t n = i % 4, off;
    if (vec_list_reserve(v, n, &off)) return NULL;
    for (uint32_t k = 0; k < n; k++) {
      vec *st = v->child;
      VEC_DATA(st->fields[0], int32_t)[off + k] = (int32_t)(i * 10 + k);
      char txt[40];
      int len = snprintf(txt, sizeof txt, "element %u of row %u", k, i);
      if (vec_set_str(st->fields[1], off + k, txt, (uint32_t)len)) return NULL;
    }
    VEC_DATA(v, lago_list)[i] = (lago_list){off, n};
  }
  v->len = rows;
  return v;
}

TEST(vector_nested_gather) {
  arena *ar = arena_new("batch", 4096);
  vec *v = build_nested(ar, 100);
  ASSERT_NE_NULL(v);
  uint32_t want_elems = 0;
  for (uint32_t i = 0; i < 100; i++)
    if (i % 7 != 3) want_elems += i % 4;
  ASSERT_EQ_INT(v->child->len, want_elems);
  uint32_t sel[3] = {5, 3, 99};
  vec *g = vec_new(ar, v->type, 0);
  ASSERT_OK(vec_gather(g, 0, v, sel, 3), NULL);
  ASSERT_EQ_INT(g->len, 3);
  lago_list l0 = VEC_DATA(g, lago_list)[0];
  ASSERT_EQ_INT(l0.length, 1);
  ASSERT_EQ_INT(VEC_DATA(g->child->fields[0], int32_t)[l0.offset], 50);
  ASSERT(!vec_is_valid(g, 1));
  lago_list l2 = VEC_DATA(g, lago_list)[2];
  ASSERT_EQ_INT(l2.length, 3);
  const lago_str *s = &VEC_DATA(g->child->fields[1], lago_str)[l2.offset + 2];
  ASSERT_EQ_MEM(str_data(s), "element 2 of row 99", 19);
  arena_free(ar);
}

TEST(batch_compact_selection) {
  arena *ar = arena_new("batch", 4096);
  lago_type ts[2] = {type_make(LT_BIGINT), type_make(LT_STRING)};
  batch *b = batch_new(ar, 2, ts, LAGO_VECTOR_SIZE);
  ASSERT_NE_NULL(b);
  for (uint32_t i = 0; i < 10; i++) {
    VEC_DATA(&b->cols[0], int64_t)[i] = i;
    char t[32];
    int n = snprintf(t, sizeof t, "a fairly long string %u", i);
    ASSERT_OK(vec_set_str(&b->cols[1], i, t, (uint32_t)n), NULL);
  }
  batch_set_rows(b, 10);
  uint32_t *sel = arena_alloc(ar, 3 * sizeof *sel);
  sel[0] = 1; sel[1] = 4; sel[2] = 9;
  b->sel = sel;
  b->n_rows = 3;
  ASSERT_EQ_INT(batch_row(b, 2), 9);
  ASSERT_OK(batch_compact(b), NULL);
  ASSERT(b->sel == NULL);
  ASSERT_EQ_INT(VEC_DATA(&b->cols[0], int64_t)[2], 9);
  ASSERT_EQ_MEM(str_data(&VEC_DATA(&b->cols[1], lago_str)[1]), "a fairly long string 4", 22);
  arena_free(ar);
}

static int construct_all(void *ud) {
  (void)ud;
  arena *ar = arena_new("oom", 256);
  if (!ar) return LAGO_NOMEM;
  int rc = LAGO_NOMEM;
  lago_err e;
  lago_err_clear(&e);
  lago_type ts[4];
  ts[0] = type_make(LT_BIGINT);
  ts[1] = type_make(LT_STRING);
  ts[2] = type_decimal(30, 4);
  if (type_parse(ar, "map<string, struct<x: array<int>, y: double>>", &ts[3], &e)) goto done;
  batch *b = batch_new(ar, 4, ts, 64);
  if (!b) goto done;
  for (uint32_t i = 0; i < 64; i++) {
    if (vec_set_str(&b->cols[1], i, "a string longer than twelve", 27)) goto done;
    if (i % 5 == 0 && vec_set_null(&b->cols[0], i)) goto done;
  }
  if (vec_reserve(&b->cols[0], 5000)) goto done;
  if (!build_nested(ar, 40)) goto done;
  rc = LAGO_OK;
done:
  arena_free(ar);
  return rc;
}

TEST(vector_oom_sweep) {
  int runs = test_oom_sweep(construct_all, NULL, 10000);
  ASSERT(runs > 5);
}
