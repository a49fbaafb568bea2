/*
** tests/unit/vec/test_value_text.c: the canonical text of every type,
** including nulls inside nested values.
*/
#include <math.h>

#include "test.h"
#include "vec/value_text.h"

static const char *render(arena *ar, const vec *v, uint32_t row) {
  buf b;
  buf_init(&b);
  ASSERT_OK(value_text_append(&b, v, row), NULL);
  char *s = arena_strdup(ar, buf_cstr(&b));
  buf_deinit(&b);
  return s;
}

TEST(value_text_scalars) {
  arena *ar = arena_new("t", 4096);
  vec *v = vec_new(ar, type_make(LT_BOOLEAN), 2);
  VEC_DATA(v, uint8_t)[0] = 1;
  ASSERT_OK(vec_set_null(v, 1), NULL);
  ASSERT_EQ_STR(render(ar, v, 0), "true");
  ASSERT_EQ_STR(render(ar, v, 1), "\\N");
  v = vec_new(ar, type_decimal(4, 2), 2);
  VEC_DATA(v, int64_t)[0] = -1;
  ASSERT_EQ_STR(render(ar, v, 0), "-0.01");
  v = vec_new(ar, type_decimal(25, 2), 1);
  lago_i128 big = (lago_i128)123456789012345678 * 1000;
  memcpy(v->data, &big, sizeof big);
  ASSERT_EQ_STR(render(ar, v, 0), "1234567890123456780.00");
  v = vec_new(ar, type_make(LT_STRING), 2);
  ASSERT_OK(vec_set_str(v, 0, "say \"hi\", \\N\n", 13), NULL);
  ASSERT_OK(vec_set_str(v, 1, "", 0), NULL);
  ASSERT_EQ_STR(render(ar, v, 0), "\"say \"\"hi\"\", \\N\n\"");
  ASSERT_EQ_STR(render(ar, v, 1), "\"\"");
  v = vec_new(ar, type_make(LT_BINARY), 2);
  ASSERT_OK(vec_set_str(v, 0, "\x00\xab", 2), NULL);
  ASSERT_OK(vec_set_str(v, 1, "", 0), NULL);
  ASSERT_EQ_STR(render(ar, v, 0), "0x00ab");
  ASSERT_EQ_STR(render(ar, v, 1), "0x");
  v = vec_new(ar, type_make(LT_TIMESTAMP), 1);
  VEC_DATA(v, int64_t)[0] = INT64_C(1317939709580000);
  ASSERT_EQ_STR(render(ar, v, 0), "2011-10-06 22:21:49.58+00");
  v = vec_new(ar, type_make(LT_TIMESTAMP_NTZ), 1);
  VEC_DATA(v, int64_t)[0] = 0;
  ASSERT_EQ_STR(render(ar, v, 0), "1970-01-01 00:00:00");
  v = vec_new(ar, type_make(LT_TIME_UTC), 1);
  VEC_DATA(v, int64_t)[0] = 1;
  ASSERT_EQ_STR(render(ar, v, 0), "00:00:00.000001+00");
  v = vec_new(ar, type_make(LT_INTERVAL), 1);
  VEC_DATA(v, lago_interval)[0] = (lago_interval){14, 3, INT64_C(14706007000)};
  ASSERT_EQ_STR(render(ar, v, 0), "14 months 3 days 14706007000 micros");
  v = vec_new(ar, type_make(LT_UUID), 1);
  memcpy(v->data, "\x01\x23\x45\x67\x89\xab\xcd\xef\x01\x23\x45\x67\x89\xab\xcd\xef", 16);
  ASSERT_EQ_STR(render(ar, v, 0), "01234567-89ab-cdef-0123-456789abcdef");
  v = vec_new(ar, type_make(LT_FLOAT), 1);
  VEC_DATA(v, float)[0] = -NAN;
  ASSERT_EQ_STR(render(ar, v, 0), "-nan");
  v = vec_new(ar, type_make(LT_UBIGINT), 1);
  VEC_DATA(v, uint64_t)[0] = UINT64_MAX;
  ASSERT_EQ_STR(render(ar, v, 0), "18446744073709551615");
  arena_free(ar);
}

TEST(value_text_nested) {
  arena *ar = arena_new("t", 4096);
  lago_err e;
  lago_err_clear(&e);
  lago_type t;
  ASSERT_OK(type_parse(ar, "struct<aa: string, ac: struct<aca: int>, l: array<int>, m: map<string,double>>", &t, &e), &e);
  vec *v = vec_new(ar, t, 2);
  vec *aa = v->fields[0], *ac = v->fields[1], *l = v->fields[2], *m = v->fields[3];
  ASSERT_OK(vec_set_str(aa, 0, "0", 1), NULL);
  VEC_DATA(ac->fields[0], int32_t)[0] = 0;
  uint32_t off;
  ASSERT_OK(vec_list_reserve(l, 3, &off), NULL);
  VEC_DATA(l->child, int32_t)[off] = 0;
  ASSERT_OK(vec_set_null(l->child, off + 1), NULL);
  VEC_DATA(l->child, int32_t)[off + 2] = 1;
  VEC_DATA(l, lago_list)[0] = (lago_list){off, 3};
  ASSERT_OK(vec_list_reserve(m, 2, &off), NULL);
  ASSERT_OK(vec_set_str(m->child->fields[0], off, "k", 1), NULL);
  VEC_DATA(m->child->fields[1], double)[off] = 1.5;
  ASSERT_OK(vec_set_str(m->child->fields[0], off + 1, "z", 1), NULL);
  ASSERT_OK(vec_set_null(m->child->fields[1], off + 1), NULL);
  VEC_DATA(m, lago_list)[0] = (lago_list){off, 2};
  v->len = 2;
  ASSERT_EQ_STR(render(ar, v, 0), "{\"aa\":\"0\",\"ac\":{\"aca\":0},\"l\":[0,\\N,1],\"m\":{\"k\":1.5,\"z\":\\N}}");
  ASSERT_OK(vec_set_null(v, 1), NULL);
  ASSERT_EQ_STR(render(ar, v, 1), "\\N");
  /* empty list */
  VEC_DATA(l, lago_list)[0] = (lago_list){0, 0};
  ASSERT_CONTAINS(render(ar, v, 0), "\"l\":[]");
  arena_free(ar);
}
