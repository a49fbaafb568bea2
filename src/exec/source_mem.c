/*
** exec/source_mem.c: the in-memory source (see source.h): batches appended by
** the caller, scanned in morsels of a few batches. Used by tests and by
** callers that already hold rows (VALUES of many rows, materialized CTEs).
*/
#include <string.h>

#include "exec/source.h"
#include "util/alloc.h"

struct memsource {
  exec_source def;      /* what plans point to */
  arena *ar;            /* everything below */
  lago_type *types;
  const char **names;
  batch **batches;      /* FLAT, compact, strings copied */
  uint32_t n_batches, cap;
  uint64_t rows;
  uint32_t batch_rows, morsel_batches;
};

typedef struct ms_slice {
  uint32_t batch, from, n; /* rows [from, from+n) of a stored batch */
} ms_slice;

typedef struct ms_inst {
  memsource *m;
  uint32_t *cols;
  uint32_t n_cols;
  ms_slice *slices;        /* the scan's batches (stored batches cut to batch_rows) */
  uint32_t n_slices;
} ms_inst;

typedef struct ms_cur {
  ms_inst *in;
  uint32_t next, end; /* slice range of the morsel */
  batch out;
  vec *cols;
  uint32_t *sel;
} ms_cur;

static int ms_open(const void *config, const source_scan_args *args, void **inst, lago_err *err) {
  memsource *m = (memsource *)config;
  ms_inst *in = mem_calloc(1, sizeof *in);
  if (!in) return LAGO_NOMEM_ERR(err);
  in->m = m;
  in->n_cols = args->n_cols;
  in->cols = mem_alloc((args->n_cols ? args->n_cols : 1) * sizeof(uint32_t));
  if (!in->cols) {
    mem_free(in);
    return LAGO_NOMEM_ERR(err);
  }
  memcpy(in->cols, args->cols, args->n_cols * sizeof(uint32_t));
  uint32_t br = m->batch_rows, count = 0;
  for (uint32_t b = 0; b < m->n_batches; b++) count += (m->batches[b]->n_rows + br - 1) / br;
  in->slices = mem_alloc((count ? count : 1) * sizeof(ms_slice));
  if (!in->slices) {
    mem_free(in->cols);
    mem_free(in);
    return LAGO_NOMEM_ERR(err);
  }
  for (uint32_t b = 0; b < m->n_batches; b++)
    for (uint32_t f = 0; f < m->batches[b]->n_rows; f += br) {
      uint32_t n = m->batches[b]->n_rows - f < br ? m->batches[b]->n_rows - f : br;
      in->slices[in->n_slices++] = (ms_slice){b, f, n};
    }
  *inst = in;
  return LAGO_OK;
}

static uint32_t ms_n_morsels(void *inst) {
  ms_inst *in = inst;
  uint32_t mb = in->m->morsel_batches;
  return (in->n_slices + mb - 1) / mb;
}

static int ms_cursor_open(void *inst, uint32_t morsel, void **cur, lago_err *err) {
  ms_inst *in = inst;
  ms_cur *c = mem_calloc(1, sizeof *c);
  if (!c) return LAGO_NOMEM_ERR(err);
  c->cols = mem_calloc(in->n_cols ? in->n_cols : 1, sizeof(vec));
  c->sel = mem_alloc(in->m->batch_rows * sizeof(uint32_t));
  if (!c->cols || !c->sel) {
    mem_free(c->cols);
    mem_free(c->sel);
    mem_free(c);
    return LAGO_NOMEM_ERR(err);
  }
  c->in = in;
  c->next = morsel * in->m->morsel_batches;
  c->end = c->next + in->m->morsel_batches;
  if (c->end > in->n_slices) c->end = in->n_slices;
  *cur = c;
  return LAGO_OK;
}

static int ms_cursor_next(void *cur, batch **out, lago_err *err) {
  (void)err;
  ms_cur *c = cur;
  memset(&c->out, 0, sizeof c->out);
  c->out.n_cols = c->in->n_cols;
  c->out.cols = c->cols;
  *out = &c->out;
  if (c->next >= c->end) return LAGO_OK;
  ms_slice sl = c->in->slices[c->next++];
  const batch *b = c->in->m->batches[sl.batch];
  for (uint32_t i = 0; i < c->in->n_cols; i++) c->cols[i] = b->cols[c->in->cols[i]];
  c->out.n_rows = sl.n;
  c->out.ar = b->ar;
  if (sl.from != 0 || sl.n != b->n_rows) {
    for (uint32_t i = 0; i < sl.n; i++) c->sel[i] = sl.from + i;
    c->out.sel = c->sel;
  }
  return LAGO_OK;
}

static void ms_cursor_close(void *cur) {
  ms_cur *c = cur;
  if (!c) return;
  mem_free(c->cols);
  mem_free(c->sel);
  mem_free(c);
}

static void ms_close(void *inst) {
  ms_inst *in = inst;
  if (!in) return;
  mem_free(in->cols);
  mem_free(in->slices);
  mem_free(in);
}

static int ms_explain(const void *config, const void *inst, buf *out) {
  (void)inst;
  const memsource *m = config;
  return buf_printf(out, "rows=%llu batch_rows=%u", (unsigned long long)m->rows, m->batch_rows);
}

static const exec_source_vtab k_memsource_vt = {
    "memory", ms_open, ms_n_morsels, ms_cursor_open, ms_cursor_next, ms_cursor_close, ms_close, ms_explain,
};

memsource *memsource_new(uint32_t n_cols, const lago_type *types, const char *const *names, const char *label) {
  memsource *m = mem_calloc(1, sizeof *m);
  if (!m) return NULL;
  m->ar = arena_new("memsource", 64 * 1024);
  if (!m->ar) goto fail;
  m->types = arena_alloc(m->ar, (n_cols ? n_cols : 1) * sizeof(lago_type));
  m->names = arena_zalloc(m->ar, (n_cols ? n_cols : 1) * sizeof(char *));
  if (!m->types || !m->names) goto fail;
  for (uint32_t i = 0; i < n_cols; i++) {
    if (type_copy(m->ar, types[i], &m->types[i])) goto fail;
    if (names && names[i] && !(m->names[i] = arena_strdup(m->ar, names[i]))) goto fail;
  }
  m->batch_rows = LAGO_VECTOR_SIZE;
  m->morsel_batches = 4;
  m->def.vt = &k_memsource_vt;
  m->def.config = m;
  m->def.n_cols = n_cols;
  m->def.types = m->types;
  m->def.names = m->names;
  if (label && !(m->def.label = arena_strdup(m->ar, label))) goto fail;
  return m;
fail:
  memsource_free(m);
  return NULL;
}

void memsource_free(memsource *m) {
  if (!m) return;
  arena_free(m->ar);
  mem_free(m->batches);
  mem_free(m);
}

void memsource_set_shape(memsource *m, uint32_t batch_rows, uint32_t morsel_batches) {
  if (batch_rows >= 1 && batch_rows <= LAGO_VECTOR_SIZE) m->batch_rows = batch_rows;
  if (morsel_batches >= 1) m->morsel_batches = morsel_batches;
}

uint64_t memsource_rows(const memsource *m) { return m->rows; }
uint32_t memsource_n_batches(const memsource *m) { return m->n_batches; }
const batch *memsource_batch(const memsource *m, uint32_t i) { return i < m->n_batches ? m->batches[i] : NULL; }
const exec_source *memsource_source(memsource *m) { return &m->def; }

int memsource_append(memsource *m, const batch *b) {
  uint32_t done = 0, n = b->n_rows;
  uint32_t *idx = mem_alloc(LAGO_VECTOR_SIZE * sizeof(uint32_t));
  if (!idx) return LAGO_NOMEM;
  int rc = LAGO_OK;
  while (done < n && rc == LAGO_OK) {
    uint32_t take = n - done < LAGO_VECTOR_SIZE ? n - done : LAGO_VECTOR_SIZE;
    for (uint32_t i = 0; i < take; i++) idx[i] = b->sel ? b->sel[done + i] : done + i;
    batch *nb = batch_new(m->ar, m->def.n_cols, m->types, take);
    if (!nb) {
      rc = LAGO_NOMEM;
      break;
    }
    for (uint32_t c = 0; c < m->def.n_cols && rc == LAGO_OK; c++) {
      rc = vec_gather(&nb->cols[c], 0, &b->cols[c], idx, take); /* copies string bytes into m->ar */
    }
    if (rc) break;
    batch_set_rows(nb, take);
    if (m->n_batches == m->cap) {
      uint32_t nc = m->cap ? m->cap * 2 : 16;
      batch **nbs = mem_realloc(m->batches, nc * sizeof(batch *));
      if (!nbs) {
        rc = LAGO_NOMEM;
        break;
      }
      m->batches = nbs;
      m->cap = nc;
    }
    m->batches[m->n_batches++] = nb;
    m->rows += take;
    done += take;
  }
  mem_free(idx);
  return rc;
}
