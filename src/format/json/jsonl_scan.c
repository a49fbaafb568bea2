/*
** format/json/jsonl_scan.c: several JSON files parsed on N threads, batches
** delivered in file order, identical to reading each file with one
** jsonl_reader (same rows, values, line numbers, errors).
**
** JSON Lines files are cut into ranges of about range_bytes; multiLine files
** are one range each. Workers take ranges in order (at most max_ahead ahead
** of the consumer, which bounds memory) and parse each with a jsonl_reader
** over [start, end); the consumer (the thread calling jsonl_scan_next) hands
** out their batches range by range.
**
** Boundaries between ranges are exact: a JSON Lines record is a line, and a
** raw line break cannot occur inside a JSON string (it would end the record
** anyway, as in Spark's line reader), so "the first line start at or after
** s(k)" is known without looking at earlier bytes:
**
**   file:  |---- range k-1 ----|---- range k ----|
**          s(k-1)              s(k)
**                      [ last line of k-1 .....]
**                                               ^ end(k-1) = first line start >= s(k)
**                                               ^ first(k): after the first line break
**                                                 at or after s(k) - 1: the same offset
**   The consumer still checks first(k) == end(k-1) (LAGO_INTERNAL if not).
**
** Line numbers: a range counts lines from 1; the consumer knows the lines of
** all earlier ranges of the file and adds them. Errors (FAILFAST) and bad
** records (badRecordsPath) carry line numbers in their text, so a range that
** produced either is parsed once more by the consumer, from its first line
** with the right line number (rare: errors stop the scan; bad records are
** exceptional).
*/
#include <pthread.h>

#include "format/json/jsonl_int.h"
#include "util/alloc.h"

typedef struct node {
  struct node *next;
  arena *ar;            /* owns the node, the batch and its strings */
  batch *b;
  jsonl_batch_info info;
} node;

typedef struct range {
  uint32_t file;
  uint64_t start, end;
  bool first;           /* first range of its file (exact start) */
  /* Written by the worker under s->mu. */
  bool done, failed, opened;
  uint64_t first_off, end_off, lines;
  uint64_t bad_rows;
  lago_err err;
  node *head, *tail;
} range;

struct jsonl_scan {
  lago_fs *fs;
  const char *const *paths;
  uint32_t n_paths;
  jsonl_options o;
  lago_type schema;
  jsonl_scan_config cfg;
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
  uint64_t expect_off;     /* end of the previous range of the same file */
  uint64_t line_base;      /* lines before the current range in its file */
  node *held;              /* node handed out last */
  arena *meta;
  batch *empty;
  jsonl_stats stats;
  bool failed;
  lago_err err;
  buf bad;                 /* bad records, absolute lines */
};

/* ---- arenas ------------------------------------------------------------------------------ */

static arena *get_arena(jsonl_scan *s) {
  pthread_mutex_lock(&s->mu);
  arena *a = s->n_free ? s->free_ar[--s->n_free] : NULL;
  pthread_mutex_unlock(&s->mu);
  if (a) return a;
  return arena_new("json batch", (size_t)1 << 20);
}

static void put_arena(jsonl_scan *s, arena *a) {
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

/* ---- workers ------------------------------------------------------------------------------ */

static void run_range(jsonl_scan *s, range *rg) {
  jsonl_reader *r = NULL;
  lago_err e;
  lago_err_clear(&e);
  bool whole = s->o.multi_line;
  int rc = jsonl_reader_open_range(s->fs, s->paths[rg->file], whole ? 0 : rg->start, whole ? UINT64_MAX : rg->end,
                                   rg->first, &s->o, s->schema, &r, &e);
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
    rc = jsonl_reader_next(r, a, &nd->b, &nd->info, &e);
    if (rc || nd->info.n_rows == 0) {
      if (!rc) bad += nd->info.n_bad;
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
  rg->opened = r != NULL;
  if (r) {
    rg->first_off = jsonl_reader_first_offset(r);
    rg->end_off = jsonl_reader_end_offset(r);
    rg->lines = jsonl_reader_lines(r);
    jsonl_reader_take_bad_records(r); /* written by the consumer with absolute lines */
  }
  rg->bad_rows = bad;
  rg->failed = rc != LAGO_OK;
  if (rc) lago_err_copy(&rg->err, &e);
  rg->done = true;
  pthread_cond_broadcast(&s->cv_done);
  pthread_mutex_unlock(&s->mu);
  jsonl_reader_close(r);
}

static void *worker(void *arg) {
  jsonl_scan *s = arg;
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

int jsonl_scan_open(lago_fs *fs, const char *const *paths, uint32_t n_paths, const jsonl_options *opts,
                    lago_type schema, const jsonl_scan_config *cfg, jsonl_scan **out, lago_err *err) {
  *out = NULL;
  TRY(jsonl_options_check(opts, err));
  if (schema.id != LT_STRUCT) return LAGO_ERR(err, LAGO_BIND, "json scan: the schema must be a STRUCT");
  jsonl_scan *s = mem_calloc(1, sizeof *s);
  if (!s) return LAGO_NOMEM_ERR(err);
  s->fs = fs;
  s->paths = paths;
  s->n_paths = n_paths;
  s->o = *opts;
  s->schema = schema;
  if (cfg) s->cfg = *cfg;
  if (s->cfg.n_threads <= 0) s->cfg.n_threads = 2;
  if (s->cfg.n_threads > 64) s->cfg.n_threads = 64;
  if (!s->cfg.range_bytes) s->cfg.range_bytes = (uint64_t)8 << 20;
  if (!s->cfg.max_ahead) s->cfg.max_ahead = 2 * (uint32_t)s->cfg.n_threads;
  buf_init(&s->bad);
  pthread_mutex_init(&s->mu, NULL);
  pthread_cond_init(&s->cv_work, NULL);
  pthread_cond_init(&s->cv_done, NULL);
  int rc = LAGO_OK;
  s->meta = arena_new("json scan", 4096);
  s->cap_free = 4 * (uint32_t)s->cfg.n_threads + 8;
  s->free_ar = mem_calloc(s->cap_free, sizeof(arena *));
  if (!s->meta || !s->free_ar) rc = LAGO_NOMEM_ERR(err);
  uint32_t cap = 0;
  for (uint32_t i = 0; !rc && i < n_paths; i++) {
    fs_stat st;
    rc = fs_stat_path(fs, paths[i], &st, err);
    if (rc) break;
    uint64_t n = st.size && !opts->multi_line ? (st.size + s->cfg.range_bytes - 1) / s->cfg.range_bytes : 1;
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
        if (t == 0) rc = LAGO_ERR(err, LAGO_NOMEM, "json scan: cannot start a thread");
        break;
      }
      s->n_started++;
    }
  }
  if (rc) {
    jsonl_scan_close(s);
    return rc;
  }
  *out = s;
  return LAGO_OK;
}

static void free_nodes(jsonl_scan *s, range *rg) {
  for (node *n = rg->head, *next; n; n = next) {
    next = n->next;
    put_arena(s, n->ar);
  }
  rg->head = rg->tail = NULL;
}

void jsonl_scan_close(jsonl_scan *s) {
  if (!s) return;
  pthread_mutex_lock(&s->mu);
  s->stop = true;
  pthread_cond_broadcast(&s->cv_work);
  pthread_mutex_unlock(&s->mu);
  for (int t = 0; t < s->n_started; t++) pthread_join(s->threads[t], NULL);
  if (s->bad.len && s->o.bad_records_path) {
    lago_err e;
    lago_err_clear(&e);
    (void)jsonl_write_bad_records(s->fs, s->o.bad_records_path, s->bad.data, s->bad.len, &e);
  }
  if (s->held) put_arena(s, s->held->ar);
  for (uint32_t i = 0; i < s->n_ranges; i++) free_nodes(s, &s->ranges[i]);
  for (uint32_t i = 0; i < s->n_free; i++) arena_free(s->free_ar[i]);
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

/* ---- consumer ------------------------------------------------------------------------------- */

static int fail(jsonl_scan *s, lago_err *err) {
  s->failed = true;
  lago_err_copy(err, &s->err);
  return s->err.rc;
}

/*
** Parses range rg again in this thread from its first line with absolute
** line numbers, discarding the batches: reproduces its error or collects its
** bad records.
*/
static int replay(jsonl_scan *s, range *rg, lago_err *err) {
  jsonl_reader *r;
  bool whole = s->o.multi_line;
  /* The first range of a file starts at 0 (a BOM is skipped again); the others at their first line. */
  uint64_t from = whole || rg->first ? 0 : rg->first_off;
  TRY(jsonl_reader_open_range(s->fs, s->paths[rg->file], from, whole ? UINT64_MAX : rg->end, true, &s->o, s->schema,
                              &r, err));
  jsonl_reader_set_line(r, s->line_base + 1);
  int rc;
  arena *a = arena_new("json replay", (size_t)1 << 16);
  if (!a) {
    jsonl_reader_close(r);
    return LAGO_NOMEM_ERR(err);
  }
  for (;;) {
    batch *b;
    arena_reset(a);
    rc = jsonl_reader_next(r, a, &b, NULL, err);
    if (rc || b->n_rows == 0) break;
  }
  arena_free(a);
  size_t n;
  const char *text = jsonl_reader_bad_records(r, &n);
  if (n && buf_append(&s->bad, text, n)) rc = rc ? rc : LAGO_NOMEM_ERR(err);
  jsonl_reader_take_bad_records(r);
  jsonl_reader_close(r);
  return rc;
}

static void finish_range(jsonl_scan *s, uint64_t end_off, uint64_t lines) {
  s->expect_off = end_off;
  s->line_base += lines;
  s->cur++;
  if (s->cur < s->n_ranges && s->ranges[s->cur].first) s->line_base = 0;
  pthread_mutex_lock(&s->mu);
  s->consumed = s->cur;
  pthread_cond_broadcast(&s->cv_work);
  pthread_mutex_unlock(&s->mu);
}

uint32_t jsonl_scan_file(const jsonl_scan *s) { return s->cur < s->n_ranges ? s->ranges[s->cur].file : 0; }

int jsonl_scan_next(jsonl_scan *s, batch **out, jsonl_batch_info *info, lago_err *err) {
  *out = s->empty;
  if (info) memset(info, 0, sizeof *info);
  if (s->failed) return fail(s, err);
  if (s->held) {
    put_arena(s, s->held->ar);
    s->held = NULL;
  }
  while (s->cur < s->n_ranges) {
    range *rg = &s->ranges[s->cur];
    pthread_mutex_lock(&s->mu);
    while (!rg->head && !rg->done) pthread_cond_wait(&s->cv_done, &s->mu);
    node *nd = rg->head;
    if (nd) {
      rg->head = nd->next;
      if (!rg->head) rg->tail = NULL;
      pthread_mutex_unlock(&s->mu);
      jsonl_batch_info bi = nd->info;
      for (uint32_t i = 0; i < bi.n_rows; i++) ((uint64_t *)bi.lines)[i] += s->line_base;
      s->held = nd;
      *out = nd->b;
      if (info) *info = bi;
      s->stats.rows += bi.n_rows;
      s->stats.bad_rows += bi.n_bad;
      s->stats.dropped_rows += bi.n_dropped;
      s->stats.rescued_rows += bi.n_rescued;
      s->stats.bytes += bi.bytes;
      s->stats.batches++;
      return LAGO_OK;
    }
    /* The range is done and fully delivered. */
    bool failed = rg->failed;
    uint64_t bad = rg->bad_rows, end = rg->end_off, lines = rg->lines, first = rg->first_off;
    pthread_mutex_unlock(&s->mu);
    if (!failed && !rg->first && first != s->expect_off) {
      lago_err_clear(&s->err);
      LAGO_ERR(&s->err, LAGO_INTERNAL, "%s: json scan: range at %llu starts at %llu, the previous one ended at %llu",
               s->paths[rg->file], (unsigned long long)rg->start, (unsigned long long)first,
               (unsigned long long)s->expect_off);
      return fail(s, err);
    }
    if (failed || (bad && s->o.bad_records_path)) {
      lago_err e;
      lago_err_clear(&e);
      int rc = rg->opened ? replay(s, rg, &e) : LAGO_OK;
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

const jsonl_stats *jsonl_scan_stats(const jsonl_scan *s) { return &s->stats; }
