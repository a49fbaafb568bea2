/*
** format/csv/csv_scan.c: several CSV files parsed on N threads, batches
** delivered in file order, identical to reading each file with one
** csv_reader (same rows, values, line numbers, errors).
**
** Files are cut into ranges of about range_bytes. Workers take ranges in
** order (at most max_ahead ahead of the consumer, which bounds memory) and
** parse each with a csv_reader over [start, end); the consumer (the thread
** calling csv_scan_next) hands out their batches range by range.
**
** Record boundaries between ranges: speculation, checked exactly.
**
**   file:  |---- range k-1 ----|---- range k ----|
**          s(k-1)              s(k)              s(k+1)
**                         [ last record of k-1 ....]
**                                   ^ end(k-1): where k-1's reader stopped,
**                                     the first record start >= s(k)
**                     ^ guess(k): the byte after the first line break at or
**                       after s(k) - 1 (range k's reader starts here)
**
**   A range's first range in a file starts at 0 (exact). Range k is right iff
**   guess(k) == end(k-1): parsing is deterministic from a record start, so
**   starting at the true boundary gives the true records. With
**   multiLine=false every line break ends a record, so the guess is always
**   right. With multiLine=true a line break inside a quoted field can fool
**   the guess; then the consumer drops range k's batches and parses it again
**   itself from end(k-1) (counted by csv_scan_reparsed). Ranges keep the
**   order, so end(k-1) is known when range k is consumed.
**
**   Line numbers: a guessed range counts lines from 1; the consumer knows the
**   lines of all earlier ranges and adds them. Errors (FAILFAST) and bad
**   records (badRecordsPath) need absolute lines in their text, so a range
**   that produced either is parsed once more by the consumer with the right
**   starting line (rare: errors stop the scan; bad records are exceptional).
*/
#include <pthread.h>
#include <string.h>

#include "format/csv/csv_int.h"
#include "util/alloc.h"

typedef struct node {
  struct node *next;
  arena *ar;            /* owns the node, the batch and its strings */
  batch *b;
  csv_batch_info info;
} node;

typedef struct range {
  uint32_t file;
  uint64_t start, end;
  bool first;           /* first range of its file (exact start) */
  /* Written by the worker under s->mu. */
  bool started, done, failed;
  uint64_t first_off, end_off, lines; /* lines: consumed from first_off to end_off */
  uint64_t bad_rows;
  lago_err err;
  node *head, *tail;
} range;

struct csv_scan {
  lago_fs *fs;
  const char *const *paths;
  uint32_t n_paths;
  csv_options o;
  lago_type schema;
  csv_scan_config cfg;
  range *ranges;
  uint32_t n_ranges;

  pthread_mutex_t mu;
  pthread_cond_t cv_work;  /* workers wait for a range slot */
  pthread_cond_t cv_done;  /* consumer waits for batches */
  pthread_t *threads;
  int n_started;
  uint32_t next_range;     /* next range a worker takes */
  uint32_t consumed;       /* ranges fully delivered */
  bool stop;
  arena *pool;             /* free arenas (linked through a header in each) */
  arena **free_ar;
  uint32_t n_free, cap_free;

  /* Consumer state. */
  uint32_t cur;
  bool cur_checked;
  csv_reader *inline_r;    /* re-parse of the current range, or NULL */
  uint64_t expect_off;     /* end of the previous range of the same file */
  uint64_t line_base;      /* lines before the current range in its file */
  node *held;              /* node handed out last */
  arena *held_ar;          /* inline batches */
  arena *meta;
  batch *empty;
  csv_stats stats;
  uint32_t reparsed;
  bool failed;
  lago_err err;
  buf bad;                 /* bad records, absolute lines */
};

/* ---- arenas ---------------------------------------------------------------------- */

static arena *get_arena(csv_scan *s) {
  pthread_mutex_lock(&s->mu);
  arena *a = s->n_free ? s->free_ar[--s->n_free] : NULL;
  pthread_mutex_unlock(&s->mu);
  if (a) return a;
  return arena_new("csv batch", (size_t)1 << 20);
}

static void put_arena(csv_scan *s, arena *a) {
  if (!a) return;
  arena_reset(a);
  pthread_mutex_lock(&s->mu);
  if (s->n_free < s->cap_free) {
    s->free_ar[s->n_free++] = a;
    a = NULL;
  }
  pthread_mutex_unlock(&s->mu);
  arena_free(a);
}

/* ---- workers ------------------------------------------------------------------------ */

static void run_range(csv_scan *s, range *rg) {
  csv_reader *r = NULL;
  lago_err e;
  lago_err_clear(&e);
  int rc = csv_reader_open_range(s->fs, s->paths[rg->file], rg->start, rg->end, rg->first, &s->o, s->schema, &r, &e);
  uint64_t bad = 0;
  bool announced = false;
  while (!rc) {
    arena *a = get_arena(s);
    node *nd = a ? arena_zalloc(a, sizeof *nd) : NULL;
    if (!nd) {
      arena_free(a);
      rc = LAGO_NOMEM_ERR(&e);
      break;
    }
    nd->ar = a;
    rc = csv_reader_next(r, a, &nd->b, &nd->info, &e);
    if (!announced && !rc) {
      pthread_mutex_lock(&s->mu);
      rg->first_off = csv_reader_first_offset(r);
      rg->started = true;
      pthread_cond_broadcast(&s->cv_done);
      pthread_mutex_unlock(&s->mu);
      announced = true;
    }
    if (rc || nd->info.n_rows == 0) {
      bad += rc ? 0 : nd->info.n_bad;
      arena_free(a);
      break;
    }
    bad += nd->info.n_bad;
    pthread_mutex_lock(&s->mu);
    if (rg->tail) rg->tail->next = nd;
    else rg->head = nd;
    rg->tail = nd;
    bool stop = s->stop;
    pthread_cond_broadcast(&s->cv_done);
    pthread_mutex_unlock(&s->mu);
    if (stop) break;
  }
  pthread_mutex_lock(&s->mu);
  if (r) {
    rg->first_off = csv_reader_first_offset(r);
    rg->end_off = csv_reader_end_offset(r);
    rg->lines = csv_reader_line(r) - 1;
    csv_reader_take_bad_records(r); /* written by the consumer with absolute lines */
  }
  rg->bad_rows = bad;
  rg->failed = rc != LAGO_OK;
  if (rc) lago_err_copy(&rg->err, &e);
  rg->started = rg->done = true;
  pthread_cond_broadcast(&s->cv_done);
  pthread_mutex_unlock(&s->mu);
  csv_reader_close(r);
}

static void *worker(void *arg) {
  csv_scan *s = arg;
  pthread_mutex_lock(&s->mu);
  for (;;) {
    if (s->stop || s->next_range >= s->n_ranges) break;
    uint32_t i = s->next_range;
    if (i >= s->consumed + s->cfg.max_ahead) {
      pthread_cond_wait(&s->cv_work, &s->mu);
      continue;
    }
    s->next_range++;
    pthread_mutex_unlock(&s->mu);
    run_range(s, &s->ranges[i]);
    pthread_mutex_lock(&s->mu);
  }
  pthread_mutex_unlock(&s->mu);
  return NULL;
}

/* ---- open / close ------------------------------------------------------------------- */

int csv_scan_open(lago_fs *fs, const char *const *paths, uint32_t n_paths, const csv_options *opts,
                  lago_type schema, const csv_scan_config *cfg, csv_scan **out, lago_err *err) {
  *out = NULL;
  TRY(csv_options_check(opts, err));
  csv_scan *s = mem_calloc(1, sizeof *s);
  if (!s) return LAGO_NOMEM_ERR(err);
  s->fs = fs;
  s->paths = paths;
  s->n_paths = n_paths;
  s->o = *opts;
  s->schema = schema;
  if (cfg) s->cfg = *cfg;
  if (s->cfg.n_threads <= 0) s->cfg.n_threads = 2;
  if (s->cfg.n_threads > 64) s->cfg.n_threads = 64;
  bool auto_range = !s->cfg.range_bytes;
  if (!s->cfg.max_ahead) s->cfg.max_ahead = 2 * (uint32_t)s->cfg.n_threads;
  buf_init(&s->bad);
  pthread_mutex_init(&s->mu, NULL);
  pthread_cond_init(&s->cv_work, NULL);
  pthread_cond_init(&s->cv_done, NULL);
  int rc = LAGO_OK;
  s->meta = arena_new("csv scan", 4096);
  s->cap_free = 4 * (uint32_t)s->cfg.n_threads + 8;
  s->free_ar = mem_calloc(s->cap_free, sizeof(arena *));
  if (!s->meta || !s->free_ar) rc = LAGO_NOMEM_ERR(err);
  /* Sizes first: the default range size gives each thread about 4 ranges,
  ** between 1 MiB (per-range overhead) and 8 MiB (memory ahead of the consumer). */
  uint64_t *sizes = rc ? NULL : mem_calloc(n_paths ? n_paths : 1, sizeof *sizes);
  if (!rc && !sizes) rc = LAGO_NOMEM_ERR(err);
  uint64_t total = 0;
  for (uint32_t i = 0; !rc && i < n_paths; i++) {
    fs_stat st;
    rc = fs_stat_path(fs, paths[i], &st, err);
    if (!rc) total += sizes[i] = st.size;
  }
  if (auto_range) {
    uint64_t rb = total / (4 * (uint64_t)s->cfg.n_threads);
    s->cfg.range_bytes = rb < ((uint64_t)1 << 20) ? (uint64_t)1 << 20 : rb > ((uint64_t)8 << 20) ? (uint64_t)8 << 20 : rb;
  }
  /* Ranges. */
  uint32_t cap = 0;
  for (uint32_t i = 0; !rc && i < n_paths; i++) {
    fs_stat st;
    st.size = sizes[i];
    uint64_t n = st.size ? (st.size + s->cfg.range_bytes - 1) / s->cfg.range_bytes : 1;
    for (uint64_t k = 0; k < n; k++) {
      if (s->n_ranges == cap) {
        uint32_t ncap = cap ? 2 * cap : 16;
        range *nr = mem_realloc(s->ranges, ncap * sizeof *nr);
        if (!nr) {
          rc = LAGO_NOMEM_ERR(err);
          break;
        }
        s->ranges = nr;
        cap = ncap;
      }
      range *rg = &s->ranges[s->n_ranges++];
      memset(rg, 0, sizeof *rg);
      rg->file = i;
      rg->start = k * s->cfg.range_bytes;
      rg->end = k + 1 == n ? UINT64_MAX : (k + 1) * s->cfg.range_bytes;
      rg->first = k == 0;
    }
  }
  mem_free(sizes);
  if (!rc) {
    lago_type *types = arena_alloc(s->meta, (type_n_fields(schema) + 1) * sizeof *types);
    if (!types) rc = LAGO_NOMEM_ERR(err);
    for (uint32_t i = 0; !rc && i < type_n_fields(schema); i++) types[i] = type_field_at(schema, i)->type;
    if (!rc && !(s->empty = batch_new(s->meta, type_n_fields(schema), types, 1))) rc = LAGO_NOMEM_ERR(err);
    if (!rc) batch_set_rows(s->empty, 0);
  }
  if (!rc) {
    s->threads = mem_calloc((size_t)s->cfg.n_threads, sizeof *s->threads);
    if (!s->threads) rc = LAGO_NOMEM_ERR(err);
    for (int t = 0; !rc && t < s->cfg.n_threads; t++) {
      if (pthread_create(&s->threads[t], NULL, worker, s) != 0) {
        if (t == 0) rc = LAGO_ERR(err, LAGO_NOMEM, "csv scan: cannot start a thread");
        break;
      }
      s->n_started++;
    }
  }
  if (rc) {
    csv_scan_close(s);
    return rc;
  }
  *out = s;
  return LAGO_OK;
}

static void free_nodes(csv_scan *s, range *rg) {
  for (node *n = rg->head, *next; n; n = next) {
    next = n->next;
    put_arena(s, n->ar);
  }
  rg->head = rg->tail = NULL;
}

void csv_scan_close(csv_scan *s) {
  if (!s) return;
  pthread_mutex_lock(&s->mu);
  s->stop = true;
  pthread_cond_broadcast(&s->cv_work);
  pthread_mutex_unlock(&s->mu);
  for (int t = 0; t < s->n_started; t++) pthread_join(s->threads[t], NULL);
  if (s->bad.len && s->o.bad_records_path) {
    lago_err e;
    lago_err_clear(&e);
    (void)csv_write_bad_records(s->fs, s->o.bad_records_path, s->bad.data, s->bad.len, &e);
  }
  csv_reader_close(s->inline_r);
  if (s->held) put_arena(s, s->held->ar);
  for (uint32_t i = 0; i < s->n_ranges; i++) free_nodes(s, &s->ranges[i]);
  for (uint32_t i = 0; i < s->n_free; i++) arena_free(s->free_ar[i]);
  arena_free(s->held_ar);
  arena_free(s->meta);
  mem_free(s->free_ar);
  mem_free(s->ranges);
  mem_free(s->threads);
  buf_deinit(&s->bad);
  pthread_mutex_destroy(&s->mu);
  pthread_cond_destroy(&s->cv_work);
  pthread_cond_destroy(&s->cv_done);
  mem_free(s);
}

/* ---- consumer -------------------------------------------------------------------------- */

static int fail(csv_scan *s, lago_err *err) {
  s->failed = true;
  lago_err_copy(err, &s->err);
  return s->err.rc;
}

/*
** Parses range rg again in this thread from `from` with absolute line numbers,
** discarding the batches: reproduces its error or collects its bad records.
*/
static int replay(csv_scan *s, range *rg, uint64_t from, lago_err *err) {
  csv_reader *r;
  TRY(csv_reader_open_range(s->fs, s->paths[rg->file], from, rg->end, true, &s->o, s->schema, &r, err));
  csv_reader_set_line(r, s->line_base + 1);
  int rc;
  for (;;) {
    batch *b;
    rc = csv_reader_next(r, NULL, &b, NULL, err);
    if (rc || b->n_rows == 0) break;
  }
  size_t n;
  const char *text = csv_reader_bad_records(r, &n);
  if (n && buf_append(&s->bad, text, n)) rc = rc ? rc : LAGO_NOMEM_ERR(err);
  csv_reader_take_bad_records(r);
  csv_reader_close(r);
  return rc;
}

static void finish_range(csv_scan *s, uint64_t end_off, uint64_t lines) {
  s->expect_off = end_off;
  s->line_base += lines;
  s->cur++;
  s->cur_checked = false;
  if (s->cur < s->n_ranges && s->ranges[s->cur].first) s->line_base = 0;
  pthread_mutex_lock(&s->mu);
  s->consumed = s->cur;
  pthread_cond_broadcast(&s->cv_work);
  pthread_mutex_unlock(&s->mu);
}

uint32_t csv_scan_file(const csv_scan *s) { return s->cur < s->n_ranges ? s->ranges[s->cur].file : 0; }

int csv_scan_next(csv_scan *s, batch **out, csv_batch_info *info, lago_err *err) {
  *out = s->empty;
  if (info) memset(info, 0, sizeof *info);
  if (s->failed) return fail(s, err);
  if (s->held) {
    put_arena(s, s->held->ar);
    s->held = NULL;
  }
  while (s->cur < s->n_ranges) {
    range *rg = &s->ranges[s->cur];
    if (s->inline_r) {
      /* Re-parse of a range whose guessed start was wrong. */
      if (!s->held_ar && !(s->held_ar = arena_new("csv batch", (size_t)1 << 20))) {
        lago_err_clear(&s->err);
        LAGO_NOMEM_ERR(&s->err);
        return fail(s, err);
      }
      arena_reset(s->held_ar);
      batch *b;
      csv_batch_info bi;
      lago_err e;
      lago_err_clear(&e);
      int rc = csv_reader_next(s->inline_r, s->held_ar, &b, &bi, &e);
      if (rc) {
        lago_err_copy(&s->err, &e);
        return fail(s, err);
      }
      if (b->n_rows) { /* lines are absolute already (csv_reader_set_line) */
        *out = b;
        if (info) *info = bi;
        s->stats.rows += bi.n_rows;
        s->stats.bad_rows += bi.n_bad;
        s->stats.dropped_rows += bi.n_dropped;
        s->stats.bytes += bi.bytes;
        s->stats.batches++;
        return LAGO_OK;
      }
      size_t n;
      const char *text = csv_reader_bad_records(s->inline_r, &n);
      if (n && buf_append(&s->bad, text, n)) {
        LAGO_NOMEM_ERR(&s->err);
        return fail(s, err);
      }
      csv_reader_take_bad_records(s->inline_r);
      uint64_t end = csv_reader_end_offset(s->inline_r), lines = csv_reader_line(s->inline_r) - 1 - s->line_base;
      csv_reader_close(s->inline_r);
      s->inline_r = NULL;
      finish_range(s, end, lines);
      continue;
    }
    pthread_mutex_lock(&s->mu);
    while (!rg->started) pthread_cond_wait(&s->cv_done, &s->mu);
    if (!s->cur_checked) {
      bool ok = rg->first || rg->first_off == s->expect_off;
      if (!ok) {
        /* Wrong guess: drop the worker's output, parse from the true boundary here. */
        while (!rg->done) pthread_cond_wait(&s->cv_done, &s->mu);
        pthread_mutex_unlock(&s->mu);
        free_nodes(s, rg);
        s->reparsed++;
        lago_err e;
        lago_err_clear(&e);
        int rc = csv_reader_open_range(s->fs, s->paths[rg->file], s->expect_off, rg->end, true, &s->o, s->schema,
                                       &s->inline_r, &e);
        if (rc) {
          lago_err_copy(&s->err, &e);
          return fail(s, err);
        }
        csv_reader_set_line(s->inline_r, s->line_base + 1);
        s->cur_checked = true;
        continue;
      }
      s->cur_checked = true;
    }
    while (!rg->head && !rg->done) pthread_cond_wait(&s->cv_done, &s->mu);
    node *nd = rg->head;
    if (nd) {
      rg->head = nd->next;
      if (!rg->head) rg->tail = NULL;
      pthread_mutex_unlock(&s->mu);
      csv_batch_info bi = nd->info;
      for (uint32_t i = 0; i < bi.n_rows; i++) ((uint64_t *)bi.lines)[i] += s->line_base;
      s->held = nd;
      *out = nd->b;
      if (info) *info = bi;
      s->stats.rows += bi.n_rows;
      s->stats.bad_rows += bi.n_bad;
      s->stats.dropped_rows += bi.n_dropped;
      s->stats.bytes += bi.bytes;
      s->stats.batches++;
      return LAGO_OK;
    }
    /* The range is done and fully delivered. */
    bool failed = rg->failed;
    uint64_t bad = rg->bad_rows, end = rg->end_off, lines = rg->lines, first = rg->first_off;
    pthread_mutex_unlock(&s->mu);
    if (failed || (bad && s->o.bad_records_path)) {
      lago_err e;
      lago_err_clear(&e);
      int rc = replay(s, rg, rg->first ? 0 : first, &e); /* from 0: header lines count */
      if (rc) {
        lago_err_copy(&s->err, &e);
        return fail(s, err);
      }
      if (failed) { /* the replay should fail the same way; if not, report the worker's error */
        lago_err_copy(&s->err, &rg->err);
        return fail(s, err);
      }
    }
    finish_range(s, end, lines);
  }
  return LAGO_OK;
}

const csv_stats *csv_scan_stats(const csv_scan *s) { return &s->stats; }
uint32_t csv_scan_reparsed(const csv_scan *s) { return s->reparsed; }
