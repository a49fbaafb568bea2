/*
** tests/fuzz/fuzz_stream_ckpt.c: the stream checkpoint's documents
** (stream/ckpt.c) on arbitrary bytes. The first byte picks the parser
** (0: metadata, 1: file list, 2: schema version, else all three on the
** rest). Each must return OK, CORRUPT, UNSUPPORTED or NOMEM; every path it
** hands out must be a safe relative path; a document that parses must write
** back and parse again to the same content.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stream/ckpt.h"

static void check_rc(int rc) {
  if (rc != LAGO_OK && rc != LAGO_CORRUPT && rc != LAGO_UNSUPPORTED && rc != LAGO_NOMEM) abort();
}

typedef struct files {
  buf out;      /* the entries written back */
  int n;
  bool with_batch;
} files;

static int on_file(void *ud, const ckpt_file *f, lago_err *err) {
  (void)err;
  files *c = ud;
  if (!ckpt_path_ok(f->path, strlen(f->path))) abort();
  if (ckpt_list_write_file(f, c->with_batch, &c->out)) return LAGO_NOMEM;
  c->n++;
  return LAGO_OK;
}

static void fuzz_meta(const char *text, size_t n) {
  arena *ar = arena_new("fuzz", 4096);
  ckpt_meta m;
  lago_err e;
  lago_err_clear(&e);
  int rc = ckpt_meta_parse(ar, text, n, "metadata", &m, &e);
  check_rc(rc);
  if (rc == LAGO_OK) {
    buf b;
    buf_init(&b);
    if (ckpt_meta_write(&m, &b) == LAGO_OK) {
      ckpt_meta m2;
      if (ckpt_meta_parse(ar, b.data, b.len, "metadata", &m2, &e) != LAGO_OK) abort();
      if (strcmp(m.stream_id, m2.stream_id) || strcmp(m.source, m2.source) || strcmp(m.format, m2.format) ||
          strcmp(m.table, m2.table) || (!m.table_id) != (!m2.table_id) ||
          (m.table_id && strcmp(m.table_id, m2.table_id)) || m.created_ms != m2.created_ms ||
          m.skip_before_ns != m2.skip_before_ns)
        abort();
    }
    buf_deinit(&b);
  }
  arena_free(ar);
}

static void fuzz_list(const char *text, size_t n) {
  ckpt_list_hdr h;
  lago_err e;
  lago_err_clear(&e);
  files c;
  memset(&c, 0, sizeof c);
  buf_init(&c.out);
  c.with_batch = true;
  int rc = ckpt_list_parse(text, n, "offsets/00000000000000000001", &h, on_file, &c, &e);
  check_rc(rc);
  if (rc == LAGO_OK) {
    if (c.n != h.n_files) abort();
    /* header + the entries as written back: parses to the same entries */
    buf doc;
    buf_init(&doc);
    if (ckpt_list_write_hdr(&h, &doc) == LAGO_OK && buf_append(&doc, c.out.data ? c.out.data : "", c.out.len) == LAGO_OK) {
      files c2;
      memset(&c2, 0, sizeof c2);
      buf_init(&c2.out);
      c2.with_batch = true;
      ckpt_list_hdr h2;
      if (ckpt_list_parse(doc.data, doc.len, "again", &h2, on_file, &c2, &e) != LAGO_OK) abort();
      if (h2.n_files != h.n_files || h2.kind != h.kind || h2.batch != h.batch || c2.out.len != c.out.len ||
          (c.out.len && memcmp(c2.out.data, c.out.data, c.out.len)))
        abort();
      buf_deinit(&c2.out);
    }
    buf_deinit(&doc);
  }
  buf_deinit(&c.out);
}

static void fuzz_schema(const char *text, size_t n) {
  arena *ar = arena_new("fuzz", 4096);
  lago_err e;
  lago_err_clear(&e);
  int64_t v, b;
  lago_type t;
  int rc = ckpt_schema_parse(ar, text, n, "_schemas/0", &v, &b, &t, &e);
  check_rc(rc);
  if (rc == LAGO_OK) {
    buf out;
    buf_init(&out);
    lago_err e2;
    lago_err_clear(&e2);
    int wrc = ckpt_schema_write(v, b, t, &out, &e2);
    if (wrc == LAGO_OK) {
      int64_t v2, b2;
      lago_type t2;
      if (ckpt_schema_parse(ar, out.data, out.len, "again", &v2, &b2, &t2, &e2) != LAGO_OK || v2 != v || b2 != b ||
          !type_equal(t, t2))
        abort();
    } else if (wrc != LAGO_UNSUPPORTED && wrc != LAGO_NOMEM) {
      abort(); /* only types Delta cannot name may fail to write back */
    }
    buf_deinit(&out);
  }
  arena_free(ar);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > (1 << 16)) return 0;
  const char *text = (const char *)data + 1;
  size_t n = size - 1;
  switch (data[0]) {
  case 0: fuzz_meta(text, n); break;
  case 1: fuzz_list(text, n); break;
  case 2: fuzz_schema(text, n); break;
  default:
    fuzz_meta(text, n);
    fuzz_list(text, n);
    fuzz_schema(text, n);
  }
  return 0;
}
