/*
** tests/unit/table/test_delta_write.c: data written through transactions
** and read back through scans (table/delta/write.c, scan.c, reader.c,
** cp_write.c, cdf.c) with the real Parquet reader and writer.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table/delta/delta_int.h"
#include "test.h"
#include "util/alloc.h"
#include "vec/value_text.h"

static const char *k_schema = "STRUCT<id: BIGINT, name: STRING, p: STRING, s: STRUCT<a: INT, t: STRING>>";

/* Rows id = base..base+n-1, name "n<id>", partition p (NULL when p is NULL), s = {a: id, t: "t<id>"}. */
static batch *make_batch(arena *ar, lago_type schema, uint32_t n, int64_t base, const char *p) {
  lago_type types[4];
  for (int i = 0; i < 4; i++) types[i] = type_field_at(schema, (uint32_t)i)->type;
  batch *b = batch_new(ar, 4, types, n);
  for (uint32_t i = 0; i < n; i++) {
    char tmp[64];
    VEC_DATA(&b->cols[0], int64_t)[i] = base + i;
    snprintf(tmp, sizeof tmp, "n%lld", (long long)(base + i));
    vec_set_str(&b->cols[1], i, tmp, (uint32_t)strlen(tmp));
    if (p) vec_set_str(&b->cols[2], i, p, (uint32_t)strlen(p));
    else vec_set_null(&b->cols[2], i);
    VEC_DATA(b->cols[3].fields[0], int32_t)[i] = (int32_t)(base + i);
    snprintf(tmp, sizeof tmp, "t%lld", (long long)(base + i));
    vec_set_str(b->cols[3].fields[1], i, tmp, (uint32_t)strlen(tmp));
  }
  batch_set_rows(b, n);
  return b;
}

static int cmp_strp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* All rows of the latest snapshot rendered and sorted, joined by '\n'; caller frees. */
static char *read_all(const tbl_handlers *h, const char *root, int64_t version, const delta_pred *preds,
                      uint32_t n_preds, size_t *n_files) {
  delta_table *t;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(delta_table_open(h, root, &t, &e), &e);
  delta_snapshot *s;
  ASSERT_OK(delta_snapshot_load(t, version, &s, &e), &e);
  delta_scan_opts o = {.preds = preds, .n_preds = n_preds};
  delta_scan *sc;
  ASSERT_OK(delta_scan_new(s, &o, &sc, &e), &e);
  if (n_files) *n_files = delta_scan_n_files(sc);
  delta_scan_iter *it;
  ASSERT_OK(delta_scan_iter_open(sc, &it, &e), &e);
  char **rows = NULL;
  size_t n = 0, cap = 0;
  buf line;
  buf_init(&line);
  for (;;) {
    batch *b;
    ASSERT_OK(delta_scan_iter_next(it, &b, &e), &e);
    if (!b) break;
    for (uint32_t r = 0; r < b->n_rows; r++) {
      buf_clear(&line);
      for (uint32_t c = 0; c < b->n_cols; c++) {
        if (c) buf_putc(&line, ',');
        value_text_append(&line, &b->cols[c], batch_row(b, r));
      }
      if (n == cap) rows = realloc(rows, (cap = cap ? cap * 2 : 64) * sizeof *rows);
      rows[n++] = strdup(buf_cstr(&line));
    }
  }
  buf_deinit(&line);
  delta_scan_iter_close(it);
  delta_scan_free(sc);
  delta_snapshot_unref(s);
  delta_table_free(t);
  if (n) qsort(rows, n, sizeof *rows, cmp_strp);
  size_t len = 1;
  for (size_t i = 0; i < n; i++) len += strlen(rows[i]) + 1;
  char *out = calloc(1, len);
  for (size_t i = 0; i < n; i++) {
    strcat(out, rows[i]);
    strcat(out, "\n");
    free(rows[i]);
  }
  free(rows);
  return out;
}

static int64_t write_commit(const tbl_handlers *h, const char *root, const char *cm_mode, batch *const *bs, int nb,
                            bool create, const char *extra_key, const char *extra_val) {
  arena *ar = arena_new("t", 4096);
  delta_table *t;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(delta_table_open(h, root, &t, &e), &e);
  delta_snapshot *s = NULL;
  if (!create) ASSERT_OK(delta_snapshot_load(t, -1, &s, &e), &e);
  delta_txn *x;
  ASSERT_OK(delta_txn_begin(t, s, NULL, &x, &e), &e);
  if (create) {
    lago_type sch;
    ASSERT_OK(type_parse(ar, k_schema, &sch, &e), &e);
    const char *pc[] = {"p"};
    delta_kv kv[3];
    uint32_t nk = 0;
    if (cm_mode) kv[nk++] = (delta_kv){"delta.columnMapping.mode", cm_mode};
    if (extra_key) kv[nk++] = (delta_kv){extra_key, extra_val};
    delta_map cfg = {nk, kv};
    ASSERT_OK(delta_txn_set_metadata(x, sch, 1, pc, &cfg, &e), &e);
  }
  for (int i = 0; i < nb; i++) ASSERT_OK(delta_txn_write(x, bs[i], &e), &e);
  int64_t v;
  ASSERT_OK(delta_txn_commit(x, &v, &e), &e);
  delta_snapshot_unref(s);
  delta_table_free(t);
  arena_free(ar);
  return v;
}

static void roundtrip(const char *cm_mode) {
  tbl_handlers h = tbl_handlers_default(fs_local());
  const char *root = test_tmpdir();
  arena *ar = arena_new("t", 65536);
  lago_err e;
  lago_err_clear(&e);
  lago_type sch;
  ASSERT_OK(type_parse(ar, k_schema, &sch, &e), &e);
  batch *bs[3] = {make_batch(ar, sch, 3, 0, "x"), make_batch(ar, sch, 2, 10, "A/B =%"), make_batch(ar, sch, 2, 20, NULL)};
  ASSERT_EQ_INT(write_commit(&h, root, cm_mode, bs, 3, true, NULL, NULL), 0);
  char *got = read_all(&h, root, -1, NULL, 0, NULL);
  ASSERT_EQ_STR(got, "0,\"n0\",\"x\",{\"a\":0,\"t\":\"t0\"}\n"
                     "1,\"n1\",\"x\",{\"a\":1,\"t\":\"t1\"}\n"
                     "10,\"n10\",\"A/B =%\",{\"a\":10,\"t\":\"t10\"}\n"
                     "11,\"n11\",\"A/B =%\",{\"a\":11,\"t\":\"t11\"}\n"
                     "2,\"n2\",\"x\",{\"a\":2,\"t\":\"t2\"}\n"
                     "20,\"n20\",\\N,{\"a\":20,\"t\":\"t20\"}\n"
                     "21,\"n21\",\\N,{\"a\":21,\"t\":\"t21\"}\n");
  free(got);
  /* files: one per partition, Hive-escaped directories */
  delta_table *t;
  ASSERT_OK(delta_table_open(&h, root, &t, &e), &e);
  delta_snapshot *s;
  ASSERT_OK(delta_snapshot_load(t, -1, &s, &e), &e);
  const delta_file *f;
  size_t n;
  ASSERT_OK(delta_snapshot_files(s, &f, &n, &e), &e);
  ASSERT_EQ_UINT(n, 3);
  int saw_escaped = 0, saw_null = 0;
  for (size_t i = 0; i < n; i++) {
    if (strstr(f[i].path, "=A%2FB %3D%25/")) saw_escaped = 1;
    if (strstr(f[i].path, "=__HIVE_DEFAULT_PARTITION__/")) saw_null = 1;
    ASSERT_NE_NULL(f[i].stats);
    ASSERT_CONTAINS(f[i].stats, "\"numRecords\":");
    ASSERT_CONTAINS(f[i].stats, "\"nullCount\"");
  }
  ASSERT(saw_escaped && saw_null);
  ASSERT_EQ_INT(delta_snapshot_num_rows(s, &e), 7);
  if (cm_mode) {
    ASSERT_EQ_STR(delta_snapshot_column_mapping(s), cm_mode);
    ASSERT_EQ_INT(delta_snapshot_protocol(s)->min_reader, 2);
    ASSERT_EQ_INT(delta_snapshot_protocol(s)->min_writer, 5);
    /* stats and partition values use physical names */
    ASSERT(strstr(f[0].stats, "\"col-") != NULL);
    ASSERT(!strncmp(f[0].partition_values.kv[0].key, "col-", 4));
  }
  delta_snapshot_unref(s);
  /* append and prune by stats: id >= 100 keeps only the new file */
  batch *more[1] = {make_batch(ar, sch, 4, 100, "x")};
  ASSERT_EQ_INT(write_commit(&h, root, NULL, more, 1, false, NULL, NULL), 1);
  vec *lit = vec_new(ar, type_make(LT_BIGINT), 1);
  VEC_DATA(lit, int64_t)[0] = 100;
  lit->len = 1;
  delta_pred pr = {"id", DP_GE, lit};
  size_t nf;
  got = read_all(&h, root, -1, &pr, 1, &nf);
  ASSERT_EQ_UINT(nf, 1);
  ASSERT(strstr(got, "100,") == got);
  free(got);
  vec *pl = vec_new(ar, type_make(LT_STRING), 1);
  vec_set_str(pl, 0, "x", 1);
  pl->len = 1;
  delta_pred pp = {"P", DP_EQ, pl};
  got = read_all(&h, root, -1, &pp, 1, &nf);
  ASSERT_EQ_UINT(nf, 2);
  free(got);
  delta_pred pn = {"p", DP_IS_NULL, NULL};
  got = read_all(&h, root, -1, &pn, 1, &nf);
  ASSERT_EQ_UINT(nf, 1);
  free(got);
  /* time travel back to version 0 */
  got = read_all(&h, root, 0, NULL, 0, &nf);
  ASSERT_EQ_UINT(nf, 3);
  free(got);
  delta_table_free(t);
  arena_free(ar);
}

TEST(delta_write_roundtrip_plain) { roundtrip(NULL); }
TEST(delta_write_roundtrip_column_mapping_name) { roundtrip("name"); }
TEST(delta_write_roundtrip_column_mapping_id) { roundtrip("id"); }

TEST(delta_write_checkpoints_and_dv_and_cdf) {
  tbl_handlers h = tbl_handlers_default(fs_local());
  const char *root = test_tmpdir();
  arena *ar = arena_new("t", 65536);
  lago_err e;
  lago_err_clear(&e);
  lago_type sch;
  ASSERT_OK(type_parse(ar, k_schema, &sch, &e), &e);
  /* checkpoint every 3 commits, DVs and CDF on */
  batch *b0[1] = {make_batch(ar, sch, 5, 0, "a")};
  arena *ar2 = arena_new("t", 1024);
  delta_table *t;
  ASSERT_OK(delta_table_open(&h, root, &t, &e), &e);
  delta_txn *x;
  ASSERT_OK(delta_txn_begin(t, NULL, NULL, &x, &e), &e);
  const char *pc[] = {"p"};
  delta_kv kv[3] = {{"delta.checkpointInterval", "3"},
                    {"delta.enableDeletionVectors", "true"},
                    {"delta.enableChangeDataFeed", "true"}};
  delta_map cfg = {3, kv};
  ASSERT_OK(delta_txn_set_metadata(x, sch, 1, pc, &cfg, &e), &e);
  ASSERT_OK(delta_txn_write(x, b0[0], &e), &e);
  int64_t v;
  ASSERT_OK(delta_txn_commit(x, &v, &e), &e);
  for (int i = 1; i <= 7; i++) {
    batch *bi[1] = {make_batch(ar, sch, 2, i * 10, i % 2 ? "a" : "b")};
    ASSERT_EQ_INT(write_commit(&h, root, NULL, bi, 1, false, NULL, NULL), i);
  }
  /* checkpoints at 3 and 6; _last_checkpoint says 6 */
  char p[1024];
  snprintf(p, sizeof p, "%s/_delta_log/%020d.checkpoint.parquet", root, 6);
  bool ex;
  ASSERT_OK(fs_exists(fs_local(), p, &ex, &e), &e);
  ASSERT(ex);
  last_checkpoint lc;
  ASSERT_OK(delta_last_checkpoint_read(t, ar2, &lc, &e), &e);
  ASSERT_EQ_INT(lc.version, 6);
  char *before = read_all(&h, root, -1, NULL, 0, NULL);
  /* read the table with the commits before the checkpoint gone: only checkpoint + tail is needed */
  for (int i = 0; i < 6; i++) {
    snprintf(p, sizeof p, "%s/_delta_log/%020d.json", root, i);
    ASSERT_OK(fs_rename(fs_local(), p, arena_printf(ar2, "%s.hidden", p), false, &e), &e);
  }
  char *after = read_all(&h, root, -1, NULL, 0, NULL);
  ASSERT_EQ_STR(after, before);
  free(after);
  for (int i = 0; i < 6; i++) {
    snprintf(p, sizeof p, "%s/_delta_log/%020d.json", root, i);
    ASSERT_OK(fs_rename(fs_local(), arena_printf(ar2, "%s.hidden", p), p, false, &e), &e);
  }
  /* delete rows 1 and 3 of the first file through a DV */
  delta_snapshot *s;
  ASSERT_OK(delta_snapshot_load(t, -1, &s, &e), &e);
  delta_scan_opts so = {.with_file_path = true, .with_row_index = true};
  delta_scan *sc;
  ASSERT_OK(delta_scan_new(s, &so, &sc, &e), &e);
  const delta_file *target = NULL;
  for (size_t i = 0; i < delta_scan_n_files(sc); i++)
    if (strstr(delta_scan_file(sc, i)->stats, "\"numRecords\":5")) target = delta_scan_file(sc, i);
  ASSERT_NE_NULL(target);
  delta_txn_opts del = {.operation = "DELETE"};
  ASSERT_OK(delta_txn_begin(t, s, &del, &x, &e), &e);
  uint64_t rows[] = {1, 3};
  ASSERT_OK(delta_txn_delete_rows(x, target, rows, 2, &e), &e);
  ASSERT_OK(delta_txn_commit(x, &v, &e), &e);
  ASSERT_EQ_INT(v, 8);
  delta_scan_free(sc);
  delta_snapshot_unref(s);
  char *now = read_all(&h, root, -1, NULL, 0, NULL);
  ASSERT(strstr(now, "1,\"n1\"") == NULL);
  ASSERT(strstr(now, "3,\"n3\"") == NULL);
  ASSERT(strstr(now, "2,\"n2\"") != NULL);
  ASSERT_EQ_UINT(strlen(before) > strlen(now), 1);
  free(now);
  free(before);
  /* CDF of version 8: two deletes derived from the DV */
  delta_cdf *c;
  ASSERT_OK(delta_cdf_open(t, 8, 8, &c, &e), &e);
  int deletes = 0;
  for (;;) {
    batch *b;
    ASSERT_OK(delta_cdf_next(c, &b, &e), &e);
    if (!b) break;
    for (uint32_t r = 0; r < b->n_rows; r++) {
      buf o;
      buf_init(&o);
      value_text_append(&o, &b->cols[4], batch_row(b, r));
      ASSERT_EQ_STR(buf_cstr(&o), "\"delete\"");
      buf_deinit(&o);
      deletes++;
    }
  }
  delta_cdf_close(c);
  ASSERT_EQ_INT(deletes, 2);
  /* CDF 0..1: inserts */
  ASSERT_OK(delta_cdf_open(t, 0, 1, &c, &e), &e);
  int inserts = 0;
  for (;;) {
    batch *b;
    ASSERT_OK(delta_cdf_next(c, &b, &e), &e);
    if (!b) break;
    inserts += (int)b->n_rows;
  }
  delta_cdf_close(c);
  ASSERT_EQ_INT(inserts, 7);
  delta_table_free(t);
  arena_free(ar2);
  arena_free(ar);
}

TEST(delta_write_rejects_bad_batches) {
  tbl_handlers h = tbl_handlers_default(fs_local());
  const char *root = test_tmpdir();
  arena *ar = arena_new("t", 65536);
  lago_err e;
  lago_err_clear(&e);
  lago_type sch;
  ASSERT_OK(type_parse(ar, "STRUCT<id: BIGINT NOT NULL, v: STRING>", &sch, &e), &e);
  delta_table *t;
  ASSERT_OK(delta_table_open(&h, root, &t, &e), &e);
  delta_txn *x;
  ASSERT_OK(delta_txn_begin(t, NULL, NULL, &x, &e), &e);
  ASSERT_OK(delta_txn_set_metadata(x, sch, 0, NULL, NULL, &e), &e);
  lago_type types[2] = {type_make(LT_BIGINT), type_make(LT_STRING)};
  batch *b = batch_new(ar, 2, types, 2);
  batch_set_rows(b, 2);
  vec_set_null(&b->cols[0], 1);
  ASSERT_RC(delta_txn_write(x, b, &e), LAGO_RUNTIME);
  ASSERT_CONTAINS(e.msg, "NOT NULL");
  lago_type bad[2] = {type_make(LT_INT), type_make(LT_STRING)};
  batch *b2 = batch_new(ar, 2, bad, 1);
  batch_set_rows(b2, 1);
  lago_err_clear(&e);
  ASSERT_RC(delta_txn_write(x, b2, &e), LAGO_MISUSE);
  delta_txn_abort(x);
  /* duplicate column names, unknown partition column */
  ASSERT_OK(delta_txn_begin(t, NULL, NULL, &x, &e), &e);
  lago_type dup;
  ASSERT_OK(type_parse(ar, "STRUCT<a: INT, A: INT>", &dup, &e), &e);
  lago_err_clear(&e);
  ASSERT_RC(delta_txn_set_metadata(x, dup, 0, NULL, NULL, &e), LAGO_BIND);
  const char *pc[] = {"zz"};
  lago_err_clear(&e);
  ASSERT_RC(delta_txn_set_metadata(x, sch, 1, pc, NULL, &e), LAGO_BIND);
  delta_txn_abort(x);
  delta_table_free(t);
  arena_free(ar);
}

TEST(delta_checkpoint_io_fault_sweep) {
  /* an I/O failure at every operation of writing a checkpoint: the table always opens with the same rows */
  tbl_handlers h = tbl_handlers_default(fs_local());
  const char *root = test_tmpdir();
  arena *ar = arena_new("t", 65536);
  lago_err e;
  lago_err_clear(&e);
  lago_type sch;
  ASSERT_OK(type_parse(ar, k_schema, &sch, &e), &e);
  batch *bs[2] = {make_batch(ar, sch, 3, 0, "x"), make_batch(ar, sch, 2, 10, NULL)};
  write_commit(&h, root, NULL, bs, 2, true, "delta.checkpointInterval", "1000");
  for (int i = 1; i <= 3; i++) {
    batch *b1[1] = {make_batch(ar, sch, 1, 100 * i, "y")};
    write_commit(&h, root, NULL, b1, 1, false, NULL, NULL);
  }
  char *want = read_all(&h, root, -1, NULL, 0, NULL);
  long ops = 0;
  for (long k = 1;; k++) {
    lago_fs *ff = fs_faulty_new(fs_local(), k, true);
    tbl_handlers hf = tbl_handlers_default(ff);
    delta_table *t;
    ASSERT_OK(delta_table_open(&hf, root, &t, &e), &e);
    delta_snapshot *s = NULL;
    lago_err_clear(&e);
    int rc = delta_snapshot_load(t, -1, &s, &e);
    if (rc == LAGO_OK) rc = delta_checkpoint_write(s, &e);
    ops = fs_faulty_ops(ff);
    delta_snapshot_unref(s);
    delta_table_free(t);
    fs_free(ff);
    char *got = read_all(&h, root, -1, NULL, 0, NULL);
    ASSERT_EQ_STR(got, want);
    free(got);
    if (rc == LAGO_OK) break; /* the failure point is past the last operation */
    ASSERT(k < 500);
  }
  ASSERT(ops > 5);
  /* the checkpoint exists now and is used */
  char p[1024];
  snprintf(p, sizeof p, "%s/_delta_log/%020d.checkpoint.parquet", root, 3);
  bool ex;
  ASSERT_OK(fs_exists(fs_local(), p, &ex, &e), &e);
  ASSERT(ex);
  free(want);
  arena_free(ar);
}

TEST(delta_schema_evolution_and_type_widening) {
  tbl_handlers h = tbl_handlers_default(fs_local());
  const char *root = test_tmpdir();
  arena *ar = arena_new("t", 65536);
  lago_err e;
  lago_err_clear(&e);
  lago_type s1, s2;
  ASSERT_OK(type_parse(ar, "STRUCT<id: INT, v: FLOAT>", &s1, &e), &e);
  ASSERT_OK(type_parse(ar, "STRUCT<id: BIGINT, v: DOUBLE, extra: STRING>", &s2, &e), &e);
  delta_table *t;
  ASSERT_OK(delta_table_open(&h, root, &t, &e), &e);
  delta_txn *x;
  ASSERT_OK(delta_txn_begin(t, NULL, NULL, &x, &e), &e);
  ASSERT_OK(delta_txn_set_metadata(x, s1, 0, NULL, NULL, &e), &e);
  lago_type ty1[2] = {type_make(LT_INT), type_make(LT_FLOAT)};
  batch *b = batch_new(ar, 2, ty1, 2);
  VEC_DATA(&b->cols[0], int32_t)[0] = 1;
  VEC_DATA(&b->cols[0], int32_t)[1] = 2;
  VEC_DATA(&b->cols[1], float)[0] = 1.5f;
  VEC_DATA(&b->cols[1], float)[1] = 2.5f;
  batch_set_rows(b, 2);
  ASSERT_OK(delta_txn_write(x, b, &e), &e);
  int64_t v;
  ASSERT_OK(delta_txn_commit(x, &v, &e), &e);
  /* without type widening the wider types are refused, naming the column */
  delta_snapshot *s;
  ASSERT_OK(delta_snapshot_load(t, -1, &s, &e), &e);
  ASSERT_OK(delta_txn_begin(t, s, NULL, &x, &e), &e);
  ASSERT_RC(delta_txn_evolve_schema(x, s2, &e), LAGO_BIND);
  ASSERT_CONTAINS(e.msg, "\"id\"");
  ASSERT_CONTAINS(e.msg, "delta.enableTypeWidening");
  delta_txn_abort(x);
  /* with it: widen id and v, add extra */
  lago_err_clear(&e);
  ASSERT_OK(delta_txn_begin(t, s, NULL, &x, &e), &e);
  ASSERT_OK(delta_txn_set_property(x, "delta.enableTypeWidening", "true", &e), &e);
  ASSERT_OK(delta_txn_evolve_schema(x, s2, &e), &e);
  ASSERT(type_equal(type_field_at(delta_txn_schema(x), 0)->type, type_make(LT_BIGINT)));
  lago_type ty2[3] = {type_make(LT_BIGINT), type_make(LT_DOUBLE), type_make(LT_STRING)};
  batch *b2 = batch_new(ar, 3, ty2, 1);
  VEC_DATA(&b2->cols[0], int64_t)[0] = 5000000000LL;
  VEC_DATA(&b2->cols[1], double)[0] = 0.25;
  vec_set_str(&b2->cols[2], 0, "new", 3);
  batch_set_rows(b2, 1);
  ASSERT_OK(delta_txn_write(x, b2, &e), &e);
  ASSERT_OK(delta_txn_commit(x, &v, &e), &e);
  delta_snapshot_unref(s);
  ASSERT_OK(delta_snapshot_load(t, -1, &s, &e), &e);
  ASSERT(delta_protocol_has(delta_snapshot_protocol(s), "typeWidening"));
  ASSERT_CONTAINS(type_field_at(delta_snapshot_schema(s), 0)->metadata, "delta.typeChanges");
  delta_snapshot_unref(s);
  char *got = read_all(&h, root, -1, NULL, 0, NULL);
  ASSERT_EQ_STR(got, "1,1.5,\\N\n2,2.5,\\N\n5000000000,0.25,\"new\"\n");
  free(got);
  /* version 0 still reads with its own schema */
  got = read_all(&h, root, 0, NULL, 0, NULL);
  ASSERT_EQ_STR(got, "1,1.5\n2,2.5\n");
  free(got);
  delta_table_free(t);
  arena_free(ar);
}

typedef struct oom_read {
  const char *root;
} oom_read;

/* Everything a reader does on a DV + CDF + checkpointed table, under allocation failures. */
static int read_everything(void *ud) {
  oom_read *o = ud;
  tbl_handlers h = tbl_handlers_default(fs_local());
  delta_table *t;
  lago_err e;
  lago_err_clear(&e);
  int rc = delta_table_open(&h, o->root, &t, &e);
  if (rc) return rc;
  delta_snapshot *s = NULL;
  delta_scan *sc = NULL;
  delta_scan_iter *it = NULL;
  delta_cdf *c = NULL;
  rc = delta_snapshot_load(t, -1, &s, &e);
  delta_scan_opts so = {.with_file_path = true, .with_row_index = true};
  if (rc == LAGO_OK) rc = delta_scan_new(s, &so, &sc, &e);
  if (rc == LAGO_OK) rc = delta_scan_iter_open(sc, &it, &e);
  while (rc == LAGO_OK) {
    batch *b;
    if ((rc = delta_scan_iter_next(it, &b, &e)) || !b) break;
  }
  if (rc == LAGO_OK) rc = delta_cdf_open(t, 0, -1, &c, &e);
  while (rc == LAGO_OK) {
    batch *b;
    if ((rc = delta_cdf_next(c, &b, &e)) || !b) break;
  }
  delta_cdf_close(c);
  delta_scan_iter_close(it);
  delta_scan_free(sc);
  delta_snapshot_unref(s);
  delta_table_free(t);
  return rc;
}

TEST(delta_oom_sweep_scan_and_cdf) {
  tbl_handlers h = tbl_handlers_default(fs_local());
  const char *root = test_tmpdir();
  arena *ar = arena_new("t", 65536);
  lago_err e;
  lago_err_clear(&e);
  lago_type sch;
  ASSERT_OK(type_parse(ar, k_schema, &sch, &e), &e);
  delta_table *t;
  ASSERT_OK(delta_table_open(&h, root, &t, &e), &e);
  delta_txn *x;
  ASSERT_OK(delta_txn_begin(t, NULL, NULL, &x, &e), &e);
  const char *pc[] = {"p"};
  delta_kv kv[3] = {{"delta.checkpointInterval", "2"},
                    {"delta.enableDeletionVectors", "true"},
                    {"delta.enableChangeDataFeed", "true"}};
  delta_map cfg = {3, kv};
  ASSERT_OK(delta_txn_set_metadata(x, sch, 1, pc, &cfg, &e), &e);
  ASSERT_OK(delta_txn_write(x, make_batch(ar, sch, 4, 0, "a"), &e), &e);
  int64_t v;
  ASSERT_OK(delta_txn_commit(x, &v, &e), &e);
  for (int i = 1; i <= 2; i++) {
    batch *bi[1] = {make_batch(ar, sch, 2, i * 10, "b")};
    write_commit(&h, root, NULL, bi, 1, false, NULL, NULL);
  }
  delta_snapshot *s;
  ASSERT_OK(delta_snapshot_load(t, -1, &s, &e), &e);
  const delta_file *f;
  size_t n;
  ASSERT_OK(delta_snapshot_files(s, &f, &n, &e), &e);
  ASSERT_OK(delta_txn_begin(t, s, NULL, &x, &e), &e);
  uint64_t rows[] = {0};
  ASSERT_OK(delta_txn_delete_rows(x, &f[0], rows, 1, &e), &e);
  ASSERT_OK(delta_txn_commit(x, &v, &e), &e);
  delta_snapshot_unref(s);
  delta_table_free(t);
  oom_read o = {root};
  int runs = test_oom_sweep(read_everything, &o, 20000);
  ASSERT(runs > 50);
  arena_free(ar);
}

typedef struct oom_write {
  const char *root;
  lago_type schema;
  batch *b;
} oom_write;

static int write_once(void *ud) {
  oom_write *o = ud;
  tbl_handlers h = tbl_handlers_default(fs_local());
  delta_table *t;
  lago_err e;
  lago_err_clear(&e);
  int rc = delta_table_open(&h, o->root, &t, &e);
  if (rc) return rc;
  delta_snapshot *s = NULL;
  delta_txn *x = NULL;
  rc = delta_snapshot_load(t, -1, &s, &e);
  delta_txn_opts to = {.no_auto_checkpoint = true};
  if (rc == LAGO_OK) rc = delta_txn_begin(t, s, &to, &x, &e);
  if (rc == LAGO_OK) rc = delta_txn_write(x, o->b, &e);
  if (rc == LAGO_OK) rc = delta_txn_set_app_version(x, "oom", 1, &e);
  int64_t v;
  if (rc == LAGO_OK) {
    rc = delta_txn_commit(x, &v, &e);
    x = NULL;
  }
  delta_txn_abort(x);
  delta_snapshot_unref(s);
  delta_table_free(t);
  return rc;
}

/* Writes the checkpoint of the latest version again (after removing it). */
static int checkpoint_once(void *ud) {
  oom_write *o = ud;
  tbl_handlers h = tbl_handlers_default(fs_local());
  delta_table *t;
  lago_err e;
  lago_err_clear(&e);
  char p[1024];
  snprintf(p, sizeof p, "%s/_delta_log/%020d.checkpoint.parquet", o->root, 1);
  fs_remove(fs_local(), p, &e);
  lago_err_clear(&e);
  int rc = delta_table_open(&h, o->root, &t, &e);
  if (rc) return rc;
  delta_snapshot *s = NULL;
  rc = delta_snapshot_load(t, 1, &s, &e);
  if (rc == LAGO_OK) rc = delta_checkpoint_write(s, &e);
  delta_snapshot_unref(s);
  delta_table_free(t);
  return rc;
}

TEST(delta_oom_sweep_write_commit_checkpoint) {
  tbl_handlers h = tbl_handlers_default(fs_local());
  const char *root = test_tmpdir();
  arena *ar = arena_new("t", 65536);
  lago_err e;
  lago_err_clear(&e);
  lago_type sch;
  ASSERT_OK(type_parse(ar, k_schema, &sch, &e), &e);
  batch *b0[1] = {make_batch(ar, sch, 3, 0, "a")};
  write_commit(&h, root, "name", b0, 1, true, "delta.checkpointInterval", "1000");
  batch *b1[1] = {make_batch(ar, sch, 2, 50, "c")};
  write_commit(&h, root, NULL, b1, 1, false, NULL, NULL);
  oom_write o = {root, sch, make_batch(ar, sch, 5, 100, "b")};
  int runs = test_oom_sweep(checkpoint_once, &o, 20000);
  ASSERT(runs > 50);
  runs = test_oom_sweep(write_once, &o, 20000);
  ASSERT(runs > 50);
  /* whatever failed, the table reads, and every commit that landed has its 5 rows */
  delta_table *t;
  ASSERT_OK(delta_table_open(&h, root, &t, &e), &e);
  delta_snapshot *s;
  ASSERT_OK(delta_snapshot_load(t, -1, &s, &e), &e);
  int64_t rows = delta_snapshot_num_rows(s, &e);
  ASSERT_EQ_INT((rows - 5) % 5, 0);
  ASSERT(rows >= 10);
  delta_snapshot_unref(s);
  delta_table_free(t);
  arena_free(ar);
}
