/*
** tests/fuzz/fuzz_text.h: what the text-reader fuzz targets (fuzz_csv.c,
** fuzz_jsonl.c) share: a lago_fs serving the input bytes as one file, and
** rows rendered as "line:values" text to compare two ways of reading.
** Header-only (each fuzz target is one file plus replay_main.c).
*/
#ifndef LAGO_TESTS_FUZZ_TEXT_H
#define LAGO_TESTS_FUZZ_TEXT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format/text/text.h"
#include "io/fs.h"
#include "vec/value_text.h"

/* ---- an in-memory lago_fs holding one file (any path) ------------------------------------- */

typedef struct memfs {
  lago_fs base;
  const uint8_t *data;
  size_t size;
} memfs;

static int m_open(lago_fs *fs, const char *path, lago_file **out, lago_err *err) {
  lago_file *f = calloc(1, sizeof *f);
  if (!f) return LAGO_NOMEM_ERR(err);
  f->fs = fs;
  f->path = path;
  f->size = ((memfs *)fs)->size;
  *out = f;
  return LAGO_OK;
}
static int m_read_at(lago_file *f, uint64_t off, void *dst, size_t n, lago_err *err) {
  memfs *m = (memfs *)f->fs;
  if (off > m->size || n > m->size - off) return LAGO_ERR(err, LAGO_CORRUPT, "read past the end");
  if (n) memcpy(dst, m->data + off, n);
  return LAGO_OK;
}
static void m_close(lago_file *f) { free(f); }
static int m_stat(lago_fs *fs, const char *path, fs_stat *out, lago_err *err) {
  (void)path;
  (void)err;
  memset(out, 0, sizeof *out);
  out->size = ((memfs *)fs)->size;
  return LAGO_OK;
}
static const lago_fs_vtab memfs_vt = {"mem", m_open, m_read_at, m_close, m_stat, NULL, NULL, NULL,
                                      NULL, NULL, NULL, NULL, NULL, NULL};

/* A memfs over data[0..size) (borrowed). */
static inline memfs memfs_make(const uint8_t *data, size_t size) {
  memfs m = {{&memfs_vt}, data, size};
  return m;
}

/* ---- rows as text ------------------------------------------------------------------------ */

/* Appends each row of b as "line:" and its values (canonical text), then '\n'. */
static inline void fz_render(buf *out, batch *b, const txt_batch_info *bi) {
  for (uint32_t i = 0; i < b->n_rows; i++) {
    buf_printf(out, "%llu:", (unsigned long long)bi->lines[i]);
    for (uint32_t c = 0; c < b->n_cols; c++) value_text_append(out, &b->cols[c], i);
    buf_putc(out, '\n');
  }
}

/* A reader's or scan's next(), over an opaque pointer. */
typedef int (*fz_next_fn)(void *src, batch **out, txt_batch_info *info, lago_err *err);

/* Renders every batch of src until the end or an error (returned). */
static inline int fz_drain(void *src, fz_next_fn next, buf *out, lago_err *err) {
  for (;;) {
    batch *b;
    txt_batch_info bi;
    int rc = next(src, &b, &bi, err);
    if (rc || !b->n_rows) return rc;
    fz_render(out, b, &bi);
  }
}

#endif /* LAGO_TESTS_FUZZ_TEXT_H */
