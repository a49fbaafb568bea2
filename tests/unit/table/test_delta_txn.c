/*
** tests/unit/table/test_delta_txn.c: transactions, commits, conflicts, log
** replay of lago-written tables, history, time travel, RESTORE, VACUUM and
** fault injection (table/delta/txn.c, conflict.c, snapshot.c, maint.c).
** Data files here are placeholders written with fs_write: the log logic
** does not read them.
*/
#include <stdio.h>
#include <string.h>

#include "table/delta/delta_int.h"
#include "table/delta/txn_int.h"
#include "test.h"
#include "util/alloc.h"

static int64_t g_now = 1700000000000;
static int64_t fake_now(void *ud) {
  (void)ud;
  return g_now;
}

static tbl_handlers handlers(lago_fs *fs) {
  tbl_handlers h = {fs, NULL, fake_now, NULL, NULL};
  return h;
}

static lago_type schema(arena *ar) {
  lago_type t;
  lago_err e;
  lago_err_clear(&e);
  if (type_parse(ar, "STRUCT<id: BIGINT, p: STRING>", &t, &e)) test_fail_(__FILE__, __LINE__, "%s", e.msg);
  return t;
}

/* Writes a placeholder data file and returns an add for it. */
static delta_file fake_add(arena *ar, const char *root, const char *p, const char *name, int64_t rows) {
  delta_file f;
  memset(&f, 0, sizeof f);
  f.path = arena_printf(ar, "p=%s/%s", p, name);
  f.size = 100;
  f.modification_time = g_now;
  f.data_change = true;
  f.stats = arena_printf(ar, "{\"numRecords\":%lld}", (long long)rows);
  f.dv.offset = -1;
  f.base_row_id = f.default_row_commit_version = -1;
  f.deletion_timestamp = -1;
  delta_kv *kv = arena_alloc(ar, sizeof *kv);
  kv->key = "p";
  kv->value = p;
  f.partition_values.n = 1;
  f.partition_values.kv = kv;
  char *full = arena_printf(ar, "%s/%s", root, f.path);
  lago_err e;
  lago_err_clear(&e);
  if (fs_write(fs_local(), full, "x", 1, true, &e)) test_fail_(__FILE__, __LINE__, "%s", e.msg);
  return f;
}

static int64_t create_table(const tbl_handlers *h, const char *root, const delta_map *cfg) {
  arena *ar = arena_new("t", 4096);
  delta_table *t;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(delta_table_open(h, root, &t, &e), &e);
  delta_txn *x;
  delta_txn_opts o = {.operation = "CREATE TABLE"};
  ASSERT_OK(delta_txn_begin(t, NULL, &o, &x, &e), &e);
  const char *pc[] = {"p"};
  ASSERT_OK(delta_txn_set_metadata(x, schema(ar), 1, pc, cfg, &e), &e);
  int64_t v = -1;
  ASSERT_OK(delta_txn_commit(x, &v, &e), &e);
  delta_table_free(t);
  arena_free(ar);
  return v;
}

/* Appends one file in partition p, committing at the latest version. */
static int append(const tbl_handlers *h, const char *root, const char *p, const char *name, int64_t *v,
                  lago_err *e) {
  arena *ar = arena_new("t", 4096);
  delta_table *t;
  ASSERT_OK(delta_table_open(h, root, &t, e), e);
  delta_snapshot *s;
  int rc = delta_snapshot_load(t, -1, &s, e);
  delta_txn *x = NULL;
  if (rc == LAGO_OK) rc = delta_txn_begin(t, s, NULL, &x, e);
  if (rc == LAGO_OK) {
    delta_file f = fake_add(ar, root, p, name, 10);
    rc = delta_txn_add_file(x, &f, e);
    if (rc == LAGO_OK) {
      rc = delta_txn_commit(x, v, e);
      x = NULL;
    }
  }
  delta_txn_abort(x);
  delta_snapshot_unref(s);
  delta_table_free(t);
  arena_free(ar);
  return rc;
}

static size_t n_files(const tbl_handlers *h, const char *root, int64_t version) {
  delta_table *t;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(delta_table_open(h, root, &t, &e), &e);
  delta_snapshot *s;
  ASSERT_OK(delta_snapshot_load(t, version, &s, &e), &e);
  const delta_file *f;
  size_t n;
  ASSERT_OK(delta_snapshot_files(s, &f, &n, &e), &e);
  delta_snapshot_unref(s);
  delta_table_free(t);
  return n;
}

TEST(delta_txn_create_append_remove) {
  tbl_handlers h = handlers(fs_local());
  const char *root = test_tmpdir();
  ASSERT_EQ_INT(create_table(&h, root, NULL), 0);
  lago_err e;
  lago_err_clear(&e);
  int64_t v;
  ASSERT_OK(append(&h, root, "a", "f1.parquet", &v, &e), &e);
  ASSERT_EQ_INT(v, 1);
  ASSERT_OK(append(&h, root, "b", "f2.parquet", &v, &e), &e);
  ASSERT_EQ_INT(v, 2);
  ASSERT_EQ_UINT(n_files(&h, root, -1), 2);
  ASSERT_EQ_UINT(n_files(&h, root, 1), 1);
  ASSERT_EQ_UINT(n_files(&h, root, 0), 0);
  /* remove f1 */
  delta_table *t;
  ASSERT_OK(delta_table_open(&h, root, &t, &e), &e);
  delta_snapshot *s;
  ASSERT_OK(delta_snapshot_load(t, -1, &s, &e), &e);
  ASSERT_EQ_INT(delta_snapshot_protocol(s)->min_reader, 1);
  ASSERT_EQ_INT(delta_snapshot_protocol(s)->min_writer, 2);
  ASSERT_EQ_INT(delta_snapshot_n_partition_columns(s), 1);
  const delta_file *f;
  size_t n;
  ASSERT_OK(delta_snapshot_files(s, &f, &n, &e), &e);
  ASSERT_EQ_STR(f[0].path, "p=a/f1.parquet");
  ASSERT_EQ_INT(delta_snapshot_num_rows(s, &e), 20);
  delta_txn *x;
  delta_txn_opts o = {.operation = "DELETE"};
  ASSERT_OK(delta_txn_begin(t, s, &o, &x, &e), &e);
  ASSERT_OK(delta_txn_remove_file(x, &f[0], true, &e), &e);
  ASSERT_OK(delta_txn_commit(x, &v, &e), &e);
  ASSERT_EQ_INT(v, 3);
  delta_snapshot_unref(s);
  ASSERT_EQ_UINT(n_files(&h, root, -1), 1);
  /* history newest first, with operations */
  arena *ar = arena_new("t", 4096);
  delta_history_entry *hist;
  size_t nh;
  ASSERT_OK(delta_history(t, 0, ar, &hist, &nh, &e), &e);
  ASSERT_EQ_UINT(nh, 4);
  ASSERT_EQ_INT(hist[0].version, 3);
  ASSERT_EQ_STR(hist[0].ci->operation, "DELETE");
  ASSERT_EQ_STR(hist[3].ci->operation, "CREATE TABLE");
  ASSERT_CONTAINS(hist[1].ci->json, "\"isBlindAppend\":true");
  ASSERT_CONTAINS(hist[0].ci->json, "\"isBlindAppend\":false");
  arena_free(ar);
  delta_table_free(t);
}

TEST(delta_txn_blind_appends_never_conflict) {
  tbl_handlers h = handlers(fs_local());
  const char *root = test_tmpdir();
  create_table(&h, root, NULL);
  lago_err e;
  lago_err_clear(&e);
  delta_table *t;
  ASSERT_OK(delta_table_open(&h, root, &t, &e), &e);
  delta_snapshot *s;
  ASSERT_OK(delta_snapshot_load(t, -1, &s, &e), &e);
  arena *ar = arena_new("t", 4096);
  /* three transactions from the same snapshot: all land, in order */
  delta_txn *x[3];
  for (int i = 0; i < 3; i++) {
    ASSERT_OK(delta_txn_begin(t, s, NULL, &x[i], &e), &e);
    char name[32];
    snprintf(name, sizeof name, "f%d.parquet", i);
    delta_file f = fake_add(ar, root, "a", name, 1);
    ASSERT_OK(delta_txn_add_file(x[i], &f, &e), &e);
  }
  for (int i = 0; i < 3; i++) {
    int64_t v;
    ASSERT_OK(delta_txn_commit(x[i], &v, &e), &e);
    ASSERT_EQ_INT(v, i + 1);
  }
  delta_snapshot_unref(s);
  ASSERT_EQ_UINT(n_files(&h, root, -1), 3);
  arena_free(ar);
  delta_table_free(t);
}

TEST(delta_txn_conflicts) {
  tbl_handlers h = handlers(fs_local());
  const char *root = test_tmpdir();
  create_table(&h, root, NULL);
  lago_err e;
  lago_err_clear(&e);
  int64_t v;
  ASSERT_OK(append(&h, root, "a", "f1.parquet", &v, &e), &e);
  ASSERT_OK(append(&h, root, "b", "f2.parquet", &v, &e), &e);
  delta_table *t;
  ASSERT_OK(delta_table_open(&h, root, &t, &e), &e);
  delta_snapshot *s;
  ASSERT_OK(delta_snapshot_load(t, -1, &s, &e), &e);
  const delta_file *f;
  size_t n;
  ASSERT_OK(delta_snapshot_files(s, &f, &n, &e), &e);
  /* two deletes of the same file: the second fails naming both operations */
  delta_txn *a, *b;
  delta_txn_opts oa = {.operation = "DELETE"}, ob = {.operation = "MERGE"};
  ASSERT_OK(delta_txn_begin(t, s, &oa, &a, &e), &e);
  ASSERT_OK(delta_txn_begin(t, s, &ob, &b, &e), &e);
  ASSERT_OK(delta_txn_remove_file(a, &f[0], true, &e), &e);
  ASSERT_OK(delta_txn_remove_file(b, &f[0], true, &e), &e);
  ASSERT_OK(delta_txn_commit(a, &v, &e), &e);
  ASSERT_RC(delta_txn_commit(b, &v, &e), LAGO_CONFLICT);
  ASSERT_CONTAINS(e.msg, "MERGE");
  ASSERT_CONTAINS(e.msg, "DELETE");
  ASSERT_CONTAINS(e.msg, "ConcurrentDeleteDelete");
  /* a txn that read partition b conflicts with an append into b, not with one into c */
  lago_err_clear(&e);
  delta_snapshot_unref(s);
  ASSERT_OK(delta_snapshot_load(t, -1, &s, &e), &e);
  arena *ar = arena_new("t", 4096);
  vec *val = vec_new(ar, type_make(LT_STRING), 1);
  vec_set_str(val, 0, "b", 1);
  val->len = 1;
  delta_pred pred = {"p", DP_EQ, val};
  delta_txn *c;
  delta_txn_opts oc = {.operation = "UPDATE"};
  ASSERT_OK(delta_txn_begin(t, s, &oc, &c, &e), &e);
  ASSERT_OK(delta_txn_read_preds(c, &pred, 1, &e), &e);
  delta_file nf = fake_add(ar, root, "b", "f3.parquet", 5);
  ASSERT_OK(delta_txn_add_file(c, &nf, &e), &e);
  /* a concurrent non-blind writer adds into c: no conflict for c's read of b */
  delta_txn *d;
  ASSERT_OK(delta_txn_begin(t, s, NULL, &d, &e), &e);
  delta_txn_read_all(d); /* not blind */
  delta_file cf = fake_add(ar, root, "c", "f4.parquet", 5);
  ASSERT_OK(delta_txn_add_file(d, &cf, &e), &e);
  ASSERT_OK(delta_txn_commit(d, &v, &e), &e);
  ASSERT_OK(delta_txn_commit(c, &v, &e), &e); /* rebased */
  /* now a reader of b loses to a non-blind writer into b */
  delta_snapshot_unref(s);
  ASSERT_OK(delta_snapshot_load(t, -1, &s, &e), &e);
  ASSERT_OK(delta_txn_begin(t, s, &oc, &c, &e), &e);
  ASSERT_OK(delta_txn_read_preds(c, &pred, 1, &e), &e);
  ASSERT_OK(delta_txn_add_file(c, &nf, &e), &e);
  ASSERT_OK(delta_txn_begin(t, s, NULL, &d, &e), &e);
  delta_txn_read_all(d);
  delta_file bf = fake_add(ar, root, "b", "f5.parquet", 5);
  ASSERT_OK(delta_txn_add_file(d, &bf, &e), &e);
  ASSERT_OK(delta_txn_commit(d, &v, &e), &e);
  ASSERT_RC(delta_txn_commit(c, &v, &e), LAGO_CONFLICT);
  ASSERT_CONTAINS(e.msg, "ConcurrentAppend");
  /* a metadata change conflicts with everything that read */
  lago_err_clear(&e);
  delta_snapshot_unref(s);
  ASSERT_OK(delta_snapshot_load(t, -1, &s, &e), &e);
  ASSERT_OK(delta_txn_begin(t, s, NULL, &a, &e), &e);
  ASSERT_OK(delta_txn_set_property(a, "delta.appendOnly", "false", &e), &e);
  ASSERT_OK(delta_txn_begin(t, s, &oc, &b, &e), &e);
  delta_txn_read_all(b);
  ASSERT_OK(delta_txn_add_file(b, &nf, &e), &e);
  ASSERT_OK(delta_txn_commit(a, &v, &e), &e);
  ASSERT_RC(delta_txn_commit(b, &v, &e), LAGO_CONFLICT);
  ASSERT_CONTAINS(e.msg, "MetadataChanged");
  delta_snapshot_unref(s);
  arena_free(ar);
  delta_table_free(t);
}

TEST(delta_txn_app_ids_and_validation) {
  tbl_handlers h = handlers(fs_local());
  const char *root = test_tmpdir();
  delta_kv kv = {"delta.appendOnly", "true"};
  delta_map cfg = {1, &kv};
  create_table(&h, root, &cfg);
  lago_err e;
  lago_err_clear(&e);
  delta_table *t;
  ASSERT_OK(delta_table_open(&h, root, &t, &e), &e);
  delta_snapshot *s;
  ASSERT_OK(delta_snapshot_load(t, -1, &s, &e), &e);
  ASSERT_EQ_INT(delta_snapshot_app_version(s, "job"), -1);
  arena *ar = arena_new("t", 4096);
  delta_txn *x;
  ASSERT_OK(delta_txn_begin(t, s, NULL, &x, &e), &e);
  ASSERT_OK(delta_txn_set_app_version(x, "job", 7, &e), &e);
  ASSERT_RC(delta_txn_set_app_version(x, "job", 8, &e), LAGO_MISUSE);
  delta_file f = fake_add(ar, root, "a", "f1.parquet", 3);
  ASSERT_OK(delta_txn_add_file(x, &f, &e), &e);
  int64_t v;
  lago_err_clear(&e);
  ASSERT_OK(delta_txn_commit(x, &v, &e), &e);
  delta_snapshot_unref(s);
  ASSERT_OK(delta_snapshot_load(t, -1, &s, &e), &e);
  ASSERT_EQ_INT(delta_snapshot_app_version(s, "job"), 7);
  /* append-only: removing is refused */
  const delta_file *fs;
  size_t n;
  ASSERT_OK(delta_snapshot_files(s, &fs, &n, &e), &e);
  ASSERT_OK(delta_txn_begin(t, s, NULL, &x, &e), &e);
  ASSERT_OK(delta_txn_remove_file(x, &fs[0], true, &e), &e);
  ASSERT_RC(delta_txn_commit(x, &v, &e), LAGO_UNSUPPORTED);
  ASSERT_CONTAINS(e.msg, "append-only");
  /* an add missing a partition value is refused */
  lago_err_clear(&e);
  ASSERT_OK(delta_txn_begin(t, s, NULL, &x, &e), &e);
  delta_file bad = f;
  bad.partition_values.n = 0;
  ASSERT_RC(delta_txn_add_file(x, &bad, &e), LAGO_MISUSE);
  delta_txn_abort(x);
  delta_snapshot_unref(s);
  arena_free(ar);
  delta_table_free(t);
}

TEST(delta_txn_deletion_vectors) {
  tbl_handlers h = handlers(fs_local());
  const char *root = test_tmpdir();
  delta_kv kv = {"delta.enableDeletionVectors", "true"};
  delta_map cfg = {1, &kv};
  create_table(&h, root, &cfg);
  lago_err e;
  lago_err_clear(&e);
  int64_t v;
  ASSERT_OK(append(&h, root, "a", "f1.parquet", &v, &e), &e);
  delta_table *t;
  ASSERT_OK(delta_table_open(&h, root, &t, &e), &e);
  delta_snapshot *s;
  ASSERT_OK(delta_snapshot_load(t, -1, &s, &e), &e);
  ASSERT_EQ_INT(delta_snapshot_protocol(s)->min_reader, 3);
  const delta_file *f;
  size_t n;
  ASSERT_OK(delta_snapshot_files(s, &f, &n, &e), &e);
  delta_txn *x;
  ASSERT_OK(delta_txn_begin(t, s, NULL, &x, &e), &e);
  uint64_t rows[] = {3, 1, 3};
  ASSERT_OK(delta_txn_delete_rows(x, &f[0], rows, 3, &e), &e);
  ASSERT_OK(delta_txn_commit(x, &v, &e), &e);
  delta_snapshot_unref(s);
  ASSERT_OK(delta_snapshot_load(t, -1, &s, &e), &e);
  ASSERT_OK(delta_snapshot_files(s, &f, &n, &e), &e);
  ASSERT_EQ_UINT(n, 1);
  ASSERT_EQ_INT(f[0].dv.storage_type, 'u');
  ASSERT_EQ_INT(f[0].dv.cardinality, 2);
  ASSERT_EQ_INT(delta_snapshot_num_rows(s, &e), 8);
  /* a second delete unions with the first DV */
  ASSERT_OK(delta_txn_begin(t, s, NULL, &x, &e), &e);
  uint64_t more[] = {1, 9};
  ASSERT_OK(delta_txn_delete_rows(x, &f[0], more, 2, &e), &e);
  ASSERT_OK(delta_txn_commit(x, &v, &e), &e);
  delta_snapshot_unref(s);
  ASSERT_OK(delta_snapshot_load(t, -1, &s, &e), &e);
  ASSERT_OK(delta_snapshot_files(s, &f, &n, &e), &e);
  ASSERT_EQ_UINT(n, 1);
  ASSERT_EQ_INT(f[0].dv.cardinality, 3);
  const delta_file *tomb;
  size_t nt;
  ASSERT_OK(delta_snapshot_tombstones(s, &tomb, &nt, &e), &e);
  ASSERT_EQ_UINT(nt, 2); /* (f1, no DV) and (f1, first DV) */
  /* deleting past the end is refused */
  ASSERT_OK(delta_txn_begin(t, s, NULL, &x, &e), &e);
  uint64_t past[] = {10};
  ASSERT_RC(delta_txn_delete_rows(x, &f[0], past, 1, &e), LAGO_MISUSE);
  delta_txn_abort(x);
  delta_snapshot_unref(s);
  delta_table_free(t);
}

TEST(delta_restore_and_time_travel) {
  tbl_handlers h = handlers(fs_local());
  const char *root = test_tmpdir();
  create_table(&h, root, NULL);
  lago_err e;
  lago_err_clear(&e);
  int64_t v;
  ASSERT_OK(append(&h, root, "a", "f1.parquet", &v, &e), &e);
  ASSERT_OK(append(&h, root, "a", "f2.parquet", &v, &e), &e);
  ASSERT_OK(append(&h, root, "a", "f3.parquet", &v, &e), &e);
  delta_table *t;
  ASSERT_OK(delta_table_open(&h, root, &t, &e), &e);
  ASSERT_OK(delta_restore(t, 1, &v, &e), &e);
  ASSERT_EQ_INT(v, 4);
  ASSERT_EQ_UINT(n_files(&h, root, -1), 1);
  ASSERT_OK(delta_restore(t, 3, &v, &e), &e);
  ASSERT_EQ_UINT(n_files(&h, root, -1), 3);
  /* time travel by timestamp uses commit file times here (no in-commit timestamps) */
  delta_snapshot *s;
  ASSERT_OK(delta_snapshot_load_at_time(t, INT64_MAX / 2, &s, &e), &e);
  ASSERT_EQ_INT(delta_snapshot_version(s), 5);
  delta_snapshot_unref(s);
  ASSERT_RC(delta_snapshot_load_at_time(t, 0, &s, &e), LAGO_NOTFOUND);
  lago_err_clear(&e);
  ASSERT_RC(delta_snapshot_load(t, 9, &s, &e), LAGO_NOTFOUND);
  ASSERT_CONTAINS(e.msg, "latest is 5");
  delta_table_free(t);
}

TEST(delta_in_commit_timestamps) {
  tbl_handlers h = handlers(fs_local());
  const char *root = test_tmpdir();
  delta_kv kv = {"delta.enableInCommitTimestamps", "true"};
  delta_map cfg = {1, &kv};
  g_now = 1000000;
  create_table(&h, root, &cfg);
  lago_err e;
  lago_err_clear(&e);
  int64_t v;
  g_now = 2000000;
  ASSERT_OK(append(&h, root, "a", "f1.parquet", &v, &e), &e);
  g_now = 1500000; /* the clock goes back: ICT must still increase */
  ASSERT_OK(append(&h, root, "a", "f2.parquet", &v, &e), &e);
  g_now = 3000000;
  ASSERT_OK(append(&h, root, "a", "f3.parquet", &v, &e), &e);
  delta_table *t;
  ASSERT_OK(delta_table_open(&h, root, &t, &e), &e);
  delta_snapshot *s;
  ASSERT_OK(delta_snapshot_load(t, -1, &s, &e), &e);
  ASSERT(delta_protocol_has(delta_snapshot_protocol(s), "inCommitTimestamp"));
  ASSERT_EQ_INT(delta_snapshot_timestamp(s), 3000000);
  delta_snapshot_unref(s);
  ASSERT_OK(delta_snapshot_load(t, 2, &s, &e), &e);
  ASSERT_EQ_INT(delta_snapshot_timestamp(s), 2000001);
  delta_snapshot_unref(s);
  ASSERT_OK(delta_snapshot_load_at_time(t, 2000000, &s, &e), &e);
  ASSERT_EQ_INT(delta_snapshot_version(s), 1);
  delta_snapshot_unref(s);
  ASSERT_OK(delta_snapshot_load_at_time(t, 2999999, &s, &e), &e);
  ASSERT_EQ_INT(delta_snapshot_version(s), 2);
  delta_snapshot_unref(s);
  ASSERT_RC(delta_snapshot_load_at_time(t, 999999, &s, &e), LAGO_NOTFOUND);
  delta_table_free(t);
  g_now = 1700000000000;
}

TEST(delta_vacuum_keeps_reachable_files) {
  tbl_handlers h = handlers(fs_local());
  const char *root = test_tmpdir();
  g_now = 1700000000000;
  create_table(&h, root, NULL);
  lago_err e;
  lago_err_clear(&e);
  int64_t v;
  ASSERT_OK(append(&h, root, "a", "f1.parquet", &v, &e), &e);
  ASSERT_OK(append(&h, root, "a", "f2.parquet", &v, &e), &e);
  /* an orphan (never committed) and a removed file */
  arena *ar = arena_new("t", 4096);
  fake_add(ar, root, "a", "orphan.parquet", 1);
  delta_table *t;
  ASSERT_OK(delta_table_open(&h, root, &t, &e), &e);
  delta_snapshot *s;
  ASSERT_OK(delta_snapshot_load(t, -1, &s, &e), &e);
  const delta_file *f;
  size_t n;
  ASSERT_OK(delta_snapshot_files(s, &f, &n, &e), &e);
  delta_txn *x;
  ASSERT_OK(delta_txn_begin(t, s, NULL, &x, &e), &e);
  ASSERT_OK(delta_txn_remove_file(x, &f[0], true, &e), &e);
  ASSERT_OK(delta_txn_commit(x, &v, &e), &e);
  delta_snapshot_unref(s);
  /* the files' mtimes are real (now); the fake clock is far in the future for the vacuum */
  g_now = tbl_now_ms(NULL) + 30LL * 86400000;
  delta_vacuum_opts vo = {.retain_hours = -1, .dry_run = true};
  delta_vacuum_result r;
  ASSERT_OK(delta_vacuum(t, &vo, ar, &r, &e), &e);
  /* default 168 h: the commits are 30 days old by the fake clock, so the removed f1 and the orphan go */
  ASSERT_EQ_UINT(r.n_files, 2);
  vo.dry_run = false;
  ASSERT_OK(delta_vacuum(t, &vo, ar, &r, &e), &e);
  ASSERT_EQ_UINT(r.n_files, 2);
  ASSERT_EQ_UINT(n_files(&h, root, -1), 1);
  /* retention below 7 days needs force */
  vo.retain_hours = 1;
  ASSERT_RC(delta_vacuum(t, &vo, ar, &r, &e), LAGO_MISUSE);
  /* with the clock back at the commit time, everything is within retention */
  lago_err_clear(&e);
  fake_add(ar, root, "a", "orphan2.parquet", 1);
  g_now = tbl_now_ms(NULL) - 60000; /* the orphan is younger than the cutoff: an in-flight write */
  vo.retain_hours = 0;
  vo.force = true;
  ASSERT_OK(delta_vacuum(t, &vo, ar, &r, &e), &e);
  ASSERT_EQ_UINT(r.n_files, 0);
  g_now = tbl_now_ms(NULL) + 60000; /* now it is old enough, and unreferenced */
  ASSERT_OK(delta_vacuum(t, &vo, ar, &r, &e), &e);
  ASSERT_EQ_UINT(r.n_files, 1);
  ASSERT_EQ_UINT(n_files(&h, root, -1), 1);
  arena_free(ar);
  delta_table_free(t);
  g_now = 1700000000000;
}

TEST(delta_log_replay_stale_hint_and_gaps) {
  tbl_handlers h = handlers(fs_local());
  const char *root = test_tmpdir();
  create_table(&h, root, NULL);
  lago_err e;
  lago_err_clear(&e);
  int64_t v;
  ASSERT_OK(append(&h, root, "a", "f1.parquet", &v, &e), &e);
  ASSERT_OK(append(&h, root, "a", "f2.parquet", &v, &e), &e);
  /* a corrupt _last_checkpoint is ignored */
  char p[1024];
  snprintf(p, sizeof p, "%s/_delta_log/_last_checkpoint", root);
  ASSERT_OK(fs_write(fs_local(), p, "{not json", 9, true, &e), &e);
  ASSERT_EQ_UINT(n_files(&h, root, -1), 2);
  /* a hint pointing at a checkpoint that does not exist is ignored too */
  ASSERT_OK(fs_write(fs_local(), p, "{\"version\":1,\"size\":3}", 22, true, &e), &e);
  ASSERT_EQ_UINT(n_files(&h, root, -1), 2);
  /* a missing commit in the middle is an error naming it */
  snprintf(p, sizeof p, "%s/_delta_log/%020d.json", root, 1);
  ASSERT_OK(fs_remove(fs_local(), p, &e), &e);
  delta_table *t;
  ASSERT_OK(delta_table_open(&h, root, &t, &e), &e);
  delta_snapshot *s;
  ASSERT_RC(delta_snapshot_load(t, -1, &s, &e), LAGO_CORRUPT);
  ASSERT_CONTAINS(e.msg, "not contiguous");
  delta_table_free(t);
}

/* ---- fault injection ---------------------------------------------------------- */

typedef struct oom_ctx {
  const char *root;
} oom_ctx;

static int load_all(void *ud) {
  oom_ctx *c = ud;
  tbl_handlers h = handlers(fs_local());
  delta_table *t;
  lago_err e;
  lago_err_clear(&e);
  int rc = delta_table_open(&h, c->root, &t, &e);
  if (rc) return rc;
  delta_snapshot *s = NULL;
  rc = delta_snapshot_load(t, -1, &s, &e);
  const delta_file *f;
  size_t n;
  if (rc == LAGO_OK) rc = delta_snapshot_files(s, &f, &n, &e);
  arena *ar = rc ? NULL : arena_new("t", 1024);
  delta_history_entry *hist;
  if (rc == LAGO_OK && !ar) rc = LAGO_NOMEM;
  if (rc == LAGO_OK) rc = delta_history(t, 0, ar, &hist, &n, &e);
  arena_free(ar);
  delta_snapshot_unref(s);
  delta_table_free(t);
  return rc;
}

static int append_txn(void *ud) {
  oom_ctx *c = ud;
  tbl_handlers h = handlers(fs_local());
  delta_table *t;
  lago_err e;
  lago_err_clear(&e);
  int rc = delta_table_open(&h, c->root, &t, &e);
  if (rc) return rc;
  delta_snapshot *s = NULL;
  delta_txn *x = NULL;
  rc = delta_snapshot_load(t, -1, &s, &e);
  if (rc == LAGO_OK) rc = delta_txn_begin(t, s, NULL, &x, &e);
  if (rc == LAGO_OK) {
    delta_kv kv = {"p", "z"};
    delta_file f;
    memset(&f, 0, sizeof f);
    f.path = "p=z/oom.parquet";
    f.size = 1;
    f.data_change = true;
    f.partition_values.n = 1;
    f.partition_values.kv = &kv;
    f.dv.offset = -1;
    f.base_row_id = f.default_row_commit_version = f.deletion_timestamp = -1;
    rc = delta_txn_add_file(x, &f, &e);
    int64_t v;
    if (rc == LAGO_OK) {
      rc = delta_txn_commit(x, &v, &e);
      x = NULL;
    }
  }
  delta_txn_abort(x);
  delta_snapshot_unref(s);
  delta_table_free(t);
  return rc;
}

TEST(delta_oom_sweep_load_and_commit) {
  tbl_handlers h = handlers(fs_local());
  const char *root = test_tmpdir();
  create_table(&h, root, NULL);
  lago_err e;
  lago_err_clear(&e);
  int64_t v;
  ASSERT_OK(append(&h, root, "a", "f1.parquet", &v, &e), &e);
  oom_ctx c = {root};
  int runs = test_oom_sweep(load_all, &c, 2000);
  ASSERT(runs > 10);
  /* commits under OOM: each run either commits once or not at all; the table stays readable */
  runs = test_oom_sweep(append_txn, &c, 2000);
  ASSERT(runs > 10);
  delta_table *t;
  ASSERT_OK(delta_table_open(&h, root, &t, &e), &e);
  delta_snapshot *s;
  ASSERT_OK(delta_snapshot_load(t, -1, &s, &e), &e);
  /* the final run of the sweep committed: at least one oom.parquet add exists */
  const delta_file *f;
  size_t n;
  ASSERT_OK(delta_snapshot_files(s, &f, &n, &e), &e);
  ASSERT(n >= 2);
  delta_snapshot_unref(s);
  delta_table_free(t);
}

TEST(delta_io_fault_sweep_commit) {
  /* inject an I/O failure at every operation of a commit: the table always opens, at either
     the old or the new version, and a failed commit never leaves a partial file */
  const char *root = test_tmpdir();
  tbl_handlers h0 = handlers(fs_local());
  create_table(&h0, root, NULL);
  lago_err e;
  lago_err_clear(&e);
  int64_t v;
  ASSERT_OK(append(&h0, root, "a", "f0.parquet", &v, &e), &e);
  long ops = 0;
  {
    lago_fs *ff = fs_faulty_new(fs_local(), 0, false);
    tbl_handlers hf = handlers(ff);
    lago_err_clear(&e);
    ASSERT_OK(append(&hf, root, "a", "count.parquet", &v, &e), &e);
    ops = fs_faulty_ops(ff);
    fs_free(ff);
  }
  ASSERT(ops > 5);
  int64_t expect = v;
  for (long k = 1; k <= ops + 2; k++) {
    lago_fs *ff = fs_faulty_new(fs_local(), k, true);
    tbl_handlers hf = handlers(ff);
    char name[64];
    snprintf(name, sizeof name, "k%ld.parquet", k);
    lago_err_clear(&e);
    int rc = append(&hf, root, "a", name, &v, &e);
    fs_free(ff);
    if (rc == LAGO_OK) expect = v;
    /* reopen with a healthy fs */
    delta_table *t;
    lago_err_clear(&e);
    ASSERT_OK(delta_table_open(&h0, root, &t, &e), &e);
    delta_snapshot *s;
    ASSERT_OK(delta_snapshot_load(t, -1, &s, &e), &e);
    int64_t got = delta_snapshot_version(s);
    /* an ambiguous failure may still have committed: then the version moved by exactly one */
    if (got != expect) {
      ASSERT_EQ_INT(got, expect + 1);
      expect = got;
    }
    const delta_file *f;
    size_t n;
    ASSERT_OK(delta_snapshot_files(s, &f, &n, &e), &e);
    ASSERT_EQ_UINT(n, (size_t)(expect)); /* one file per append: versions 1..expect */
    delta_snapshot_unref(s);
    delta_table_free(t);
  }
}

typedef struct issues {
  int n;
  char first[600];
} issues;

static void on_issue(void *ud, int64_t version, size_t line, const char *msg) {
  (void)version;
  (void)line;
  issues *is = ud;
  if (!is->n++) snprintf(is->first, sizeof is->first, "%s", msg);
}

/* Appends raw lines as a new commit and returns the validator's first complaint. */
static issues validate_with(const char *root, int64_t version, const char *lines) {
  char p[1024];
  snprintf(p, sizeof p, "%s/_delta_log/%020lld.json", root, (long long)version);
  lago_err e;
  lago_err_clear(&e);
  if (fs_write(fs_local(), p, lines, strlen(lines), true, &e)) test_fail_(__FILE__, __LINE__, "%s", e.msg);
  tbl_handlers h = handlers(fs_local());
  delta_table *t;
  ASSERT_OK(delta_table_open(&h, root, &t, &e), &e);
  issues is = {0, ""};
  size_t n;
  ASSERT_OK(delta_validate(t, on_issue, &is, &n, &e), &e);
  ASSERT_EQ_INT((int)n, is.n);
  delta_table_free(t);
  fs_remove(fs_local(), p, &e);
  return is;
}

TEST(delta_validator_catches_violations) {
  tbl_handlers h = handlers(fs_local());
  const char *root = test_tmpdir();
  create_table(&h, root, NULL);
  lago_err e;
  lago_err_clear(&e);
  int64_t v;
  ASSERT_OK(append(&h, root, "a", "f1.parquet", &v, &e), &e);
  issues ok = validate_with(root, 2, "{\"commitInfo\":{}}\n");
  ASSERT_EQ_INT(ok.n, 0);
  const char *add = "{\"add\":{\"path\":\"p=a/x.parquet\",\"partitionValues\":{\"p\":\"a\"},\"size\":1,"
                    "\"modificationTime\":1,\"dataChange\":true}}\n";
  struct {
    const char *lines, *want;
  } cases[] = {
      {"{\"add\":{\"path\":\"p=a/x y.parquet\",\"partitionValues\":{\"p\":\"a\"},\"size\":1,\"modificationTime\":1,"
       "\"dataChange\":true}}\n",
       "not URI-encoded"},
      {"{\"add\":{\"path\":\"x.parquet\",\"partitionValues\":{},\"size\":1,\"modificationTime\":1,\"dataChange\":true}}\n",
       "lacks partition column"},
      {"{\"add\":{\"path\":\"p=a/x.parquet\",\"partitionValues\":{\"p\":\"a\"},\"modificationTime\":1,\"dataChange\":true}}\n",
       "add.size is missing"},
      {"{\"add\":{\"path\":\"p=a/x.parquet\",\"partitionValues\":{\"p\":\"a\"},\"size\":1,\"modificationTime\":1,"
       "\"dataChange\":true,\"stats\":\"{nope\"}}\n",
       "stats is not a JSON object"},
      {NULL, "two add actions"},
      {"{\"protocol\":{\"minReaderVersion\":3,\"minWriterVersion\":7,\"readerFeatures\":[\"deletionVectors\"],"
       "\"writerFeatures\":[]}}\n",
       "not listed in writerFeatures"},
      {"{\"add\":{\"path\":\"p=a/x.parquet\",\"partitionValues\":{\"p\":\"a\"},\"size\":1,\"modificationTime\":1,"
       "\"dataChange\":true,\"deletionVector\":{\"storageType\":\"u\",\"pathOrInlineDv\":\"abc\",\"offset\":1,"
       "\"sizeInBytes\":1,\"cardinality\":1}}}\n",
       "deletionVectors feature"},
      {"{\"cdc\":{\"path\":\"_change_data/c.parquet\",\"partitionValues\":{},\"size\":1,\"dataChange\":false}}\n",
       "changeDataFeed"},
      {"{\"txn\":{\"appId\":\"a\",\"version\":1}}\n{\"txn\":{\"appId\":\"a\",\"version\":2}}\n", "two txn actions"},
      {"{\"add\":{\"path\":\"p=a/x.parquet\"},\"remove\":{\"path\":\"y\"}}\n", "exactly one action"},
  };
  char dup[1024];
  snprintf(dup, sizeof dup, "%s%s", add, add);
  cases[4].lines = dup;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    issues is = validate_with(root, 2, cases[i].lines);
    if (is.n == 0) test_fail_(__FILE__, __LINE__, "case %zu: no violation found, want \"%s\"", i, cases[i].want);
    ASSERT_CONTAINS(is.first, cases[i].want);
  }
  /* a gap in the versions */
  issues gap = validate_with(root, 3, "{\"commitInfo\":{}}\n");
  ASSERT_CONTAINS(gap.first, "missing");
}

TEST(delta_log_cleanup_keeps_a_checkpoint_and_after) {
  tbl_handlers h = tbl_handlers_default(fs_local());
  h.now_ms = fake_now;
  const char *root = test_tmpdir();
  delta_kv kv = {"delta.checkpointInterval", "3"};
  delta_map cfg = {1, &kv};
  g_now = tbl_now_ms(NULL);
  create_table(&h, root, &cfg);
  lago_err e;
  lago_err_clear(&e);
  int64_t v;
  for (int i = 0; i < 7; i++) {
    char name[32];
    snprintf(name, sizeof name, "f%d.parquet", i);
    ASSERT_OK(append(&h, root, "a", name, &v, &e), &e); /* checkpoints at 3 and 6 (cleanup: nothing is old yet) */
  }
  char p[1024];
  snprintf(p, sizeof p, "%s/_delta_log/%020d.json", root, 0);
  bool ex;
  ASSERT_OK(fs_exists(fs_local(), p, &ex, &e), &e);
  ASSERT(ex);
  /* 31 days later: everything before the newest checkpoint at/below the cutoff (6) goes */
  g_now += 31LL * 86400000;
  delta_table *t;
  ASSERT_OK(delta_table_open(&h, root, &t, &e), &e);
  delta_snapshot *s;
  ASSERT_OK(delta_snapshot_load(t, -1, &s, &e), &e);
  size_t nd;
  ASSERT_OK(delta_log_cleanup(s, &nd, &e), &e);
  ASSERT(nd >= 7); /* commits 0..5 and checkpoint 3 */
  delta_snapshot_unref(s);
  ASSERT_OK(fs_exists(fs_local(), p, &ex, &e), &e);
  ASSERT(!ex);
  /* the table still reads at 6 and later, and not before */
  ASSERT_EQ_UINT(n_files(&h, root, -1), 7);
  ASSERT_EQ_UINT(n_files(&h, root, 6), 6);
  ASSERT_RC(delta_snapshot_load(t, 2, &s, &e), LAGO_NOTFOUND);
  delta_table_free(t);
  g_now = 1700000000000;
}
