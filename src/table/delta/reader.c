/*
** table/delta/reader.c: reading one data file of a scan (see scan.c for
** the rules): partition constants, column mapping and type conversion
** (conform.c), deletion vectors as a selection vector, metadata columns.
*/
#include <string.h>

#include "table/delta/scan_int.h"
#include "util/alloc.h"

int delta_file_reader_open_ex(delta_scan *sc, const delta_file *f, const scan_rows *rows, bool with_change_type,
                              delta_file_reader **out, lago_err *err) {
  *out = NULL;
  delta_snapshot *s = sc->s;
  const tbl_handlers *h = s->t->h;
  if (!h->pq) return LAGO_ERR(err, LAGO_UNSUPPORTED, "%s: no Parquet handler", s->t->root);
  arena *ar = arena_new("query", 16384);
  if (!ar) return LAGO_NOMEM_ERR(err);
  delta_file_reader *r = arena_zalloc(ar, sizeof *r);
  if (!r) {
    arena_free(ar);
    return LAGO_NOMEM_ERR(err);
  }
  r->ar = ar;
  r->sc = sc;
  r->f = f;
  int rc = LAGO_OK;
  if (!(r->bar = arena_new("batch", 65536))) {
    rc = LAGO_NOMEM_ERR(err);
    goto fail;
  }
  const char *full;
  if ((rc = delta_resolve_path(ar, s->t->root, f->path, &full, err))) goto fail;
  if (rows) {
    r->rows = *rows;
  } else {
    r->rows.mode = sc->keep_deleted ? SR_ALL : SR_DROP;
    if (r->rows.mode == SR_DROP && f->dv.storage_type &&
        (rc = dv_load_bits(h->fs, s->t->root, &f->dv, ar, &r->rows.bits, err)))
      goto fail;
    if (!r->rows.bits.n) r->rows.mode = SR_ALL;
  }
  if ((rc = h->pq->open(h->fs, full, &r->pf, err))) goto fail;
  lago_type fsch = h->pq->schema(r->pf);
  r->map = arena_alloc(ar, (sc->n_cols + 1) * sizeof *r->map);
  uint32_t *proj = arena_alloc(ar, (sc->n_cols + 2) * sizeof *proj);
  r->part_vals = arena_zalloc(ar, (sc->n_cols + 1) * sizeof *r->part_vals);
  if (!r->map || !proj || !r->part_vals) {
    rc = LAGO_NOMEM_ERR(err);
    goto fail;
  }
  uint32_t np = 0;
  for (uint32_t i = 0; i < sc->n_cols; i++) {
    scan_col *c = &sc->cols[i];
    r->map[i] = -1;
    if (c->kind == SC_PARTITION) {
      const char *txt = delta_map_get(&f->partition_values, s->part_phys[c->part], NULL);
      if ((rc = delta_partition_value_parse(ar, c->field->type, txt, c->field->name, &r->part_vals[i], err)))
        goto fail;
    } else if (c->kind == SC_DATA) {
      int k = delta_find_child(ar, fsch, c->field, s->cm_mode);
      if (k >= 0) {
        r->map[i] = (int)np;
        proj[np++] = (uint32_t)k;
      }
    }
  }
  r->ct_col = -1;
  if (with_change_type) {
    int k = type_field_index(fsch, "_change_type");
    if (k < 0) {
      rc = LAGO_ERR(err, LAGO_CORRUPT, "change data file %s has no _change_type column", full);
      goto fail;
    }
    r->ct_col = (int)np;
    proj[np++] = (uint32_t)k;
  }
  r->n_proj = np;
  if (np == 0) {
    int64_t nr = h->pq->num_rows(r->pf);
    r->rows_left = nr > 0 ? (uint64_t)nr : 0; /* only partition/metadata columns */
  } else {
    pq_read_opts o;
    memset(&o, 0, sizeof o);
    o.columns = proj;
    o.n_columns = np;
    o.keep_dictionary = sc->keep_dictionary;
    if ((rc = h->pq->reader_open(r->pf, &o, &r->rd, err))) goto fail;
  }
  *out = r;
  return LAGO_OK;
fail:
  delta_file_reader_close(r);
  return rc;
}

int delta_file_reader_open(delta_scan *sc, size_t i, delta_file_reader **out, lago_err *err) {
  if (i >= sc->n_files) return LAGO_ERR(err, LAGO_MISUSE, "scan file %zu out of range (%zu files)", i, sc->n_files);
  return delta_file_reader_open_ex(sc, sc->files[i], NULL, false, out, err);
}

void delta_file_reader_close(delta_file_reader *r) {
  if (!r) return;
  const tbl_parquet_vtab *pq = r->sc->s->t->h->pq;
  if (r->rd) pq->reader_close(r->rd);
  if (r->pf) pq->close(r->pf);
  arena_free(r->bar);
  arena_free(r->ar);
}

static bool in_set(const scan_rows *rs, uint64_t row, uint64_t *pos) {
  if (rs->bits.words) return dv_bits_has(&rs->bits, row);
  while (*pos < rs->set.n && rs->set.rows[*pos] < row) (*pos)++;
  return *pos < rs->set.n && rs->set.rows[*pos] == row;
}

int delta_file_reader_next_ex(delta_file_reader *r, batch **out, vec **change_type, lago_err *err) {
  *out = NULL;
  if (change_type) *change_type = NULL;
  delta_scan *sc = r->sc;
  const tbl_parquet_vtab *pq = sc->s->t->h->pq;
  for (;;) {
    batch *in = NULL;
    uint32_t n;
    if (r->rd) {
      TRY(pq->reader_next(r->rd, &in, NULL, err));
      if (!in || !in->n_rows) return LAGO_OK;
      if (in->sel) return LAGO_ERR(err, LAGO_INTERNAL, "parquet reader returned a selection vector");
      n = in->n_rows;
    } else {
      if (!r->rows_left) return LAGO_OK;
      n = r->rows_left > LAGO_VECTOR_SIZE ? LAGO_VECTOR_SIZE : (uint32_t)r->rows_left;
      r->rows_left -= n;
    }
    uint64_t base = r->next_row;
    r->next_row += n;
    arena_reset(r->bar);
    uint32_t *sel = NULL, kept = n;
    if (r->rows.mode != SR_ALL) {
      sel = arena_alloc(r->bar, n * sizeof *sel);
      if (!sel) return LAGO_NOMEM_ERR(err);
      kept = 0;
      for (uint32_t i = 0; i < n; i++) {
        bool hit = in_set(&r->rows, base + i, &r->set_pos);
        if (hit == (r->rows.mode == SR_KEEP)) sel[kept++] = i;
      }
      if (kept == n) sel = NULL;
    }
    if (kept == 0) continue; /* every row of this batch is deleted */
    batch *b = arena_zalloc(r->bar, sizeof *b);
    if (!b) return LAGO_NOMEM_ERR(err);
    b->ar = r->bar;
    b->n_cols = sc->n_cols;
    b->cols = arena_zalloc(r->bar, (sc->n_cols ? sc->n_cols : 1) * sizeof *b->cols);
    if (!b->cols) return LAGO_NOMEM_ERR(err);
    for (uint32_t i = 0; i < sc->n_cols; i++) {
      scan_col *c = &sc->cols[i];
      vec *v = NULL;
      switch (c->kind) {
      case SC_DATA:
        if (r->map[i] < 0) {
          v = vec_new_const_null(r->bar, c->field->type, n);
          if (!v) return LAGO_NOMEM_ERR(err);
        } else {
          TRY(delta_conform(r->bar, &in->cols[r->map[i]], c->field->type, sc->s->cm_mode, c->field->name, &v, err));
        }
        break;
      case SC_PARTITION:
        v = arena_alloc(r->bar, sizeof *v);
        if (!v) return LAGO_NOMEM_ERR(err);
        *v = *r->part_vals[i];
        v->kind = VEC_CONST;
        v->len = n;
        break;
      case SC_FILE_PATH:
        v = vec_new(r->bar, type_make(LT_STRING), 1);
        if (!v || vec_set_str(v, 0, r->f->path, (uint32_t)strlen(r->f->path)) || vec_make_const(v, n))
          return LAGO_NOMEM_ERR(err);
        break;
      case SC_ROW_INDEX:
        v = vec_new(r->bar, type_make(LT_BIGINT), n);
        if (!v) return LAGO_NOMEM_ERR(err);
        for (uint32_t k = 0; k < n; k++) VEC_DATA(v, int64_t)[k] = (int64_t)(base + k);
        v->len = n;
        break;
      }
      b->cols[i] = *v;
    }
    if (change_type && r->ct_col >= 0) *change_type = &in->cols[r->ct_col];
    b->sel = sel;
    b->n_rows = kept;
    *out = b;
    return LAGO_OK;
  }
}

int delta_file_reader_next(delta_file_reader *r, batch **out, lago_err *err) {
  return delta_file_reader_next_ex(r, out, NULL, err);
}

struct delta_scan_iter {
  delta_scan *sc;
  size_t next_file;
  delta_file_reader *cur;
};

int delta_scan_iter_open(delta_scan *sc, delta_scan_iter **out, lago_err *err) {
  delta_scan_iter *it = mem_calloc(1, sizeof *it);
  if (!it) return LAGO_NOMEM_ERR(err);
  it->sc = sc;
  *out = it;
  return LAGO_OK;
}

int delta_scan_iter_next(delta_scan_iter *it, batch **out, lago_err *err) {
  *out = NULL;
  for (;;) {
    if (!it->cur) {
      if (it->next_file >= it->sc->n_files) return LAGO_OK;
      TRY(delta_file_reader_open(it->sc, it->next_file++, &it->cur, err));
    }
    batch *b;
    TRY(delta_file_reader_next(it->cur, &b, err));
    if (b) {
      *out = b;
      return LAGO_OK;
    }
    delta_file_reader_close(it->cur);
    it->cur = NULL;
  }
}

void delta_scan_iter_close(delta_scan_iter *it) {
  if (!it) return;
  delta_file_reader_close(it->cur);
  mem_free(it);
}
