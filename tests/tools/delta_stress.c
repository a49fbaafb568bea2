/*
** tests/tools/delta_stress.c: concurrent writers and crash victims for the
** Delta commit protocol (tests/scripts/delta_concurrency.sh,
** tests/scripts/delta_crash.sh).
**
**   delta_stress create ROOT                 table (w INT, seq INT, k INT), DVs on, checkpoint every 10
**   delta_stress append ROOT W N             N blind appends of 3 rows (w=W, seq=0..N-1, k=0..2)
**   delta_stress merge ROOT W N              N "merges": pick a live file, then either rewrite it
**                                            (remove + add the same rows) or move one row out of it
**                                            (DV delete + append that row); retried on conflict
**   delta_stress checkpoint ROOT N           N times: write a checkpoint of the latest version
**   delta_stress check ROOT APPENDERS N [quick]  every version opens (quick: only the latest);
**                                            the latest holds each (w, seq, k) of every landed
**                                            append exactly once; with N >= 0 every appender
**                                            landed exactly N appends (N = -1: whatever landed)
** Exit 0 on success; "FAIL ..." lines and exit 1 otherwise. ROOT must be a local path.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "table/delta/delta.h"
#include "util/alloc.h"

static tbl_handlers g_h;
static lago_err g_e;

static int die(const char *what) {
  printf("FAIL %s: %s: %s\n", what, lago_rc_name(g_e.rc), g_e.msg);
  return 1;
}

static lago_type schema(arena *ar) {
  lago_type t;
  type_parse(ar, "STRUCT<w: INT, seq: INT, k: INT>", &t, &g_e);
  return t;
}

static int do_create(const char *root) {
  arena *ar = arena_new("t", 4096);
  delta_table *t;
  delta_txn *x;
  delta_kv kv[2] = {{"delta.enableDeletionVectors", "true"}, {"delta.checkpointInterval", "10"}};
  delta_map cfg = {2, kv};
  if (delta_table_open(&g_h, root, &t, &g_e) || delta_txn_begin(t, NULL, NULL, &x, &g_e)) return die("create");
  if (delta_txn_set_metadata(x, schema(ar), 0, NULL, &cfg, &g_e)) return die("create");
  int64_t v;
  if (delta_txn_commit(x, &v, &g_e)) return die("create commit");
  delta_table_free(t);
  arena_free(ar);
  return 0;
}

static batch *rows_batch(arena *ar, uint32_t n, const int32_t *w, const int32_t *seq, const int32_t *k) {
  lago_type ty[3] = {type_make(LT_INT), type_make(LT_INT), type_make(LT_INT)};
  batch *b = batch_new(ar, 3, ty, n ? n : 1);
  for (uint32_t i = 0; i < n; i++) {
    VEC_DATA(&b->cols[0], int32_t)[i] = w[i];
    VEC_DATA(&b->cols[1], int32_t)[i] = seq[i];
    VEC_DATA(&b->cols[2], int32_t)[i] = k[i];
  }
  batch_set_rows(b, n);
  return b;
}

static int do_append(const char *root, int w, int n) {
  delta_table *t;
  if (delta_table_open(&g_h, root, &t, &g_e)) return die("open");
  arena *ar = arena_new("t", 4096);
  for (int s = 0; s < n; s++) {
    delta_snapshot *snap;
    if (delta_snapshot_load(t, -1, &snap, &g_e)) return die("append load");
    delta_txn *x;
    delta_txn_opts o = {.operation = "WRITE"};
    if (delta_txn_begin(t, snap, &o, &x, &g_e)) return die("append begin");
    int32_t ww[3] = {w, w, w}, ss[3] = {s, s, s}, kk[3] = {0, 1, 2};
    arena_reset(ar);
    if (delta_txn_write(x, rows_batch(ar, 3, ww, ss, kk), &g_e)) return die("append write");
    char app[32];
    snprintf(app, sizeof app, "appender-%d", w);
    if (delta_txn_set_app_version(x, app, s, &g_e)) return die("append txn");
    int64_t v;
    if (delta_txn_commit(x, &v, &g_e)) return die("append commit");
    delta_snapshot_unref(snap);
  }
  arena_free(ar);
  delta_table_free(t);
  return 0;
}

/* Reads all rows of one file with their row positions. */
static int read_file(delta_snapshot *s, const delta_file *f, arena *ar, uint32_t *n, int32_t **w, int32_t **seq,
                     int32_t **k, int64_t **pos) {
  delta_scan_opts so = {.with_row_index = true};
  delta_scan *sc;
  if (delta_scan_new(s, &so, &sc, &g_e)) return -1;
  size_t idx = SIZE_MAX;
  for (size_t i = 0; i < delta_scan_n_files(sc); i++)
    if (!strcmp(delta_scan_file(sc, i)->path, f->path)) idx = i;
  delta_file_reader *r = NULL;
  int rc = idx == SIZE_MAX ? -1 : delta_file_reader_open(sc, idx, &r, &g_e);
  uint32_t cap = 64;
  *n = 0;
  *w = arena_alloc(ar, cap * 4);
  *seq = arena_alloc(ar, cap * 4);
  *k = arena_alloc(ar, cap * 4);
  *pos = arena_alloc(ar, cap * 8);
  while (rc == 0) {
    batch *b;
    if ((rc = delta_file_reader_next(r, &b, &g_e)) || !b) break;
    for (uint32_t i = 0; i < b->n_rows && *n < cap; i++) {
      uint32_t p = batch_row(b, i);
      (*w)[*n] = VEC_DATA(&b->cols[0], int32_t)[p];
      (*seq)[*n] = VEC_DATA(&b->cols[1], int32_t)[p];
      (*k)[*n] = VEC_DATA(&b->cols[2], int32_t)[p];
      (*pos)[*n] = VEC_DATA(&b->cols[3], int64_t)[p];
      (*n)++;
    }
  }
  delta_file_reader_close(r);
  delta_scan_free(sc);
  return rc;
}

static int do_merge(const char *root, int w, int n) {
  delta_table *t;
  if (delta_table_open(&g_h, root, &t, &g_e)) return die("open");
  srand((unsigned)(getpid() * 7919 + w));
  arena *ar = arena_new("t", 65536);
  int done = 0, conflicts = 0;
  while (done < n) {
    arena_reset(ar);
    delta_snapshot *s;
    if (delta_snapshot_load(t, -1, &s, &g_e)) return die("merge load");
    const delta_file *f;
    size_t nf;
    if (delta_snapshot_files(s, &f, &nf, &g_e)) return die("merge files");
    if (!nf) {
      delta_snapshot_unref(s);
      usleep(20000);
      continue;
    }
    const delta_file *target = &f[(size_t)rand() % nf];
    uint32_t nr;
    int32_t *ww, *ss, *kk;
    int64_t *pos;
    if (read_file(s, target, ar, &nr, &ww, &ss, &kk, &pos)) {
      /* the file may be gone already (a concurrent merge removed it and vacuum... no vacuum here) */
      return die("merge read");
    }
    delta_txn *x;
    delta_txn_opts o = {.operation = "MERGE"};
    if (delta_txn_begin(t, s, &o, &x, &g_e)) return die("merge begin");
    if (delta_txn_read_file(x, target, &g_e)) return die("merge read_file");
    int rc;
    if (nr > 1 && rand() % 2) {
      /* move one row out through a DV, re-adding it in a new file */
      uint64_t row = (uint64_t)pos[0];
      rc = delta_txn_delete_rows(x, target, &row, 1, &g_e);
      if (rc == LAGO_OK) rc = delta_txn_write(x, rows_batch(ar, 1, ww, ss, kk), &g_e);
    } else {
      rc = delta_txn_remove_file(x, target, true, &g_e);
      if (rc == LAGO_OK && nr) rc = delta_txn_write(x, rows_batch(ar, nr, ww, ss, kk), &g_e);
    }
    if (rc) return die("merge build");
    int64_t v;
    lago_err_clear(&g_e);
    rc = delta_txn_commit(x, &v, &g_e);
    delta_snapshot_unref(s);
    if (rc == LAGO_CONFLICT) {
      conflicts++;
      lago_err_clear(&g_e);
      continue;
    }
    if (rc) return die("merge commit");
    done++;
  }
  fprintf(stderr, "merger %d: %d merges, %d conflicts retried\n", w, done, conflicts);
  arena_free(ar);
  delta_table_free(t);
  return 0;
}

static int do_checkpoint(const char *root, int n) {
  delta_table *t;
  if (delta_table_open(&g_h, root, &t, &g_e)) return die("open");
  for (int i = 0; i < n; i++) {
    delta_snapshot *s;
    if (delta_snapshot_load(t, -1, &s, &g_e)) return die("checkpoint load");
    if (delta_checkpoint_write(s, &g_e)) return die("checkpoint write");
    delta_snapshot_unref(s);
  }
  delta_table_free(t);
  return 0;
}

static int do_check(const char *root, int appenders, int n, bool quick) {
  delta_table *t;
  if (delta_table_open(&g_h, root, &t, &g_e)) return die("open");
  delta_snapshot *latest;
  if (delta_snapshot_load(t, -1, &latest, &g_e)) return die("check load latest");
  int64_t lv = delta_snapshot_version(latest);
  /* every version opens and its files list */
  for (int64_t v = quick ? lv + 1 : 0; v <= lv; v++) {
    delta_snapshot *s;
    lago_err_clear(&g_e);
    int rc = delta_snapshot_load(t, v, &s, &g_e);
    if (rc == LAGO_NOTFOUND) continue; /* cleaned up below a checkpoint */
    if (rc) return die("check load version");
    const delta_file *f;
    size_t nf;
    if (delta_snapshot_files(s, &f, &nf, &g_e)) return die("check files");
    delta_snapshot_unref(s);
  }
  /* landed appends: per appender, the txn version tells how many committed */
  int total_expected = 0;
  int *landed = calloc((size_t)appenders + 1, sizeof *landed);
  for (int w = 0; w < appenders; w++) {
    char app[32];
    snprintf(app, sizeof app, "appender-%d", w);
    int64_t av = delta_snapshot_app_version(latest, app);
    landed[w] = (int)(av + 1);
    if (n >= 0 && landed[w] != n) {
      printf("FAIL appender %d: %d appends landed, want %d\n", w, landed[w], n);
      return 1;
    }
    total_expected += landed[w] * 3;
  }
  /* every (w, seq, k) exactly once */
  int maxs = 0;
  for (int w = 0; w < appenders; w++) maxs = landed[w] > maxs ? landed[w] : maxs;
  unsigned char *seen = calloc((size_t)(appenders * (maxs + 1) * 3 + 1), 1);
  delta_scan *sc;
  delta_scan_iter *it;
  if (delta_scan_new(latest, NULL, &sc, &g_e) || delta_scan_iter_open(sc, &it, &g_e)) return die("check scan");
  int rows = 0, bad = 0;
  for (;;) {
    batch *b;
    if (delta_scan_iter_next(it, &b, &g_e)) return die("check scan next");
    if (!b) break;
    for (uint32_t i = 0; i < b->n_rows; i++) {
      uint32_t p = batch_row(b, i);
      int w = VEC_DATA(&b->cols[0], int32_t)[p], s = VEC_DATA(&b->cols[1], int32_t)[p],
          k = VEC_DATA(&b->cols[2], int32_t)[p];
      rows++;
      if (w < 0 || w >= appenders || s < 0 || s >= landed[w] || k < 0 || k > 2) {
        if (bad++ < 5) printf("FAIL unexpected row (%d, %d, %d)\n", w, s, k);
        continue;
      }
      size_t idx = ((size_t)w * (size_t)(maxs + 1) + (size_t)s) * 3 + (size_t)k;
      if (seen[idx]++ && bad++ < 5) printf("FAIL duplicated row (%d, %d, %d)\n", w, s, k);
    }
  }
  delta_scan_iter_close(it);
  delta_scan_free(sc);
  if (rows != total_expected) {
    printf("FAIL %d rows, want %d (rows lost or duplicated)\n", rows, total_expected);
    bad++;
  }
  printf("checked %lld versions, %d rows\n", (long long)lv + 1, rows);
  free(seen);
  free(landed);
  delta_snapshot_unref(latest);
  delta_table_free(t);
  return bad ? 1 : 0;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: delta_stress create|append|merge|checkpoint|check ROOT [args]\n");
    return 2;
  }
  g_h = tbl_handlers_default(fs_local());
  lago_err_clear(&g_e);
  const char *cmd = argv[1], *root = argv[2];
  int a = argc > 3 ? atoi(argv[3]) : 0, b = argc > 4 ? atoi(argv[4]) : 0;
  if (!strcmp(cmd, "create")) return do_create(root);
  if (!strcmp(cmd, "append")) return do_append(root, a, b);
  if (!strcmp(cmd, "merge")) return do_merge(root, a, b);
  if (!strcmp(cmd, "checkpoint")) return do_checkpoint(root, a);
  if (!strcmp(cmd, "check")) return do_check(root, a, argc > 4 ? b : -1, argc > 5 && !strcmp(argv[5], "quick"));
  fprintf(stderr, "unknown command %s\n", cmd);
  return 2;
}
