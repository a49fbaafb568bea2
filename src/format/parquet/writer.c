/*
** format/parquet/writer.c: the Parquet writer's public API (parquet.h:
** pq_writer_open / write / close / abort): row groups, page index, footer,
** atomic output through io/fs.h, file statistics for the Delta layer.
**
** File written (integers little-endian; see meta_write.c for the structs):
**   offset 0        "PAR1"
**   row group 0     column chunk of leaf 0: [dictionary page] data pages...
**                   column chunk of leaf 1 ...
**   row group 1 ...
**   [page index]    ColumnIndex of every chunk (row group major), then
**                   OffsetIndex of every chunk  (when opts.page_index)
**   footer          FileMetaData (Thrift compact)
**                   u32 footer length | "PAR1"
** Memory: only the current row group's encoded pages are held (one buffer
** per leaf column, write_column.c), plus the footer metadata of the row
** groups already written and, with page_index, one small record per page.
** A row group is flushed when it reaches row_group_rows rows (exactly) or
** about row_group_bytes of encoded, uncompressed pages (checked after each
** batch slice).
** Atomicity: the bytes go to fs_create's hidden temporary; fs_wfile_commit
** (replace = false) makes the file visible at close, so a crash or any
** failure leaves nothing at the path. After any failure the writer refuses
** more work; close then discards.
** Row-group encoders (pq_rg_encoder): the column states of one row group
** being built (a pqw_column per leaf, shred scratch, compressor, an arena
** for page-index bounds), without the file. pq_writer_write feeds the
** writer's own encoder and appends it when full; pq_writer_rg_new gives
** independent encoders that other threads fill (pq_rg_encoder_write) while
** appends of finished ones go in order (pq_writer_append_rg: the same flush
** into the file, row-group metadata and page-index records as the writer's
** own). Schema and options are read-only after open, so encoders never lock.
** Threads (opts.threads = N > 1): N-1 persistent workers. For each batch
** slice fed to the writer's own encoder, the caller and the workers take
** leaf columns one at a time from a shared counter; each taker shreds with
** its own scratch and compresses with its own compressor, so a column is fed
** by one thread at a time and its bytes do not depend on which one (the
** encoder arena, used by page-index bounds, is guarded by ar_mu). The caller
** waits for every worker before the next slice; row-group flushes, the page
** index and the footer stay on the caller. On errors the lowest failing
** leaf's error is kept (what the sequential loop would report). Workers are
** joined by writer_free.
*/
#include <stdatomic.h>
#include <string.h>

#include "format/parquet/pq_write_int.h"
#include "util/alloc.h"
#include "util/bits.h"

typedef struct feed_ctx {   /* one encoding thread's private state */
  pqw_shred shred;
  pqw_compressor comp;
  bool comp_init;
  lago_err err;
} feed_ctx;

struct pq_rg_encoder {
  pq_writer *w;              /* borrowed: schema and options, read-only after open */
  arena *ar;                 /* page-index bounds of the row group being built; reset after each append */
  pqw_column *cols;          /* heap, one per leaf (their buffers on the heap too) */
  uint32_t n_cols_init;      /* columns initialised (for cleanup) */
  pqw_shred shred;           /* scratch of the thread that feeds this encoder */
  pqw_compressor comp;
  bool comp_init;
  int64_t rows;              /* rows in the row group being built */
  int failed;                /* an earlier write/finish failed: the writer must not append this */
};

typedef struct rg_pages {   /* page records of one row group, one list per leaf (page index) */
  pqw_page_rec **recs;      /* n_leaves lists, in the writer arena */
  uint32_t *n_recs;
} rg_pages;

struct pq_writer {
  lago_fs *fs;
  lago_wfile *wf;            /* open until commit or abort */
  arena *ar;                 /* writer lifetime: schema, footer metadata, page index */
  const char *path;          /* in ar */
  lago_type type;            /* the schema, copied into ar */
  pqw_schema schema;
  pqw_col_opts co;
  uint64_t rg_rows_max, rg_bytes_max;
  pq_codec codec;
  int level;                 /* codec level */
  pq_rg_encoder enc;         /* pq_writer_write's row group */
  bool enc_init;
  pqw_stats *file_stats;     /* per leaf, whole file (in ar; their buffers on the heap) */
  int64_t *file_levels;      /* per leaf: levels written (in ar) */
  uint32_t n_stats_init;
  uint64_t pos;              /* bytes written to the file so far */
  int64_t num_rows;          /* rows in the row groups written */
  pq_row_group *rgs;         /* heap, n_rgs entries (their contents in ar) */
  rg_pages *rg_pages;        /* heap, parallel to rgs */
  uint32_t n_rgs, cap_rgs;
  pq_key_value *kv;          /* in ar */
  uint32_t n_kv;
  const char *created_by;    /* in ar */
  int failed;                /* first error's code; the writer refuses more work */
  lago_err ferr;             /* that error */
  /* parallel feeding (opts.threads > 1); all below guarded by mu unless said */
  uint32_t n_workers;        /* worker threads started */
  uint32_t cap_workers_plus1;/* wctx entries + 1 (contexts to clean up) */
  pthread_t *tids;           /* heap */
  feed_ctx *wctx;            /* heap, n_workers entries */
  pthread_mutex_t mu, ar_mu;
  pthread_cond_t go, done;
  bool sync_init;
  bool quit;
  uint64_t gen;              /* bumped per job */
  uint32_t n_done;           /* workers finished with the current job */
  const batch *job_b;        /* current job: the slice [job_start, job_start + job_n) */
  uint32_t job_start, job_n;
  atomic_uint next_leaf;     /* next leaf to take (lock-free) */
  atomic_int job_failed;     /* some leaf failed: take no more */
  int job_rc;                /* lowest failing leaf's code and error (under mu) */
  uint32_t job_fail_leaf;
  lago_err job_err;
};

void pq_write_opts_init(pq_write_opts *o) {
  memset(o, 0, sizeof *o);
  o->codec = PQ_CODEC_SNAPPY;
}

static int fail(pq_writer *w, int rc, lago_err *err) {
  if (!w->failed) {
    w->failed = rc;
    if (err) lago_err_copy(&w->ferr, err);
  }
  return rc;
}

static void stop_workers(pq_writer *w) {
  if (!w->sync_init) return;
  pthread_mutex_lock(&w->mu);
  w->quit = true;
  pthread_cond_broadcast(&w->go);
  pthread_mutex_unlock(&w->mu);
  for (uint32_t i = 0; i < w->n_workers; i++) pthread_join(w->tids[i], NULL);
  w->n_workers = 0;
}

static void encoder_deinit(pq_rg_encoder *e) {
  for (uint32_t i = 0; i < e->n_cols_init; i++) pqw_column_deinit(&e->cols[i]);
  mem_free(e->cols);
  pqw_shred_deinit(&e->shred);
  if (e->comp_init) pqw_compressor_deinit(&e->comp);
  arena_free(e->ar);
  memset(e, 0, sizeof *e);
}

/* Initialises e for w's schema and options (e zeroed by the caller); encoder_deinit cleans up after failures. */
static int encoder_init(pq_writer *w, pq_rg_encoder *e, lago_err *err) {
  e->w = w;
  pqw_shred_init(&e->shred);
  e->ar = arena_new("pq_rg_encoder", 4096);
  e->cols = mem_calloc(w->schema.n_leaves ? w->schema.n_leaves : 1, sizeof *e->cols);
  if (!e->ar || !e->cols) return LAGO_NOMEM_ERR(err);
  TRY(pqw_compressor_init(&e->comp, w->codec, w->level, err));
  e->comp_init = true;
  for (uint32_t i = 0; i < w->schema.n_leaves; i++) {
    pqw_column_init(&e->cols[i], &w->schema.leaves[i], &w->co, &e->comp, e->ar);
    e->n_cols_init++;
  }
  return LAGO_OK;
}

static void writer_free(pq_writer *w) {
  if (!w) return;
  stop_workers(w);
  if (w->wctx) {
    for (uint32_t i = 0; i + 1 < w->cap_workers_plus1; i++) {
      pqw_shred_deinit(&w->wctx[i].shred);
      if (w->wctx[i].comp_init) pqw_compressor_deinit(&w->wctx[i].comp);
    }
  }
  mem_free(w->wctx);
  mem_free(w->tids);
  if (w->sync_init) {
    pthread_mutex_destroy(&w->mu);
    pthread_mutex_destroy(&w->ar_mu);
    pthread_cond_destroy(&w->go);
    pthread_cond_destroy(&w->done);
  }
  if (w->enc_init) encoder_deinit(&w->enc);
  for (uint32_t i = 0; i < w->n_stats_init; i++) pqw_stats_deinit(&w->file_stats[i]);
  mem_free(w->rgs);
  mem_free(w->rg_pages);
  fs_wfile_abort(w->wf);
  arena_free(w->ar);
  mem_free(w);
}

void pq_writer_abort(pq_writer *w) { writer_free(w); }

static int emit(void *ud, const void *p, size_t n, lago_err *err) {
  pq_writer *w = ud;
  if (n == 0) return LAGO_OK;
  TRY(fs_wfile_write(w->wf, p, n, err));
  w->pos += n;
  return LAGO_OK;
}

/* Shreds rows [start, start+take) of b for leaf l of e and feeds them, with the given scratch and compressor. */
static int feed_leaf(pq_rg_encoder *e, uint32_t l, pqw_shred *sh, pqw_compressor *comp, const batch *b, uint32_t start,
                     uint32_t take, lago_err *err) {
  const pqw_leaf_desc *L = &e->w->schema.leaves[l];
  TRY(pqw_shred_rows(L, &b->cols[L->column], b->sel, start, take, sh, err));
  e->cols[l].comp = comp;
  return pqw_column_feed(&e->cols[l], sh, err);
}

/* Takes leaves of the current job until none is left or one failed. */
static void run_job(pq_writer *w, pqw_shred *sh, pqw_compressor *comp, lago_err *err) {
  for (;;) {
    if (atomic_load(&w->job_failed)) return;
    uint32_t l = atomic_fetch_add(&w->next_leaf, 1);
    if (l >= w->schema.n_leaves) return;
    lago_err_clear(err);
    int rc = feed_leaf(&w->enc, l, sh, comp, w->job_b, w->job_start, w->job_n, err);
    if (rc) {
      pthread_mutex_lock(&w->mu);
      if (!w->job_rc || l < w->job_fail_leaf) {
        w->job_rc = rc;
        w->job_fail_leaf = l;
        lago_err_copy(&w->job_err, err);
      }
      pthread_mutex_unlock(&w->mu);
      atomic_store(&w->job_failed, 1);
      return;
    }
  }
}

typedef struct worker_arg {
  pq_writer *w;
  feed_ctx *ctx;
} worker_arg;

static void *worker_main(void *p) {
  pq_writer *w = ((worker_arg *)p)->w;
  feed_ctx *ctx = ((worker_arg *)p)->ctx;
  mem_free(p);
  uint64_t seen = 0;
  pthread_mutex_lock(&w->mu);
  for (;;) {
    while (!w->quit && w->gen == seen) pthread_cond_wait(&w->go, &w->mu);
    if (w->quit) break;
    seen = w->gen;
    pthread_mutex_unlock(&w->mu);
    run_job(w, &ctx->shred, &ctx->comp, &ctx->err);
    pthread_mutex_lock(&w->mu);
    if (++w->n_done == w->n_workers) pthread_cond_signal(&w->done);
  }
  pthread_mutex_unlock(&w->mu);
  return NULL;
}

/* Starts threads-1 workers (each with its own scratch and compressor). */
static int start_workers(pq_writer *w, const pq_write_opts *opts, lago_err *err) {
  uint32_t n = opts->threads - 1;
  if (n > 63) n = 63;
  w->tids = mem_calloc(n, sizeof *w->tids);
  w->wctx = mem_calloc(n, sizeof *w->wctx);
  if (!w->tids || !w->wctx) return LAGO_NOMEM_ERR(err);
  w->cap_workers_plus1 = n + 1;
  for (uint32_t i = 0; i < n; i++) pqw_shred_init(&w->wctx[i].shred);
  for (uint32_t i = 0; i < n; i++) {
    TRY(pqw_compressor_init(&w->wctx[i].comp, opts->codec, opts->level, err));
    w->wctx[i].comp_init = true;
  }
  if (pthread_mutex_init(&w->mu, NULL)) return LAGO_ERR(err, LAGO_INTERNAL, "parquet writer: mutex init failed");
  if (pthread_mutex_init(&w->ar_mu, NULL)) {
    pthread_mutex_destroy(&w->mu);
    return LAGO_ERR(err, LAGO_INTERNAL, "parquet writer: mutex init failed");
  }
  pthread_cond_init(&w->go, NULL);
  pthread_cond_init(&w->done, NULL);
  w->sync_init = true;
  for (uint32_t i = 0; i < w->schema.n_leaves; i++) w->enc.cols[i].ar_mu = &w->ar_mu;
  for (uint32_t i = 0; i < n; i++) {
    worker_arg *a = mem_calloc(1, sizeof *a);
    if (!a) return LAGO_NOMEM_ERR(err);
    a->w = w;
    a->ctx = &w->wctx[i];
    pthread_mutex_lock(&w->mu);
    int prc = pthread_create(&w->tids[i], NULL, worker_main, a);
    if (!prc) w->n_workers++;
    pthread_mutex_unlock(&w->mu);
    if (prc) {
      mem_free(a);
      if (i == 0) return LAGO_ERR(err, LAGO_INTERNAL, "parquet writer: cannot start a thread");
      break; /* fewer workers: still correct */
    }
  }
  return LAGO_OK;
}

/*
** Feeds rows [start, start+take) of b to every leaf of e: in parallel with
** the workers for the writer's own encoder, else on the calling thread.
*/
static int feed_slice(pq_rg_encoder *e, const batch *b, uint32_t start, uint32_t take, lago_err *err) {
  pq_writer *w = e->w;
  if (e != &w->enc || w->n_workers == 0 || w->schema.n_leaves < 2) {
    for (uint32_t l = 0; l < w->schema.n_leaves; l++) TRY(feed_leaf(e, l, &e->shred, &e->comp, b, start, take, err));
    return LAGO_OK;
  }
  pthread_mutex_lock(&w->mu);
  w->job_b = b;
  w->job_start = start;
  w->job_n = take;
  w->job_rc = LAGO_OK;
  w->n_done = 0;
  atomic_store(&w->next_leaf, 0);
  atomic_store(&w->job_failed, 0);
  w->gen++;
  pthread_cond_broadcast(&w->go);
  pthread_mutex_unlock(&w->mu);
  lago_err mine;
  lago_err_clear(&mine);
  run_job(w, &e->shred, &e->comp, &mine);
  pthread_mutex_lock(&w->mu);
  while (w->n_done < w->n_workers) pthread_cond_wait(&w->done, &w->mu);
  int rc = w->job_rc;
  if (rc) lago_err_copy(err, &w->job_err);
  pthread_mutex_unlock(&w->mu);
  return rc;
}

int pq_writer_open(lago_fs *fs, const char *path, lago_type schema, const pq_write_opts *opts, pq_writer **out,
                   lago_err *err) {
  *out = NULL;
  if (!fs || !path) return LAGO_ERR(err, LAGO_MISUSE, "parquet writer: no file system or path");
  pq_write_opts defaults;
  if (!opts) {
    pq_write_opts_init(&defaults);
    opts = &defaults;
  }
  if (opts->n_key_value && (!opts->kv_keys || !opts->kv_values))
    return LAGO_ERR(err, LAGO_MISUSE, "parquet writer: %u key-value pairs but no key/value arrays", opts->n_key_value);
  pq_writer *w = mem_calloc(1, sizeof *w);
  if (!w) return LAGO_NOMEM_ERR(err);
  int rc = LAGO_OK;
  w->fs = fs;
  w->ar = arena_new("pq_writer", 16384);
  if (!w->ar) {
    rc = LAGO_NOMEM_ERR(err);
    goto done;
  }
  w->path = arena_strdup(w->ar, path);
  lago_type own;
  if (!w->path || type_copy(w->ar, schema, &own)) {
    rc = LAGO_NOMEM_ERR(err);
    goto done;
  }
  w->type = own;
  rc = pqw_schema_build(w->ar, own, &w->schema, err);
  if (rc) goto done;
  w->codec = opts->codec;
  w->level = opts->level;
  w->co.page_bytes = opts->page_bytes ? opts->page_bytes : 1u << 20;
  w->co.dict_max_bytes = opts->dict_max_bytes ? opts->dict_max_bytes : 1u << 20;
  w->co.dictionary = !opts->no_dictionary;
  w->co.data_page_v2 = opts->data_page_v2;
  w->co.delta = opts->delta_encodings;
  w->co.page_index = opts->page_index;
  w->rg_rows_max = opts->row_group_rows ? opts->row_group_rows : 1u << 20;
  w->rg_bytes_max = opts->row_group_bytes ? opts->row_group_bytes : (uint64_t)128 << 20;
  w->created_by = arena_strdup(w->ar, opts->created_by ? opts->created_by : "lago version " LAGO_VERSION);
  w->n_kv = opts->n_key_value;
  w->kv = arena_calloc(w->ar, w->n_kv ? w->n_kv : 1, sizeof *w->kv);
  w->file_stats = arena_calloc(w->ar, w->schema.n_leaves, sizeof *w->file_stats);
  w->file_levels = arena_calloc(w->ar, w->schema.n_leaves, sizeof *w->file_levels);
  if (!w->created_by || !w->kv || !w->file_stats || !w->file_levels) {
    rc = LAGO_NOMEM_ERR(err);
    goto done;
  }
  for (uint32_t i = 0; i < w->n_kv; i++) {
    if (!opts->kv_keys[i]) {
      rc = LAGO_ERR(err, LAGO_MISUSE, "parquet writer: key-value pair %u has no key", i);
      goto done;
    }
    w->kv[i].key = arena_strdup(w->ar, opts->kv_keys[i]);
    if (!w->kv[i].key) {
      rc = LAGO_NOMEM_ERR(err);
      goto done;
    }
    if (opts->kv_values[i]) {
      w->kv[i].value_len = (uint32_t)strlen(opts->kv_values[i]);
      w->kv[i].value = arena_strdup(w->ar, opts->kv_values[i]);
      if (!w->kv[i].value) {
        rc = LAGO_NOMEM_ERR(err);
        goto done;
      }
    }
  }
  for (; w->n_stats_init < w->schema.n_leaves; w->n_stats_init++) pqw_stats_init(&w->file_stats[w->n_stats_init]);
  w->enc_init = true;
  rc = encoder_init(w, &w->enc, err);
  if (rc) goto done;
  if (opts->threads > 1 && w->schema.n_leaves > 1) {
    rc = start_workers(w, opts, err);
    if (rc) goto done;
  }
  rc = fs_create(fs, path, &w->wf, err);
  if (rc) goto done;
  rc = emit(w, "PAR1", 4, err);
done:
  if (rc) {
    writer_free(w);
    return rc;
  }
  *out = w;
  return LAGO_OK;
}

/* Bytes e's row group would take (encoded, uncompressed), roughly. */
static uint64_t rg_est_bytes(const pq_rg_encoder *e) {
  uint64_t b = 0;
  for (uint32_t i = 0; i < e->w->schema.n_leaves; i++) b += pqw_column_est_bytes(&e->cols[i]);
  return b;
}

/* The row group is complete: row_group_rows rows, or about row_group_bytes. */
static bool encoder_full(const pq_rg_encoder *e) {
  return (uint64_t)e->rows >= e->w->rg_rows_max || rg_est_bytes(e) >= e->w->rg_bytes_max;
}

/* Writes e's row group (if it has rows) at the end of the file, records it for the footer and resets e. */
static int flush_row_group(pq_writer *w, pq_rg_encoder *e, lago_err *err) {
  if (e->rows == 0) return LAGO_OK;
  if (w->n_rgs == w->cap_rgs) {
    uint32_t cap = w->cap_rgs ? w->cap_rgs * 2 : 8;
    pq_row_group *r = mem_realloc(w->rgs, (size_t)cap * sizeof *r);
    if (!r) return LAGO_NOMEM_ERR(err);
    w->rgs = r;
    rg_pages *p = mem_realloc(w->rg_pages, (size_t)cap * sizeof *p);
    if (!p) return LAGO_NOMEM_ERR(err);
    w->rg_pages = p;
    w->cap_rgs = cap;
  }
  uint32_t nl = w->schema.n_leaves;
  pq_row_group *rg = &w->rgs[w->n_rgs];
  rg_pages *rp = &w->rg_pages[w->n_rgs];
  memset(rg, 0, sizeof *rg);
  rg->columns = arena_calloc(w->ar, nl, sizeof *rg->columns);
  rp->recs = arena_calloc(w->ar, nl, sizeof *rp->recs);
  rp->n_recs = arena_calloc(w->ar, nl, sizeof *rp->n_recs);
  if (!rg->columns || !rp->recs || !rp->n_recs) return LAGO_NOMEM_ERR(err);
  rg->n_columns = nl;
  rg->file_offset = (int64_t)w->pos;
  int64_t total = 0, total_comp = 0;
  for (uint32_t i = 0; i < nl; i++) {
    pq_column_chunk *cc = &rg->columns[i];
    e->cols[i].comp = &e->comp;
    TRY(pqw_column_flush(&e->cols[i], w->pos, emit, w, w->ar, cc, &rp->recs[i], &rp->n_recs[i], &w->file_stats[i],
                         err));
    w->file_levels[i] += cc->meta_data.num_values;
    total += cc->meta_data.total_uncompressed_size;
    total_comp += cc->meta_data.total_compressed_size;
  }
  rg->total_byte_size = total;
  rg->total_compressed_size = total_comp;
  rg->num_rows = e->rows;
  rg->ordinal = (int32_t)w->n_rgs;
  w->n_rgs++;
  w->num_rows += e->rows;
  e->rows = 0;
  arena_reset(e->ar); /* the page-index bounds were copied into w->ar */
  return LAGO_OK;
}

/* The batch must match the schema: same column count, compatible types, rows addressable. */
static int check_batch(pq_writer *w, const batch *b, lago_err *err) {
  if (b->n_cols != w->schema.n_columns)
    return LAGO_ERR(err, LAGO_MISUSE, "parquet writer: %s: batch has %u columns, the schema %u", w->path, b->n_cols,
                    w->schema.n_columns);
  for (uint32_t c = 0; c < b->n_cols; c++) {
    const vec *v = &b->cols[c];
    const type_field *f = type_field_at(w->type, c);
    if (!pqw_type_compatible(v->type, f->type)) {
      arena *tmp = arena_new("pq_writer_msg", 512);
      const char *have = tmp ? type_sql_name(tmp, v->type) : NULL, *want = tmp ? type_sql_name(tmp, f->type) : NULL;
      int rc = LAGO_ERR(err, LAGO_MISUSE, "parquet writer: %s: column %u '%s' is %s in the batch but %s in the schema",
                        w->path, c, f->name, have ? have : "?", want ? want : "?");
      arena_free(tmp);
      return rc;
    }
    if (b->n_rows == 0 || v->kind == VEC_CONST) continue;
    uint32_t last = b->sel ? b->sel[b->n_rows - 1] : b->n_rows - 1;
    if (last >= v->len)
      return LAGO_ERR(err, LAGO_MISUSE, "parquet writer: %s: column %u '%s' has %u rows, the batch needs row %u",
                      w->path, c, f->name, v->len, last);
  }
  return LAGO_OK;
}

/* Feeds rows [start, ...) of b to e up to the end of b or of the row group; *next = the first row not taken. */
static int encoder_write(pq_rg_encoder *e, const batch *b, uint32_t start, uint32_t *next, lago_err *err) {
  uint64_t room = e->w->rg_rows_max - (uint64_t)e->rows;
  uint32_t take = b->n_rows - start;
  if (room < take) take = (uint32_t)room;
  TRY(feed_slice(e, b, start, take, err));
  e->rows += take;
  *next = start + take;
  return LAGO_OK;
}

static int write_rows(pq_writer *w, const batch *b, lago_err *err) {
  uint32_t start = 0;
  while (start < b->n_rows) {
    TRY(encoder_write(&w->enc, b, start, &start, err));
    if (encoder_full(&w->enc)) TRY(flush_row_group(w, &w->enc, err));
  }
  return LAGO_OK;
}

static int refuse(pq_writer *w, lago_err *err) {
  return LAGO_ERR(err, LAGO_MISUSE, "parquet writer: %s: an earlier error stopped this writer: %s", w->path,
                  w->ferr.msg);
}

int pq_writer_write(pq_writer *w, const batch *b, lago_err *err) {
  if (!w || !b) return LAGO_ERR(err, LAGO_MISUSE, "parquet writer: no writer or batch");
  if (w->failed) return refuse(w, err);
  TRY(check_batch(w, b, err));
  int rc = write_rows(w, b, err);
  if (rc) return fail(w, rc, err);
  return LAGO_OK;
}

/* ---- independent row-group encoders ------------------------------------- */

int pq_writer_rg_new(pq_writer *w, pq_rg_encoder **out, lago_err *err) {
  *out = NULL;
  if (!w) return LAGO_ERR(err, LAGO_MISUSE, "parquet writer: no writer");
  if (w->failed) return refuse(w, err);
  pq_rg_encoder *e = mem_calloc(1, sizeof *e);
  if (!e) return LAGO_NOMEM_ERR(err);
  int rc = encoder_init(w, e, err);
  if (rc) {
    pq_rg_encoder_free(e);
    return rc;
  }
  *out = e;
  return LAGO_OK;
}

void pq_rg_encoder_free(pq_rg_encoder *e) {
  if (!e) return;
  encoder_deinit(e);
  mem_free(e);
}

int pq_rg_encoder_write(pq_rg_encoder *e, const batch *b, uint32_t start, uint32_t *next, lago_err *err) {
  if (!e || !b || !next) return LAGO_ERR(err, LAGO_MISUSE, "parquet writer: no encoder or batch");
  *next = start;
  if (e->failed) return LAGO_ERR(err, LAGO_MISUSE, "parquet writer: %s: this row group failed earlier", e->w->path);
  if (start > b->n_rows)
    return LAGO_ERR(err, LAGO_MISUSE, "parquet writer: %s: start row %u past the batch's %u rows", e->w->path, start,
                    b->n_rows);
  if (encoder_full(e))
    return LAGO_ERR(err, LAGO_MISUSE, "parquet writer: %s: the row group is full (append it first)", e->w->path);
  int rc = check_batch(e->w, b, err);
  if (!rc) rc = encoder_write(e, b, start, next, err);
  if (rc) e->failed = rc;
  return rc;
}

bool pq_rg_encoder_full(const pq_rg_encoder *e) { return encoder_full(e); }

int64_t pq_rg_encoder_rows(const pq_rg_encoder *e) { return e->rows; }

int pq_rg_encoder_finish(pq_rg_encoder *e, lago_err *err) {
  if (e->failed) return LAGO_ERR(err, LAGO_MISUSE, "parquet writer: %s: this row group failed earlier", e->w->path);
  for (uint32_t i = 0; i < e->w->schema.n_leaves; i++) {
    e->cols[i].comp = &e->comp;
    int rc = pqw_column_finish(&e->cols[i], err);
    if (rc) return e->failed = rc;
  }
  return LAGO_OK;
}

int pq_writer_append_rg(pq_writer *w, pq_rg_encoder *e, lago_err *err) {
  if (!w || !e || e->w != w)
    return LAGO_ERR(err, LAGO_MISUSE, "parquet writer: append of no encoder, or of another writer's");
  if (w->failed) return refuse(w, err);
  int rc = e->failed ? LAGO_ERR(err, LAGO_MISUSE, "parquet writer: %s: append of a row group that failed", w->path)
                     : flush_row_group(w, e, err);
  if (rc) return fail(w, rc, err);
  return LAGO_OK;
}

/* ---- page index -------------------------------------------------------- */

/* Compares two statistics values (PLAIN bytes) in the leaf's sort order. */
static int cmp_bound(const pqw_leaf_desc *L, pq_bytes a, pq_bytes b) {
  switch (L->order) {
    case PQW_ORD_SIGNED: {
      int64_t x = L->ptype == PQT_INT32 ? (int32_t)load_le32(a.ptr) : (int64_t)load_le64(a.ptr);
      int64_t y = L->ptype == PQT_INT32 ? (int32_t)load_le32(b.ptr) : (int64_t)load_le64(b.ptr);
      return x < y ? -1 : x > y;
    }
    case PQW_ORD_UNSIGNED: {
      uint64_t x = L->ptype == PQT_BOOLEAN ? a.ptr[0] : L->ptype == PQT_INT32 ? load_le32(a.ptr) : load_le64(a.ptr);
      uint64_t y = L->ptype == PQT_BOOLEAN ? b.ptr[0] : L->ptype == PQT_INT32 ? load_le32(b.ptr) : load_le64(b.ptr);
      return x < y ? -1 : x > y;
    }
    case PQW_ORD_FLOAT: {
      double x, y;
      if (L->ptype == PQT_FLOAT) {
        float f, g;
        memcpy(&f, a.ptr, 4);
        memcpy(&g, b.ptr, 4);
        x = f;
        y = g;
      } else {
        memcpy(&x, a.ptr, 8);
        memcpy(&y, b.ptr, 8);
      }
      return x < y ? -1 : x > y;
    }
    case PQW_ORD_I128: {
      int sa = a.ptr[0] & 0x80, sb = b.ptr[0] & 0x80;
      if (sa != sb) return sa ? -1 : 1;
      return memcmp(a.ptr, b.ptr, a.len); /* same width, same sign: bytes order = value order */
    }
    case PQW_ORD_BYTES: {
      uint32_t n = a.len < b.len ? a.len : b.len;
      int c = n ? memcmp(a.ptr, b.ptr, n) : 0;
      if (c) return c;
      return a.len < b.len ? -1 : a.len > b.len;
    }
    case PQW_ORD_NONE: break;
  }
  return 0;
}

static pq_boundary boundary_order(const pqw_leaf_desc *L, const pqw_page_rec *r, uint32_t n) {
  bool asc = true, desc = true;
  const pqw_page_rec *prev = NULL;
  for (uint32_t i = 0; i < n; i++) {
    if (r[i].null_page) continue;
    if (prev) {
      int cmin = cmp_bound(L, prev->min, r[i].min), cmax = cmp_bound(L, prev->max, r[i].max);
      if (cmin > 0 || cmax > 0) asc = false;
      if (cmin < 0 || cmax < 0) desc = false;
    }
    prev = &r[i];
  }
  return asc ? PQB_ASCENDING : desc ? PQB_DESCENDING : PQB_UNORDERED;
}

/* Writes the ColumnIndex and OffsetIndex of every chunk and records where they are. */
static int write_page_index(pq_writer *w, lago_err *err) {
  buf b;
  buf_init(&b);
  int rc = LAGO_OK;
  uint32_t nl = w->schema.n_leaves;
  for (int pass = 0; pass < 2 && !rc; pass++) {
    for (uint32_t g = 0; g < w->n_rgs && !rc; g++) {
      for (uint32_t l = 0; l < nl && !rc; l++) {
        const pqw_leaf_desc *L = &w->schema.leaves[l];
        const pqw_page_rec *r = w->rg_pages[g].recs[l];
        uint32_t n = w->rg_pages[g].n_recs[l];
        pq_column_chunk *cc = &w->rgs[g].columns[l];
        buf_clear(&b);
        if (pass == 0) {
          /* A ColumnIndex needs a min/max for every page holding values. */
          bool ok = L->order != PQW_ORD_NONE;
          for (uint32_t i = 0; i < n && ok; i++) ok = r[i].null_page || r[i].has_minmax;
          if (!ok) continue;
          pq_column_index ci;
          memset(&ci, 0, sizeof ci);
          ci.n_pages = n;
          ci.null_pages = mem_calloc(n ? n : 1, sizeof *ci.null_pages);
          ci.min_values = mem_calloc(n ? n : 1, sizeof *ci.min_values);
          ci.max_values = mem_calloc(n ? n : 1, sizeof *ci.max_values);
          ci.null_counts = mem_calloc(n ? n : 1, sizeof *ci.null_counts);
          if (!ci.null_pages || !ci.min_values || !ci.max_values || !ci.null_counts) {
            rc = LAGO_NOMEM_ERR(err);
          } else {
            for (uint32_t i = 0; i < n; i++) {
              ci.null_pages[i] = r[i].null_page;
              if (!r[i].null_page) {
                ci.min_values[i] = r[i].min;
                ci.max_values[i] = r[i].max;
              }
              ci.null_counts[i] = r[i].nulls;
            }
            ci.boundary_order = boundary_order(L, r, n);
            if (pq_meta_write_column_index(&ci, &b)) rc = LAGO_NOMEM_ERR(err);
          }
          mem_free(ci.null_pages);
          mem_free(ci.min_values);
          mem_free(ci.max_values);
          mem_free(ci.null_counts);
          if (rc) break;
          cc->column_index_offset = (int64_t)w->pos;
          cc->column_index_length = (int32_t)b.len;
        } else {
          pq_offset_index oi;
          oi.n_pages = n;
          oi.page_locations = mem_calloc(n ? n : 1, sizeof *oi.page_locations);
          if (!oi.page_locations) {
            rc = LAGO_NOMEM_ERR(err);
            break;
          }
          for (uint32_t i = 0; i < n; i++) {
            oi.page_locations[i].offset = r[i].offset;
            oi.page_locations[i].compressed_page_size = r[i].size;
            oi.page_locations[i].first_row_index = r[i].first_row;
          }
          if (pq_meta_write_offset_index(&oi, &b)) rc = LAGO_NOMEM_ERR(err);
          mem_free(oi.page_locations);
          if (rc) break;
          cc->offset_index_offset = (int64_t)w->pos;
          cc->offset_index_length = (int32_t)b.len;
        }
        rc = emit(w, b.data, b.len, err);
      }
    }
  }
  buf_deinit(&b);
  return rc;
}

/* ---- footer and close -------------------------------------------------- */

static int write_footer(pq_writer *w, lago_err *err) {
  uint32_t nl = w->schema.n_leaves;
  pq_file_meta m;
  memset(&m, 0, sizeof m);
  m.version = w->co.data_page_v2 ? 2 : 1;
  m.n_schema = w->schema.n_elements;
  m.schema = w->schema.elements;
  m.num_rows = w->num_rows;
  m.n_row_groups = w->n_rgs;
  m.row_groups = w->rgs;
  m.n_key_value = w->n_kv;
  m.key_value = w->kv;
  m.created_by = w->created_by;
  m.n_column_orders = nl;
  m.column_orders = arena_calloc(w->ar, nl, sizeof *m.column_orders);
  if (!m.column_orders) return LAGO_NOMEM_ERR(err);
  for (uint32_t i = 0; i < nl; i++) m.column_orders[i] = PQO_TYPE_DEFINED;
  buf b;
  buf_init(&b);
  int rc = pq_meta_write_file(&m, &b);
  if (rc) {
    buf_deinit(&b);
    return LAGO_NOMEM_ERR(err);
  }
  uint8_t tail[8];
  if (b.len > UINT32_MAX) {
    buf_deinit(&b);
    return LAGO_ERR(err, LAGO_UNSUPPORTED, "parquet writer: %s: footer of %zu bytes is too large", w->path, b.len);
  }
  store_le32(tail, (uint32_t)b.len);
  memcpy(tail + 4, "PAR1", 4);
  rc = emit(w, b.data, b.len, err);
  if (!rc) rc = emit(w, tail, 8, err);
  buf_deinit(&b);
  return rc;
}

static int file_stats(pq_writer *w, arena *ar, pq_file_stats *st, lago_err *err) {
  memset(st, 0, sizeof *st);
  st->num_rows = w->num_rows;
  st->file_size = w->pos;
  st->n_leaves = w->schema.n_leaves;
  st->leaves = arena_calloc(ar, st->n_leaves, sizeof *st->leaves);
  if (!st->leaves) return LAGO_NOMEM_ERR(err);
  for (uint32_t i = 0; i < st->n_leaves; i++) {
    const pqw_leaf_desc *L = &w->schema.leaves[i];
    pq_leaf_stats *ls = &st->leaves[i];
    const char **path = arena_calloc(ar, L->path_len, sizeof *path);
    if (!path) return LAGO_NOMEM_ERR(err);
    for (uint32_t k = 0; k < L->path_len; k++)
      if (!(path[k] = arena_strdup(ar, L->path[k]))) return LAGO_NOMEM_ERR(err);
    ls->path = path;
    ls->path_len = L->path_len;
    ls->type = L->type; /* primitive: nothing borrowed from the writer */
    ls->null_count = w->file_stats[i].nulls;
    ls->value_count = w->file_levels[i];
    ls->has_min_max = !L->in_list && pqw_stats_usable(&w->file_stats[i], L);
    if (ls->has_min_max) {
      ls->min_max = vec_new(ar, L->type, 2);
      if (!ls->min_max) return LAGO_NOMEM_ERR(err);
      ls->min_max->len = 2;
      int rc = pqw_stats_to_vec(&w->file_stats[i], L, ls->min_max);
      if (rc) return rc == LAGO_NOMEM ? LAGO_NOMEM_ERR(err) : LAGO_ERR(err, rc, "parquet writer: statistics of '%s'",
                                                                         L->dotted);
    }
  }
  return LAGO_OK;
}

int pq_writer_close(pq_writer *w, arena *ar, pq_file_stats *stats, lago_err *err) {
  if (!w) return LAGO_ERR(err, LAGO_MISUSE, "parquet writer: close of no writer");
  int rc = w->failed;
  if (rc) {
    lago_err_copy(err, &w->ferr);
    writer_free(w);
    return rc;
  }
  rc = flush_row_group(w, &w->enc, err);
  if (!rc && w->co.page_index) rc = write_page_index(w, err);
  if (!rc) rc = write_footer(w, err);
  /* Statistics before the commit: once the file is visible, nothing may fail. */
  if (!rc && stats) rc = file_stats(w, ar, stats, err);
  if (!rc) {
    lago_wfile *wf = w->wf;
    w->wf = NULL; /* commit frees it, success or not */
    rc = fs_wfile_commit(wf, false, err);
  }
  writer_free(w);
  return rc;
}
