/*
** tests/unit/format/test_pq_write_levels.c: the lago -> Parquet schema
** mapping (write_schema.c) and the shredding of nested vectors into
** definition/repetition levels and physical values (write_levels.c), with
** levels computed by hand from the Dremel rules.
*/
#include "format/parquet/pq_write_int.h"
#include "test.h"
#include "util/bits.h"

typedef struct fx {
  arena *ar;
  lago_err e;
  pqw_schema sc;
  pqw_shred sh;
} fx;

static void fx_init(fx *f, const char *schema_text) {
  f->ar = arena_new("t", 4096);
  lago_err_clear(&f->e);
  lago_type t;
  ASSERT_OK(type_parse(f->ar, schema_text, &t, &f->e), &f->e);
  ASSERT_OK(pqw_schema_build(f->ar, t, &f->sc, &f->e), &f->e);
  pqw_shred_init(&f->sh);
}

static void fx_free(fx *f) {
  pqw_shred_deinit(&f->sh);
  arena_free(f->ar);
}

static void expect_levels(const pqw_leaf_desc *L, const pqw_shred *s, const uint16_t *def, const uint16_t *rep,
                          size_t n) {
  ASSERT_EQ_UINT(s->n_lvl, n);
  for (size_t i = 0; i < n; i++) {
    if (L->max_def && s->def[i] != def[i]) {
      fprintf(stderr, "  level %zu: def %u, want %u\n", i, s->def[i], def[i]);
      ASSERT(0);
    }
    if (L->max_rep && s->rep[i] != rep[i]) {
      fprintf(stderr, "  level %zu: rep %u, want %u\n", i, s->rep[i], rep[i]);
      ASSERT(0);
    }
  }
}

static void set_list(vec *v, uint32_t row, uint32_t off, uint32_t len) {
  VEC_DATA(v, lago_list)[row].offset = off;
  VEC_DATA(v, lago_list)[row].length = len;
}

TEST(pqw_schema_mapping) {
  fx f;
  fx_init(&f, "STRUCT<a: TINYINT, b: DECIMAL(20,2) NOT NULL, c: ARRAY<STRING>, d: MAP<STRING, INT>, "
              "e: STRUCT<x: TIMESTAMP, y: TIMESTAMP_NTZ>, g: DECIMAL(9,1), h: DECIMAL(18,3)>");
  const pqw_schema *s = &f.sc;
  /* root, a, b, c, list, element, d, key_value, key, value, e, x, y, g, h */
  ASSERT_EQ_UINT(s->n_elements, 15);
  ASSERT_EQ_UINT(s->n_leaves, 9);
  const pq_schema_element *el = s->elements;
  ASSERT_EQ_STR(el[0].name, "schema");
  ASSERT(!el[0].has_repetition);
  ASSERT_EQ_INT(el[0].num_children, 7);
  ASSERT_EQ_STR(el[1].name, "a");
  ASSERT_EQ_INT(el[1].type, PQT_INT32);
  ASSERT_EQ_INT(el[1].converted, PQC_INT_8);
  ASSERT_EQ_INT(el[1].logical.kind, PQL_INTEGER);
  ASSERT_EQ_INT(el[1].logical.bit_width, 8);
  ASSERT_EQ_INT(el[1].repetition, PQR_OPTIONAL);
  ASSERT_EQ_INT(el[2].type, PQT_FIXED_LEN_BYTE_ARRAY);
  ASSERT_EQ_INT(el[2].type_length, 9);
  ASSERT_EQ_INT(el[2].repetition, PQR_REQUIRED);
  ASSERT_EQ_INT(el[2].precision, 20);
  ASSERT_EQ_INT(el[2].scale, 2);
  ASSERT_EQ_INT(el[3].converted, PQC_LIST);
  ASSERT_EQ_STR(el[4].name, "list");
  ASSERT_EQ_INT(el[4].repetition, PQR_REPEATED);
  ASSERT_EQ_STR(el[5].name, "element");
  ASSERT_EQ_INT(el[5].converted, PQC_UTF8);
  ASSERT_EQ_INT(el[5].logical.kind, PQL_STRING);
  ASSERT_EQ_INT(el[6].converted, PQC_MAP);
  ASSERT_EQ_STR(el[7].name, "key_value");
  ASSERT_EQ_INT(el[7].num_children, 2);
  ASSERT_EQ_STR(el[8].name, "key");
  ASSERT_EQ_INT(el[8].repetition, PQR_REQUIRED);
  ASSERT_EQ_STR(el[9].name, "value");
  ASSERT_EQ_INT(el[9].repetition, PQR_OPTIONAL);
  ASSERT_EQ_INT(el[11].converted, PQC_TIMESTAMP_MICROS);
  ASSERT(el[11].logical.is_adjusted_to_utc);
  ASSERT_EQ_INT(el[12].converted, PQC_NONE); /* NTZ: no legacy type, which would mean UTC */
  ASSERT(!el[12].logical.is_adjusted_to_utc);
  ASSERT_EQ_INT(el[13].type, PQT_INT32);
  ASSERT_EQ_INT(el[14].type, PQT_INT64);
  /* leaves: levels and paths */
  const pqw_leaf_desc *L = s->leaves;
  ASSERT_EQ_INT(L[1].max_def, 0);
  ASSERT_EQ_INT(L[2].max_def, 3);
  ASSERT_EQ_INT(L[2].max_rep, 1);
  ASSERT_EQ_STR(L[2].dotted, "c.list.element");
  ASSERT_EQ_INT(L[3].max_def, 2); /* key: map optional + repeated, key required */
  ASSERT_EQ_INT(L[4].max_def, 3);
  ASSERT_EQ_STR(L[4].dotted, "d.key_value.value");
  ASSERT_EQ_INT(L[5].max_def, 2);
  ASSERT(L[4].in_list && !L[5].in_list);
  fx_free(&f);
}

TEST(pqw_schema_decimal_widths) {
  /* Spark's minimal FLBA widths (DecimalType.minBytesForPrecision). */
  static const int want[39] = {0, 1, 1, 2, 2, 3, 3, 4, 4, 4, 5, 5, 6, 6, 6, 7, 7, 8, 8, 9,
                               9, 9, 10, 10, 11, 11, 11, 12, 12, 13, 13, 13, 14, 14, 15, 15, 16, 16, 16};
  for (int p = 1; p <= 38; p++) ASSERT_EQ_INT(pqw_decimal_flba_width(p), want[p]);
}

TEST(pqw_schema_refused) {
  arena *ar = arena_new("t", 1024);
  lago_err e;
  lago_err_clear(&e);
  pqw_schema s;
  ASSERT_RC(pqw_schema_build(ar, type_make(LT_INT), &s, &e), LAGO_MISUSE);
  lago_err_clear(&e);
  const char *n[1] = {"z"};
  lago_type nt = type_make(LT_NULL), st;
  ASSERT_OK(type_struct(ar, 1, n, &nt, NULL, &st), NULL);
  ASSERT_RC(pqw_schema_build(ar, st, &s, &e), LAGO_UNSUPPORTED);
  ASSERT_CONTAINS(e.msg, "'z'");
  lago_err_clear(&e);
  lago_type empty;
  ASSERT_OK(type_struct(ar, 0, NULL, NULL, NULL, &empty), NULL);
  ASSERT_RC(pqw_schema_build(ar, empty, &s, &e), LAGO_UNSUPPORTED);
  lago_err_clear(&e);
  ASSERT_OK(type_struct(ar, 1, n, &empty, NULL, &st), NULL);
  ASSERT_RC(pqw_schema_build(ar, st, &s, &e), LAGO_UNSUPPORTED);
  ASSERT_CONTAINS(e.msg, "no fields");
  arena_free(ar);
}

TEST(pqw_levels_list) {
  /* a ARRAY<INT>, both nullable: NULL | [] | [NULL] | [1, 2] */
  fx f;
  fx_init(&f, "STRUCT<a: ARRAY<INT>>");
  const pqw_leaf_desc *L = &f.sc.leaves[0];
  ASSERT_EQ_INT(L->max_def, 3);
  ASSERT_EQ_INT(L->max_rep, 1);
  lago_type at;
  ASSERT_OK(type_array(f.ar, type_make(LT_INT), true, &at), NULL);
  vec *a = vec_new(f.ar, at, 4);
  uint32_t off;
  ASSERT_OK(vec_list_reserve(a, 3, &off), NULL);
  ASSERT_OK(vec_set_null(a->child, 0), NULL);
  VEC_DATA(a->child, int32_t)[1] = 1;
  VEC_DATA(a->child, int32_t)[2] = 2;
  ASSERT_OK(vec_set_null(a, 0), NULL);
  set_list(a, 1, 0, 0);
  set_list(a, 2, 0, 1);
  set_list(a, 3, 1, 2);
  a->len = 4;
  ASSERT_OK(pqw_shred_rows(L, a, NULL, 0, 4, &f.sh, &f.e), &f.e);
  static const uint16_t def[] = {0, 1, 2, 3, 3}, rep[] = {0, 0, 0, 0, 1};
  expect_levels(L, &f.sh, def, rep, 5);
  ASSERT_EQ_UINT(f.sh.n_vals, 2);
  ASSERT_EQ_INT(((int32_t *)f.sh.vals.data)[0], 1);
  ASSERT_EQ_INT(((int32_t *)f.sh.vals.data)[1], 2);
  ASSERT_EQ_UINT(f.sh.row_lvl[0], 0);
  ASSERT_EQ_UINT(f.sh.row_lvl[3], 3);
  ASSERT_EQ_UINT(f.sh.row_lvl[4], 5);
  /* With a selection vector: rows 3, 1 only. */
  uint32_t sel[2] = {1, 3};
  ASSERT_OK(pqw_shred_rows(L, a, sel, 0, 2, &f.sh, &f.e), &f.e);
  static const uint16_t def2[] = {1, 3, 3}, rep2[] = {0, 0, 1};
  expect_levels(L, &f.sh, def2, rep2, 3);
  fx_free(&f);
}

TEST(pqw_levels_nested_lists_and_structs) {
  /* ll ARRAY<ARRAY<INT>>: [[1, 2], [3]] | [[]] | [NULL, []] | []
     element of the inner list: max_def 5 (outer opt, outer rep, inner opt, inner rep, element opt), max_rep 2 */
  fx f;
  fx_init(&f, "STRUCT<ll: ARRAY<ARRAY<INT>>>");
  const pqw_leaf_desc *L = &f.sc.leaves[0];
  ASSERT_EQ_INT(L->max_def, 5);
  ASSERT_EQ_INT(L->max_rep, 2);
  lago_type inner, outer;
  ASSERT_OK(type_array(f.ar, type_make(LT_INT), true, &inner), NULL);
  ASSERT_OK(type_array(f.ar, inner, true, &outer), NULL);
  vec *ll = vec_new(f.ar, outer, 4);
  vec *in = ll->child;
  uint32_t off;
  ASSERT_OK(vec_list_reserve(ll, 5, &off), NULL); /* inner lists 0..4 */
  ASSERT_OK(vec_list_reserve(in, 3, &off), NULL); /* ints 0..2 */
  for (int i = 0; i < 3; i++) VEC_DATA(in->child, int32_t)[i] = i + 1;
  set_list(in, 0, 0, 2);
  set_list(in, 1, 2, 1);
  set_list(in, 2, 0, 0);
  ASSERT_OK(vec_set_null(in, 3), NULL);
  set_list(in, 4, 0, 0);
  set_list(ll, 0, 0, 2);
  set_list(ll, 1, 2, 1);
  set_list(ll, 2, 3, 2);
  set_list(ll, 3, 0, 0);
  ll->len = 4;
  ASSERT_OK(pqw_shred_rows(L, ll, NULL, 0, 4, &f.sh, &f.e), &f.e);
  static const uint16_t def[] = {5, 5, 5, 3, 2, 3, 1}, rep[] = {0, 2, 1, 0, 0, 1, 0};
  expect_levels(L, &f.sh, def, rep, 7);
  ASSERT_EQ_UINT(f.sh.n_vals, 3);
  fx_free(&f);

  /* s STRUCT<x: INT, y: STRUCT<z: STRING NOT NULL>>: {1, {"a"}} | NULL | {NULL, NULL} */
  fx_init(&f, "STRUCT<s: STRUCT<x: INT, y: STRUCT<z: STRING NOT NULL>>>");
  ASSERT_EQ_UINT(f.sc.n_leaves, 2);
  const pqw_leaf_desc *Lx = &f.sc.leaves[0], *Lz = &f.sc.leaves[1];
  ASSERT_EQ_INT(Lx->max_def, 2);
  ASSERT_EQ_INT(Lz->max_def, 2); /* s optional, y optional, z required */
  lago_type st;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(type_parse(f.ar, "STRUCT<x: INT, y: STRUCT<z: STRING NOT NULL>>", &st, &e), &e);
  vec *s = vec_new(f.ar, st, 3);
  VEC_DATA(s->fields[0], int32_t)[0] = 1;
  ASSERT_OK(vec_set_str(s->fields[1]->fields[0], 0, "a", 1), NULL);
  ASSERT_OK(vec_set_null(s, 1), NULL);
  ASSERT_OK(vec_set_null(s->fields[0], 2), NULL);
  ASSERT_OK(vec_set_null(s->fields[1], 2), NULL);
  s->len = 3;
  ASSERT_OK(pqw_shred_rows(Lx, s, NULL, 0, 3, &f.sh, &f.e), &f.e);
  static const uint16_t dx[] = {2, 0, 1};
  expect_levels(Lx, &f.sh, dx, NULL, 3);
  ASSERT_OK(pqw_shred_rows(Lz, s, NULL, 0, 3, &f.sh, &f.e), &f.e);
  static const uint16_t dz[] = {2, 0, 1};
  expect_levels(Lz, &f.sh, dz, NULL, 3);
  ASSERT_EQ_UINT(f.sh.n_vals, 1);
  /* A NULL in the required z of a present y is an error, not a crash. */
  ASSERT_OK(vec_set_null(s->fields[1]->fields[0], 0), NULL);
  ASSERT_RC(pqw_shred_rows(Lz, s, NULL, 0, 3, &f.sh, &f.e), LAGO_RUNTIME);
  ASSERT_CONTAINS(f.e.msg, "non-nullable field 'z'");
  fx_free(&f);
}

TEST(pqw_levels_map) {
  /* m MAP<STRING, INT>: {a: 1, b: NULL} | {} | NULL */
  fx f;
  fx_init(&f, "STRUCT<m: MAP<STRING, INT>>");
  const pqw_leaf_desc *K = &f.sc.leaves[0], *V = &f.sc.leaves[1];
  ASSERT_EQ_INT(K->max_def, 2);
  ASSERT_EQ_INT(V->max_def, 3);
  lago_type mt;
  ASSERT_OK(type_map(f.ar, type_make(LT_STRING), type_make(LT_INT), true, &mt), NULL);
  vec *m = vec_new(f.ar, mt, 3);
  uint32_t off;
  ASSERT_OK(vec_list_reserve(m, 2, &off), NULL);
  vec *kv = m->child;
  ASSERT_OK(vec_set_str(kv->fields[0], 0, "a", 1), NULL);
  ASSERT_OK(vec_set_str(kv->fields[0], 1, "b", 1), NULL);
  VEC_DATA(kv->fields[1], int32_t)[0] = 1;
  ASSERT_OK(vec_set_null(kv->fields[1], 1), NULL);
  ASSERT_OK(vec_set_null(kv, 1), NULL); /* key_value row validity means nothing */
  set_list(m, 0, 0, 2);
  set_list(m, 1, 0, 0);
  ASSERT_OK(vec_set_null(m, 2), NULL);
  m->len = 3;
  ASSERT_OK(pqw_shred_rows(K, m, NULL, 0, 3, &f.sh, &f.e), &f.e);
  static const uint16_t kd[] = {2, 2, 1, 0}, kr[] = {0, 1, 0, 0};
  expect_levels(K, &f.sh, kd, kr, 4);
  ASSERT_OK(pqw_shred_rows(V, m, NULL, 0, 3, &f.sh, &f.e), &f.e);
  static const uint16_t vd[] = {3, 2, 1, 0}, vr[] = {0, 1, 0, 0};
  expect_levels(V, &f.sh, vd, vr, 4);
  ASSERT_EQ_UINT(f.sh.n_vals, 1);
  /* A NULL key is an error. */
  ASSERT_OK(vec_set_null(kv->fields[0], 1), NULL);
  ASSERT_RC(pqw_shred_rows(K, m, NULL, 0, 3, &f.sh, &f.e), LAGO_RUNTIME);
  fx_free(&f);
}

TEST(pqw_levels_const_dict) {
  /* The same logical rows as FLAT, CONST and DICT vectors give the same levels and values. */
  fx f;
  fx_init(&f, "STRUCT<a: ARRAY<BIGINT>>");
  const pqw_leaf_desc *L = &f.sc.leaves[0];
  lago_type at;
  ASSERT_OK(type_array(f.ar, type_make(LT_BIGINT), true, &at), NULL);
  /* dictionary: [7, 8], NULL-free */
  vec *dict = vec_new(f.ar, at, 2);
  uint32_t off;
  ASSERT_OK(vec_list_reserve(dict, 2, &off), NULL);
  VEC_DATA(dict->child, int64_t)[0] = 7;
  VEC_DATA(dict->child, int64_t)[1] = 8;
  set_list(dict, 0, 0, 2);
  set_list(dict, 1, 1, 0);
  dict->len = 2;
  vec d;
  ASSERT_OK(vec_init(&d, f.ar, at, 3), NULL);
  ASSERT_OK(vec_make_dict(&d, dict, 3), NULL);
  VEC_DATA(&d, uint32_t)[0] = 0;
  VEC_DATA(&d, uint32_t)[1] = 1;
  VEC_DATA(&d, uint32_t)[2] = 0;
  ASSERT_OK(vec_set_null(&d, 1), NULL); /* row 1 is NULL despite its code */
  d.len = 3;
  ASSERT_OK(pqw_shred_rows(L, &d, NULL, 0, 3, &f.sh, &f.e), &f.e);
  static const uint16_t def[] = {3, 3, 0, 3, 3}, rep[] = {0, 1, 0, 0, 1};
  expect_levels(L, &f.sh, def, rep, 5);
  ASSERT_EQ_UINT(f.sh.n_vals, 4);
  ASSERT_EQ_INT(((int64_t *)f.sh.vals.data)[3], 8);
  /* CONST: row 0 of dict's shape for 3 rows */
  vec *c = vec_new(f.ar, at, 1);
  ASSERT_OK(vec_list_reserve(c, 1, &off), NULL);
  VEC_DATA(c->child, int64_t)[0] = 5;
  set_list(c, 0, 0, 1);
  ASSERT_OK(vec_make_const(c, 3), NULL);
  ASSERT_OK(pqw_shred_rows(L, c, NULL, 0, 3, &f.sh, &f.e), &f.e);
  static const uint16_t cdef[] = {3, 3, 3}, crep[] = {0, 0, 0};
  expect_levels(L, &f.sh, cdef, crep, 3);
  /* a CONST NULL */
  vec *cn = vec_new_const_null(f.ar, at, 2);
  ASSERT_OK(pqw_shred_rows(L, cn, NULL, 0, 2, &f.sh, &f.e), &f.e);
  static const uint16_t ndef[] = {0, 0}, nrep[] = {0, 0};
  expect_levels(L, &f.sh, ndef, nrep, 2);
  fx_free(&f);

  /* Flat column: DICT of strings with nulls and a selection vector. */
  fx_init(&f, "STRUCT<s: STRING>");
  L = &f.sc.leaves[0];
  vec *sd = vec_new(f.ar, type_make(LT_STRING), 2);
  ASSERT_OK(vec_set_str(sd, 0, "x", 1), NULL);
  ASSERT_OK(vec_set_str(sd, 1, "a much longer string value", 26), NULL);
  sd->len = 2;
  vec s;
  ASSERT_OK(vec_init(&s, f.ar, type_make(LT_STRING), 4), NULL);
  ASSERT_OK(vec_make_dict(&s, sd, 4), NULL);
  for (int i = 0; i < 4; i++) VEC_DATA(&s, uint32_t)[i] = (uint32_t)(i & 1);
  ASSERT_OK(vec_set_null(&s, 2), NULL);
  s.len = 4;
  uint32_t sel[3] = {1, 2, 3};
  ASSERT_OK(pqw_shred_rows(L, &s, sel, 0, 3, &f.sh, &f.e), &f.e);
  static const uint16_t sdef[] = {1, 0, 1};
  expect_levels(L, &f.sh, sdef, NULL, 3);
  ASSERT_EQ_UINT(f.sh.n_vals, 2);
  const lago_str *vs = (const lago_str *)f.sh.vals.data;
  ASSERT_EQ_UINT(vs[0].len, 26);
  ASSERT_EQ_UINT(f.sh.plain_bytes, 4 + 26 + 4 + 26);
  fx_free(&f);
}

TEST(pqw_levels_conversions) {
  fx f;
  fx_init(&f, "STRUCT<a: DECIMAL(38,0)>");
  const pqw_leaf_desc *L = &f.sc.leaves[0];
  ASSERT_EQ_INT(L->fl_width, 16);
  vec *v = vec_new(f.ar, type_decimal(38, 0), 2);
  lago_i128 x = -2;
  memcpy(VEC_DATA(v, lago_i128), &x, sizeof x);
  x = 258;
  memcpy(VEC_DATA(v, lago_i128) + 1, &x, sizeof x);
  uint8_t out[16];
  ASSERT_OK(pqw_convert_value(L, v, 0, out, &f.e), &f.e);
  for (int i = 0; i < 15; i++) ASSERT_EQ_UINT(out[i], 0xff);
  ASSERT_EQ_UINT(out[15], 0xfe);
  ASSERT_OK(pqw_convert_value(L, v, 1, out, &f.e), &f.e);
  ASSERT_EQ_UINT(out[14], 1);
  ASSERT_EQ_UINT(out[15], 2);
  fx_free(&f);

  fx_init(&f, "STRUCT<a: DECIMAL(20,2)>");
  L = &f.sc.leaves[0];
  ASSERT_EQ_INT(L->fl_width, 9);
  v = vec_new(f.ar, type_decimal(20, 2), 1);
  x = -((lago_i128)1 << 64); /* needs 9 bytes: ff ff ff ff ff ff ff ff 00 ... */
  memcpy(VEC_DATA(v, lago_i128), &x, sizeof x);
  ASSERT_OK(pqw_convert_value(L, v, 0, out, &f.e), &f.e);
  static const uint8_t want9[9] = {0xff, 0, 0, 0, 0, 0, 0, 0, 0};
  ASSERT_EQ_MEM(out, want9, 9);
  fx_free(&f);

  /* INTERVAL: months, days, milliseconds as u32 LE; sub-millisecond digits dropped; negatives refused. */
  f.ar = arena_new("t", 1024);
  lago_err_clear(&f.e);
  const char *n[1] = {"iv"};
  lago_type it = type_make(LT_INTERVAL), st;
  ASSERT_OK(type_struct(f.ar, 1, n, &it, NULL, &st), NULL);
  ASSERT_OK(pqw_schema_build(f.ar, st, &f.sc, &f.e), &f.e);
  pqw_shred_init(&f.sh);
  L = &f.sc.leaves[0];
  v = vec_new(f.ar, it, 2);
  VEC_DATA(v, lago_interval)[0] = (lago_interval){14, 3, 1500999};
  VEC_DATA(v, lago_interval)[1] = (lago_interval){-1, 0, 0};
  ASSERT_OK(pqw_convert_value(L, v, 0, out, &f.e), &f.e);
  ASSERT_EQ_UINT(load_le32(out), 14);
  ASSERT_EQ_UINT(load_le32(out + 4), 3);
  ASSERT_EQ_UINT(load_le32(out + 8), 1500);
  ASSERT_RC(pqw_convert_value(L, v, 1, out, &f.e), LAGO_RUNTIME);
  ASSERT_CONTAINS(f.e.msg, "INTERVAL -1 months");
  fx_free(&f);

  /* Small ints widen to INT32 with their sign (or without, for unsigned). */
  fx_init(&f, "STRUCT<t: TINYINT>");
  L = &f.sc.leaves[0];
  v = vec_new(f.ar, type_make(LT_TINYINT), 1);
  VEC_DATA(v, int8_t)[0] = -5;
  ASSERT_OK(pqw_convert_value(L, v, 0, out, &f.e), &f.e);
  ASSERT_EQ_INT((int32_t)load_le32(out), -5);
  fx_free(&f);
}
