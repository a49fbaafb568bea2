/*
** format/text/txt_scan.c: several text files parsed on N threads, batches
** delivered in file order, identical to reading each file with one reader
** (same rows, values, line numbers, errors). The driver of csv_scan and
** jsonl_scan: the format is a table of reader functions (txt_reader_vt),
** over readers that start with a txt_reader.
**
** Files are cut into ranges of about range_bytes (or one range per file
** when the format cannot split them: multiLine JSON). Workers take ranges in
** order (at most max_ahead ahead of the consumer, which bounds memory) and
** parse each with a reader over [start, end); the consumer (the thread
** calling txt_scan_next) hands out their batches range by range.
**
** Record boundaries between ranges: a guess, checked exactly.
**
**   file:  |---- range k-1 ----|---- range k ----|
**          s(k-1)              s(k)              s(k+1)
**                         [ last record of k-1 ....]
**                                   ^ end(k-1): where k-1's reader stopped,
**                                     the first record start >= s(k)
**                     ^ guess(k): the byte after the first line break at or
**                       after s(k) - 1 (range k's reader starts here)
**
**   The first range of a file starts at 0 (exact). Range k is right iff
**   guess(k) == end(k-1): parsing is deterministic from a record start, so
**   starting at the true boundary gives the true records. The consumer
**   checks this as soon as range k's reader knows its start (after its first
**   batch), before delivering any of its batches; ranges keep the order, so
**   end(k-1) is known by then.
**   - exact_starts formats (JSON Lines: a record is a line, a raw line break
**     cannot be inside a value) are always right; a wrong guess is a bug,
**     reported as LAGO_INTERNAL.
**   - otherwise (CSV: with multiLine a line break inside a quoted field can
**     fool the guess) the consumer drops range k's batches and parses it
**     again itself from end(k-1) (counted by txt_scan_reparsed).
**
**   Line numbers: a guessed range counts lines from 1; the consumer knows the
**   lines of all earlier ranges of the file and adds them. Errors (FAILFAST)
**   and bad records (badRecordsPath) carry line numbers in their text, so a
**   range that produced either is parsed once more by the consumer with the
**   right first line (rare: errors stop the scan; bad records are
**   exceptional); the workers' bad records are dropped.
*/
#include <pthread.h>

#include "format/text/text_int.h"
#include "util/alloc.h"
#include "vec/vector.h"

typedef struct node {
  struct node *next;
  arena *ar;             /* owns the node, the batch and its strings */
  batch *b;
  txt_batch_info info;
} node;

typedef struct range {
  uint32_t file;
  uint64_t start, end;
  bool first;            /* first range of its file (exact start) */
  /* Written by the worker under s->mu. */
  bool started;          /* first_off is known (after the first batch), or the range is done */
  bool announced;        /* ... because a first batch was read */
  bool done, failed, opened;
  uint64_t first_off, end_off, lines; /* lines: consumed from first_off to end_off */
  uint64_t bad_rows;
  txt_batch_info last;   /* the last next() (no rows): counts of records it passed over */
  lago_err err;
  node *head, *tail;
} range;

struct txt_scan {
  lago_fs *fs;
  const char *const *paths;
  uint32_t n_paths;
  txt_scan_format fmt;
  void *opts;              /* heap copy of fmt.opts (fmt.opts points to it) */
  lago_type schema;        /* borrowed */
  txt_scan_config cfg;
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
  arena **free_ar;         /* recycled batch arenas */
  uint32_t n_free, cap_free;

  /* Consumer state. */
  uint32_t cur;
  bool cur_checked;        /* the current range's start was checked */
  void *inline_r;          /* re-parse of the current range, or NULL */
  arena *inline_ar;        /* its batches */
  uint64_t expect_off;     /* end of the previous range of the same file */
  uint64_t line_base;      /* lines before the current range in its file */
  node *held;              /* node handed out last */
  arena *meta;
  batch *empty;
  txt_stats stats;
  uint32_t reparsed;
  bool failed;
  lago_err err;
  buf bad;                 /* bad records, absolute lines */
};

/* ---- arenas --------------------------------------------------------------------------------- */

static arena *get_arena(txt_scan *s) {
  pthread_mutex_lock(&s->mu);
  arena *a = s->n_free ? s->free_ar[--s->n_free] : NULL;
  pthread_mutex_unlock(&s->mu);
  if (a) return a;
  return arena_new("text scan batch", (size_t)1 << 20);
}

static void put_arena(txt_scan *s, arena *a) {
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

/* ---- workers -------------------------------------------------------------------------------- */

static void run_range(txt_scan *s, range *rg) {
  const txt_reader_vt *vt = s->fmt.vt;
  void *r = NULL;
  lago_err e;
  lago_err_clear(&e);
  int rc = vt->open_range(s->fs, s->paths[rg->file], rg->start, rg->end, rg->first, s->opts, s->schema, &r, &e);
  uint64_t bad = 0;
  while (!rc) {
    arena *a = get_arena(s);
    node *nd = a ? arena_zalloc(a, sizeof *nd) : NULL;
    if (!nd) {
      arena_free(a);
      rc = LAGO_NOMEM_ERR(&e);
      break;
    }
    nd->ar = a;
    rc = vt->next(r, a, &nd->b, &nd->info, &e);
    if (!rc && !rg->announced) {
      pthread_mutex_lock(&s->mu);
      rg->first_off = ((txt_reader *)r)->first_off;
      rg->started = rg->announced = true;
      pthread_cond_broadcast(&s->cv_done);
      pthread_mutex_unlock(&s->mu);
    }
    if (!rc) bad += nd->info.n_bad;
    if (rc || nd->info.n_rows == 0) {
      if (!rc) rg->last = nd->info; /* read by the consumer once the range is done */
      rg->last.lines = NULL;
      arena_free(a);
      break;
    }
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
  rg->opened = r != NULL;
  if (r) {
    txt_reader *t = r;
    rg->first_off = t->first_off;
    rg->end_off = t->end_off;
    rg->lines = txt_reader_lines(t);
    (void)txt_reader_take_bad(t, NULL); /* written by the consumer with absolute lines */
  }
  rg->bad_rows = bad;
  rg->failed = rc != LAGO_OK;
  if (rc) lago_err_copy(&rg->err, &e);
  rg->started = rg->done = true;
  pthread_cond_broadcast(&s->cv_done);
  pthread_mutex_unlock(&s->mu);
  if (r) vt->close(r);
}

static void *worker(void *arg) {
  txt_scan *s = arg;
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

/* ---- open / close --------------------------------------------------------------------------- */

/* Cuts the files into ranges (sizes first: the default range size depends on the total). */
static int make_ranges(txt_scan *s, lago_err *err) {
  uint32_t n_paths = s->n_paths;
  uint64_t *sizes = mem_calloc(n_paths ? n_paths : 1, sizeof *sizes);
  if (!sizes) return LAGO_NOMEM_ERR(err);
  int rc = LAGO_OK;
  uint64_t total = 0;
  for (uint32_t i = 0; !rc && i < n_paths; i++) {
    fs_stat st;
    rc = fs_stat_path(s->fs, s->paths[i], &st, err);
    if (!rc) total += sizes[i] = st.size;
  }
  if (!s->cfg.range_bytes) {
    /* About 4 ranges per thread, between 1 MiB (per-range overhead) and
    ** 8 MiB (memory ahead of the consumer). */
    uint64_t rb = total / (4 * (uint64_t)s->cfg.n_threads);
    s->cfg.range_bytes = rb < ((uint64_t)1 << 20) ? (uint64_t)1 << 20 : rb > ((uint64_t)8 << 20) ? (uint64_t)8 << 20 : rb;
  }
  uint32_t cap = 0;
  for (uint32_t i = 0; !rc && i < n_paths; i++) {
    uint64_t n = sizes[i] && !s->fmt.whole_files ? (sizes[i] + s->cfg.range_bytes - 1) / s->cfg.range_bytes : 1;
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
  return rc;
}

int txt_scan_open(lago_fs *fs, const char *const *paths, uint32_t n_paths, lago_type schema,
                  const txt_scan_config *cfg, const txt_scan_format *fmt, txt_scan **out, lago_err *err) {
  *out = NULL;
  txt_scan *s = mem_calloc(1, sizeof *s);
  if (!s) return LAGO_NOMEM_ERR(err);
  s->fs = fs;
  s->paths = paths;
  s->n_paths = n_paths;
  s->fmt = *fmt;
  s->schema = schema;
  if (cfg) s->cfg = *cfg;
  if (s->cfg.n_threads <= 0) s->cfg.n_threads = 2;
  if (s->cfg.n_threads > 64) s->cfg.n_threads = 64;
  if (!s->cfg.max_ahead) s->cfg.max_ahead = 2 * (uint32_t)s->cfg.n_threads;
  buf_init(&s->bad);
  pthread_mutex_init(&s->mu, NULL);
  pthread_cond_init(&s->cv_work, NULL);
  pthread_cond_init(&s->cv_done, NULL);
  int rc = LAGO_OK;
  s->meta = arena_new("text scan", 4096);
  s->cap_free = 4 * (uint32_t)s->cfg.n_threads + 8;
  s->free_ar = mem_calloc(s->cap_free, sizeof(arena *));
  s->opts = mem_alloc(fmt->opts_size);
  if (!s->meta || !s->free_ar || !s->opts) rc = LAGO_NOMEM_ERR(err);
  if (!rc) s->fmt.opts = memcpy(s->opts, fmt->opts, fmt->opts_size);
  if (!rc) rc = make_ranges(s, err);
  if (!rc) {
    uint32_t nf = type_n_fields(schema);
    lago_type *types = arena_alloc(s->meta, (nf + 1) * sizeof *types);
    if (!types) rc = LAGO_NOMEM_ERR(err);
    for (uint32_t i = 0; !rc && i < nf; i++) types[i] = type_field_at(schema, i)->type;
    if (!rc && !(s->empty = batch_new(s->meta, nf, types, 1))) rc = LAGO_NOMEM_ERR(err);
    if (!rc) batch_set_rows(s->empty, 0);
  }
  if (!rc) {
    s->threads = mem_calloc((size_t)s->cfg.n_threads, sizeof *s->threads);
    if (!s->threads) rc = LAGO_NOMEM_ERR(err);
    for (int t = 0; !rc && t < s->cfg.n_threads; t++) {
      if (pthread_create(&s->threads[t], NULL, worker, s) != 0) {
        if (t == 0) rc = LAGO_ERR(err, LAGO_NOMEM, "%s scan: cannot start a thread", s->fmt.name);
        break;
      }
      s->n_started++;
    }
  }
  if (rc) {
    txt_scan_close(s);
    return rc;
  }
  *out = s;
  return LAGO_OK;
}

static void free_nodes(txt_scan *s, range *rg) {
  for (node *n = rg->head, *next; n; n = next) {
    next = n->next;
    put_arena(s, n->ar);
  }
  rg->head = rg->tail = NULL;
}

void txt_scan_close(txt_scan *s) {
  if (!s) return;
  pthread_mutex_lock(&s->mu);
  s->stop = true;
  pthread_cond_broadcast(&s->cv_work);
  pthread_mutex_unlock(&s->mu);
  for (int t = 0; t < s->n_started; t++) pthread_join(s->threads[t], NULL);
  if (s->bad.len && s->fmt.bad_records_path) {
    lago_err e;
    lago_err_clear(&e);
    (void)txt_bad_write(s->fs, s->fmt.bad_records_path, s->bad.data, s->bad.len, &e);
  }
  if (s->inline_r) s->fmt.vt->close(s->inline_r);
  if (s->held) put_arena(s, s->held->ar);
  for (uint32_t i = 0; i < s->n_ranges; i++) free_nodes(s, &s->ranges[i]);
  for (uint32_t i = 0; i < s->n_free; i++) arena_free(s->free_ar[i]);
  arena_free(s->inline_ar);
  arena_free(s->meta);
  mem_free(s->free_ar);
  mem_free(s->opts);
  mem_free(s->ranges);
  mem_free(s->threads);
  buf_deinit(&s->bad);
  pthread_mutex_destroy(&s->mu);
  pthread_cond_destroy(&s->cv_work);
  pthread_cond_destroy(&s->cv_done);
  mem_free(s);
}

/* ---- consumer ------------------------------------------------------------------------------- */

static int fail(txt_scan *s, lago_err *err) {
  s->failed = true;
  lago_err_copy(err, &s->err);
  return s->err.rc;
}

/* Records e (or out of memory when e is NULL) as the scan's error. */
static int fail_with(txt_scan *s, const lago_err *e, lago_err *err) {
  lago_err_clear(&s->err);
  if (e) lago_err_copy(&s->err, e);
  else LAGO_NOMEM_ERR(&s->err);
  return fail(s, err);
}

/* A batch goes out: lines made absolute (unless they are already), totals counted. */
static int deliver(txt_scan *s, batch *b, txt_batch_info bi, bool add_base, batch **out, txt_batch_info *info) {
  if (add_base)
    for (uint32_t i = 0; i < bi.n_rows; i++) ((uint64_t *)bi.lines)[i] += s->line_base;
  *out = b;
  if (info) *info = bi;
  txt_stats_add(&s->stats, &bi);
  return LAGO_OK;
}

/*
** Parses range rg again in this thread from `from` with absolute line
** numbers, discarding the batches: reproduces its error or collects its bad
** records.
*/
static int replay(txt_scan *s, range *rg, uint64_t from, lago_err *err) {
  const txt_reader_vt *vt = s->fmt.vt;
  void *r;
  TRY(vt->open_range(s->fs, s->paths[rg->file], from, rg->end, true, s->opts, s->schema, &r, err));
  ((txt_reader *)r)->line = s->line_base + 1;
  int rc;
  for (;;) {
    batch *b;
    rc = vt->next(r, NULL, &b, NULL, err);
    if (rc || b->n_rows == 0) break;
  }
  if (txt_reader_take_bad(r, &s->bad)) rc = rc ? rc : LAGO_NOMEM_ERR(err);
  vt->close(r);
  return rc;
}

static void finish_range(txt_scan *s, uint64_t end_off, uint64_t lines) {
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

/* The next batch of the current range's re-parse (the worker's guess was wrong). */
static int next_inline(txt_scan *s, batch **out, txt_batch_info *info, bool *range_done, lago_err *err) {
  const txt_reader_vt *vt = s->fmt.vt;
  *range_done = false;
  if (!s->inline_ar && !(s->inline_ar = arena_new("text scan batch", (size_t)1 << 20))) return fail_with(s, NULL, err);
  arena_reset(s->inline_ar);
  batch *b;
  txt_batch_info bi;
  lago_err e;
  lago_err_clear(&e);
  if (vt->next(s->inline_r, s->inline_ar, &b, &bi, &e)) return fail_with(s, &e, err);
  if (b->n_rows) return deliver(s, b, bi, false, out, info); /* lines are absolute already (set_line) */
  txt_stats_add(&s->stats, &bi); /* records the last call passed over (dropped) */
  txt_reader *t = s->inline_r;
  if (txt_reader_take_bad(t, &s->bad)) return fail_with(s, NULL, err);
  uint64_t end = t->end_off, lines = txt_reader_lines(t);
  vt->close(s->inline_r);
  s->inline_r = NULL;
  finish_range(s, end, lines - s->line_base);
  *range_done = true;
  return LAGO_OK;
}

int txt_scan_next(txt_scan *s, batch **out, txt_batch_info *info, lago_err *err) {
  const txt_reader_vt *vt = s->fmt.vt;
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
      bool range_done;
      TRY(next_inline(s, out, info, &range_done, err));
      if (range_done) continue;
      return LAGO_OK;
    }
    pthread_mutex_lock(&s->mu);
    while (!rg->started) pthread_cond_wait(&s->cv_done, &s->mu);
    /* The start check: a range that failed before it read anything has no
    ** start to check in an exact format (its error is reported below). */
    if (!s->cur_checked && !rg->first && rg->first_off != s->expect_off &&
        !(s->fmt.exact_starts && rg->failed && !rg->announced)) {
      uint64_t first = rg->first_off;
      while (!rg->done) pthread_cond_wait(&s->cv_done, &s->mu);
      pthread_mutex_unlock(&s->mu);
      if (s->fmt.exact_starts) {
        lago_err e;
        lago_err_clear(&e);
        LAGO_ERR(&e, LAGO_INTERNAL, "%s: %s scan: range at %llu starts at %llu, the previous one ended at %llu",
                 s->paths[rg->file], s->fmt.name, (unsigned long long)rg->start, (unsigned long long)first,
                 (unsigned long long)s->expect_off);
        return fail_with(s, &e, err);
      }
      /* Wrong guess: drop the worker's output, parse from the true boundary here. */
      free_nodes(s, rg);
      s->reparsed++;
      lago_err e;
      lago_err_clear(&e);
      if (vt->open_range(s->fs, s->paths[rg->file], s->expect_off, rg->end, true, s->opts, s->schema, &s->inline_r, &e))
        return fail_with(s, &e, err);
      ((txt_reader *)s->inline_r)->line = s->line_base + 1;
      s->cur_checked = true;
      continue;
    }
    s->cur_checked = true;
    while (!rg->head && !rg->done) pthread_cond_wait(&s->cv_done, &s->mu);
    node *nd = rg->head;
    if (nd) {
      rg->head = nd->next;
      if (!rg->head) rg->tail = NULL;
      pthread_mutex_unlock(&s->mu);
      s->held = nd;
      return deliver(s, nd->b, nd->info, true, out, info);
    }
    /* The range is done and fully delivered. */
    txt_stats_add(&s->stats, &rg->last);
    bool failed = rg->failed;
    uint64_t bad = rg->bad_rows, end = rg->end_off, lines = rg->lines, first = rg->first_off;
    pthread_mutex_unlock(&s->mu);
    if (failed && !rg->opened) return fail_with(s, &rg->err, err); /* nothing to replay */
    if (failed || (bad && s->fmt.bad_records_path)) {
      lago_err e;
      lago_err_clear(&e);
      if (replay(s, rg, rg->first ? 0 : first, &e)) return fail_with(s, &e, err); /* from 0: header, BOM */
      if (failed) return fail_with(s, &rg->err, err); /* the replay should fail the same way; if not, the worker's */
    }
    finish_range(s, end, lines);
  }
  return LAGO_OK;
}

const txt_stats *txt_scan_stats(const txt_scan *s) { return &s->stats; }
uint32_t txt_scan_reparsed(const txt_scan *s) { return s->reparsed; }
uint32_t txt_scan_file(const txt_scan *s) { return s->cur < s->n_ranges ? s->ranges[s->cur].file : 0; }
