/*
** table/delta/write.c: writing data files and change-data files for a
** transaction (PROTOCOL.md "Data Files", "Per-file Statistics",
** "Partition Value Serialization", "Change Data Files"; DELTA-CHECKLIST.md
** §1, §9, §12, §13).
**
** Layout written (Spark's conventions, so other readers find the usual shape):
**   <root>/<c1>=<v1>/<c2>=<v2>/part-<n>-<uuid>-c000.snappy.parquet
**   <root>/_change_data/<c1>=<v1>/cdc-<n>-<uuid>.c000.snappy.parquet
** where column names (physical) and values are Hive-escaped (paths.c) and a
** NULL or empty value is __HIVE_DEFAULT_PARTITION__; add.path is that
** relative path, URI-encoded when written to the log. Partition columns are
** not stored in the data files. Under column mapping the Parquet columns
** carry the physical names and field ids at every level.
**
** One open Parquet writer per (partition value combination, shard) is kept
** across delta_txn_write calls (at most WRITERS_MAX; when they are all in
** use, the calling shard's writers are closed) and all are closed before
** commit. Shards let several threads write at once (delta_txn_write_shard):
** the bookkeeping (opening writers, naming files) runs under the write
** state's mutex, the encoding of rows into a shard's own writers does not. Each closed file yields an add with stats:
**   {"numRecords":N,"minValues":{..},"maxValues":{..},"nullCount":{..}[,"tightBounds":true]}
** for the first delta.dataSkippingNumIndexedCols (default 32) leaf columns
** outside lists and maps; min/max are omitted for booleans and binaries,
** string minima are cut to 32 characters (a valid lower bound) and string
** maxima longer than that are omitted, timestamps are cut to milliseconds.
** Files are written with put-if-absent under fresh UUID names: a crash
** leaves at most unreferenced files, which VACUUM removes.
*/
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "table/delta/delta_int.h"
#include "table/delta/txn_int.h"
#include "util/alloc.h"
#include "util/datetime.h"
#include "util/numfmt.h"

#define WRITERS_MAX 64

typedef struct open_writer {
  const char *key;          /* partition key text (in x->ar) */
  const char *rel;          /* decoded relative path */
  const char *full;         /* full path */
  delta_map pv;             /* partition values (physical names) */
  pq_writer *w;
  bool cdc;
  uint32_t shard;           /* the delta_txn_write_shard caller that owns it */
  int64_t rows;
} open_writer;

typedef struct write_state {
  open_writer ws[WRITERS_MAX];
  uint32_t n;
  uint32_t counter;
  lago_type file_schema;    /* data columns, physical names and ids */
  lago_type cdc_schema;     /* + _change_type */
  bool have_schemas;
  uint32_t *data_cols;      /* schema field index of each data column */
  uint32_t n_data;
  int64_t files, rows, bytes;
  pthread_mutex_t mu;       /* guards everything above but a shard's own writer's encoding */
} write_state;

static pthread_mutex_t g_state_init = PTHREAD_MUTEX_INITIALIZER;

/* ---- schemas ----------------------------------------------------------------- */

static int physical_type(delta_txn *x, lago_type t, lago_type *out, lago_err *err) {
  uint32_t n = type_n_fields(t);
  if (!type_is_nested(t) || !n) {
    *out = t;
    return LAGO_OK;
  }
  type_field *fs = arena_alloc(x->ar, n * sizeof *fs);
  if (!fs) return LAGO_NOMEM_ERR(err);
  for (uint32_t i = 0; i < n; i++) {
    fs[i] = *type_field_at(t, i);
    TRY(physical_type(x, fs[i].type, &fs[i].type, err));
    if (t.id == LT_STRUCT && strcmp(x->cm_mode, "none")) {
      const char *pn = delta_field_physical_name(x->ar, &fs[i], x->cm_mode);
      int64_t id = delta_field_column_id(&fs[i]);
      if (!pn) return LAGO_NOMEM_ERR(err);
      fs[i].name = pn;
      if (id >= 0) {
        fs[i].has_field_id = true;
        fs[i].field_id = (int32_t)id;
      }
    }
    fs[i].metadata = NULL;
  }
  lago_type r;
  int rc = t.id == LT_STRUCT ? type_struct_fields(x->ar, n, fs, &r)
           : t.id == LT_ARRAY ? type_array(x->ar, fs[0].type, fs[0].nullable, &r)
                              : type_map(x->ar, fs[0].type, fs[1].type, fs[1].nullable, &r);
  if (rc) return LAGO_NOMEM_ERR(err);
  *out = r;
  return LAGO_OK;
}

static int build_schemas(delta_txn *x, write_state *ws, lago_err *err) {
  if (ws->have_schemas) return LAGO_OK;
  uint32_t n = type_n_fields(x->schema);
  ws->data_cols = arena_alloc(x->ar, n * sizeof *ws->data_cols);
  type_field *fs = arena_alloc(x->ar, (n + 1) * sizeof *fs);
  if (!ws->data_cols || !fs) return LAGO_NOMEM_ERR(err);
  lago_type phys;
  TRY(physical_type(x, x->schema, &phys, err));
  ws->n_data = 0;
  for (uint32_t i = 0; i < n; i++) {
    bool part = false;
    for (uint32_t k = 0; k < x->md.n_partition_columns; k++)
      if (!strcasecmp(type_field_at(x->schema, i)->name, x->md.partition_columns[k])) part = true;
    if (part) continue;
    fs[ws->n_data] = *type_field_at(phys, i);
    ws->data_cols[ws->n_data++] = i;
  }
  if (type_struct_fields(x->ar, ws->n_data, fs, &ws->file_schema)) return LAGO_NOMEM_ERR(err);
  memset(&fs[ws->n_data], 0, sizeof fs[0]);
  fs[ws->n_data].name = "_change_type";
  fs[ws->n_data].type = type_make(LT_STRING);
  fs[ws->n_data].nullable = true;
  if (type_struct_fields(x->ar, ws->n_data + 1, fs, &ws->cdc_schema)) return LAGO_NOMEM_ERR(err);
  ws->have_schemas = true;
  return LAGO_OK;
}

/* ---- stats -------------------------------------------------------------------- */

typedef struct stat_leaf {
  const pq_leaf_stats *L;
  const char *const *path;
  uint32_t len;
} stat_leaf;

static bool leaf_in_list(lago_type schema, const pq_leaf_stats *L) {
  lago_type t = schema;
  for (uint32_t k = 0; k < L->path_len; k++) {
    if (t.id != LT_STRUCT) return true;
    int i = type_field_index(t, L->path[k]);
    if (i < 0) return true;
    t = type_field_at(t, (uint32_t)i)->type;
    if (t.id == LT_ARRAY || t.id == LT_MAP) return true;
  }
  return false;
}

static int stat_json(json_writer *w, const vec *mm, uint32_t row, bool is_max) {
  vec_view vw;
  vec_view_init(&vw, mm);
  if (!VIEW_VALID(&vw, row)) return json_w_null(w);
  uint32_t i = VIEW_IDX(&vw, row);
  const void *d = vw.data;
  char tmp[FMT_NUM_MAX + 48];
  switch (mm->type.id) {
  case LT_TINYINT: return json_w_i64(w, ((const int8_t *)d)[i]);
  case LT_SMALLINT: return json_w_i64(w, ((const int16_t *)d)[i]);
  case LT_INT: return json_w_i64(w, ((const int32_t *)d)[i]);
  case LT_BIGINT: return json_w_i64(w, ((const int64_t *)d)[i]);
  case LT_FLOAT: return json_w_double(w, ((const float *)d)[i]);
  case LT_DOUBLE: return json_w_double(w, ((const double *)d)[i]);
  case LT_DECIMAL:
    fmt_decimal(type_decimal_is_wide(mm->type) ? ((const lago_i128 *)d)[i] : ((const int64_t *)d)[i],
                mm->type.scale, tmp);
    return json_w_raw(w, tmp, strlen(tmp));
  case LT_DATE:
    fmt_date(((const int32_t *)d)[i], tmp);
    return json_w_str(w, tmp);
  case LT_TIMESTAMP:
  case LT_TIMESTAMP_NTZ: {
    int64_t us = ((const int64_t *)d)[i];
    int64_t days = floor_div64(us, MICROS_PER_DAY), tod = floor_mod64(us, MICROS_PER_DAY);
    char dd[48];
    fmt_date((int32_t)days, dd);
    snprintf(tmp, sizeof tmp, "%sT%02d:%02d:%02d.%03d%s", dd, (int)(tod / 3600000000), (int)(tod / 60000000 % 60),
             (int)(tod / 1000000 % 60), (int)(tod / 1000 % 1000), mm->type.id == LT_TIMESTAMP ? "Z" : "");
    return json_w_str(w, tmp);
  }
  case LT_STRING: {
    const lago_str *s = &((const lago_str *)d)[i];
    const char *p = str_data(s);
    /* count UTF-8 characters, cut after 32 */
    uint32_t chars = 0, cut = s->len;
    for (uint32_t k = 0; k < s->len; k++)
      if (((unsigned char)p[k] & 0xc0) != 0x80 && ++chars == 33) {
        cut = k;
        break;
      }
    if (cut < s->len && is_max) return LAGO_NOTFOUND; /* a cut maximum is not an upper bound */
    return json_w_strn(w, p, cut);
  }
  default: return LAGO_NOTFOUND;
  }
}

/* Writes obj {"a":{"b":v}} for the leaves that have a value of kind `what` (0 min, 1 max, 2 nullCount). */
static void write_stat_obj(json_writer *w, stat_leaf *leaves, uint32_t n, uint32_t depth, int what) {
  json_w_begin_obj(w);
  for (uint32_t i = 0; i < n;) {
    const char *name = leaves[i].path[depth];
    uint32_t j = i;
    while (j < n && !strcmp(leaves[j].path[depth], name)) j++;
    if (leaves[i].len == depth + 1) {
      const pq_leaf_stats *L = leaves[i].L;
      if (what == 2) {
        json_w_key(w, name);
        json_w_i64(w, L->null_count);
      } else if (L->has_min_max && L->min_max) {
        /* probe: write into a scratch buffer first, because a value may be omitted */
        buf b;
        buf_init(&b);
        json_writer w2;
        json_w_init(&w2, &b);
        if (stat_json(&w2, L->min_max, what == 1 ? 1 : 0, what == 1) == LAGO_OK && json_w_finish(&w2) == LAGO_OK) {
          json_w_key(w, name);
          json_w_raw(w, b.data, b.len);
        }
        buf_deinit(&b);
      }
    } else {
      json_w_key(w, name);
      write_stat_obj(w, leaves + i, j - i, depth + 1, what);
    }
    i = j;
  }
  json_w_end_obj(w);
}

static int make_stats(delta_txn *x, lago_type file_schema, const pq_file_stats *st, const char **out, lago_err *err) {
  int64_t limit = delta_config_i64(&x->md.configuration, "delta.dataSkippingNumIndexedCols", 32);
  stat_leaf *leaves = arena_alloc(x->ar, (st->n_leaves + 1) * sizeof *leaves);
  if (!leaves) return LAGO_NOMEM_ERR(err);
  uint32_t n = 0, seen = 0;
  for (uint32_t i = 0; i < st->n_leaves; i++) {
    const pq_leaf_stats *L = &st->leaves[i];
    if (L->path_len == 0 || leaf_in_list(file_schema, L)) continue;
    if (limit >= 0 && seen >= (uint64_t)limit) break;
    seen++;
    leaves[n].L = L;
    leaves[n].path = L->path;
    leaves[n].len = L->path_len;
    n++;
  }
  /* group leaves with a common prefix: they come in schema order, so siblings are adjacent */
  buf b;
  buf_init(&b);
  json_writer w;
  json_w_init(&w, &b);
  json_w_begin_obj(&w);
  json_w_key(&w, "numRecords");
  json_w_i64(&w, st->num_rows);
  json_w_key(&w, "minValues");
  write_stat_obj(&w, leaves, n, 0, 0);
  json_w_key(&w, "maxValues");
  write_stat_obj(&w, leaves, n, 0, 1);
  json_w_key(&w, "nullCount");
  write_stat_obj(&w, leaves, n, 0, 2);
  if (delta_config_bool(&x->md.configuration, "delta.enableDeletionVectors", false)) {
    json_w_key(&w, "tightBounds");
    json_w_bool(&w, true);
  }
  json_w_end_obj(&w);
  int rc = json_w_finish(&w);
  if (rc == LAGO_OK && !(*out = arena_strndup(x->ar, buf_cstr(&b), b.len))) rc = LAGO_NOMEM;
  buf_deinit(&b);
  if (rc) return rc == LAGO_NOMEM ? LAGO_NOMEM_ERR(err) : LAGO_ERR(err, LAGO_INTERNAL, "stats JSON");
  return LAGO_OK;
}

/* ---- writers -------------------------------------------------------------------- */

static write_state *state(delta_txn *x, lago_err *err) {
  pthread_mutex_lock(&g_state_init);
  if (!x->ws) {
    x->ws = arena_zalloc(x->ar, sizeof(write_state));
    if (!x->ws) LAGO_NOMEM_ERR(err);
    else pthread_mutex_init(&x->ws->mu, NULL);
  }
  pthread_mutex_unlock(&g_state_init);
  return x->ws;
}

static int close_writer(delta_txn *x, open_writer *o, lago_err *err) {
  write_state *ws = x->ws;
  pq_file_stats st;
  int rc = x->t->h->pq->writer_close(o->w, x->ar, &st, err);
  o->w = NULL;
  if (rc) return rc;
  delta_action a;
  memset(&a, 0, sizeof a);
  a.kind = o->cdc ? DA_CDC : DA_ADD;
  delta_file *f = &a.u.file;
  f->path = o->rel;
  f->partition_values = o->pv;
  f->has_partition_values = true;
  f->size = (int64_t)st.file_size;
  f->modification_time = tbl_now_ms(x->t->h);
  f->data_change = !o->cdc;
  f->deletion_timestamp = f->base_row_id = f->default_row_commit_version = -1;
  f->dv.offset = -1;
  if (!o->cdc) {
    TRY(make_stats(x, ws->file_schema, &st, &f->stats, err));
    ws->files++;
    ws->rows += st.num_rows;
    ws->bytes += (int64_t)st.file_size;
  }
  if (x->n_acts == x->cap_acts) {
    size_t nc = x->cap_acts ? x->cap_acts * 2 : 32;
    delta_action *na = mem_realloc(x->acts, nc * sizeof *na);
    if (!na) return LAGO_NOMEM_ERR(err);
    x->acts = na;
    x->cap_acts = nc;
  }
  x->acts[x->n_acts++] = a;
  return LAGO_OK;
}

int delta_txn_close_writers(delta_txn *x, lago_err *err) {
  write_state *ws = x->ws;
  if (!ws) return LAGO_OK;
  int rc = LAGO_OK;
  for (uint32_t i = 0; i < ws->n; i++) {
    if (!ws->ws[i].w) continue;
    if (rc) {
      x->t->h->pq->writer_abort(ws->ws[i].w);
      ws->ws[i].w = NULL;
    } else {
      rc = close_writer(x, &ws->ws[i], err);
    }
  }
  ws->n = 0;
  if (rc == LAGO_OK && ws->files) {
    TRY(delta_txn_set_metric(x, "numFiles", ws->files, err));
    TRY(delta_txn_set_metric(x, "numOutputRows", ws->rows, err));
    TRY(delta_txn_set_metric(x, "numOutputBytes", ws->bytes, err));
  }
  return rc;
}

void delta_txn_abort_writers(delta_txn *x) {
  write_state *ws = x->ws;
  if (!ws) return;
  for (uint32_t i = 0; i < ws->n; i++)
    if (ws->ws[i].w) x->t->h->pq->writer_abort(ws->ws[i].w);
  ws->n = 0;
}

typedef struct row_key {
  const char *key, *dir;
  delta_map pv;
  uint32_t pos;
} row_key;

static int cmp_rows(const void *a, const void *b, void *ud) {
  const row_key *keys = ud;
  const row_key *x = &keys[*(const uint32_t *)a], *y = &keys[*(const uint32_t *)b];
  int c = strcmp(x->key, y->key);
  return c ? c : (x->pos < y->pos ? -1 : x->pos > y->pos);
}

/* Partition key and directory of row r (allocated in ar). */
static int partition_of(delta_txn *x, arena *ar, const batch *b, uint32_t r, buf *key, buf *dir, delta_map *pv,
                        lago_err *err) {
  uint32_t np = x->md.n_partition_columns;
  buf_clear(key);
  buf_clear(dir);
  pv->n = np;
  pv->kv = np ? arena_alloc(ar, np * sizeof *pv->kv) : NULL;
  if (np && !pv->kv) return LAGO_NOMEM_ERR(err);
  for (uint32_t k = 0; k < np; k++) {
    int col = type_field_index(x->schema, x->md.partition_columns[k]);
    const type_field *f = type_field_at(x->schema, (uint32_t)col);
    const char *phys = delta_field_physical_name(ar, f, x->cm_mode);
    const char *val;
    TRY(delta_partition_value_format(ar, &b->cols[col], r, &val, err));
    pv->kv[k].key = phys;
    pv->kv[k].value = val;
    if (buf_printf(key, "%s\x1f", val ? val : "\x01")) return LAGO_NOMEM_ERR(err);
    if (delta_hive_escape(dir, phys, strlen(phys)) || buf_putc(dir, '=')) return LAGO_NOMEM_ERR(err);
    if (!val) {
      if (buf_puts(dir, "__HIVE_DEFAULT_PARTITION__")) return LAGO_NOMEM_ERR(err);
    } else if (delta_hive_escape(dir, val, strlen(val))) {
      return LAGO_NOMEM_ERR(err);
    }
    if (buf_putc(dir, '/')) return LAGO_NOMEM_ERR(err);
  }
  return LAGO_OK;
}

static int open_writer_for(delta_txn *x, write_state *ws, const char *key, const char *dir, const delta_map *pv,
                           bool cdc, uint32_t shard, open_writer **out, lago_err *err) {
  for (uint32_t i = 0; i < ws->n; i++)
    if (ws->ws[i].w && ws->ws[i].cdc == cdc && ws->ws[i].shard == shard && !strcmp(ws->ws[i].key, key)) {
      *out = &ws->ws[i];
      return LAGO_OK;
    }
  /* a free slot (slots keep their place: other shards hold pointers to theirs) */
  open_writer *o = NULL;
  for (uint32_t i = 0; i < ws->n && !o; i++)
    if (!ws->ws[i].w) o = &ws->ws[i];
  if (!o && ws->n < WRITERS_MAX) o = &ws->ws[ws->n++];
  if (!o) {
    /* all in use: close this shard's writers and take one of their slots */
    for (uint32_t i = 0; i < ws->n; i++)
      if (ws->ws[i].w && ws->ws[i].shard == shard) {
        TRY(close_writer(x, &ws->ws[i], err));
        if (!o) o = &ws->ws[i];
      }
    if (!o) return LAGO_ERR(err, LAGO_UNSUPPORTED, "%s: more than %d files open at once", x->t->root, WRITERS_MAX);
  }
  memset(o, 0, sizeof *o);
  char uuid[37];
  TRY(tbl_uuid4(x->t->h, uuid, NULL, err));
  o->key = arena_strdup(x->ar, key);
  o->rel = cdc ? arena_printf(x->ar, "_change_data/%scdc-%05u-%s.c000.snappy.parquet", dir, ws->counter, uuid)
               : arena_printf(x->ar, "%spart-%05u-%s-c000.snappy.parquet", dir, ws->counter, uuid);
  ws->counter++;
  if (!o->key || !o->rel || delta_map_copy(x->ar, pv, &o->pv)) return LAGO_NOMEM_ERR(err);
  o->full = path_join(x->ar, x->t->root, o->rel);
  if (!o->full) return LAGO_NOMEM_ERR(err);
  o->cdc = cdc;
  o->shard = shard;
  pq_write_opts wo;
  pq_write_opts_init(&wo);
  TRY(x->t->h->pq->writer_open(x->t->h->fs, o->full, cdc ? ws->cdc_schema : ws->file_schema, &wo, &o->w, err));
  *out = o;
  return LAGO_OK;
}

static int write_rows(delta_txn *x, const batch *b, bool cdc, uint32_t shard, lago_err *err) {
  if (!x->t->h->pq) return LAGO_ERR(err, LAGO_UNSUPPORTED, "%s: no Parquet handler to write data", x->t->root);
  if (!x->snap && !x->md_changed) return LAGO_ERR(err, LAGO_MISUSE, "set the metadata of a new table first");
  uint32_t n_schema = type_n_fields(x->schema);
  if (b->n_cols != n_schema + (cdc ? 1 : 0))
    return LAGO_ERR(err, LAGO_MISUSE, "write: batch has %u columns, the table has %u%s", b->n_cols, n_schema,
                    cdc ? " (+ _change_type)" : "");
  for (uint32_t i = 0; i < n_schema; i++) {
    const type_field *f = type_field_at(x->schema, i);
    if (!type_equal(b->cols[i].type, f->type) && !(b->cols[i].type.id == f->type.id && !type_is_nested(f->type)))
      return LAGO_ERR(err, LAGO_MISUSE, "write: column %u (\"%s\") has type %s, the table has %s", i, f->name,
                      type_id_name((lago_type_id)b->cols[i].type.id), type_id_name((lago_type_id)f->type.id));
    if (!f->nullable) {
      for (uint32_t r = 0; r < b->n_rows; r++)
        if (!vec_is_valid(&b->cols[i], batch_row(b, r)))
          return LAGO_ERR(err, LAGO_RUNTIME, "NOT NULL constraint violated: column \"%s\" is NULL in row %u",
                          f->name, r);
    }
  }
  if (!b->n_rows) return LAGO_OK;
  write_state *ws = state(x, err);
  if (!ws) return LAGO_NOMEM;
  pthread_mutex_lock(&ws->mu);
  int brc = build_schemas(x, ws, err);
  pthread_mutex_unlock(&ws->mu);
  TRY(brc);
  /* group rows by partition: one key per row, rows sorted by key (stable by position) */
  arena *scratch = arena_new("query", 65536);
  uint32_t *order = mem_alloc(b->n_rows * sizeof *order);
  uint32_t *sel = mem_alloc(b->n_rows * sizeof *sel);
  row_key *keys = mem_alloc(b->n_rows * sizeof *keys);
  buf key, dir;
  buf_init(&key);
  buf_init(&dir);
  int rc = (!scratch || !order || !sel || !keys) ? LAGO_NOMEM_ERR(err) : LAGO_OK;
  vec *cols = rc ? NULL : arena_alloc(scratch, (ws->n_data + 1) * sizeof *cols);
  if (!rc && !cols) rc = LAGO_NOMEM_ERR(err);
  for (uint32_t r = 0; r < b->n_rows && rc == LAGO_OK; r++) {
    order[r] = r;
    keys[r].pos = r;
    if (!x->md.n_partition_columns) {
      keys[r].key = "";
      keys[r].dir = "";
      keys[r].pv.n = 0;
      keys[r].pv.kv = NULL;
      continue;
    }
    if ((rc = partition_of(x, scratch, b, batch_row(b, r), &key, &dir, &keys[r].pv, err))) break;
    keys[r].key = arena_strdup(scratch, buf_cstr(&key));
    keys[r].dir = arena_strdup(scratch, buf_cstr(&dir));
    if (!keys[r].key || !keys[r].dir) rc = LAGO_NOMEM_ERR(err);
  }
  if (rc == LAGO_OK && x->md.n_partition_columns) qsort_r(order, b->n_rows, sizeof *order, cmp_rows, keys);
  for (uint32_t i = 0; i < b->n_rows && rc == LAGO_OK;) {
    const row_key *k0 = &keys[order[i]];
    uint32_t n = 0;
    while (i < b->n_rows && !strcmp(keys[order[i]].key, k0->key)) sel[n++] = batch_row(b, order[i++]);
    /* keep the selection ascending (writers expect rows in batch order) */
    open_writer *o = NULL;
    pthread_mutex_lock(&ws->mu);
    rc = open_writer_for(x, ws, k0->key, k0->dir, &k0->pv, cdc, shard, &o, err);
    pthread_mutex_unlock(&ws->mu);
    if (rc) break;
    lago_type fs = cdc ? ws->cdc_schema : ws->file_schema;
    for (uint32_t k = 0; k < ws->n_data; k++) {
      cols[k] = b->cols[ws->data_cols[k]];
      cols[k].type = type_field_at(fs, k)->type;
    }
    if (cdc) cols[ws->n_data] = b->cols[n_schema];
    batch sub = {ws->n_data + (cdc ? 1 : 0), n, cols, sel, b->ar};
    if ((rc = x->t->h->pq->writer_write(o->w, &sub, err))) break;
    o->rows += n;
  }
  buf_deinit(&key);
  buf_deinit(&dir);
  mem_free(order);
  mem_free(sel);
  mem_free(keys);
  arena_free(scratch);
  return rc;
}

int delta_txn_write(delta_txn *x, const batch *b, lago_err *err) { return write_rows(x, b, false, 0, err); }

int delta_txn_write_shard(delta_txn *x, uint32_t shard, const batch *b, lago_err *err) {
  return write_rows(x, b, false, shard, err);
}

int delta_txn_write_cdc_shard(delta_txn *x, uint32_t shard, const batch *b, lago_err *err) {
  if (!delta_config_bool(&x->md.configuration, "delta.enableChangeDataFeed", false))
    return LAGO_ERR(err, LAGO_MISUSE, "%s: change data feed is not enabled", x->t->root);
  uint32_t n = type_n_fields(x->schema);
  if (b->n_cols != n + 1 || b->cols[n].type.id != LT_STRING)
    return LAGO_ERR(err, LAGO_MISUSE, "write_cdc: the batch needs the table columns and a STRING _change_type");
  return write_rows(x, b, true, shard, err);
}

int delta_txn_write_cdc(delta_txn *x, const batch *b, lago_err *err) {
  if (!delta_config_bool(&x->md.configuration, "delta.enableChangeDataFeed", false))
    return LAGO_ERR(err, LAGO_MISUSE, "%s: change data feed is not enabled", x->t->root);
  uint32_t n = type_n_fields(x->schema);
  if (b->n_cols != n + 1 || b->cols[n].type.id != LT_STRING)
    return LAGO_ERR(err, LAGO_MISUSE, "write_cdc: the batch needs the table columns and a STRING _change_type");
  return write_rows(x, b, true, 0, err);
}
