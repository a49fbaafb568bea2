/*
** tests/unit/format/test_pq_write_dictstats.c: page and chunk statistics of
** dictionary-encoded columns (write_column.c folds only each entry's first
** value in a page) must be exactly what folding every value gives.
** Checked two ways on a file with dictionary pages, a fallback to PLAIN,
** NaN, -0.0/+0.0, long strings (past the 12-byte inline size and the 64-byte
** page-index truncation), many pages and several row groups:
**   - chunk statistics (min/max/null count) equal those of the same rows
**     written with no_dictionary;
**   - every page's ColumnIndex entry (null page, null count, min/max) equals
**     pqw_stats_update over all of that page's values, bounded as
**     pqw_stats_bytes does for the page index (truncated to 64 bytes).
*/
#include <math.h>
#include <unistd.h>

#include "format/parquet/parquet.h"
#include "format/parquet/pq_read_int.h"
#include "format/parquet/pq_write_int.h"
#include "test.h"

#define N_ROWS 9000
#define N_COLS 6

static const char *k_schema = "STRUCT<i: BIGINT, d: DOUBLE, z: DOUBLE, s: STRING, u: STRING, dec: DECIMAL(25,3)>";

/* Row `i` of the table, into row r of b (FLAT vectors). */
static int fill_row(batch *b, uint32_t r, uint32_t i) {
  char tmp[160];
  if (i % 11 == 4) {
    if (vec_set_null(&b->cols[0], r)) return LAGO_NOMEM;
  } else {
    VEC_DATA(&b->cols[0], int64_t)[r] = (int64_t)(i * 7 % 50) - 25;
  }
  /* d: a small set with both zeros; NaN only in some stretches, so some pages have one and some not */
  static const double dset[] = {1.5, -2.25, 0.0, -0.0, 1e300, -1e-300, 42.0};
  double d = dset[(i * 5 + i / 100) % 7];
  if ((i / 700) % 3 == 0 && i % 13 == 0) d = NAN;
  VEC_DATA(&b->cols[1], double)[r] = d;
  /* z: only zeros of both signs and nulls (min must read -0.0, max +0.0) */
  if (i % 9 == 0) {
    if (vec_set_null(&b->cols[2], r)) return LAGO_NOMEM;
  } else {
    VEC_DATA(&b->cols[2], double)[r] = (i / 3) % 2 ? 0.0 : -0.0;
  }
  /* s: 30 strings, short, long, and longer than the page-index bound */
  uint32_t k = (i * 13 + i / 250) % 30;
  int n;
  if (k % 3 == 0) n = snprintf(tmp, sizeof tmp, "s%u", k);
  else if (k % 3 == 1) n = snprintf(tmp, sizeof tmp, "a somewhat longer string number %u", k);
  else
    n = snprintf(tmp, sizeof tmp, "%c%s%u", k == 29 ? '\xff' : 'z',
                 "-a string longer than the sixty-four bytes kept in the page index, so it is cut-", k);
  if (i % 17 == 3) {
    if (vec_set_null(&b->cols[3], r)) return LAGO_NOMEM;
  } else if (vec_set_str(&b->cols[3], r, tmp, (uint32_t)n)) {
    return LAGO_NOMEM;
  }
  /* u: unique per row, so the dictionary outgrows dict_max_bytes and falls back */
  n = snprintf(tmp, sizeof tmp, "unique value %07u of a high-cardinality column", (i * 7919) % 100003);
  if (vec_set_str(&b->cols[4], r, tmp, (uint32_t)n)) return LAGO_NOMEM;
  lago_i128 dv = (lago_i128)((int64_t)(i % 40) - 20) * 1000000000000LL;
  memcpy(VEC_DATA(&b->cols[5], lago_i128) + r, &dv, sizeof dv);
  return LAGO_OK;
}

static batch *rows_batch(arena *ar, lago_type schema, uint32_t first, uint32_t n) {
  lago_type types[N_COLS];
  for (uint32_t c = 0; c < N_COLS; c++) types[c] = type_field_at(schema, c)->type;
  batch *b = batch_new(ar, N_COLS, types, n);
  if (!b) return NULL;
  for (uint32_t r = 0; r < n; r++)
    if (fill_row(b, r, first + r)) return NULL;
  batch_set_rows(b, n);
  return b;
}

static void write_file(const char *path, lago_type schema, bool dictionary) {
  pq_write_opts o;
  pq_write_opts_init(&o);
  o.no_dictionary = !dictionary;
  o.page_index = true;
  o.page_bytes = 300;        /* many pages */
  o.dict_max_bytes = 20000;  /* `u` falls back to PLAIN part way through each chunk */
  o.row_group_rows = 4000;   /* three row groups: dictionaries restart */
  lago_err e;
  lago_err_clear(&e);
  pq_writer *w;
  ASSERT_OK(pq_writer_open(fs_local(), path, schema, &o, &w, &e), &e);
  arena *ar = arena_new("b", 4096);
  for (uint32_t first = 0; first < N_ROWS; first += 250) {
    arena_reset(ar);
    batch *b = rows_batch(ar, schema, first, 250);
    ASSERT_NE_NULL(b);
    ASSERT_OK(pq_writer_write(w, b, &e), &e);
  }
  arena_free(ar);
  ASSERT_OK(pq_writer_close(w, NULL, NULL, &e), &e);
}

static bool bytes_eq(pq_bytes a, pq_bytes b) { return a.len == b.len && (a.len == 0 || !memcmp(a.ptr, b.ptr, a.len)); }

/* Statistics of rows [from, to) of column l folded value by value, as the page index bounds them. */
static void expect_page(arena *ar, const pqw_leaf_desc *L, const batch *all, uint32_t from, uint32_t to, bool *null_page,
                        int64_t *nulls, bool *has_minmax, pq_bytes *mn, pq_bytes *mx) {
  const vec *v = &all->cols[L->column];
  pqw_stats st;
  pqw_stats_init(&st);
  uint8_t val[32];
  lago_err e;
  lago_err_clear(&e);
  *nulls = 0;
  for (uint32_t r = from; r < to; r++) {
    if (!vec_is_valid(v, r)) {
      (*nulls)++;
      continue;
    }
    ASSERT_OK(pqw_convert_value(L, v, r, val, &e), &e);
    ASSERT_OK(pqw_stats_update(&st, L, val, 1), &e);
  }
  *null_page = st.values == 0;
  *has_minmax = false;
  if (!*null_page && pqw_stats_usable(&st, L)) {
    bool has_max, me, xe;
    ASSERT_OK(pqw_stats_bytes(&st, L, ar, 64, mn, mx, &has_max, &me, &xe), &e);
    *has_minmax = has_max;
  }
  pqw_stats_deinit(&st);
}

TEST(pqw_dict_stats_match_every_value) {
  arena *ar = arena_new("t", 4096);
  lago_err e;
  lago_err_clear(&e);
  lago_type schema;
  ASSERT_OK(type_parse(ar, k_schema, &schema, &e), &e);
  const char *pd = path_join(ar, test_tmpdir(), "dict.parquet"), *pp = path_join(ar, test_tmpdir(), "plain.parquet");
  write_file(pd, schema, true);
  write_file(pp, schema, false);
  pqw_schema ps;
  ASSERT_OK(pqw_schema_build(ar, schema, &ps, &e), &e);
  ASSERT_EQ_INT(ps.n_leaves, N_COLS);
  batch *all = rows_batch(ar, schema, 0, N_ROWS);
  ASSERT_NE_NULL(all);
  pq_file *fd, *fp;
  ASSERT_OK(pq_open(fs_local(), pd, &fd, &e), &e);
  ASSERT_OK(pq_open(fs_local(), pp, &fp, &e), &e);
  buf img;
  buf_init(&img);
  ASSERT_OK(fs_read_all(fs_local(), pd, &img, &e), &e);
  const pq_file_meta *md = pq_file_metadata(fd), *mp = pq_file_metadata(fp);
  ASSERT_EQ_INT(md->n_row_groups, 3);
  ASSERT_EQ_INT(mp->n_row_groups, 3);
  uint32_t dict_chunks = 0, plain_pages_after_dict = 0, nan_pages = 0, pages_with_minmax = 0, cut_bounds = 0, total_pages = 0;
  int64_t rg_first = 0;
  for (uint32_t g = 0; g < md->n_row_groups; g++) {
    const pq_row_group *rd = &md->row_groups[g], *rp = &mp->row_groups[g];
    ASSERT_EQ_INT(rd->num_rows, rp->num_rows);
    for (uint32_t l = 0; l < N_COLS; l++) {
      const pqw_leaf_desc *L = &ps.leaves[l];
      const pq_column_meta *cd = &rd->columns[l].meta_data, *cp = &rp->columns[l].meta_data;
      /* chunk statistics: the same as without a dictionary */
      const pq_statistics *a = &cd->statistics, *b = &cp->statistics;
      ASSERT_EQ_INT(a->null_count, b->null_count);
      ASSERT_EQ_INT(a->has_min_value, b->has_min_value);
      ASSERT_EQ_INT(a->has_max_value, b->has_max_value);
      ASSERT(bytes_eq(a->min_value, b->min_value));
      ASSERT(bytes_eq(a->max_value, b->max_value));
      ASSERT_EQ_INT(a->has_min, b->has_min);
      ASSERT(bytes_eq(a->min, b->min));
      ASSERT(bytes_eq(a->max, b->max));
      if (cd->dictionary_page_offset >= 0) dict_chunks++;
      for (uint32_t k = 0; k < cd->n_encodings; k++)
        if (cd->encodings[k] == PQE_PLAIN && cd->dictionary_page_offset >= 0 && l == 4) plain_pages_after_dict++;
      /* page index: each page as folding all of its values gives */
      const pq_column_chunk *cc = &rd->columns[l];
      ASSERT(cc->offset_index_offset > 0);
      pq_offset_index oi;
      ASSERT_OK(pq_meta_read_offset_index((const uint8_t *)img.data + cc->offset_index_offset,
                                          (size_t)cc->offset_index_length, ar, "oi", &oi, &e), &e);
      total_pages += oi.n_pages;
      pq_column_index ci;
      bool has_ci = cc->column_index_offset > 0;
      if (has_ci) {
        ASSERT_OK(pq_meta_read_column_index((const uint8_t *)img.data + cc->column_index_offset,
                                            (size_t)cc->column_index_length, ar, "ci", &ci, &e), &e);
        ASSERT_EQ_INT(ci.n_pages, oi.n_pages);
      }
      bool any_nan_page = false;
      for (uint32_t p = 0; p < oi.n_pages; p++) {
        uint32_t from = (uint32_t)(rg_first + oi.page_locations[p].first_row_index);
        uint32_t to = (uint32_t)(rg_first + (p + 1 < oi.n_pages ? oi.page_locations[p + 1].first_row_index : rd->num_rows));
        bool null_page, has_mm;
        int64_t nulls;
        pq_bytes mn = {0}, mx = {0};
        expect_page(ar, L, all, from, to, &null_page, &nulls, &has_mm, &mn, &mx);
        if (!null_page && !has_mm) any_nan_page = true;
        if (!has_ci) continue;
        ASSERT_EQ_INT(ci.null_pages[p], null_page);
        ASSERT_NE_NULL(ci.null_counts);
        ASSERT_EQ_INT(ci.null_counts[p], nulls);
        if (null_page) continue;
        ASSERT(has_mm);
        ASSERT(bytes_eq(ci.min_values[p], mn));
        ASSERT(bytes_eq(ci.max_values[p], mx));
        pages_with_minmax++;
        if (mn.len == 64 || mx.len == 64) cut_bounds++;
      }
      /* a NaN page means no ColumnIndex for the chunk (every non-null page needs bounds) */
      ASSERT_EQ_INT(has_ci, !any_nan_page);
      nan_pages += any_nan_page;
    }
    rg_first += rd->num_rows;
  }
  /* the file really has what the test is about */
  ASSERT(dict_chunks >= 3 * 5);
  ASSERT(plain_pages_after_dict >= 1);
  ASSERT(nan_pages >= 1);
  ASSERT(total_pages > 200);
  ASSERT(pages_with_minmax > 100);
  ASSERT(cut_bounds > 0);
  /* zeros: min -0.0, max +0.0 in column z's chunk statistics */
  const pq_statistics *z = &md->row_groups[0].columns[2].meta_data.statistics;
  ASSERT(z->has_min_value && z->min_value.len == 8 && z->max_value.len == 8);
  double zmin, zmax;
  memcpy(&zmin, z->min_value.ptr, 8);
  memcpy(&zmax, z->max_value.ptr, 8);
  ASSERT(zmin == 0 && signbit(zmin) && zmax == 0 && !signbit(zmax));
  buf_deinit(&img);
  pq_close(fd);
  pq_close(fp);
  unlink(pd);
  unlink(pp);
  arena_free(ar);
}
