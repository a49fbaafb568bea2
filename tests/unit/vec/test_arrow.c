/*
** tests/unit/vec/test_arrow.c: Arrow C data export and import of lago
** vectors (vec/arrow.h). Every type id and nested combinations go out and
** back in, and each row's canonical text (vec/value_text.h) must match;
** schemas are compared with type_equal and format strings against
** literals. Also: selections, CONST/DICT vectors, out-of-order lists,
** zero-copy with keep/borrow, moving children out before releasing the
** parent, imports with a non-zero offset, and allocation-failure sweeps.
** Hand-built arrays and malformed input are in test_arrow_layout.c.
*/
#include "test.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "vec/arrow_int.h"
#include "vec/value_text.h"

/* ---- random data ------------------------------------------------------------ */

static uint64_t rnd(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

static lago_type parse(arena *ar, const char *text) {
  lago_type t;
  lago_err e;
  lago_err_clear(&e);
  int rc = type_parse(ar, text, &t, &e);
  ASSERT_OK(rc, &e);
  return t;
}

/* Fills row `row` of FLAT vector v with a random value (null with probability null_pct%). */
static void fill(vec *v, uint32_t row, uint64_t *rs, int null_pct, int depth) {
  if (row >= v->cap) ASSERT_OK(vec_reserve(v, row + 1), NULL);
  if (v->len <= row) v->len = row + 1;
  lago_type t = v->type;
  if (t.id == LT_NULL || (int)(rnd(rs) % 100) < null_pct) {
    ASSERT_OK(vec_set_null(v, row), NULL);
    size_t w = type_width(t);
    if (w) memset((char *)v->data + (size_t)row * w, 0, w);
    if (t.id == LT_STRUCT)
      for (uint32_t k = 0; k < type_n_fields(t); k++) fill(v->fields[k], row, rs, 100, depth + 1);
    return;
  }
  vec_set_valid(v, row);
  uint64_t r = rnd(rs);
  void *d = v->data;
  switch ((lago_type_id)t.id) {
    case LT_BOOLEAN: ((uint8_t *)d)[row] = r & 1; break;
    case LT_TINYINT: case LT_UTINYINT: ((uint8_t *)d)[row] = (uint8_t)r; break;
    case LT_SMALLINT: case LT_USMALLINT: ((uint16_t *)d)[row] = (uint16_t)r; break;
    case LT_INT: case LT_UINT: ((uint32_t *)d)[row] = (uint32_t)r; break;
    case LT_BIGINT: case LT_UBIGINT: ((uint64_t *)d)[row] = r; break;
    case LT_FLOAT: ((float *)d)[row] = (float)((int32_t)r) / 64.0f; break;
    case LT_DOUBLE: ((double *)d)[row] = (double)(int64_t)r / 3.0; break;
    case LT_DECIMAL: {
      lago_i128 lim = 1;
      for (int i = 0; i < t.precision; i++) lim *= 10;
      lago_i128 x = (((lago_i128)(r >> 1) << 64) | rnd(rs)) % lim;
      if (r & 1) x = -x;
      if (r % 17 == 0) x = (r & 2) ? lim - 1 : -(lim - 1); /* extremes */
      if (type_decimal_is_wide(t)) memcpy((char *)d + (size_t)row * 16, &x, 16);
      else ((int64_t *)d)[row] = (int64_t)x;
      break;
    }
    case LT_STRING: case LT_BINARY: {
      static const uint32_t lens[] = {0, 1, 5, 12, 13, 40};
      char tmp[64];
      uint32_t n = lens[r % 6];
      for (uint32_t i = 0; i < n; i++)
        tmp[i] = t.id == LT_STRING ? "ab\"c d,x\\yz"[rnd(rs) % 11] : (char)rnd(rs);
      ASSERT_OK(vec_set_str(v, row, tmp, n), NULL);
      break;
    }
    case LT_DATE: ((int32_t *)d)[row] = (int32_t)(r % 2000001) - 1000000; break;
    case LT_TIMESTAMP: case LT_TIMESTAMP_NTZ:
      ((int64_t *)d)[row] = (int64_t)(r % INT64_C(8000000000000000)) - INT64_C(4000000000000000);
      break;
    case LT_TIMESTAMP_NS: ((int64_t *)d)[row] = (int64_t)r; break;
    case LT_TIME: case LT_TIME_UTC: ((int64_t *)d)[row] = (int64_t)(r % (uint64_t)INT64_C(86400000000)); break;
    case LT_INTERVAL: {
      lago_interval iv = {(int32_t)(r % 2001) - 1000, (int32_t)(rnd(rs) % 2001) - 1000,
                          (int64_t)(rnd(rs) % INT64_C(18000000000000000)) - INT64_C(9000000000000000)};
      ((lago_interval *)d)[row] = iv;
      break;
    }
    case LT_UUID:
      for (int i = 0; i < 16; i++) ((uint8_t *)d)[(size_t)row * 16 + i] = (uint8_t)rnd(rs);
      break;
    case LT_STRUCT:
      for (uint32_t k = 0; k < type_n_fields(t); k++)
        fill(v->fields[k], row, rs, type_field_at(t, k)->nullable ? null_pct : 0, depth + 1);
      break;
    case LT_ARRAY: case LT_MAP: {
      uint32_t k = depth > 3 ? 0 : (uint32_t)(r % 4), off;
      ASSERT_OK(vec_list_reserve(v, k, &off), NULL);
      vec *c = v->child;
      for (uint32_t j = 0; j < k; j++) {
        if (t.id == LT_ARRAY) {
          fill(c, off + j, rs, type_field_at(t, 0)->nullable ? null_pct : 0, depth + 1);
        } else {
          fill(c, off + j, rs, 0, depth + 1); /* the entry struct: never null; its key field is NOT NULL */
        }
      }
      ((lago_list *)v->data)[row] = (lago_list){off, k};
      break;
    }
    case LT_NULL: case LT_INVALID: case LT__COUNT: break;
  }
}

/* A batch of n rows, one column per type text, random values. */
static batch *make_batch(arena *ar, uint32_t n_cols, const char *const *types, uint32_t n, uint64_t seed, int null_pct) {
  lago_type ts[64] = {{0}};
  for (uint32_t c = 0; c < n_cols; c++) ts[c] = parse(ar, types[c]);
  batch *b = batch_new(ar, n_cols, ts, n ? n : 1);
  ASSERT_NE_NULL(b);
  uint64_t rs = seed | 1;
  for (uint32_t c = 0; c < n_cols; c++)
    for (uint32_t i = 0; i < n; i++) fill(&b->cols[c], i, &rs, null_pct, 0);
  batch_set_rows(b, n);
  return b;
}

/* Text of logical row i of column c of b. */
static const char *cell(const batch *b, uint32_t c, uint32_t i, buf *out) {
  buf_clear(out);
  ASSERT_OK(value_text_append(out, &b->cols[c], batch_row(b, i)), NULL);
  return buf_cstr(out);
}

/* Same rows, same text, same types and names (b2's names from its type). */
static void assert_same(const batch *a, const batch *b, const lago_type *b_type, const char *const *names) {
  ASSERT_EQ_UINT(b->n_cols, a->n_cols);
  ASSERT_EQ_UINT(b->n_rows, a->n_rows);
  buf x, y;
  buf_init(&x);
  buf_init(&y);
  for (uint32_t c = 0; c < a->n_cols; c++) {
    if (!type_equal(a->cols[c].type, b->cols[c].type)) {
      arena *tmp = arena_new("t", 256);
      test_fail_(__FILE__, __LINE__, "column %u type %s != %s", c, type_sql_name(tmp, a->cols[c].type),
                 type_sql_name(tmp, b->cols[c].type));
    }
    if (b_type) ASSERT_EQ_STR(type_field_at(*b_type, c)->name, names[c]);
    for (uint32_t i = 0; i < a->n_rows; i++) {
      const char *l = cell(a, c, i, &x), *r = cell(b, c, i, &y);
      if (strcmp(l, r) != 0) test_fail_(__FILE__, __LINE__, "column %u row %u: %s != %s", c, i, l, r);
    }
  }
  buf_deinit(&x);
  buf_deinit(&y);
}

static const char *const k_names[] = {"c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9",
                                      "c10", "c11", "c12", "c13", "c14", "c15", "c16", "c17", "c18", "c19",
                                      "c20", "c21", "c22", "c23", "c24", "c25", "c26", "c27", "c28", "c29",
                                      "c30", "c31", "c32", "c33", "c34", "c35", "c36", "c37", "c38", "c39"};

/* Export b (schema + array), import both into ar; returns the new batch. */
static batch *roundtrip(const batch *b, unsigned flags, arrow_keep keep, arena *ar, lago_type *type_out) {
  lago_err e;
  lago_err_clear(&e);
  lago_type ts[64] = {{0}};
  for (uint32_t c = 0; c < b->n_cols; c++) ts[c] = b->cols[c].type;
  struct ArrowSchema s;
  struct ArrowArray a;
  ASSERT_OK(arrow_export_batch_schema(b->n_cols, k_names, ts, NULL, flags, &s), NULL);
  ASSERT_OK(arrow_export_batch_ex(b, flags, keep, &a, &e), &e);
  ASSERT_EQ_INT(a.length, b->n_rows);
  lago_type t;
  ASSERT_OK(arrow_import_schema(&s, ar, &t, NULL, &e), &e);
  batch *out;
  int rc = arrow_import_batch(&s, &a, ar, &out, &e);
  ASSERT_OK(rc, &e);
  ASSERT(a.release == NULL); /* import released it */
  s.release(&s);
  ASSERT(s.release == NULL);
  if (type_out) *type_out = t;
  return out;
}

static const char *const k_all_types[] = {
    "VOID", "BOOLEAN", "TINYINT", "SMALLINT", "INT", "BIGINT", "FLOAT", "DOUBLE",
    "DECIMAL(1,0)", "DECIMAL(9,3)", "DECIMAL(18,18)", "DECIMAL(19,2)", "DECIMAL(38,0)", "DECIMAL(38,38)",
    "STRING", "BINARY", "DATE", "TIMESTAMP", "TIMESTAMP_NTZ",
    "STRUCT<a: INT, `b c`: STRING, d: STRUCT<e: DOUBLE NOT NULL>>", "ARRAY<INT>", "MAP<STRING, BIGINT>",
};

/* Types the SQL type parser does not spell: made by id. */
static const lago_type_id k_extra_ids[] = {LT_UTINYINT, LT_USMALLINT, LT_UINT, LT_UBIGINT, LT_TIMESTAMP_NS,
                                           LT_TIME, LT_TIME_UTC, LT_INTERVAL, LT_UUID};

/* A batch with every type id of types.h (n rows). */
static batch *all_types_batch(arena *ar, uint32_t n, uint64_t seed) {
  uint32_t n1 = sizeof k_all_types / sizeof k_all_types[0], n2 = sizeof k_extra_ids / sizeof k_extra_ids[0];
  lago_type ts[64] = {{0}};
  for (uint32_t c = 0; c < n1; c++) ts[c] = parse(ar, k_all_types[c]);
  for (uint32_t c = 0; c < n2; c++) ts[n1 + c] = type_make(k_extra_ids[c]);
  batch *b = batch_new(ar, n1 + n2, ts, n ? n : 1);
  ASSERT_NE_NULL(b);
  uint64_t rs = seed | 1;
  for (uint32_t c = 0; c < n1 + n2; c++)
    for (uint32_t i = 0; i < n; i++) fill(&b->cols[c], i, &rs, 20, 0);
  batch_set_rows(b, n);
  /* batch_set_rows resets nested lengths to n; children of lists keep theirs */
  return b;
}

/* ---- schema ------------------------------------------------------------------ */

static void assert_format(arena *ar, const char *type_text, lago_type t, unsigned flags, const char *want) {
  struct ArrowSchema s;
  if (type_text) t = parse(ar, type_text);
  ASSERT_OK(arrow_export_schema_ex(t, "f", true, flags, &s), NULL);
  ASSERT_EQ_STR(s.format, want);
  ASSERT_EQ_STR(s.name, "f");
  ASSERT_EQ_INT(s.flags, ARROW_FLAG_NULLABLE);
  lago_type back;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(arrow_import_schema(&s, ar, &back, NULL, &e), &e);
  ASSERT(type_equal(back, t));
  s.release(&s);
  ASSERT(s.release == NULL);
}

TEST(arrow_schema_format_strings) {
  arena *ar = arena_new("t", 4096);
  static const struct {
    const char *type, *fmt;
  } cases[] = {
      {"VOID", "n"}, {"BOOLEAN", "b"}, {"TINYINT", "c"}, {"SMALLINT", "s"}, {"INT", "i"}, {"BIGINT", "l"},
      {"FLOAT", "f"}, {"DOUBLE", "g"}, {"DECIMAL(5,2)", "d:5,2"}, {"DECIMAL(18,0)", "d:18,0"},
      {"DECIMAL(38,10)", "d:38,10"}, {"STRING", "u"}, {"BINARY", "z"}, {"DATE", "tdD"},
      {"TIMESTAMP", "tsu:UTC"}, {"TIMESTAMP_NTZ", "tsu:"}, {"STRUCT<a: INT>", "+s"}, {"ARRAY<INT>", "+l"},
      {"MAP<STRING, INT>", "+m"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) assert_format(ar, cases[i].type, type_make(0), 0, cases[i].fmt);
  static const struct {
    lago_type_id id;
    const char *fmt;
  } ids[] = {{LT_UTINYINT, "C"}, {LT_USMALLINT, "S"}, {LT_UINT, "I"}, {LT_UBIGINT, "L"}, {LT_TIMESTAMP_NS, "tsn:"},
             {LT_TIME, "ttu"}, {LT_TIME_UTC, "ttu"}, {LT_INTERVAL, "tin"}, {LT_UUID, "w:16"}};
  for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) assert_format(ar, NULL, type_make(ids[i].id), 0, ids[i].fmt);
  assert_format(ar, "STRING", type_make(0), ARROW_EXPORT_LARGE, "U");
  assert_format(ar, "BINARY", type_make(0), ARROW_EXPORT_LARGE, "Z");
  assert_format(ar, "ARRAY<STRING>", type_make(0), ARROW_EXPORT_LARGE, "+L");
  assert_format(ar, "MAP<INT, INT>", type_make(0), ARROW_EXPORT_LARGE, "+m");

  /* UUID carries the canonical extension; TIME_UTC lago's own key. */
  struct ArrowSchema s;
  const char *v;
  int32_t vl;
  ASSERT_OK(arrow_export_schema(type_make(LT_UUID), "u", false, &s), NULL);
  ASSERT_EQ_INT(s.flags, 0);
  ASSERT_EQ_INT(arrow_meta_find(s.metadata, "ARROW:extension:name", &v, &vl), 1);
  ASSERT_EQ_INT(vl, 10);
  ASSERT_EQ_MEM(v, "arrow.uuid", 10);
  ASSERT_EQ_INT(arrow_meta_find(s.metadata, "ARROW:extension:metadata", &v, &vl), 1);
  ASSERT_EQ_INT(vl, 0);
  s.release(&s);
  ASSERT_OK(arrow_export_schema(type_make(LT_TIME_UTC), "t", true, &s), NULL);
  ASSERT_EQ_INT(arrow_meta_find(s.metadata, "lago:type", &v, &vl), 1);
  ASSERT_EQ_MEM(v, "TIME_UTC", 8);
  s.release(&s);
  ASSERT_OK(arrow_export_schema(type_make(LT_INT), "i", true, &s), NULL);
  ASSERT(s.metadata == NULL); /* spec: no metadata is NULL, not empty */
  s.release(&s);
  ASSERT_RC(arrow_export_schema(type_make(LT_INVALID), "x", true, &s), LAGO_UNSUPPORTED);
  ASSERT(s.release == NULL);
  arena_free(ar);
}

TEST(arrow_schema_nested_layout) {
  arena *ar = arena_new("t", 4096);
  lago_type t = parse(ar, "STRUCT<m: MAP<STRING, ARRAY<INT>>, l: ARRAY<STRUCT<x: INT NOT NULL>>>");
  struct ArrowSchema s;
  ASSERT_OK(arrow_export_schema(t, "root", false, &s), NULL);
  ASSERT_EQ_STR(s.format, "+s");
  ASSERT_EQ_INT(s.n_children, 2);
  struct ArrowSchema *m = s.children[0], *l = s.children[1];
  ASSERT_EQ_STR(m->name, "m");
  ASSERT_EQ_STR(m->format, "+m");
  ASSERT_EQ_INT(m->n_children, 1);
  struct ArrowSchema *e = m->children[0];
  ASSERT_EQ_STR(e->name, "entries");
  ASSERT_EQ_STR(e->format, "+s");
  ASSERT_EQ_INT(e->flags, 0);
  ASSERT_EQ_INT(e->n_children, 2);
  ASSERT_EQ_STR(e->children[0]->name, "key");
  ASSERT_EQ_STR(e->children[0]->format, "u");
  ASSERT_EQ_INT(e->children[0]->flags, 0); /* keys are never null */
  ASSERT_EQ_STR(e->children[1]->name, "value");
  ASSERT_EQ_STR(e->children[1]->format, "+l");
  ASSERT_EQ_INT(e->children[1]->flags, ARROW_FLAG_NULLABLE);
  ASSERT_EQ_STR(e->children[1]->children[0]->name, "element");
  ASSERT_EQ_STR(e->children[1]->children[0]->format, "i");
  ASSERT_EQ_STR(l->format, "+l");
  ASSERT_EQ_STR(l->children[0]->format, "+s");
  ASSERT_EQ_STR(l->children[0]->children[0]->name, "x");
  ASSERT_EQ_INT(l->children[0]->children[0]->flags, 0);
  lago_type back;
  bool nullable = true;
  lago_err err;
  lago_err_clear(&err);
  ASSERT_OK(arrow_import_schema(&s, ar, &back, &nullable, &err), &err);
  ASSERT(type_equal(back, t));
  ASSERT(!nullable);
  s.release(&s);

  /* Batch schema: a non-nullable struct of the columns; field ids travel. */
  type_field fs[2] = {{.name = "id", .type = type_make(LT_BIGINT), .nullable = false, .has_field_id = true, .field_id = 7},
                      {.name = "name", .type = type_make(LT_STRING), .nullable = true}};
  lago_type st;
  ASSERT_OK(type_struct_fields(ar, 2, fs, &st), NULL);
  ASSERT_OK(arrow_export_schema(st, "", false, &s), NULL);
  ASSERT_OK(arrow_import_schema(&s, ar, &back, NULL, &err), &err);
  ASSERT(type_field_at(back, 0)->has_field_id);
  ASSERT_EQ_INT(type_field_at(back, 0)->field_id, 7);
  ASSERT(!type_field_at(back, 1)->has_field_id);
  ASSERT(!type_field_at(back, 0)->nullable);
  s.release(&s);
  const char *names[2] = {"id", "name"};
  lago_type ts[2] = {type_make(LT_BIGINT), type_make(LT_STRING)};
  bool nl[2] = {false, true};
  ASSERT_OK(arrow_export_batch_schema(2, names, ts, nl, 0, &s), NULL);
  ASSERT_EQ_STR(s.format, "+s");
  ASSERT_EQ_INT(s.flags, 0);
  ASSERT_EQ_STR(s.children[1]->name, "name");
  ASSERT_EQ_INT(s.children[0]->flags, 0);
  ASSERT_EQ_INT(s.children[1]->flags, ARROW_FLAG_NULLABLE);
  s.release(&s);
  arena_free(ar);
}

/* ---- round trips -------------------------------------------------------------- */

TEST(arrow_roundtrip_every_type) {
  arena *ar = arena_new("src", 1 << 16);
  batch *b = all_types_batch(ar, 300, 42);
  arrow_keep none = {NULL, NULL};
  for (int mode = 0; mode < 3; mode++) { /* copy, borrow, large */
    arena *out_ar = arena_new("dst", 1 << 16);
    lago_type t;
    unsigned flags = mode == 1 ? ARROW_EXPORT_BORROW : mode == 2 ? ARROW_EXPORT_LARGE : 0;
    batch *r = roundtrip(b, flags, none, out_ar, &t);
    assert_same(b, r, &t, k_names);
    arena_free(out_ar);
  }
  arena_free(ar);
}

TEST(arrow_roundtrip_nested) {
  static const char *const types[] = {
      "ARRAY<STRUCT<x: INT, s: STRING>>",
      "MAP<STRING, ARRAY<BIGINT>>",
      "STRUCT<m: MAP<INT, STRING>, l: ARRAY<ARRAY<STRING>>, d: DECIMAL(38,4)>",
      "ARRAY<ARRAY<ARRAY<INT>>>",
      "ARRAY<MAP<DATE, STRUCT<b: BOOLEAN, z: BINARY>>>",
      "MAP<STRUCT<k1: INT NOT NULL, k2: STRING NOT NULL>, MAP<STRING, DECIMAL(10,2)>>",
      "STRUCT<>",
      "ARRAY<STRUCT<>>",
  };
  arena *ar = arena_new("src", 1 << 16);
  for (int null_pct = 0; null_pct <= 60; null_pct += 30) {
    batch *b = make_batch(ar, 8, types, 200, 7 + (uint64_t)null_pct, null_pct);
    arena *out_ar = arena_new("dst", 1 << 16);
    lago_type t;
    arrow_keep none = {NULL, NULL};
    batch *r = roundtrip(b, ARROW_EXPORT_BORROW, none, out_ar, &t);
    assert_same(b, r, &t, k_names);
    arena_free(out_ar);
  }
  arena_free(ar);
}

TEST(arrow_roundtrip_selection) {
  arena *ar = arena_new("src", 1 << 16);
  batch *b = all_types_batch(ar, 257, 9);
  uint32_t sel[100], n = 0;
  for (uint32_t i = 0; i < 257 && n < 100; i += 1 + i % 4) sel[n++] = i;
  b->sel = sel;
  b->n_rows = n;
  arrow_keep none = {NULL, NULL};
  for (int mode = 0; mode < 2; mode++) {
    arena *out_ar = arena_new("dst", 1 << 16);
    batch *r = roundtrip(b, mode ? ARROW_EXPORT_BORROW : 0, none, out_ar, NULL);
    assert_same(b, r, NULL, NULL);
    arena_free(out_ar);
  }
  /* Nested columns under a selection too. */
  static const char *const types[] = {"ARRAY<STRUCT<x: INT, s: STRING>>", "MAP<STRING, ARRAY<BIGINT>>",
                                      "STRUCT<m: MAP<INT, STRING>, l: ARRAY<ARRAY<STRING>>>"};
  batch *c = make_batch(ar, 3, types, 257, 11, 25);
  c->sel = sel;
  c->n_rows = n;
  arena *out_ar = arena_new("dst", 1 << 16);
  batch *r = roundtrip(c, ARROW_EXPORT_BORROW, none, out_ar, NULL);
  assert_same(c, r, NULL, NULL);
  arena_free(out_ar);
  arena_free(ar);
}

TEST(arrow_export_empty_and_all_null) {
  arena *ar = arena_new("src", 1 << 16);
  batch *b = all_types_batch(ar, 0, 3);
  arrow_keep none = {NULL, NULL};
  arena *out_ar = arena_new("dst", 4096);
  batch *r = roundtrip(b, 0, none, out_ar, NULL);
  ASSERT_EQ_UINT(r->n_rows, 0);
  ASSERT_EQ_UINT(r->n_cols, b->n_cols);
  arena_free(out_ar);

  /* Every row null in every column (nulls at the top level of each type). */
  uint32_t n1 = sizeof k_all_types / sizeof k_all_types[0];
  lago_type ts[64] = {{0}};
  for (uint32_t c = 0; c < n1; c++) ts[c] = parse(ar, k_all_types[c]);
  batch *z = batch_new(ar, n1, ts, 70);
  uint64_t rs = 5;
  for (uint32_t c = 0; c < n1; c++)
    for (uint32_t i = 0; i < 70; i++) fill(&z->cols[c], i, &rs, 100, 0);
  batch_set_rows(z, 70);
  out_ar = arena_new("dst", 4096);
  r = roundtrip(z, ARROW_EXPORT_BORROW, none, out_ar, NULL);
  assert_same(z, r, NULL, NULL);
  for (uint32_t c = 0; c < n1; c++) ASSERT_EQ_UINT(vec_null_count(&r->cols[c]), 70);
  arena_free(out_ar);
  arena_free(ar);
}

/* Lists whose ranges are out of order, overlapping and repeated. */
TEST(arrow_export_lists_out_of_order) {
  arena *ar = arena_new("src", 4096);
  vec *v = vec_new(ar, parse(ar, "ARRAY<STRING>"), 6);
  uint32_t off;
  ASSERT_OK(vec_list_reserve(v, 7, &off), NULL);
  const char *words[7] = {"zero", "one", "two", "three", "four", "five", "a-longer-sixth-string"};
  for (uint32_t i = 0; i < 7; i++) ASSERT_OK(vec_set_str(v->child, i, words[i], (uint32_t)strlen(words[i])), NULL);
  lago_list ls[6] = {{5, 2}, {0, 3}, {1, 3}, {0, 0}, {77, 99} /* null row: junk range */, {6, 1}};
  memcpy(v->data, ls, sizeof ls);
  v->len = 6;
  ASSERT_OK(vec_set_null(v, 4), NULL);
  struct ArrowArray a;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(arrow_export_vec(v, 6, NULL, &a, &e), &e);
  ASSERT_EQ_INT(a.n_buffers, 2);
  ASSERT_EQ_INT(a.null_count, 1);
  const int32_t *o = a.buffers[1];
  int32_t want[7] = {0, 2, 5, 8, 8, 8, 9};
  ASSERT_EQ_MEM(o, want, sizeof want);
  ASSERT_EQ_INT(a.children[0]->length, 9);
  ASSERT_EQ_INT(((const uint8_t *)a.buffers[0])[0], 0x2f); /* rows 0-3 and 5 valid */
  struct ArrowSchema s;
  ASSERT_OK(arrow_export_schema(v->type, "l", true, &s), NULL);
  vec back;
  ASSERT_OK(arrow_import_array(&s, &a, ar, &back, &e), &e);
  buf b;
  buf_init(&b);
  for (uint32_t i = 0; i < 6; i++) {
    if (i) buf_putc(&b, '|');
    value_text_append(&b, &back, i);
  }
  ASSERT_EQ_STR(buf_cstr(&b), "[\"five\",\"a-longer-sixth-string\"]|[\"zero\",\"one\",\"two\"]|"
                              "[\"one\",\"two\",\"three\"]|[]|\\N|"
                              "[\"a-longer-sixth-string\"]");
  buf_deinit(&b);
  s.release(&s);
  arena_free(ar);
}

TEST(arrow_export_const_and_dict) {
  arena *ar = arena_new("src", 1 << 14);
  lago_type tt[6] = {type_make(LT_INT), type_make(LT_STRING), type_make(LT_STRING), parse(ar, "ARRAY<INT>"),
                     parse(ar, "STRUCT<a: INT, b: STRING>"), type_decimal(12, 2)};
  batch *b = batch_new(ar, 6, tt, 10);
  uint64_t rs = 77;
  /* col 0: CONST 42 */
  VEC_DATA(&b->cols[0], int32_t)[0] = 42;
  ASSERT_OK(vec_make_const(&b->cols[0], 10), NULL);
  /* col 1: CONST NULL string */
  ASSERT_OK(vec_set_null(&b->cols[1], 0), NULL);
  ASSERT_OK(vec_make_const(&b->cols[1], 10), NULL);
  /* col 2: DICT over 3 strings, with null rows */
  vec *d = vec_new(ar, type_make(LT_STRING), 3);
  ASSERT_OK(vec_set_str(d, 0, "alpha", 5), NULL);
  ASSERT_OK(vec_set_str(d, 1, "a string longer than twelve", 27), NULL);
  ASSERT_OK(vec_set_str(d, 2, "", 0), NULL);
  d->len = 3;
  ASSERT_OK(vec_make_dict(&b->cols[2], d, 10), NULL);
  for (uint32_t i = 0; i < 10; i++) VEC_DATA(&b->cols[2], uint32_t)[i] = (i * 7) % 3;
  ASSERT_OK(vec_set_null(&b->cols[2], 4), NULL);
  VEC_DATA(&b->cols[2], uint32_t)[4] = 999; /* a null row's code is never read */
  /* col 3: CONST list */
  fill(&b->cols[3], 0, &rs, 0, 0);
  ASSERT_OK(vec_make_const(&b->cols[3], 10), NULL);
  /* col 4: DICT over structs */
  vec *ds = vec_new(ar, tt[4], 2);
  fill(ds, 0, &rs, 0, 0);
  fill(ds, 1, &rs, 0, 0);
  ASSERT_OK(vec_make_dict(&b->cols[4], ds, 10), NULL);
  for (uint32_t i = 0; i < 10; i++) VEC_DATA(&b->cols[4], uint32_t)[i] = i & 1;
  /* col 5: DICT over decimals */
  vec *dd = vec_new(ar, tt[5], 2);
  VEC_DATA(dd, int64_t)[0] = -12345;
  VEC_DATA(dd, int64_t)[1] = 999999999999;
  dd->len = 2;
  ASSERT_OK(vec_make_dict(&b->cols[5], dd, 10), NULL);
  for (uint32_t i = 0; i < 10; i++) VEC_DATA(&b->cols[5], uint32_t)[i] = i % 3 == 0;
  b->n_rows = 10;
  for (uint32_t c = 0; c < 6; c++) b->cols[c].len = 10;
  arrow_keep none = {NULL, NULL};
  for (int with_sel = 0; with_sel < 2; with_sel++) {
    uint32_t sel[4] = {1, 4, 5, 9};
    b->sel = with_sel ? sel : NULL;
    b->n_rows = with_sel ? 4 : 10;
    for (int mode = 0; mode < 2; mode++) {
      arena *out_ar = arena_new("dst", 4096);
      batch *r = roundtrip(b, mode ? ARROW_EXPORT_BORROW : 0, none, out_ar, NULL);
      assert_same(b, r, NULL, NULL);
      ASSERT_EQ_UINT(vec_null_count(&r->cols[1]), r->n_rows);
      arena_free(out_ar);
    }
  }
  /* A broken DICT (code past the dictionary) is an internal error, not a crash. */
  VEC_DATA(&b->cols[2], uint32_t)[3] = 3;
  b->sel = NULL;
  b->n_rows = 10;
  struct ArrowArray a;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_RC(arrow_export_batch(b, &a, &e), LAGO_INTERNAL);
  ASSERT(a.release == NULL);
  ASSERT_CONTAINS(e.msg, "dictionary code 3");
  arena_free(ar);
}

/* ---- lifetime ----------------------------------------------------------------- */

static int g_keep_freed;
static void count_free(void *p) {
  g_keep_freed++;
  arena_free(p);
}

TEST(arrow_export_zero_copy_and_keep) {
  arena *ar = arena_new("batch", 1 << 14);
  static const char *const types[] = {"BIGINT", "DOUBLE", "STRING", "DECIMAL(30,2)", "BOOLEAN"};
  batch *b = make_batch(ar, 5, types, 100, 5, 30);
  long live = mem_live();
  struct ArrowArray a;
  lago_err e;
  lago_err_clear(&e);
  arrow_keep keep = {count_free, ar};
  g_keep_freed = 0;
  ASSERT_OK(arrow_export_batch_ex(b, 0, keep, &a, &e), &e);
  struct ArrowArray *c0 = a.children[0], *c2 = a.children[2], *c3 = a.children[3], *c4 = a.children[4];
  ASSERT(c0->buffers[1] == b->cols[0].data); /* zero-copy values */
  ASSERT(c0->buffers[0] == (const void *)b->cols[0].validity); /* and validity */
  ASSERT_EQ_INT(c0->null_count, vec_null_count(&b->cols[0]));
  ASSERT(c3->buffers[1] == b->cols[3].data); /* 128-bit decimals too */
  ASSERT(c2->buffers[1] != b->cols[2].data); /* strings are converted */
  ASSERT(c4->buffers[1] != b->cols[4].data); /* booleans too */
  ASSERT_EQ_INT(g_keep_freed, 0);
  a.release(&a);
  ASSERT(a.release == NULL);
  ASSERT_EQ_INT(g_keep_freed, 1); /* the batch arena went with the last release */
  ASSERT(mem_live() < live);

  /* Copy mode never refers to the batch. */
  ar = arena_new("batch", 1 << 14);
  b = make_batch(ar, 5, types, 100, 5, 30);
  ASSERT_OK(arrow_export_batch(b, &a, &e), &e);
  ASSERT(a.children[0]->buffers[1] != b->cols[0].data);
  int64_t first = ((const int64_t *)a.children[0]->buffers[1])[0];
  int64_t want = VEC_DATA(&b->cols[0], int64_t)[0];
  arena_free(ar); /* the export must not care */
  ASSERT_EQ_INT(first, want);
  a.release(&a);
}

TEST(arrow_export_move_children) {
  arena *ar = arena_new("batch", 1 << 14);
  static const char *const types[] = {"INT", "STRING", "ARRAY<STRUCT<x: INT, s: STRING>>"};
  batch *b = make_batch(ar, 3, types, 50, 13, 10);
  buf want;
  buf_init(&want);
  for (uint32_t i = 0; i < 50; i++) {
    ASSERT_OK(value_text_append(&want, &b->cols[2], i), NULL);
    buf_putc(&want, '\n');
  }
  lago_err e;
  lago_err_clear(&e);
  struct ArrowSchema s;
  lago_type ts[3] = {b->cols[0].type, b->cols[1].type, b->cols[2].type};
  ASSERT_OK(arrow_export_batch_schema(3, k_names, ts, NULL, 0, &s), NULL);
  struct ArrowArray a;
  arrow_keep keep = {count_free, ar};
  g_keep_freed = 0;
  ASSERT_OK(arrow_export_batch_ex(b, 0, keep, &a, &e), &e);
  /* Move children 0 and 2 (array and schema) out, then release the parents. */
  struct ArrowArray m0 = *a.children[0], m2 = *a.children[2];
  a.children[0]->release = NULL;
  a.children[2]->release = NULL;
  struct ArrowSchema s2 = *s.children[2];
  s.children[2]->release = NULL;
  a.release(&a);
  s.release(&s);
  ASSERT_EQ_INT(g_keep_freed, 0); /* moved children keep the batch alive */
  /* The moved list column still reads back whole. */
  arena *out = arena_new("dst", 4096);
  vec v;
  ASSERT_OK(arrow_import_array(&s2, &m2, out, &v, &e), &e);
  ASSERT(m2.release == NULL);
  buf got;
  buf_init(&got);
  for (uint32_t i = 0; i < 50; i++) {
    ASSERT_OK(value_text_append(&got, &v, i), NULL);
    buf_putc(&got, '\n');
  }
  ASSERT_EQ_STR(buf_cstr(&got), buf_cstr(&want));
  s2.release(&s2);
  ASSERT_EQ_INT(g_keep_freed, 0);
  m0.release(&m0);
  ASSERT_EQ_INT(g_keep_freed, 1);
  buf_deinit(&want);
  buf_deinit(&got);
  arena_free(out);
}

/* Imports that start inside the producer's buffers: shift the exported root's offset. */
TEST(arrow_import_with_offset) {
  arena *ar = arena_new("src", 1 << 16);
  batch *b = all_types_batch(ar, 200, 21);
  static const char *const types[] = {"ARRAY<STRUCT<x: INT, s: STRING>>", "MAP<STRING, ARRAY<BIGINT>>"};
  batch *nb = make_batch(ar, 2, types, 200, 23, 20);
  const batch *srcs[2] = {b, nb};
  for (int k = 0; k < 2; k++) {
    const batch *src = srcs[k];
    lago_type ts[64] = {{0}};
    for (uint32_t c = 0; c < src->n_cols; c++) ts[c] = src->cols[c].type;
    for (int zero_copy = 0; zero_copy < 2; zero_copy++) {
      struct ArrowSchema s;
      struct ArrowArray a;
      lago_err e;
      lago_err_clear(&e);
      ASSERT_OK(arrow_export_batch_schema(src->n_cols, k_names, ts, NULL, 0, &s), NULL);
      ASSERT_OK(arrow_export_batch_ex(src, zero_copy ? ARROW_EXPORT_BORROW : 0, (arrow_keep){NULL, NULL}, &a, &e), &e);
      a.offset = 37; /* rows 37..37+150 */
      a.length = 150;
      a.null_count = -1;
      /* and the INT column (zero-copy leaf) with its own offset on top */
      uint32_t shifted = k == 0 ? 4 : UINT32_MAX;
      ASSERT(k != 0 || src->cols[4].type.id == LT_INT);
      if (k == 0) {
        a.children[4]->offset += 1;
        a.children[4]->length -= 1;
        a.children[4]->null_count = -1;
      }
      arena *out = arena_new("dst", 1 << 16);
      batch *r;
      ASSERT_OK(arrow_import_batch(&s, &a, out, &r, &e), &e);
      uint32_t sel[150], sel1[150];
      for (uint32_t i = 0; i < 150; i++) {
        sel[i] = 37 + i;
        sel1[i] = 38 + i;
      }
      batch view = *src;
      view.sel = sel;
      view.n_rows = 150;
      buf x, y;
      buf_init(&x);
      buf_init(&y);
      if (k == 0) { /* compare the shifted column on its own, then drop it from both */
        batch v1 = *src;
        v1.sel = sel1;
        v1.n_rows = 150;
        for (uint32_t i = 0; i < 150; i++) ASSERT_EQ_STR(cell(r, shifted, i, &y), cell(&v1, shifted, i, &x));
        r->cols[shifted] = r->cols[0];
      }
      buf_deinit(&x);
      buf_deinit(&y);
      vec keep4 = src->cols[4];
      if (k == 0) ((batch *)src)->cols[4] = src->cols[0];
      assert_same(&view, r, NULL, NULL);
      if (k == 0) ((batch *)src)->cols[4] = keep4;
      s.release(&s);
      arena_free(out);
    }
  }
  arena_free(ar);
}

/* ---- allocation failures -------------------------------------------------------- */

typedef struct sweep {
  const batch *b;
  unsigned flags;
} sweep;

static int sweep_fn(void *ud) {
  sweep *sw = ud;
  const batch *b = sw->b;
  lago_err e;
  lago_err_clear(&e);
  lago_type ts[64] = {{0}};
  for (uint32_t c = 0; c < b->n_cols; c++) ts[c] = b->cols[c].type;
  struct ArrowSchema s;
  struct ArrowArray a;
  int rc = arrow_export_batch_schema(b->n_cols, k_names, ts, NULL, sw->flags, &s);
  if (rc) return rc;
  if (s.release == NULL) return LAGO_INTERNAL;
  rc = arrow_export_batch_ex(b, sw->flags, (arrow_keep){NULL, NULL}, &a, &e);
  if (rc) {
    if (a.release) rc = LAGO_INTERNAL;
    s.release(&s);
    return rc;
  }
  s.release(&s);
  a.release(&a);
  return rc;
}

TEST(arrow_oom_sweep_export) {
  arena *ar = arena_new("src", 1 << 16);
  static const char *const types[] = {"ARRAY<STRUCT<x: INT, s: STRING>>", "MAP<STRING, ARRAY<BIGINT>>",
                                      "STRUCT<m: MAP<INT, STRING>, d: DECIMAL(10,2)>", "BOOLEAN", "STRING"};
  /* Several sizes, so that arena blocks run out at different call sites. */
  static const uint32_t sizes[] = {1, 7, 40, 300, 1000};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    batch *b = make_batch(ar, 5, types, sizes[i], 3 + i, 20);
    sweep sw = {b, 0};
    ASSERT(test_oom_sweep(sweep_fn, &sw, 2000) > 3);
    sw.flags = ARROW_EXPORT_BORROW;
    ASSERT(test_oom_sweep(sweep_fn, &sw, 2000) > 3);
  }
  arena_free(ar);
}

typedef struct isweep {
  struct ArrowSchema *s;
  const batch *b;
} isweep;

/* Export then import under failures: early runs fail in the export, later ones in the import. */
static int import_sweep_fn(void *ud) {
  isweep *sw = ud;
  lago_err e;
  lago_err_clear(&e);
  struct ArrowArray a;
  int rc = arrow_export_batch_ex(sw->b, ARROW_EXPORT_BORROW, (arrow_keep){NULL, NULL}, &a, &e);
  if (rc) return rc;
  arena *ar = arena_new("dst", 256);
  if (!ar) {
    a.release(&a);
    return LAGO_NOMEM;
  }
  batch *out;
  rc = arrow_import_batch(sw->s, &a, ar, &out, &e);
  if (a.release) rc = LAGO_INTERNAL; /* import must release, also on failure */
  arena_free(ar);
  return rc;
}

TEST(arrow_oom_sweep_import) {
  arena *ar = arena_new("src", 1 << 16);
  static const char *const types[] = {"ARRAY<STRUCT<x: INT, s: STRING>>", "MAP<STRING, ARRAY<BIGINT>>",
                                      "STRUCT<m: MAP<INT, STRING>, d: DECIMAL(10,2)>", "BOOLEAN", "STRING"};
  static const uint32_t sizes[] = {1, 7, 40, 300, 1000};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    batch *b = make_batch(ar, 5, types, sizes[i], 4 + i, 20);
    lago_type ts[5];
    for (uint32_t c = 0; c < 5; c++) ts[c] = b->cols[c].type;
    struct ArrowSchema s;
    ASSERT_OK(arrow_export_batch_schema(5, k_names, ts, NULL, 0, &s), NULL);
    isweep sw = {&s, b};
    ASSERT(test_oom_sweep(import_sweep_fn, &sw, 4000) > 3);
    s.release(&s);
  }
  arena_free(ar);
}

TEST(arrow_export_misuse) {
  arena *ar = arena_new("src", 4096);
  vec *v = vec_new(ar, type_make(LT_INT), 4);
  v->len = 4;
  struct ArrowArray a;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_RC(arrow_export_vec(v, 5, NULL, &a, &e), LAGO_MISUSE);
  ASSERT(a.release == NULL);
  uint32_t sel[2] = {1, 4};
  lago_err_clear(&e);
  ASSERT_RC(arrow_export_vec(v, 2, sel, &a, &e), LAGO_MISUSE);
  ASSERT_CONTAINS(e.msg, "row 4");
  /* INTERVAL micros that do not fit as nanoseconds */
  vec *iv = vec_new(ar, type_make(LT_INTERVAL), 1);
  VEC_DATA(iv, lago_interval)[0] = (lago_interval){0, 0, INT64_MAX / 10};
  iv->len = 1;
  lago_err_clear(&e);
  ASSERT_RC(arrow_export_vec(iv, 1, NULL, &a, &e), LAGO_UNSUPPORTED);
  ASSERT(!arrow_vec_needs_large(iv, 1, NULL));
  arena_free(ar);
}

/* Over 2 GiB of string bytes / list elements: detected before anything is read or allocated. */
TEST(arrow_export_needs_large) {
  arena *ar = arena_new("src", 4096);
  static const char bytes[16] = "0123456789abcdef";
  vec *v = vec_new(ar, type_make(LT_STRING), 3);
  for (uint32_t i = 0; i < 3; i++) VEC_DATA(v, lago_str)[i] = str_make(bytes, 16);
  for (uint32_t i = 0; i < 3; i++) VEC_DATA(v, lago_str)[i].len = 1u << 30; /* views only: never read */
  v->len = 3;
  ASSERT(!arrow_vec_needs_large(v, 1, NULL));
  ASSERT(arrow_vec_needs_large(v, 3, NULL));
  uint32_t sel[2] = {0, 2};
  ASSERT(arrow_vec_needs_large(v, 2, sel)); /* 2^31 bytes: one more than int32 offsets reach */
  ASSERT(!arrow_vec_needs_large(v, 1, sel + 1));
  ASSERT_OK(vec_set_null(v, 1), NULL);
  ASSERT_OK(vec_set_null(v, 2), NULL);
  ASSERT(!arrow_vec_needs_large(v, 3, NULL)); /* null rows hold no bytes */
  vec_set_valid(v, 1);
  vec_set_valid(v, 2);
  struct ArrowArray a;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_RC(arrow_export_vec(v, 3, NULL, &a, &e), LAGO_UNSUPPORTED);
  ASSERT_CONTAINS(e.msg, "ARROW_EXPORT_LARGE");
  ASSERT(a.release == NULL);

  vec *l = vec_new(ar, parse(ar, "ARRAY<INT>"), 3);
  l->child->len = 1u << 30; /* a child that claims 2^30 elements (never read) */
  for (uint32_t i = 0; i < 3; i++) VEC_DATA(l, lago_list)[i] = (lago_list){0, 1u << 30};
  l->len = 3;
  ASSERT(arrow_vec_needs_large(l, 3, NULL));
  ASSERT(!arrow_vec_needs_large(l, 1, NULL));
  lago_err_clear(&e);
  ASSERT_RC(arrow_export_vec(l, 3, NULL, &a, &e), LAGO_UNSUPPORTED);
  ASSERT_CONTAINS(e.msg, "elements");
  /* nested: a struct whose string field holds the bytes */
  vec *st = vec_new(ar, parse(ar, "STRUCT<s: STRING>"), 3);
  for (uint32_t i = 0; i < 3; i++) VEC_DATA(st->fields[0], lago_str)[i] = VEC_DATA(v, lago_str)[i];
  st->fields[0]->len = st->len = 3;
  ASSERT(arrow_vec_needs_large(st, 3, NULL));
  arena_free(ar);
}
