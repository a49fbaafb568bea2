/*
** vec/arrow_stream.c: ArrowArrayStream producer over a batch pull callback
** (what lago_result_arrow wraps around a query), and the consumer side that
** reads a stream from elsewhere into batches (see arrow.h).
**
** Producer state lives on the heap (stream private_data) with its own arena
** for the copied column description. Each get_next pulls one non-empty
** batch and exports it with arrow_export_batch_ex: zero-copy when the pull
** callback hands over the batch's arena as `keep`, copied otherwise. Arrays
** and schemas handed out own their memory, so they outlive the stream.
*/
#include <errno.h>
#include <string.h>

#include "util/alloc.h"
#include "vec/arrow_int.h"

typedef struct stream_priv {
  arena *ar;          /* names and types (copies) */
  uint32_t n_cols;
  const char **names; /* n_cols, in ar */
  lago_type *types;   /* n_cols, in ar */
  bool *nullable;     /* n_cols, in ar */
  unsigned flags;
  arrow_pull_fn pull;
  void *ud;
  void (*ud_free)(void *);
  int failed;         /* errno returned by every call after a failure, else 0 */
  bool done;          /* the pull callback reported the end */
  lago_err err;       /* last error: get_last_error's text */
} stream_priv;

static int to_errno(int rc) {
  switch (rc) {
    case LAGO_NOMEM: return ENOMEM;
    case LAGO_MISUSE: return EINVAL;
    case LAGO_UNSUPPORTED: return ENOSYS;
    default: return EIO;
  }
}

static int stream_get_schema(struct ArrowArrayStream *st, struct ArrowSchema *out) {
  stream_priv *p = st->private_data;
  lago_err_clear(&p->err);
  int rc = arrow_export_batch_schema(p->n_cols, p->names, p->types, p->nullable, p->flags, out);
  if (rc) {
    LAGO_ERR(&p->err, rc, "arrow stream: cannot export the schema (%s)", lago_rc_name(rc));
    return to_errno(rc);
  }
  return 0;
}

static int stream_fail(stream_priv *p, int rc) {
  if (!p->err.rc) LAGO_ERR(&p->err, rc, "arrow stream: %s", lago_rc_name(rc));
  p->failed = to_errno(rc);
  return p->failed;
}

static void keep_drop(arrow_keep *k) {
  if (k->free) k->free(k->ptr);
  k->free = NULL;
}

static int stream_get_next(struct ArrowArrayStream *st, struct ArrowArray *out) {
  stream_priv *p = st->private_data;
  memset(out, 0, sizeof *out); /* release == NULL: end of stream unless filled below */
  if (p->failed) return p->failed;
  lago_err_clear(&p->err);
  while (!p->done) {
    const batch *b = NULL;
    arrow_keep keep = {NULL, NULL};
    int rc = p->pull(p->ud, &b, &keep, &p->err);
    if (rc) {
      keep_drop(&keep);
      return stream_fail(p, rc);
    }
    if (!b) {
      keep_drop(&keep);
      p->done = true;
      break;
    }
    if (b->n_cols != p->n_cols) {
      keep_drop(&keep);
      LAGO_ERR(&p->err, LAGO_INTERNAL, "arrow stream: batch has %u columns, the stream %u", b->n_cols, p->n_cols);
      return stream_fail(p, LAGO_INTERNAL);
    }
    for (uint32_t c = 0; c < b->n_cols; c++) {
      if (!type_equal(b->cols[c].type, p->types[c])) {
        keep_drop(&keep);
        LAGO_ERR(&p->err, LAGO_INTERNAL, "arrow stream: column %u (%s) of a batch is not of the stream's type", c,
                 p->names[c]);
        return stream_fail(p, LAGO_INTERNAL);
      }
    }
    if (b->n_rows == 0) {
      keep_drop(&keep);
      continue;
    }
    rc = arrow_export_batch_ex(b, p->flags, keep, out, &p->err);
    if (rc) { /* on failure the keep is still ours */
      keep_drop(&keep);
      return stream_fail(p, rc);
    }
    return 0;
  }
  return 0;
}

static const char *stream_last_error(struct ArrowArrayStream *st) {
  stream_priv *p = st->private_data;
  return p->err.rc ? p->err.msg : NULL;
}

static void stream_release(struct ArrowArrayStream *st) {
  if (!st || !st->release) return;
  stream_priv *p = st->private_data;
  if (p->ud_free) p->ud_free(p->ud);
  arena_free(p->ar);
  mem_free(p);
  st->release = NULL;
  st->private_data = NULL;
}

int arrow_stream_make(struct ArrowArrayStream *out, uint32_t n_cols, const char *const *names, const lago_type *types,
                      const bool *nullable, unsigned flags, arrow_pull_fn pull, void *ud, void (*ud_free)(void *),
                      lago_err *err) {
  memset(out, 0, sizeof *out);
  if (!pull || (n_cols && (!names || !types)))
    return LAGO_ERR(err, LAGO_MISUSE, "arrow_stream_make: missing pull callback or column description");
  stream_priv *p = mem_alloc(sizeof *p);
  if (!p) return LAGO_NOMEM_ERR(err);
  memset(p, 0, sizeof *p);
  lago_err_clear(&p->err);
  p->ar = arena_new("arrow-stream", 1024);
  if (!p->ar) goto nomem;
  size_t nc = n_cols ? n_cols : 1;
  p->names = arena_alloc(p->ar, nc * sizeof *p->names);
  p->types = arena_alloc(p->ar, nc * sizeof *p->types);
  p->nullable = arena_alloc(p->ar, nc * sizeof *p->nullable);
  if (!p->names || !p->types || !p->nullable) goto nomem;
  for (uint32_t c = 0; c < n_cols; c++) {
    if (!(p->names[c] = arena_strdup(p->ar, names[c] ? names[c] : ""))) goto nomem;
    if (type_copy(p->ar, types[c], &p->types[c])) goto nomem;
    p->nullable[c] = nullable ? nullable[c] : true;
  }
  p->n_cols = n_cols;
  p->flags = flags;
  p->pull = pull;
  p->ud = ud;
  p->ud_free = ud_free;
  out->get_schema = stream_get_schema;
  out->get_next = stream_get_next;
  out->get_last_error = stream_last_error;
  out->release = stream_release;
  out->private_data = p;
  return LAGO_OK;
nomem:
  arena_free(p->ar);
  mem_free(p);
  return LAGO_NOMEM_ERR(err);
}

/* ---- consumer ------------------------------------------------------------------ */

static int stream_error(arrow_reader *r, int e, const char *what, lago_err *err) {
  const char *msg = r->stream.get_last_error ? r->stream.get_last_error(&r->stream) : NULL;
  if (e == ENOMEM) return LAGO_NOMEM_ERR(err);
  return LAGO_ERR(err, LAGO_IO, "arrow stream: %s failed (%s): %s", what, strerror(e), msg ? msg : "no message");
}

void arrow_reader_close(arrow_reader *r) {
  if (r->schema.release) r->schema.release(&r->schema);
  if (r->stream.release) r->stream.release(&r->stream);
  memset(r, 0, sizeof *r);
}

int arrow_reader_open(arrow_reader *r, struct ArrowArrayStream *s, arena *ar, lago_err *err) {
  memset(r, 0, sizeof *r);
  if (!s || !s->release) return LAGO_ERR(err, LAGO_MISUSE, "arrow reader: no stream, or a released one");
  r->stream = *s;
  s->release = NULL; /* moved */
  int rc;
  int e = r->stream.get_schema(&r->stream, &r->schema);
  if (e) {
    rc = stream_error(r, e, "get_schema", err);
  } else if (!r->schema.release) {
    rc = LAGO_ERR(err, LAGO_CORRUPT, "arrow reader: get_schema returned a released schema");
  } else if (!r->schema.format || strcmp(r->schema.format, "+s") != 0) {
    rc = LAGO_ERR(err, LAGO_CORRUPT, "arrow reader: stream schema must be a struct (+s), not '%.32s'",
                  r->schema.format ? r->schema.format : "(null)");
  } else {
    rc = arrow_import_schema(&r->schema, ar, &r->type, NULL, err);
  }
  if (rc) arrow_reader_close(r);
  return rc;
}

int arrow_reader_next(arrow_reader *r, arena *ar, batch **out, lago_err *err) {
  *out = NULL;
  if (!r->stream.release) return LAGO_ERR(err, LAGO_MISUSE, "arrow reader: closed");
  for (;;) {
    struct ArrowArray a;
    memset(&a, 0, sizeof a);
    int e = r->stream.get_next(&r->stream, &a);
    if (e) return stream_error(r, e, "get_next", err);
    if (!a.release) return LAGO_OK; /* end of stream */
    batch *b;
    TRY(arrow_import_batch(&r->schema, &a, ar, &b, err));
    if (b->n_rows) {
      *out = b;
      return LAGO_OK;
    }
  }
}

int arrow_stream_drain(struct ArrowArrayStream *s, arena *ar, arrow_table *out, lago_err *err) {
  memset(out, 0, sizeof *out);
  arrow_reader r;
  TRY(arrow_reader_open(&r, s, ar, err));
  out->type = r.type;
  uint32_t cap = 0;
  int rc;
  for (;;) {
    batch *b;
    if ((rc = arrow_reader_next(&r, ar, &b, err)) || !b) break;
    if (out->n_batches == cap) {
      uint32_t ncap = cap ? cap * 2 : 8;
      batch **nb = arena_realloc(ar, out->batches, cap * sizeof *nb, ncap * sizeof *nb);
      if (!nb) {
        rc = LAGO_NOMEM_ERR(err);
        break;
      }
      out->batches = nb;
      cap = ncap;
    }
    out->batches[out->n_batches++] = b;
    out->n_rows += b->n_rows;
  }
  arrow_reader_close(&r);
  return rc;
}
