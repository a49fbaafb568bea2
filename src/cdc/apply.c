/*
** cdc/apply.c: the CDC apply core (cdc.h cdc_apply): one batch of change
** rows becomes one Delta commit of the target table.
**
**   1. Read the rows. A row with a NULL key or sequence, or an operation
**      code the spec does not know, goes to the quarantine table with the
**      reason (one commit of that table carrying txn(app, batch), made
**      first and skipped when already there); the others are kept in memory
**      with their operation as 'I', 'U' or 'D' (column __lago_op).
**   2. On the target's latest snapshot, in SQL (sql/, the same engine users
**      run):
**        latest  = the changes QUALIFY ROW_NUMBER() OVER (PARTITION BY keys
**                  ORDER BY sequence DESC, op) = 1
**        ignored = sequenced semantics only: EXISTS a remembered entry for
**                  the key with a sequence >= the change's (state.c segments)
**        applied = latest rows not ignored
**   3. Sequenced: the applied changes' (key, sequence, deleted, now) become a
**      new state segment file (or, every CDC_MAX_SEGMENTS batches, one
**      segment compacted from all, old tombstones dropped), written before
**      the commit and referenced only by it.
**   4. MERGE INTO target USING applied ON keys (sql/stmt_merge.c: deletion
**      vectors or file rewrites, key-range file pruning, Delta metrics):
**        sequenced: MATCHED AND D -> DELETE; MATCHED -> UPDATE;
**                   NOT MATCHED AND not D -> INSERT        (D of a missing key: no-op)
**        seed:      MATCHED AND D -> DELETE; MATCHED AND U -> UPDATE;
**                   NOT MATCHED AND I/U -> INSERT          (the users' three clauses)
**      A commit hook adds, to that same commit: txn(app, batch), the
**      caller's operationParameters (the stream's file list), the state's
**      domainMetadata document and the CDC metrics. Empty batches commit the
**      bookkeeping alone.
**   5. A lost race (LAGO_CONFLICT: another writer committed; two appliers
**      always conflict on the state domain) discards the new segment and
**      redoes 2-4 on the new snapshot, so concurrent CDC merges into one
**      table both succeed, each seeing the other's state.
** Crash consistency: see src/cdc/README.md. Nothing here is visible until
** the commit; a crash leaves at most an unreferenced segment file.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cdc/cdc_int.h"
#include "exec/source.h"
#include "format/parquet/parquet.h"
#include "util/alloc.h"

#define MAX_ATTEMPTS 20
#define REG_CHANGES "__lago_cdc_changes"
#define REG_BAD "__lago_cdc_bad"
#define REG_APPLIED "__lago_cdc_applied"
#define REG_IGNORED "__lago_cdc_ignored"

struct cdc_applier {
  arena *ar;                /* applier lifetime: names, spec strings */
  sql_session *sess;        /* borrowed */
  const char *table_sql;    /* the target in SQL */
  const char *root;         /* its directory */
  const char *quar_sql;     /* quarantine table in SQL, or NULL (bad rows fail the batch) */
  cdc_spec spec;
  tbl_handlers h;
  delta_table *t;
};

int cdc_applier_new(sql_session *sess, const char *table_sql, const char *root, const char *quarantine_sql,
                    const cdc_spec *spec, cdc_applier **out, lago_err *err) {
  *out = NULL;
  TRY(cdc_spec_check(spec, err));
  arena *ar = arena_new("cdc-applier", 4096);
  cdc_applier *a = ar ? arena_zalloc(ar, sizeof *a) : NULL;
  if (!a) {
    arena_free(ar);
    return LAGO_NOMEM_ERR(err);
  }
  a->ar = ar;
  a->sess = sess;
  a->h = tbl_handlers_default(fs_local());
  int rc = cdc_spec_copy(ar, spec, &a->spec) ? LAGO_NOMEM_ERR(err) : LAGO_OK;
  if (rc == LAGO_OK && (!(a->table_sql = arena_strdup(ar, table_sql)) || !(a->root = arena_strdup(ar, root)) ||
                        (quarantine_sql && !(a->quar_sql = arena_strdup(ar, quarantine_sql)))))
    rc = LAGO_NOMEM_ERR(err);
  if (rc == LAGO_OK) rc = delta_table_open(&a->h, a->root, &a->t, err);
  if (rc) {
    cdc_applier_free(a);
    return rc;
  }
  *out = a;
  return LAGO_OK;
}

void cdc_applier_free(cdc_applier *a) {
  if (!a) return;
  delta_table_free(a->t);
  arena_free(a->ar);
}

/* ---- small helpers ------------------------------------------------------------------ */

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* Runs a statement that returns no rows we need. */
static int run_sql(sql_session *s, const char *text, int64_t *affected, lago_err *err) {
  sql_result *r = NULL;
  TRY(sql_exec(s, text, &r, err));
  if (affected) *affected = sql_result_rows_affected(r);
  sql_result_free(r);
  return LAGO_OK;
}

/* Runs the query built in q (LAGO_NOMEM if building it ran out of memory) and frees q. */
static int query_buf(sql_session *s, buf *q, sql_result **res, lago_err *err) {
  int rc = buf_cstr(q) ? sql_exec(s, buf_cstr(q), res, err) : LAGO_NOMEM_ERR(err);
  buf_deinit(q);
  return rc;
}

/* Appends "`a`, `b`" (with prefix "p." before each when p is set). */
static int name_list(buf *b, const char *const *names, uint32_t n, const char *prefix) {
  int rc = LAGO_OK;
  for (uint32_t i = 0; i < n && !rc; i++) {
    if (i) rc = buf_puts(b, ", ");
    if (!rc && prefix) rc = buf_puts(b, prefix);
    if (!rc) rc = cdc_quote(b, names[i]);
  }
  return rc ? LAGO_NOMEM : LAGO_OK;
}

/* "p.`k1` = q.`k1` AND ..." */
static int key_match(buf *b, const cdc_spec *sp, const char *p, const char *q) {
  int rc = LAGO_OK;
  for (uint32_t i = 0; i < sp->n_keys && !rc; i++) {
    if (i) rc = buf_puts(b, " AND ");
    if (!rc) rc = buf_printf(b, "%s.", p);
    if (!rc) rc = cdc_quote(b, sp->keys[i]);
    if (!rc) rc = buf_printf(b, " = %s.", q);
    if (!rc) rc = cdc_quote(b, sp->keys[i]);
  }
  return rc ? LAGO_NOMEM : LAGO_OK;
}

/* ---- reading the batch ----------------------------------------------------------------- */

typedef struct reader {
  cdc_applier *a;
  lago_type schema;        /* change rows */
  uint32_t n;              /* their columns */
  int key[CDC_MAX_KEYS], seq, op;
  memsource *chg;          /* good rows + __lago_op */
  memsource *bad;          /* bad rows + reason */
  uint64_t rows, n_bad;
  bool deduped;            /* chg holds the latest change per key only (fast path) */
  char first_bad[300];
  arena *scratch;
} reader;

static int find_col(lago_type schema, const char *name, const char *role, int *out, lago_err *err) {
  int i = type_field_index(schema, name);
  if (i < 0) {
    buf b;
    buf_init(&b);
    for (uint32_t k = 0; k < type_n_fields(schema); k++) buf_printf(&b, "%s%s", k ? ", " : "", type_field_at(schema, k)->name);
    int rc = LAGO_ERR(err, LAGO_BIND, "the change rows have no column %s (the %s); they have: %s", name, role, buf_cstr(&b));
    buf_deinit(&b);
    return rc;
  }
  *out = i;
  return LAGO_OK;
}

static int reader_init(reader *r, cdc_applier *a, lago_type schema, lago_err *err) {
  memset(r, 0, sizeof *r);
  r->a = a;
  r->schema = schema;
  r->n = type_n_fields(schema);
  const cdc_spec *sp = &a->spec;
  for (uint32_t i = 0; i < sp->n_keys; i++) TRY(find_col(schema, sp->keys[i], "key", &r->key[i], err));
  TRY(find_col(schema, sp->sequence, "sequence", &r->seq, err));
  TRY(find_col(schema, sp->op_column, "operation", &r->op, err));
  lago_type ot = type_field_at(schema, (uint32_t)r->op)->type;
  if (ot.id != LT_STRING)
    return LAGO_ERR(err, LAGO_BIND, "the operation column %s must be a STRING, not %s", sp->op_column,
                    type_id_name((lago_type_id)ot.id));
  for (uint32_t i = 0; i < r->n; i++) {
    const char *nm = type_field_at(schema, i)->name;
    if (!strncasecmp(nm, "__lago_", 7))
      return LAGO_ERR(err, LAGO_BIND, "change column %s: names starting with __lago_ are reserved", nm);
  }
  if (!(r->scratch = arena_new("cdc-read", 65536))) return LAGO_NOMEM_ERR(err);
  lago_type *types = arena_alloc(r->scratch, (r->n + 1) * sizeof *types);
  const char **names = arena_alloc(r->scratch, (r->n + 1) * sizeof *names);
  if (!types || !names) return LAGO_NOMEM_ERR(err);
  for (uint32_t i = 0; i < r->n; i++) {
    types[i] = type_field_at(schema, i)->type;
    names[i] = type_field_at(schema, i)->name;
  }
  types[r->n] = type_make(LT_STRING);
  names[r->n] = CDC_COL_OP;
  r->chg = memsource_new(r->n + 1, types, names, "cdc changes"); /* copies types and names */
  names[r->n] = "_cdc_reason";
  r->bad = memsource_new(r->n + 1, types, names, "cdc bad rows");
  if (!r->chg || !r->bad) return LAGO_NOMEM_ERR(err);
  return LAGO_OK;
}

static void reader_deinit(reader *r) {
  memsource_free(r->chg);
  memsource_free(r->bad);
  arena_free(r->scratch);
}

static const char *op_texts[3] = {"I", "U", "D"};

static int reader_batch(reader *r, const batch *b, lago_err *err) {
  uint32_t n = b->n_rows;
  if (!n) return LAGO_OK;
  arena *ar = r->scratch;
  arena_reset(ar);
  uint32_t phys = 0;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t p = batch_row(b, i);
    if (p + 1 > phys) phys = p + 1;
  }
  uint32_t *good = arena_alloc(ar, n * sizeof *good), *badl = arena_alloc(ar, n * sizeof *badl);
  vec *dict = vec_new(ar, type_make(LT_STRING), 3), *opv = vec_new(ar, type_make(LT_STRING), phys);
  vec *why = vec_new(ar, type_make(LT_STRING), phys);
  if (!good || !badl || !dict || !opv || !why) return LAGO_NOMEM_ERR(err);
  for (int i = 0; i < 3; i++)
    if (vec_set_str(dict, (uint32_t)i, op_texts[i], 1)) return LAGO_NOMEM_ERR(err);
  dict->len = 3;
  if (vec_make_dict(opv, dict, phys)) return LAGO_NOMEM_ERR(err);
  opv->len = phys;
  why->len = phys;
  uint32_t *codes = VEC_DATA(opv, uint32_t);
  const cdc_spec *sp = &r->a->spec;
  vec_view kv[CDC_MAX_KEYS], sv, ov;
  for (uint32_t k = 0; k < sp->n_keys; k++) vec_view_init(&kv[k], &b->cols[r->key[k]]);
  vec_view_init(&sv, &b->cols[r->seq]);
  vec_view_init(&ov, &b->cols[r->op]);
  const lago_str *ostr = ov.data;
  uint32_t ng = 0, nb = 0;
  char reason[200];
  for (uint32_t i = 0; i < n; i++) {
    uint32_t p = batch_row(b, i);
    const char *bad = NULL;
    for (uint32_t k = 0; k < sp->n_keys && !bad; k++)
      if (!VIEW_VALID(&kv[k], p)) {
        snprintf(reason, sizeof reason, "NULL key column %s", sp->keys[k]);
        bad = reason;
      }
    if (!bad && !VIEW_VALID(&sv, p)) {
      snprintf(reason, sizeof reason, "NULL sequence column %s", sp->sequence);
      bad = reason;
    }
    cdc_op_kind kind = CDC_OP_BAD;
    if (!bad) {
      if (!VIEW_VALID(&ov, p)) {
        snprintf(reason, sizeof reason, "NULL operation column %s", sp->op_column);
        bad = reason;
      } else {
        const lago_str *s = &ostr[VIEW_IDX(&ov, p)];
        kind = cdc_spec_op(sp, str_data(s), s->len);
        if (kind == CDC_OP_BAD) {
          snprintf(reason, sizeof reason, "unknown operation code '%.*s' in column %s", (int)(s->len > 40 ? 40 : s->len),
                   str_data(s), sp->op_column);
          bad = reason;
        }
      }
    }
    if (bad) {
      if (vec_set_str(why, p, bad, (uint32_t)strlen(bad))) return LAGO_NOMEM_ERR(err);
      if (!r->n_bad && !r->first_bad[0]) snprintf(r->first_bad, sizeof r->first_bad, "%s", bad);
      badl[nb++] = p;
    } else {
      codes[p] = kind == CDC_OP_INSERT ? 0 : kind == CDC_OP_UPDATE ? 1 : 2;
      good[ng++] = p;
    }
  }
  vec *cols = arena_alloc(ar, (r->n + 1) * sizeof *cols);
  if (!cols) return LAGO_NOMEM_ERR(err);
  memcpy(cols, b->cols, r->n * sizeof *cols);
  batch x;
  memset(&x, 0, sizeof x);
  x.n_cols = r->n + 1;
  x.cols = cols;
  x.ar = ar;
  if (ng) {
    cols[r->n] = *opv;
    x.n_rows = ng;
    x.sel = good;
    if (memsource_append(r->chg, &x)) return LAGO_NOMEM_ERR(err);
  }
  if (nb) {
    cols[r->n] = *why;
    x.n_rows = nb;
    x.sel = badl;
    if (memsource_append(r->bad, &x)) return LAGO_NOMEM_ERR(err);
  }
  r->rows += n;
  r->n_bad += nb;
  return LAGO_OK;
}


/* ---- fast path: one integral key, an integral sequence ------------------------------------- */

/*
** With one key column and a sequence of an integral kind (integers, DATE,
** TIMESTAMP*), steps 2's "latest" and "ignored" run here instead of in SQL,
** so that neither the whole change rows (the dedupe) nor the whole state
** (a hash table of every remembered key) is held in a hash table:
**   latest   one pass over the change rows with a map key -> (best sequence,
**            row), the same order as the SQL (sequence DESC, op text ASC);
**            the change rows are then replaced by the latest ones (a batch's
**            latest changes do not depend on the table, so attempts share it)
**   ignored  a map key -> sequence of the latest changes; the segments stream
**            through it (key, __lago_seq only) and mark the keys with an
**            entry >= the change's sequence; those keys (usually few) become
**            a one-column table that the MERGE source anti-joins.
** Other keys and sequences take the SQL path (compute_applied).
*/

static bool fast_type(lago_type t) {
  switch ((lago_type_id)t.id) {
    case LT_TINYINT: case LT_SMALLINT: case LT_INT: case LT_BIGINT: case LT_DATE: case LT_TIMESTAMP:
    case LT_TIMESTAMP_NTZ: case LT_TIMESTAMP_NS: return true;
    default: return false;
  }
}

static inline int64_t int_at(const vec_view *v, size_t w, uint32_t p) {
  uint32_t i = VIEW_IDX(v, p);
  switch (w) {
    case 1: return ((const int8_t *)v->data)[i];
    case 2: return ((const int16_t *)v->data)[i];
    case 4: return ((const int32_t *)v->data)[i];
    default: return ((const int64_t *)v->data)[i];
  }
}

typedef struct kslot {
  int64_t key, seq;
  uint32_t b, row;          /* b == KM_EMPTY: free slot */
} kslot;

#define KM_EMPTY UINT32_MAX

typedef struct kmap {
  kslot *s;
  uint64_t mask, n;
} kmap;

static uint64_t km_hash(int64_t k) {
  uint64_t x = (uint64_t)k * 0x9E3779B97F4A7C15ull;
  return x ^ (x >> 31);
}

/* Room for `rows` keys at a load of at most 3/4. */
static int km_init(kmap *m, uint64_t rows) {
  uint64_t cap = 1024;
  while (cap / 4 * 3 < rows) cap *= 2;
  m->s = mem_alloc(cap * sizeof *m->s);
  if (!m->s) return LAGO_NOMEM;
  for (uint64_t i = 0; i < cap; i++) m->s[i].b = KM_EMPTY;
  m->mask = cap - 1;
  m->n = 0;
  return LAGO_OK;
}

/* The slot of key: its entry, or the free slot where it goes. */
static kslot *km_slot(const kmap *m, int64_t key) {
  uint64_t i = km_hash(key) & m->mask;
  while (m->s[i].b != KM_EMPTY && m->s[i].key != key) i = (i + 1) & m->mask;
  return &m->s[i];
}

static int str_cmp(const lago_str *a, const lago_str *b) {
  uint32_t n = a->len < b->len ? a->len : b->len;
  int c = n ? memcmp(str_data(a), str_data(b), n) : 0;
  return c ? c : (a->len > b->len) - (a->len < b->len);
}

#define ROW_FLAG 0x80000000u /* kslot.row: the key is ignored (fast_applied) */

/*
** A bitmap over the stored rows of a memsource with nb batches (bit
** batch * LAGO_VECTOR_SIZE + row) with the rows the map's entries point to
** (only those whose row has `flag` set, when flag). Walks the map in order.
** Caller frees (mem_free); NULL on OOM.
*/
static uint64_t *rows_marked(const kmap *m, uint32_t nb, uint32_t flag) {
  uint64_t bits = (uint64_t)nb * LAGO_VECTOR_SIZE;
  uint64_t *bm = mem_calloc((bits + 63) / 64, sizeof *bm);
  if (!bm) return NULL;
  for (uint64_t i = 0; i <= m->mask; i++) {
    const kslot *e = &m->s[i];
    if (e->b == KM_EMPTY || (flag && !(e->row & flag))) continue;
    uint64_t bit = (uint64_t)e->b * LAGO_VECTOR_SIZE + (e->row & ~ROW_FLAG);
    bm[bit / 64] |= 1ull << (bit % 64);
  }
  return bm;
}

/* Appends the marked rows of src to dst (column `col` only when col >= 0). */
static int append_marked(memsource *dst, const memsource *src, const uint64_t *bm, int col) {
  uint32_t *sel = mem_alloc(LAGO_VECTOR_SIZE * sizeof *sel);
  if (!sel) return LAGO_NOMEM;
  int rc = LAGO_OK;
  for (uint32_t bi = 0; rc == LAGO_OK && bi < memsource_n_batches(src); bi++) {
    const batch *b = memsource_batch(src, bi);
    uint32_t k = 0;
    for (uint32_t i = 0; i < b->n_rows && i < LAGO_VECTOR_SIZE; i++) {
      uint32_t p = batch_row(b, i);
      uint64_t bit = (uint64_t)bi * LAGO_VECTOR_SIZE + p;
      if (p < LAGO_VECTOR_SIZE && (bm[bit / 64] >> (bit % 64) & 1)) sel[k++] = p;
    }
    if (!k) continue;
    batch x = *b;
    if (col >= 0) {
      x.n_cols = 1;
      x.cols = &b->cols[col];
    }
    x.n_rows = k;
    x.sel = sel;
    rc = memsource_append(dst, &x);
  }
  mem_free(sel);
  return rc;
}

static bool fast_eligible(const reader *r) {
  const cdc_spec *sp = &r->a->spec;
  return sp->n_keys == 1 && fast_type(type_field_at(r->schema, (uint32_t)r->key[0])->type) &&
         fast_type(type_field_at(r->schema, (uint32_t)r->seq)->type);
}

/* Replaces r->chg by its latest change per key. */
static int dedupe_fast(reader *r, lago_err *err) {
  memsource *chg = r->chg;
  const exec_source *def = memsource_source(chg);
  size_t kw = type_width(type_field_at(r->schema, (uint32_t)r->key[0])->type);
  size_t sw = type_width(type_field_at(r->schema, (uint32_t)r->seq)->type);
  uint32_t nb = memsource_n_batches(chg);
  kmap m;
  if (km_init(&m, memsource_rows(chg))) return LAGO_NOMEM_ERR(err);
  for (uint32_t bi = 0; bi < nb; bi++) {
    const batch *b = memsource_batch(chg, bi);
    vec_view kv, sv, ov;
    vec_view_init(&kv, &b->cols[r->key[0]]);
    vec_view_init(&sv, &b->cols[r->seq]);
    vec_view_init(&ov, &b->cols[r->op]);
    const lago_str *os = ov.data;
    for (uint32_t i = 0; i < b->n_rows; i++) {
      uint32_t p = batch_row(b, i);
      int64_t key = int_at(&kv, kw, p), seq = int_at(&sv, sw, p);
      kslot *e = km_slot(&m, key);
      if (e->b == KM_EMPTY) {
        *e = (kslot){key, seq, bi, p};
        m.n++;
        continue;
      }
      if (seq < e->seq) continue;
      if (seq == e->seq) { /* tie: the smaller op text wins (ORDER BY sequence DESC, op) */
        const batch *ob = memsource_batch(chg, e->b);
        vec_view pv;
        vec_view_init(&pv, &ob->cols[r->op]);
        const lago_str *ps = pv.data;
        if (str_cmp(&os[VIEW_IDX(&ov, p)], &ps[VIEW_IDX(&pv, e->row)]) >= 0) continue;
      }
      e->seq = seq;
      e->b = bi;
      e->row = p;
    }
  }
  memsource *latest = memsource_new(def->n_cols, def->types, def->names, "cdc latest changes");
  int rc = latest ? LAGO_OK : LAGO_NOMEM_ERR(err);
  uint64_t *win = rc ? NULL : rows_marked(&m, nb, 0);
  mem_free(m.s);
  if (rc == LAGO_OK && !win) rc = LAGO_NOMEM_ERR(err);
  if (rc == LAGO_OK) rc = append_marked(latest, chg, win, -1) ? LAGO_NOMEM_ERR(err) : LAGO_OK;
  mem_free(win);
  if (rc) {
    memsource_free(latest);
    return rc;
  }
  memsource_free(chg);
  r->chg = latest;
  r->deduped = true;
  return LAGO_OK;
}

/* ---- the commit hook ---------------------------------------------------------------------- */

typedef struct hook_ctx {
  const cdc_batch_id *id;
  int64_t expect_read;      /* the version the batch was computed on (-1: any) */
  const char *domain;       /* new state document, or NULL */
  const char *extra;        /* JSON object of CDC parameters, or NULL */
  const char *mkeys[8];
  int64_t mvals[8];
  int n_metrics;
} hook_ctx;

static int commit_hook(void *ud, delta_txn *x, lago_err *err) {
  hook_ctx *h = ud;
  if (h->expect_read >= 0 && delta_txn_read_version(x) != h->expect_read)
    return LAGO_ERR(err, LAGO_CONFLICT, "the table moved from version %lld to %lld while the batch was prepared",
                    (long long)h->expect_read, (long long)delta_txn_read_version(x));
  if (h->id && h->id->app_id) TRY(delta_txn_set_app_version(x, h->id->app_id, h->id->batch_id, err));
  if (h->id && h->id->params) TRY(delta_txn_add_params(x, h->id->params, err));
  if (h->extra) TRY(delta_txn_add_params(x, h->extra, err));
  if (h->domain) TRY(delta_txn_set_domain(x, CDC_DOMAIN, h->domain, false, err));
  for (int i = 0; i < h->n_metrics; i++) TRY(delta_txn_set_metric(x, h->mkeys[i], h->mvals[i], err));
  return LAGO_OK;
}

static void add_metric(hook_ctx *h, const char *k, int64_t v) {
  if (h->n_metrics < 8) {
    h->mkeys[h->n_metrics] = k;
    h->mvals[h->n_metrics++] = v;
  }
}

/* ---- quarantine ------------------------------------------------------------------------------ */

/*
** Bad rows go to the quarantine table (created by the first batch that has
** any): the change columns, then _cdc_reason, _cdc_batch_id, _cdc_app_id,
** _cdc_quarantined_at. It is written before the target's commit and is not
** part of it; a batch run again after a crash finds its rows there (by batch
** and app id) and does not write them twice.
*/
static int quarantine(cdc_applier *a, reader *r, const cdc_batch_id *id, lago_err *err) {
  if (!a->quar_sql)
    return LAGO_ERR(err, LAGO_BIND,
                    "%llu change rows cannot be applied (first: %s) and this table has no quarantine: fix the "
                    "source or set a quarantine table",
                    (unsigned long long)r->n_bad, r->first_bad);
  int64_t batch_id = id ? id->batch_id : -1;
  const char *app = id && id->app_id ? id->app_id : NULL;
  for (const char *p = app; p && *p; p++)
    if (*p == '\'' || *p == '\\') return LAGO_ERR(err, LAGO_BIND, "app id %s cannot be quoted", app);
  TRY(sql_session_register(a->sess, REG_BAD, memsource_source(r->bad), err));
  buf q;
  buf_init(&q);
  int rc = LAGO_OK;
  buf_printf(&q, "SELECT 1 FROM %s LIMIT 0", a->quar_sql);
  sql_result *res = NULL;
  lago_err tmp;
  lago_err_clear(&tmp);
  bool exists = buf_cstr(&q) && sql_exec(a->sess, buf_cstr(&q), &res, &tmp) == LAGO_OK;
  sql_result_free(res);
  res = NULL;
  bool done = false;
  if (exists && app) {
    buf_clear(&q);
    buf_printf(&q, "SELECT count(*) FROM %s WHERE _cdc_batch_id = %lld AND _cdc_app_id = '%s'", a->quar_sql,
               (long long)batch_id, app);
    rc = buf_cstr(&q) ? sql_exec(a->sess, buf_cstr(&q), &res, err) : LAGO_NOMEM_ERR(err);
    batch *b;
    if (rc == LAGO_OK && (rc = sql_result_next(res, &b, err)) == LAGO_OK && b->n_rows)
      done = VEC_DATA(&b->cols[0], int64_t)[batch_row(b, 0)] > 0;
    sql_result_free(res);
  }
  if (rc == LAGO_OK && !done) {
    hook_ctx h;
    memset(&h, 0, sizeof h);
    h.expect_read = -1;
    add_metric(&h, "numCdcQuarantinedRows", (int64_t)r->n_bad);
    buf_clear(&q);
    buf_printf(&q,
               "%s %s %s SELECT *, CAST(%lld AS BIGINT) AS _cdc_batch_id, %s%s%s AS _cdc_app_id, "
               "current_timestamp() AS _cdc_quarantined_at FROM " REG_BAD,
               exists ? "INSERT INTO" : "CREATE TABLE", a->quar_sql, exists ? "BY NAME" : "AS", (long long)batch_id,
               app ? "'" : "", app ? app : "CAST(NULL AS STRING)", app ? "'" : "");
    if (!buf_cstr(&q)) rc = LAGO_NOMEM_ERR(err);
    if (rc == LAGO_OK) {
      sql_session_set_commit_hook(a->sess, commit_hook, &h);
      rc = run_sql(a->sess, buf_cstr(&q), NULL, err);
      sql_session_set_commit_hook(a->sess, NULL, NULL);
    }
    if (rc) lago_err_prefix(err, "writing %llu bad change rows to %s", (unsigned long long)r->n_bad, a->quar_sql);
  }
  sql_session_unregister(a->sess, REG_BAD);
  buf_deinit(&q);
  return rc;
}

/* ---- state segments ----------------------------------------------------------------------- */

typedef struct seg_out {
  const char *rel;          /* _lago_cdc/state-<uuid>.parquet */
  const char *abs;
  cdc_segment seg;
  bool written;
} seg_out;

/* Runs `sql` (columns: keys, __lago_seq, __lago_deleted, __lago_at_ms) into a new segment file. */
static int write_segment(cdc_applier *a, arena *ar, const char *sql, seg_out *o, lago_err *err) {
  memset(o, 0, sizeof *o);
  char uuid[37];
  TRY(tbl_uuid4(&a->h, uuid, NULL, err));
  char rel[128];
  snprintf(rel, sizeof rel, CDC_STATE_DIR "/state-%s.parquet", uuid);
  o->rel = arena_strdup(ar, rel);
  o->abs = o->rel ? path_join(ar, a->root, o->rel) : NULL;
  if (!o->abs) return LAGO_NOMEM_ERR(err);
  o->seg.path = o->rel;
  o->seg.min_tomb_at_ms = -1;
  sql_result *res = NULL;
  TRY(sql_exec(a->sess, sql, &res, err));
  uint32_t nc = sql_result_n_cols(res);
  lago_type *types = arena_alloc(ar, nc * sizeof *types);
  const char **names = arena_alloc(ar, nc * sizeof *names);
  int rc = types && names ? LAGO_OK : LAGO_NOMEM_ERR(err);
  for (uint32_t i = 0; rc == LAGO_OK && i < nc; i++) {
    types[i] = sql_result_col_type(res, i);
    names[i] = sql_result_col_name(res, i);
  }
  lago_type st;
  if (rc == LAGO_OK && type_struct(ar, nc, names, types, NULL, &st)) rc = LAGO_NOMEM_ERR(err);
  pq_writer *w = NULL;
  if (rc == LAGO_OK) rc = pq_writer_open(a->h.fs, o->abs, st, NULL, &w, err);
  while (rc == LAGO_OK) {
    batch *b;
    if ((rc = sql_result_next(res, &b, err)) || !b->n_rows) break;
    vec_view dv, av;
    vec_view_init(&dv, &b->cols[nc - 2]);
    vec_view_init(&av, &b->cols[nc - 1]);
    const uint8_t *del = dv.data;
    const int64_t *at = av.data;
    for (uint32_t i = 0; i < b->n_rows; i++) {
      uint32_t p = batch_row(b, i);
      if (VIEW_VALID(&dv, p) && del[VIEW_IDX(&dv, p)]) {
        o->seg.tombstones++;
        int64_t t = at[VIEW_IDX(&av, p)];
        if (o->seg.min_tomb_at_ms < 0 || t < o->seg.min_tomb_at_ms) o->seg.min_tomb_at_ms = t;
      }
    }
    o->seg.rows += b->n_rows;
    rc = pq_writer_write(w, b, err);
  }
  sql_result_free(res);
  if (rc) {
    pq_writer_abort(w);
    return rc;
  }
  pq_file_stats fst;
  TRY(pq_writer_close(w, ar, &fst, err));
  o->seg.bytes = fst.file_size;
  o->written = true;
  return LAGO_OK;
}

static void drop_segment(cdc_applier *a, seg_out *o) {
  if (!o->written) return;
  lago_err tmp;
  lago_err_clear(&tmp);
  fs_remove(a->h.fs, o->abs, &tmp);
  o->written = false;
}

/* "SELECT keys, __lago_seq FROM parquet.`s1` UNION ALL ..." over the segments (cols: with deleted/at too). */
static int segments_sql(cdc_applier *a, const cdc_state *st, bool all_cols, buf *b) {
  for (uint32_t i = 0; i < st->n_seg; i++) {
    if (i) buf_puts(b, " UNION ALL ");
    buf_puts(b, "SELECT ");
    name_list(b, st->keys, st->n_keys, NULL);
    buf_puts(b, ", " CDC_COL_SEQ);
    if (all_cols) buf_puts(b, ", " CDC_COL_DELETED ", " CDC_COL_AT);
    buf_puts(b, " FROM parquet.`");
    for (const char *p = a->root; *p; p++) {
      if (*p == '`') buf_putc(b, '`');
      buf_putc(b, *p);
    }
    buf_putc(b, '/');
    buf_puts(b, st->seg[i].path);
    buf_putc(b, '`');
  }
  return b->len || !st->n_seg ? LAGO_OK : LAGO_NOMEM;
}

/*
** The new state's document: the old segments + `add` (or only `add` when it
** replaced them all, compact). Written into ar.
*/
static const char *state_doc(arena *ar, const cdc_state *st, const cdc_segment *add, bool compact) {
  cdc_state ns = *st;
  cdc_segment *segs = arena_alloc(ar, (st->n_seg + 1) * sizeof *segs);
  if (!segs) return NULL;
  uint32_t n = 0;
  if (!compact)
    for (uint32_t i = 0; i < st->n_seg; i++) segs[n++] = st->seg[i];
  if (add && add->rows) segs[n++] = *add;
  ns.seg = segs;
  ns.n_seg = n;
  buf b;
  buf_init(&b);
  const char *doc = cdc_state_format(&ns, &b) ? NULL : arena_strdup(ar, buf_cstr(&b));
  buf_deinit(&b);
  return doc;
}

/* SQL for the compaction of the segments (+ the applied changes when applied_sql), tombstones GC'd. */
static int compact_sql(cdc_applier *a, const cdc_state *st, const char *applied_sql, int64_t now_ms, buf *b) {
  const cdc_spec *sp = &a->spec;
  buf_puts(b, "SELECT * FROM (SELECT * FROM (");
  TRY(segments_sql(a, st, true, b));
  if (applied_sql) {
    if (st->n_seg) buf_puts(b, " UNION ALL ");
    buf_puts(b, "SELECT ");
    name_list(b, sp->keys, sp->n_keys, NULL);
    buf_puts(b, ", ");
    cdc_quote(b, sp->sequence);
    buf_printf(b, " AS " CDC_COL_SEQ ", " CDC_COL_OP " = 'D' AS " CDC_COL_DELETED ", CAST(%lld AS BIGINT) AS " CDC_COL_AT
                  " FROM %s __lago_a",
               (long long)now_ms, applied_sql);
  }
  buf_puts(b, ") QUALIFY ROW_NUMBER() OVER (PARTITION BY ");
  name_list(b, st->keys, st->n_keys, NULL);
  buf_puts(b, " ORDER BY " CDC_COL_SEQ " DESC) = 1)");
  if (sp->tombstone_retention_ms >= 0)
    buf_printf(b, " WHERE NOT (" CDC_COL_DELETED " AND " CDC_COL_AT " < %lld)",
               (long long)(now_ms - sp->tombstone_retention_ms));
  return LAGO_OK;
}

/* ---- one attempt ---------------------------------------------------------------------------- */

typedef struct attempt {
  cdc_applier *a;
  reader *r;
  const cdc_batch_id *id;
  cdc_batch_result *out;
  arena *ar;                /* attempt lifetime */
  delta_snapshot *snap;
  memsource *applied;       /* SQL path: the applied changes */
  memsource *ignored;       /* fast path: keys of ignored latest changes (key column only), or NULL */
  const char *applied_sql;  /* the applied changes as a FROM item (no alias) */
  seg_out seg;
} attempt;

/* latest + ignored flag -> applied memsource; counts. */
static int compute_applied(attempt *t, const cdc_state *st, lago_err *err) {
  cdc_applier *a = t->a;
  const cdc_spec *sp = &a->spec;
  reader *r = t->r;
  buf q;
  buf_init(&q);
  buf_puts(&q, "SELECT c.*, ");
  bool seq = sp->semantics == CDC_SEQUENCED && st->n_seg;
  if (seq) {
    buf_puts(&q, "EXISTS (SELECT 1 FROM (");
    segments_sql(a, st, false, &q);
    buf_puts(&q, ") r WHERE ");
    key_match(&q, sp, "r", "c");
    buf_puts(&q, " AND r." CDC_COL_SEQ " >= c.");
    cdc_quote(&q, sp->sequence);
    buf_puts(&q, ")");
  } else {
    buf_puts(&q, "false");
  }
  buf_puts(&q, " AS __lago_ignored FROM (SELECT * FROM " REG_CHANGES " QUALIFY ROW_NUMBER() OVER (PARTITION BY ");
  name_list(&q, sp->keys, sp->n_keys, NULL);
  buf_puts(&q, " ORDER BY ");
  cdc_quote(&q, sp->sequence);
  buf_puts(&q, " DESC, ");
  cdc_quote(&q, sp->op_column);
  buf_puts(&q, ") = 1) c");
  sql_result *res = NULL;
  TRY(query_buf(a->sess, &q, &res, err));
  int rc = LAGO_OK;
  uint32_t nc = sql_result_n_cols(res); /* change columns + __lago_op + __lago_ignored */
  lago_type *types = arena_alloc(t->ar, nc * sizeof *types);
  const char **names = arena_alloc(t->ar, nc * sizeof *names);
  if (!types || !names) rc = LAGO_NOMEM_ERR(err);
  for (uint32_t i = 0; rc == LAGO_OK && i + 1 < nc; i++) {
    types[i] = sql_result_col_type(res, i);
    names[i] = sql_result_col_name(res, i);
  }
  if (rc == LAGO_OK && nc != r->n + 2) rc = LAGO_ERR(err, LAGO_INTERNAL, "cdc: latest changes have %u columns", nc);
  if (rc == LAGO_OK && !(t->applied = memsource_new(nc - 1, types, names, "cdc applied"))) rc = LAGO_NOMEM_ERR(err);
  uint32_t *sel = NULL;
  if (rc == LAGO_OK && !(sel = mem_alloc(LAGO_VECTOR_SIZE * sizeof *sel))) rc = LAGO_NOMEM_ERR(err);
  while (rc == LAGO_OK) {
    batch *b;
    if ((rc = sql_result_next(res, &b, err)) || !b->n_rows) break;
    vec_view iv;
    vec_view_init(&iv, &b->cols[nc - 1]);
    const uint8_t *ig = iv.data;
    uint32_t k = 0;
    for (uint32_t i = 0; i < b->n_rows; i++) {
      uint32_t p = batch_row(b, i);
      if (VIEW_VALID(&iv, p) && ig[VIEW_IDX(&iv, p)]) t->out->ignored++;
      else sel[k++] = p;
    }
    t->out->latest += b->n_rows;
    if (!k) continue;
    batch x = *b;
    x.n_cols = nc - 1;
    x.n_rows = k;
    x.sel = sel;
    if (memsource_append(t->applied, &x)) rc = LAGO_NOMEM_ERR(err);
  }
  mem_free(sel);
  sql_result_free(res);
  return rc;
}


/*
** Fast path of step 2 (see "fast path" above) on the deduplicated change
** rows: sets t->applied_sql (and t->ignored) and the counts. *handled is
** false when the segments' columns are not of the changes' types (then the
** SQL path runs).
*/
static int fast_applied(attempt *t, const cdc_state *st, bool *handled, int64_t *n_applied, lago_err *err) {
  cdc_applier *a = t->a;
  const cdc_spec *sp = &a->spec;
  reader *r = t->r;
  memsource *chg = r->chg;
  *handled = false;
  uint64_t latest = memsource_rows(chg), ignored = 0;
  if (sp->semantics == CDC_SEQUENCED && st->n_seg) {
    lago_type kt = type_field_at(r->schema, (uint32_t)r->key[0])->type;
    lago_type qt = type_field_at(r->schema, (uint32_t)r->seq)->type;
    size_t kw = type_width(kt), sw = type_width(qt);
    buf q;
    buf_init(&q);
    segments_sql(a, st, false, &q);
    sql_result *res = NULL;
    int rc = query_buf(a->sess, &q, &res, err);
    TRY(rc);
    if (sql_result_n_cols(res) != 2 || sql_result_col_type(res, 0).id != kt.id || sql_result_col_type(res, 1).id != qt.id) {
      sql_result_free(res);
      return LAGO_OK;
    }
    /* key -> latest sequence; b = 1 marks an ignored key */
    kmap m;
    if (km_init(&m, latest)) rc = LAGO_NOMEM_ERR(err);
    uint32_t nb = memsource_n_batches(chg);
    /* a one-hash filter (16 bits per key) keeps most segment entries of other keys off the map */
    uint64_t fbits = 64;
    while (fbits < latest * 16) fbits *= 2;
    uint64_t *filt = rc ? NULL : mem_calloc(fbits / 64, sizeof *filt);
    if (rc == LAGO_OK && !filt) rc = LAGO_NOMEM_ERR(err);
    for (uint32_t bi = 0; rc == LAGO_OK && bi < nb; bi++) {
      const batch *b = memsource_batch(chg, bi);
      vec_view kv, sv;
      vec_view_init(&kv, &b->cols[r->key[0]]);
      vec_view_init(&sv, &b->cols[r->seq]);
      for (uint32_t i = 0; i < b->n_rows; i++) {
        uint32_t p = batch_row(b, i);
        int64_t key = int_at(&kv, kw, p);
        *km_slot(&m, key) = (kslot){key, int_at(&sv, sw, p), bi, p};
        uint64_t h = (km_hash(key) >> 20) & (fbits - 1);
        filt[h / 64] |= 1ull << (h % 64);
      }
    }
    while (rc == LAGO_OK) {
      batch *b;
      if ((rc = sql_result_next(res, &b, err)) || !b->n_rows) break;
      vec_view kv, sv;
      vec_view_init(&kv, &b->cols[0]);
      vec_view_init(&sv, &b->cols[1]);
      for (uint32_t i = 0; i < b->n_rows; i++) {
        uint32_t p = batch_row(b, i);
        if (!VIEW_VALID(&kv, p) || !VIEW_VALID(&sv, p)) continue;
        int64_t key = int_at(&kv, kw, p);
        uint64_t h = (km_hash(key) >> 20) & (fbits - 1);
        if (!(filt[h / 64] >> (h % 64) & 1)) continue;
        kslot *e = km_slot(&m, key);
        if (e->b != KM_EMPTY && !(e->row & ROW_FLAG) && int_at(&sv, sw, p) >= e->seq) {
          e->row |= ROW_FLAG;
          ignored++;
        }
      }
    }
    mem_free(filt);
    sql_result_free(res);
    if (rc == LAGO_OK && ignored) {
      const exec_source *def = memsource_source(chg);
      const char *kn = def->names[r->key[0]];
      uint64_t *bm = rows_marked(&m, nb, ROW_FLAG);
      if (!bm || !(t->ignored = memsource_new(1, &kt, &kn, "cdc ignored keys"))) rc = LAGO_NOMEM_ERR(err);
      if (rc == LAGO_OK && append_marked(t->ignored, chg, bm, r->key[0])) rc = LAGO_NOMEM_ERR(err);
      mem_free(bm);
      if (rc == LAGO_OK) rc = sql_session_register(a->sess, REG_IGNORED, memsource_source(t->ignored), err);
      if (rc == LAGO_OK) {
        buf_init(&q);
        buf_puts(&q, "(SELECT c.* FROM " REG_CHANGES " c WHERE NOT EXISTS (SELECT 1 FROM " REG_IGNORED " i WHERE ");
        key_match(&q, sp, "i", "c");
        buf_puts(&q, "))");
        if (!buf_cstr(&q) || !(t->applied_sql = arena_strdup(t->ar, buf_cstr(&q)))) rc = LAGO_NOMEM_ERR(err);
        buf_deinit(&q);
      }
    }
    mem_free(m.s);
    TRY(rc);
  }
  if (!ignored) t->applied_sql = REG_CHANGES;
  t->out->latest = latest;
  t->out->ignored = ignored;
  *n_applied = (int64_t)(latest - ignored);
  *handled = true;
  return LAGO_OK;
}

static const char *target_col_in_changes(const reader *r, const char *name) {
  int i = type_field_index(r->schema, name);
  return i < 0 ? NULL : type_field_at(r->schema, (uint32_t)i)->name;
}

static bool is_key(const cdc_spec *sp, const char *name) {
  for (uint32_t i = 0; i < sp->n_keys; i++)
    if (!strcasecmp(sp->keys[i], name)) return true;
  return false;
}

/* The MERGE statement for the target schema. */
static int merge_sql(attempt *t, buf *q, lago_err *err) {
  cdc_applier *a = t->a;
  const cdc_spec *sp = &a->spec;
  lago_type ts = delta_snapshot_schema(t->snap);
  uint32_t n = type_n_fields(ts);
  for (uint32_t i = 0; i < sp->n_keys; i++)
    if (type_field_index(ts, sp->keys[i]) < 0)
      return LAGO_ERR(err, LAGO_BIND, "table %s has no key column %s", a->table_sql, sp->keys[i]);
  buf set, icols, ivals;
  buf_init(&set);
  buf_init(&icols);
  buf_init(&ivals);
  for (uint32_t i = 0; i < n; i++) {
    const char *tn = type_field_at(ts, i)->name;
    const char *sn = target_col_in_changes(t->r, tn);
    if (!sn || (!is_key(sp, tn) && cdc_spec_ignores(sp, sn))) continue; /* not in the feed: kept on update, NULL on insert */
    if (icols.len) {
      buf_puts(&icols, ", ");
      buf_puts(&ivals, ", ");
    }
    cdc_quote(&icols, tn);
    buf_puts(&ivals, "s.");
    cdc_quote(&ivals, sn);
    if (is_key(sp, tn)) continue;
    if (set.len) buf_puts(&set, ", ");
    buf_puts(&set, "t.");
    cdc_quote(&set, tn);
    buf_puts(&set, " = s.");
    cdc_quote(&set, sn);
  }
  bool seed = sp->semantics == CDC_SEED;
  buf_printf(q, "MERGE INTO %s t USING %s s ON ", a->table_sql, t->applied_sql);
  key_match(q, sp, "t", "s");
  buf_puts(q, " WHEN MATCHED AND s." CDC_COL_OP " = 'D' THEN DELETE");
  if (set.len) {
    buf_printf(q, " WHEN MATCHED%s THEN UPDATE SET ", seed ? " AND s." CDC_COL_OP " = 'U'" : "");
    buf_append(q, set.data, set.len);
  }
  buf_puts(q, " WHEN NOT MATCHED AND s." CDC_COL_OP " <> 'D' THEN INSERT (");
  buf_append(q, icols.data, icols.len);
  buf_puts(q, ") VALUES (");
  buf_append(q, ivals.data, ivals.len);
  buf_puts(q, ")");
  int rc = buf_cstr(&set) && buf_cstr(&icols) && buf_cstr(&ivals) && buf_cstr(q) ? LAGO_OK : LAGO_NOMEM_ERR(err);
  buf_deinit(&set);
  buf_deinit(&icols);
  buf_deinit(&ivals);
  return rc;
}

/* Reads the MERGE's metrics row. */
static int merge_metrics(sql_result *res, cdc_batch_result *out, lago_err *err) {
  batch *b;
  TRY(sql_result_next(res, &b, err));
  if (!b->n_rows) return LAGO_OK;
  for (uint32_t c = 0; c < sql_result_n_cols(res); c++) {
    const char *nm = sql_result_col_name(res, c);
    int64_t v = VEC_DATA(&b->cols[c], int64_t)[batch_row(b, 0)];
    if (!strcmp(nm, "num_updated_rows")) out->updated = v;
    else if (!strcmp(nm, "num_deleted_rows")) out->deleted = v;
    else if (!strcmp(nm, "num_inserted_rows")) out->inserted = v;
  }
  return LAGO_OK;
}

static int one_attempt(attempt *t, bool *conflict, lago_err *err) {
  cdc_applier *a = t->a;
  const cdc_spec *sp = &a->spec;
  cdc_batch_result *out = t->out;
  *conflict = false;
  out->latest = out->ignored = 0;
  out->inserted = out->updated = out->deleted = 0;
  TRY(delta_snapshot_load(a->t, -1, &t->snap, err));
  int64_t read_version = delta_snapshot_version(t->snap);
  if (t->id && t->id->app_id && delta_snapshot_app_version(t->snap, t->id->app_id) >= t->id->batch_id) {
    out->already = true;
    return LAGO_OK;
  }
  cdc_state st;
  bool present;
  TRY(cdc_state_load(t->snap, sp, t->ar, &st, &present, err));
  if (present) TRY(cdc_state_check(&st, sp, a->table_sql, err));
  bool handled = false;
  int64_t n_applied = 0;
  if (t->r->deduped) TRY(fast_applied(t, &st, &handled, &n_applied, err));
  if (!handled) {
    TRY(compute_applied(t, &st, err));
    TRY(sql_session_register(a->sess, REG_APPLIED, memsource_source(t->applied), err));
    n_applied = (int64_t)memsource_rows(t->applied);
    t->applied_sql = REG_APPLIED;
  }
  int64_t now_ms = tbl_now_ms(&a->h);
  bool sequenced = sp->semantics == CDC_SEQUENCED;
  bool compact = sequenced && st.n_seg + 1 > CDC_MAX_SEGMENTS && n_applied > 0;
  int rc = LAGO_OK;
  buf q;
  buf_init(&q);
  const char *doc = NULL;
  if (sequenced && n_applied > 0) {
    if (compact) {
      rc = compact_sql(a, &st, t->applied_sql, now_ms, &q);
    } else {
      buf_puts(&q, "SELECT ");
      name_list(&q, sp->keys, sp->n_keys, NULL);
      buf_puts(&q, ", ");
      cdc_quote(&q, sp->sequence);
      buf_printf(&q, " AS " CDC_COL_SEQ ", " CDC_COL_OP " = 'D' AS " CDC_COL_DELETED ", CAST(%lld AS BIGINT) AS " CDC_COL_AT
                     " FROM %s __lago_a",
                 (long long)now_ms, t->applied_sql);
    }
    if (rc == LAGO_OK && !buf_cstr(&q)) rc = LAGO_NOMEM_ERR(err);
    if (rc == LAGO_OK) rc = write_segment(a, t->ar, buf_cstr(&q), &t->seg, err);
    if (rc == LAGO_OK && !(doc = state_doc(t->ar, &st, &t->seg.seg, compact))) rc = LAGO_NOMEM_ERR(err);
  }
  uint32_t segs = compact ? 1 : st.n_seg + (t->seg.written && t->seg.seg.rows ? 1 : 0);
  uint64_t entries = 0;
  if (compact) entries = t->seg.seg.rows;
  else {
    for (uint32_t i = 0; i < st.n_seg; i++) entries += st.seg[i].rows;
    if (t->seg.written) entries += t->seg.seg.rows;
  }
  hook_ctx h;
  memset(&h, 0, sizeof h);
  h.id = t->id;
  h.expect_read = read_version;
  h.domain = doc;
  buf extra;
  buf_init(&extra);
  buf_printf(&extra, "{\"lago.cdc.semantics\":\"%s\"}", cdc_semantics_name(sp->semantics));
  h.extra = buf_cstr(&extra);
  add_metric(&h, "numCdcChanges", (int64_t)t->r->rows);
  add_metric(&h, "numCdcQuarantinedRows", (int64_t)t->r->n_bad);
  add_metric(&h, "numCdcLatestChanges", (int64_t)out->latest);
  add_metric(&h, "numCdcIgnoredChanges", (int64_t)out->ignored);
  if (sequenced) {
    add_metric(&h, "numCdcStateEntries", (int64_t)entries);
    add_metric(&h, "numCdcStateSegments", (int64_t)segs);
  }
  if (rc == LAGO_OK && n_applied > 0) {
    buf_clear(&q);
    rc = merge_sql(t, &q, err);
    if (rc == LAGO_OK) {
      sql_session_set_commit_hook(a->sess, commit_hook, &h);
      sql_result *res = NULL;
      rc = sql_exec(a->sess, buf_cstr(&q), &res, err);
      sql_session_set_commit_hook(a->sess, NULL, NULL);
      if (rc == LAGO_OK) {
        out->version = sql_session_last_commit(a->sess);
        rc = merge_metrics(res, out, err);
      }
      sql_result_free(res);
    }
  } else if (rc == LAGO_OK) {
    /* nothing to merge: commit the bookkeeping alone (txn, file list, metrics) */
    delta_txn_opts o;
    memset(&o, 0, sizeof o);
    o.operation = "MERGE";
    o.operation_params = "{\"predicate\":\"(no changes to apply)\"}";
    delta_txn *x = NULL;
    rc = delta_txn_begin(a->t, t->snap, &o, &x, err);
    if (rc == LAGO_OK) rc = commit_hook(&h, x, err);
    const char *zero[] = {"numSourceRows", "numTargetRowsInserted", "numTargetRowsUpdated", "numTargetRowsDeleted"};
    for (int i = 0; rc == LAGO_OK && i < 4; i++) rc = delta_txn_set_metric(x, zero[i], 0, err);
    if (rc == LAGO_OK) {
      rc = delta_txn_commit(x, &out->version, err);
      x = NULL;
    }
    delta_txn_abort(x);
  }
  buf_deinit(&extra);
  buf_deinit(&q);
  sql_session_unregister(a->sess, REG_APPLIED);
  sql_session_unregister(a->sess, REG_IGNORED);
  if (rc == LAGO_CONFLICT) {
    *conflict = true;
    drop_segment(a, &t->seg);
    return rc;
  }
  if (rc) {
    drop_segment(a, &t->seg);
    return rc;
  }
  out->state_entries = entries;
  out->state_segments = sequenced ? segs : 0;
  return LAGO_OK;
}

static void attempt_reset(attempt *t) {
  delta_snapshot_unref(t->snap);
  t->snap = NULL;
  memsource_free(t->applied);
  t->applied = NULL;
  memsource_free(t->ignored);
  t->ignored = NULL;
  t->applied_sql = NULL;
  memset(&t->seg, 0, sizeof t->seg);
  arena_reset(t->ar);
}

int cdc_apply(cdc_applier *a, lago_type schema, cdc_rows_fn next, void *next_ud, const cdc_batch_id *id,
              cdc_batch_result *out, lago_err *err) {
  memset(out, 0, sizeof *out);
  out->version = -1;
  double t0 = now_s();
  /* already applied? (cheap check before reading anything) */
  if (id && id->app_id) {
    delta_snapshot *snap;
    TRY(delta_snapshot_load(a->t, -1, &snap, err));
    bool done = delta_snapshot_app_version(snap, id->app_id) >= id->batch_id;
    delta_snapshot_unref(snap);
    if (done) {
      out->already = true;
      return LAGO_OK;
    }
  }
  reader r;
  int rc = reader_init(&r, a, schema, err);
  while (rc == LAGO_OK) {
    batch *b;
    if ((rc = next(next_ud, &b, err)) || !b || !b->n_rows) break;
    rc = reader_batch(&r, b, err);
  }
  out->changes = r.rows;
  out->quarantined = r.n_bad;
  if (rc == LAGO_OK && r.n_bad) rc = quarantine(a, &r, id, err);
  if (rc == LAGO_OK && fast_eligible(&r)) rc = dedupe_fast(&r, err);
  if (rc == LAGO_OK) rc = sql_session_register(a->sess, REG_CHANGES, memsource_source(r.chg), err);
  attempt t;
  memset(&t, 0, sizeof t);
  t.a = a;
  t.r = &r;
  t.id = id;
  t.out = out;
  if (rc == LAGO_OK && !(t.ar = arena_new("cdc-attempt", 16384))) rc = LAGO_NOMEM_ERR(err);
  unsigned seed = (unsigned)(now_s() * 1e6);
  for (int i = 0; rc == LAGO_OK; i++) {
    bool conflict;
    out->attempts = i + 1;
    rc = one_attempt(&t, &conflict, err);
    if (rc == LAGO_OK || !conflict) break;
    attempt_reset(&t);
    if (i + 1 >= MAX_ATTEMPTS) {
      lago_err_prefix(err, "gave up after %d attempts against concurrent writers", i + 1);
      break;
    }
    lago_err_clear(err);
    rc = LAGO_OK;
    seed = seed * 1103515245u + 12345u;
    sleep_ms(5 + (int)((seed >> 8) % (unsigned)(20 << (i < 5 ? i : 5))));
  }
  attempt_reset(&t);
  arena_free(t.ar);
  sql_session_unregister(a->sess, REG_CHANGES);
  reader_deinit(&r);
  out->seconds = now_s() - t0;
  return rc;
}

/* ---- state: describe and compact ------------------------------------------------------------ */

int cdc_state_describe(sql_session *sess, const char *root, arena *ar, cdc_state_info *out, lago_err *err) {
  (void)sess;
  memset(out, 0, sizeof *out);
  tbl_handlers h = tbl_handlers_default(fs_local());
  delta_table *t;
  TRY(delta_table_open(&h, root, &t, err));
  delta_snapshot *snap = NULL;
  int rc = delta_snapshot_load(t, -1, &snap, err);
  if (rc == LAGO_OK) {
    out->version = delta_snapshot_version(snap);
    cdc_spec none;
    cdc_spec_init(&none);
    cdc_state st;
    bool present;
    rc = cdc_state_load(snap, &none, ar, &st, &present, err);
    if (rc == LAGO_OK && present) {
      out->present = true;
      buf b;
      buf_init(&b);
      for (uint32_t i = 0; i < st.n_keys; i++) buf_printf(&b, "%s%s", i ? ", " : "", st.keys[i]);
      out->keys = arena_strdup(ar, buf_cstr(&b) ? buf_cstr(&b) : "");
      buf_deinit(&b);
      out->sequence = st.sequence;
      out->segments = st.n_seg;
      for (uint32_t i = 0; i < st.n_seg; i++) {
        out->entries += st.seg[i].rows;
        out->tombstones += st.seg[i].tombstones;
        out->bytes += st.seg[i].bytes;
      }
      if (!out->keys) rc = LAGO_NOMEM_ERR(err);
    }
  }
  delta_snapshot_unref(snap);
  delta_table_free(t);
  return rc;
}

int cdc_state_compact(cdc_applier *a, bool *did, lago_err *err) {
  *did = false;
  const cdc_spec *sp = &a->spec;
  for (int i = 0; i < MAX_ATTEMPTS; i++) {
    arena *ar = arena_new("cdc-compact", 4096);
    if (!ar) return LAGO_NOMEM_ERR(err);
    delta_snapshot *snap = NULL;
    int rc = delta_snapshot_load(a->t, -1, &snap, err);
    cdc_state st;
    bool present = false;
    if (rc == LAGO_OK) rc = cdc_state_load(snap, sp, ar, &st, &present, err);
    if (rc == LAGO_OK && present) rc = cdc_state_check(&st, sp, a->table_sql, err);
    if (rc || !present || !st.n_seg) {
      delta_snapshot_unref(snap);
      arena_free(ar);
      return rc;
    }
    buf q;
    buf_init(&q);
    seg_out so;
    memset(&so, 0, sizeof so);
    int64_t now_ms = tbl_now_ms(&a->h);
    rc = compact_sql(a, &st, NULL, now_ms, &q);
    if (rc == LAGO_OK && !buf_cstr(&q)) rc = LAGO_NOMEM_ERR(err);
    if (rc == LAGO_OK) rc = write_segment(a, ar, buf_cstr(&q), &so, err);
    buf_deinit(&q);
    const char *doc = NULL;
    if (rc == LAGO_OK && !(doc = state_doc(ar, &st, &so.seg, true))) rc = LAGO_NOMEM_ERR(err);
    delta_txn *x = NULL;
    if (rc == LAGO_OK) {
      delta_txn_opts o;
      memset(&o, 0, sizeof o);
      o.operation = "CDC STATE COMPACTION";
      rc = delta_txn_begin(a->t, snap, &o, &x, err);
    }
    if (rc == LAGO_OK) rc = delta_txn_set_domain(x, CDC_DOMAIN, doc, false, err);
    if (rc == LAGO_OK) rc = delta_txn_set_metric(x, "numCdcStateEntries", (int64_t)so.seg.rows, err);
    if (rc == LAGO_OK) {
      int64_t v;
      rc = delta_txn_commit(x, &v, err);
      x = NULL;
    }
    delta_txn_abort(x);
    delta_snapshot_unref(snap);
    if (rc) drop_segment(a, &so);
    arena_free(ar);
    if (rc == LAGO_OK) {
      *did = true;
      return LAGO_OK;
    }
    if (rc != LAGO_CONFLICT) return rc;
    lago_err_clear(err);
    sleep_ms(10 * (i + 1));
  }
  return LAGO_ERR(err, LAGO_CONFLICT, "CDC state compaction of %s: gave up after %d attempts against concurrent writers",
                  a->table_sql, MAX_ATTEMPTS);
}
