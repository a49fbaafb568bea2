/*
** format/parquet/column_read.c: reads one column chunk (a leaf of one row
** group) batch by batch, straight into vector buffers. Used by reader.c;
** pages come from page_read.c.
**
** Flat leaves (top-level, not repeated; max_def 0 or 1): each level is one
** row. Per step (at most one page's worth of rows) the definition levels
** are decoded into a byte array, the k non-null values are decoded densely
** to the front of the step's slots in the output vector, and then spread
** backwards over the null slots (pq_spread), so values are written once.
**
** Nested leaves: levels are decoded into a window ahead of consumption; a
** row ends where the next level has repetition level 0, which may sit on
** the next page, so rows continue across pages. Every level is checked
** (range, a first repetition level of 0, repetitions that continue only
** non-empty lists) before assemble.c trusts it.
*/
#include <stdio.h>
#include <string.h>

#include "format/parquet/pq_read_int.h"
#include "util/alloc.h"

#define CODE_CHUNK 1024

int pq_lr_init(pq_leaf_reader *lr, const pq_leaf *leaf, const pq_column_meta *cm, const uint8_t *chunk, size_t len,
               arena *rg_ar, const char *what, bool verify_crc, lago_err *err) {
  memset(lr, 0, sizeof *lr);
  lr->leaf = leaf;
  lr->cm = cm;
  lr->what = what;
  lr->rg_ar = rg_ar;
  lr->verify_crc = verify_crc;
  lr->chunk = chunk;
  lr->chunk_len = len;
  snprintf(lr->page_what, sizeof lr->page_what, "%s", what);
  lr->codes = mem_alloc(CODE_CHUNK * sizeof(uint32_t));
  if (!lr->codes) return LAGO_NOMEM_ERR(err);
  if (leaf->max_rep || leaf->path_len > 1) {
    lr->win_def = mem_alloc(PQ_LEVEL_WINDOW);
    lr->win_rep = mem_alloc(PQ_LEVEL_WINDOW);
    if (!lr->win_def || !lr->win_rep) return LAGO_NOMEM_ERR(err);
  }
  return LAGO_OK;
}

struct pq_pagebuf pq_lr_recycle(pq_leaf_reader *lr) {
  struct pq_pagebuf best = lr->spare;
  lr->spare.p = NULL;
  lr->spare.cap = 0;
  for (uint32_t i = 0; i < lr->n_bufs; i++) {
    if (lr->bufs[i].cap > best.cap) {
      mem_free(best.p);
      best = lr->bufs[i];
    } else {
      mem_free(lr->bufs[i].p);
    }
  }
  lr->n_bufs = 0;
  pq_lr_deinit(lr);
  return best;
}

void pq_lr_deinit(pq_leaf_reader *lr) {
  for (uint32_t i = 0; i < lr->n_bufs; i++) mem_free(lr->bufs[i].p);
  mem_free(lr->bufs);
  mem_free(lr->spare.p);
  pq_dba_deinit(&lr->vd.dba);
  mem_free(lr->defs);
  mem_free(lr->scratch);
  mem_free(lr->codes);
  mem_free(lr->win_def);
  mem_free(lr->win_rep);
  mem_free(lr->lv.def);
  mem_free(lr->lv.rep);
  memset(lr, 0, sizeof *lr);
}

void pq_lr_batch_begin(pq_leaf_reader *lr) {
  uint32_t keep = 0;
  for (uint32_t i = 0; i < lr->n_bufs; i++) {
    struct pq_pagebuf b = lr->bufs[i];
    if (b.p == lr->cur_buf && lr->in_page) {
      lr->bufs[keep++] = b;
    } else if (b.cap > lr->spare.cap) { /* keep the largest retired buffer for the next page */
      mem_free(lr->spare.p);
      lr->spare = b;
    } else {
      mem_free(b.p);
    }
  }
  lr->n_bufs = keep;
  if (!keep) lr->cur_buf = NULL;
}

static int get_levels(pq_leaf_reader *lr, bool def, uint8_t *out, uint32_t n, lago_err *err) {
  unsigned max = def ? lr->leaf->max_def : lr->leaf->max_rep;
  if (!max) {
    memset(out, 0, n);
    return LAGO_OK;
  }
  if (def ? lr->def_is_bp : lr->rep_is_bp)
    return pq_bitpacked_get8(def ? &lr->def_bp : &lr->rep_bp, out, n, lr->page_what, err);
  return pq_rle_get8(def ? &lr->def_rle : &lr->rep_rle, out, n, lr->page_what, err);
}

/* Moves to a page with levels left; false in *eof when the chunk has none. */
static int ensure_page(pq_leaf_reader *lr, bool *eof, lago_err *err) {
  *eof = false;
  while (!lr->in_page || lr->page_left == 0) {
    TRY(pq_page_next(lr, err));
    if (!lr->in_page) {
      *eof = true;
      return LAGO_OK;
    }
  }
  return LAGO_OK;
}

/* Spreads n_dense values at the front of dst (w bytes each) over n slots, slot i taking a value where valid(i). */
#define SPREAD_LOOP(T, VALID)                     \
  do {                                            \
    T *d = (T *)dst;                              \
    int64_t j = (int64_t)n_dense - 1;             \
    for (int64_t i = (int64_t)n - 1; i >= 0; i--) { \
      if (VALID) d[i] = d[j--];                   \
      else memset(&d[i], 0, sizeof(T));           \
    }                                             \
  } while (0)

typedef struct { uint8_t b[16]; } bytes16;

static void spread(void *dst, size_t w, const uint8_t *lv, uint8_t want, uint32_t n, uint32_t n_dense) {
  switch (w) {
    case 1: SPREAD_LOOP(uint8_t, lv[i] == want); break;
    case 2: SPREAD_LOOP(uint16_t, lv[i] == want); break;
    case 4: SPREAD_LOOP(uint32_t, lv[i] == want); break;
    case 8: SPREAD_LOOP(uint64_t, lv[i] == want); break;
    case 16: SPREAD_LOOP(bytes16, lv[i] == want); break;
    default: {
      uint8_t *d = dst;
      int64_t j = (int64_t)n_dense - 1;
      for (int64_t i = (int64_t)n - 1; i >= 0; i--) {
        if (lv[i] == want) memmove(d + (size_t)i * w, d + (size_t)j-- * w, w);
        else memset(d + (size_t)i * w, 0, w);
      }
    }
  }
}

void pq_spread(vec *v, const uint8_t *valid, uint32_t n, uint32_t n_dense) {
  spread(v->data, type_width(v->type), valid, 1, n, n_dense);
}

int pq_lr_read_flat(pq_leaf_reader *lr, vec *out, uint32_t n, bool want_dict, arena *batch_ar, lago_err *err) {
  const pq_leaf *lf = lr->leaf;
  size_t w = type_width(lf->type);
  bool dict_mode = false, decided = false;
  if (lf->max_def && lr->defs_cap < n) {
    uint8_t *d = mem_realloc(lr->defs, n);
    if (!d) return LAGO_NOMEM_ERR(err);
    lr->defs = d;
    lr->defs_cap = n;
  }
  uint32_t done = 0;
  while (done < n) {
    bool eof;
    TRY(ensure_page(lr, &eof, err));
    if (eof)
      return LAGO_ERR(err, LAGO_CORRUPT, "%s: column chunk ends after %llu rows; the row group has more",
                      lr->what, (unsigned long long)(lr->rows_read + done));
    if (!decided) {
      decided = true;
      if (want_dict && lr->vd.dict) {
        TRY(vec_make_dict(out, lr->dict, n) ? LAGO_NOMEM_ERR(err) : LAGO_OK);
        dict_mode = true;
      }
    } else if (dict_mode && !lr->vd.dict) {
      /* The chunk fell back from dictionary to plain pages mid-batch. */
      out->len = done;
      if (vec_flatten(out) || vec_reserve(out, n)) return LAGO_NOMEM_ERR(err);
      dict_mode = false;
    }
    uint32_t m = n - done < lr->page_left ? n - done : lr->page_left;
    uint32_t nn = m;
    bool all_valid = lf->max_def && !lr->def_is_bp && pq_rle_skip_run(&lr->def_rle, m, lf->max_def);
    if (lf->max_def && !all_valid) {
      TRY(get_levels(lr, true, lr->defs, m, err));
      uint8_t md = lf->max_def, bad = 0;
      nn = 0;
      for (uint32_t i = 0; i < m; i++) {
        nn += lr->defs[i] == md;
        bad |= lr->defs[i] > md;
      }
      if (bad) return LAGO_ERR(err, LAGO_CORRUPT, "%s: definition level above %u", lr->page_what, md);
    }
    size_t ew = dict_mode ? sizeof(uint32_t) : w;
    if (!dict_mode && done == 0 && m == n && nn == m && lr->vd.enc == PQE_PLAIN && lf->conv == PQV_NONE &&
        (lf->phys == PQT_INT32 || lf->phys == PQT_INT64 || lf->phys == PQT_FLOAT || lf->phys == PQT_DOUBLE) &&
        (uintptr_t)lr->vd.p % w == 0 && (size_t)(lr->vd.end - lr->vd.p) >= (size_t)n * w) {
      /*
      ** Zero copy: the whole batch is one aligned run of PLAIN values with
      ** no nulls, so the vector points into the page buffer, which lives
      ** until the next batch (pq_lr_batch_begin keeps the current page's).
      ** A later vec_reserve copies it into the arena (it is not the arena's
      ** last allocation), so the vector stays usable.
      */
      out->data = (void *)(uintptr_t)lr->vd.p;
      lr->vd.p += (size_t)n * w;
      done = n;
      lr->page_left -= m;
      break;
    }
    uint8_t *dst = (uint8_t *)out->data + (size_t)done * ew;
    TRY(pq_vdec_get(lr, dict_mode ? NULL : dst, dict_mode ? (uint32_t *)dst : NULL, nn, batch_ar, err));
    if (nn < m) {
      spread(dst, ew, lr->defs, lf->max_def, m, nn);
      if (!out->validity && vec_ensure_validity(out)) return LAGO_NOMEM_ERR(err);
      for (uint32_t i = 0; i < m; i++)
        if (lr->defs[i] != lf->max_def) bitmap_clear(out->validity, done + i);
    }
    done += m;
    lr->page_left -= m;
  }
  out->len = n;
  lr->rows_read += n;
  return LAGO_OK;
}

static int lv_grow(pq_leaf_reader *lr, uint32_t need, lago_err *err) {
  pq_levels *lv = &lr->lv;
  if (need <= lv->cap) return LAGO_OK;
  if (need > PQ_MAX_BATCH_LEVELS)
    return LAGO_ERR(err, LAGO_UNSUPPORTED,
                    "%s: more than %u values in one batch of rows (read with fewer rows per batch)", lr->what,
                    PQ_MAX_BATCH_LEVELS);
  uint32_t cap = lv->cap ? lv->cap : 4096;
  while (cap < need) cap *= 2;
  uint8_t *d = mem_realloc(lv->def, cap);
  if (!d) return LAGO_NOMEM_ERR(err);
  lv->def = d;
  uint8_t *r = mem_realloc(lv->rep, cap);
  if (!r) return LAGO_NOMEM_ERR(err);
  lv->rep = r;
  lv->cap = cap;
  return LAGO_OK;
}

int pq_lr_read_rows(pq_leaf_reader *lr, vec *out, uint32_t n, arena *batch_ar, lago_err *err) {
  const pq_leaf *lf = lr->leaf;
  pq_levels *lv = &lr->lv;
  size_t w = type_width(lf->type);
  lv->n_levels = 0;
  lv->n_values = 0;
  uint32_t rows = 0;
  for (;;) {
    if (lr->win_pos == lr->win_len) {
      bool eof;
      TRY(ensure_page(lr, &eof, err));
      if (eof) break;
      uint32_t k = lr->page_left < PQ_LEVEL_WINDOW ? lr->page_left : PQ_LEVEL_WINDOW;
      TRY(get_levels(lr, false, lr->win_rep, k, err));
      TRY(get_levels(lr, true, lr->win_def, k, err));
      lr->page_left -= k;
      lr->win_pos = 0;
      lr->win_len = k;
    }
    uint32_t i = lr->win_pos, nvals = 0;
    bool boundary = false;
    uint8_t md = lf->max_def, mr = lf->max_rep, prev = lr->prev_def;
    TRY(lv_grow(lr, lv->n_levels + (lr->win_len - i), err));
    for (; i < lr->win_len; i++) {
      uint8_t r = lr->win_rep[i], d = lr->win_def[i];
      if (r == 0) {
        if (rows == n) {
          boundary = true;
          break;
        }
        rows++;
      }
      if (d > md || r > mr)
        return LAGO_ERR(err, LAGO_CORRUPT, "%s: level out of range (def %u of %u, rep %u of %u)", lr->page_what, d,
                        md, r, mr);
      if (r && (!lr->started || d < lf->rep_def[r] || prev < lf->rep_def[r]))
        return LAGO_ERR(err, LAGO_CORRUPT, "%s: repetition level %u continues a list that does not exist%s",
                        lr->page_what, r, lr->started ? "" : " (the column chunk starts with it)");
      lv->def[lv->n_levels] = d;
      lv->rep[lv->n_levels] = r;
      lv->n_levels++;
      nvals += d == md;
      prev = d;
      lr->started = true;
    }
    lr->prev_def = prev;
    lr->win_pos = i;
    if (nvals) {
      uint32_t need = lv->n_values + nvals;
      if (need > out->cap && vec_reserve(out, need)) return LAGO_NOMEM_ERR(err);
      TRY(pq_vdec_get(lr, (uint8_t *)out->data + (size_t)lv->n_values * w, NULL, nvals, batch_ar, err));
      lv->n_values = need;
    }
    if (boundary) break;
  }
  if (rows < n)
    return LAGO_ERR(err, LAGO_CORRUPT, "%s: column chunk ends after %llu rows; the row group has more", lr->what,
                    (unsigned long long)(lr->rows_read + rows));
  lr->rows_read += n;
  return LAGO_OK;
}
