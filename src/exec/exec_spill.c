/*
** exec/exec_spill.c: spill files (format drawn in exec_int.h).
**
** Plain POSIX files in the context's tmp_dir, written through a 1 MiB buffer
** and read back sequentially. Spill files are private to one query and never
** outlive it: spill_close unlinks the file (operators close them on success,
** error and cancellation alike). Short reads or a bad record header mean the
** file was damaged underneath us: LAGO_IO with the path.
*/
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "exec/exec_int.h"
#include "exec/vecops.h"
#include "util/alloc.h"

#define SPILL_MAGIC 0x4253474cu /* "LGSB" little-endian */
#define SPILL_BUF (1u << 20)

struct spill_file {
  exec_ctx *cx;
  int fd;
  char path[512];
  uint32_t n_cols;
  lago_type *types;   /* heap copies (types are flat or borrowed nested) */
  buf wb;             /* write buffer / record payload */
  uint64_t rows;
  uint64_t bytes;
  bool reading;
  uint8_t *rbuf;      /* read buffer */
  size_t rlen, rpos;
};

static int io_err(spill_file *sf, lago_err *err, const char *what) {
  return LAGO_ERR(err, errno == ENOSPC ? LAGO_FULL : LAGO_IO, "spill file %s: %s: %s", sf->path, what, strerror(errno));
}

int spill_open(exec_ctx *cx, uint32_t n_cols, const lago_type *types, spill_file **out, lago_err *err) {
  *out = NULL;
  spill_file *sf = mem_calloc(1, sizeof *sf);
  if (!sf) return LAGO_NOMEM_ERR(err);
  sf->cx = cx;
  sf->fd = -1;
  sf->n_cols = n_cols;
  sf->types = mem_alloc((n_cols ? n_cols : 1) * sizeof(lago_type));
  if (!sf->types) {
    mem_free(sf);
    return LAGO_NOMEM_ERR(err);
  }
  memcpy(sf->types, types, n_cols * sizeof(lago_type));
  buf_init(&sf->wb);
  unsigned seq = atomic_fetch_add(&cx->spill_seq, 1);
  snprintf(sf->path, sizeof sf->path, "%s/lago-spill-%d-%p-%u", cx->tmp_dir, (int)getpid(), (void *)cx, seq);
  sf->fd = open(sf->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (sf->fd < 0) {
    int rc = io_err(sf, err, "create");
    mem_free(sf->types);
    mem_free(sf);
    return rc;
  }
  pthread_mutex_lock(&cx->mu);
  cx->stats.spill_files++;
  pthread_mutex_unlock(&cx->mu);
  *out = sf;
  return LAGO_OK;
}

void spill_close(spill_file *sf) {
  if (!sf) return;
  if (sf->fd >= 0) close(sf->fd);
  unlink(sf->path);
  buf_deinit(&sf->wb);
  mem_free(sf->rbuf);
  mem_free(sf->types);
  mem_free(sf);
}

uint64_t spill_rows(const spill_file *sf) { return sf->rows; }

static int flush(spill_file *sf, lago_err *err) {
  size_t off = 0;
  while (off < sf->wb.len) {
    ssize_t w = write(sf->fd, sf->wb.data + off, sf->wb.len - off);
    if (w < 0) {
      if (errno == EINTR) continue;
      return io_err(sf, err, "write");
    }
    off += (size_t)w;
  }
  sf->bytes += sf->wb.len;
  pthread_mutex_lock(&sf->cx->mu);
  sf->cx->stats.spill_bytes += sf->wb.len;
  pthread_mutex_unlock(&sf->cx->mu);
  buf_clear(&sf->wb);
  return LAGO_OK;
}

static int pad8(buf *b) {
  static const char z[8] = {0};
  size_t r = b->len & 7;
  return r ? buf_append(b, z, 8 - r) : LAGO_OK;
}

/* Serializes rows (a row index list into v, any kind) as one vector. */
static int put_vec(buf *b, const vec *v, const uint32_t *rows, uint32_t n) {
  bool nulls = false;
  for (uint32_t i = 0; i < n && !nulls; i++) nulls = !vec_is_valid(v, rows[i]);
  uint8_t hdr[8] = {nulls, 0, 0, 0, 0, 0, 0, 0};
  TRY(buf_append(b, hdr, 8));
  if (nulls) {
    size_t words = bitmap_words(n);
    TRY(buf_reserve(b, words * 8));
    uint64_t *bm = (uint64_t *)(void *)(b->data + b->len);
    memset(bm, 0, words * 8);
    for (uint32_t i = 0; i < n; i++)
      if (vec_is_valid(v, rows[i])) bitmap_set(bm, i);
    b->len += words * 8;
  }
  lago_type t = v->type;
  if (type_is_string_like(t)) {
    TRY(buf_reserve(b, (size_t)n * 4));
    uint32_t *lens = (uint32_t *)(void *)(b->data + b->len);
    size_t total = 0;
    for (uint32_t i = 0; i < n; i++) {
      uint32_t idx;
      const vec *p = vec_resolve(v, rows[i], &idx);
      lens[i] = vec_is_valid(v, rows[i]) ? VEC_DATA(p, lago_str)[idx].len : 0;
      total += lens[i];
    }
    b->len += (size_t)n * 4;
    TRY(pad8(b));
    TRY(buf_reserve(b, total));
    for (uint32_t i = 0; i < n; i++) {
      if (!vec_is_valid(v, rows[i])) continue;
      uint32_t idx;
      const vec *p = vec_resolve(v, rows[i], &idx);
      const lago_str *s = &VEC_DATA(p, lago_str)[idx];
      memcpy(b->data + b->len, str_data(s), s->len);
      b->len += s->len;
    }
    return pad8(b);
  }
  if (t.id == LT_STRUCT) {
    uint32_t *idxs = mem_alloc((n ? n : 1) * sizeof(uint32_t));
    if (!idxs) return LAGO_NOMEM;
    const vec *p = v;
    for (uint32_t i = 0; i < n; i++) p = vec_resolve(v, rows[i], &idxs[i]);
    int rc = LAGO_OK;
    for (uint32_t f = 0; f < type_n_fields(t) && rc == LAGO_OK; f++) rc = put_vec(b, p->fields[f], idxs, n);
    mem_free(idxs);
    return rc;
  }
  if (t.id == LT_ARRAY || t.id == LT_MAP) {
    TRY(buf_reserve(b, (size_t)n * 4));
    uint32_t *lens = (uint32_t *)(void *)(b->data + b->len);
    uint64_t total = 0;
    const vec *p = v;
    for (uint32_t i = 0; i < n; i++) {
      uint32_t idx;
      p = vec_resolve(v, rows[i], &idx);
      lens[i] = vec_is_valid(v, rows[i]) ? VEC_DATA(p, lago_list)[idx].length : 0;
      total += lens[i];
    }
    b->len += (size_t)n * 4;
    TRY(pad8(b));
    if (total > UINT32_MAX) return LAGO_NOMEM;
    uint32_t *crow = mem_alloc((total ? total : 1) * sizeof(uint32_t));
    if (!crow) return LAGO_NOMEM;
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
      if (!vec_is_valid(v, rows[i])) continue;
      uint32_t idx;
      p = vec_resolve(v, rows[i], &idx);
      lago_list l = VEC_DATA(p, lago_list)[idx];
      for (uint32_t e = 0; e < l.length; e++) crow[k++] = l.offset + e;
    }
    int rc = put_vec(b, p->child, crow, k);
    mem_free(crow);
    return rc;
  }
  size_t w = type_width(t);
  TRY(buf_reserve(b, (size_t)n * w));
  char *d = b->data + b->len;
  vec_view vw;
  vec_view_init(&vw, v);
  for (uint32_t i = 0; i < n; i++) memcpy(d + (size_t)i * w, (const char *)vw.data + (size_t)VIEW_IDX(&vw, rows[i]) * w, w);
  b->len += (size_t)n * w;
  return pad8(b);
}

int spill_write_cols(spill_file *sf, vec *const *cols, const uint32_t *sel, uint32_t n, lago_err *err) {
  if (n == 0) return LAGO_OK;
  uint32_t *rows = NULL;
  if (!sel) {
    rows = mem_alloc(n * sizeof(uint32_t));
    if (!rows) return LAGO_NOMEM_ERR(err);
    for (uint32_t i = 0; i < n; i++) rows[i] = i;
    sel = rows;
  }
  size_t start = sf->wb.len;
  uint32_t hdr[6] = {SPILL_MAGIC, n, sf->n_cols, 0, 0, 0};
  int rc = buf_append(&sf->wb, hdr, sizeof hdr);
  for (uint32_t c = 0; c < sf->n_cols && rc == LAGO_OK; c++) rc = put_vec(&sf->wb, cols[c], sel, n);
  mem_free(rows);
  if (rc) return LAGO_NOMEM_ERR(err);
  uint64_t payload = sf->wb.len - start - sizeof hdr;
  memcpy(sf->wb.data + start + 16, &payload, 8);
  sf->rows += n;
  if (sf->wb.len >= SPILL_BUF) TRY(flush(sf, err));
  return LAGO_OK;
}

int spill_write(spill_file *sf, const batch *b, lago_err *err) {
  vec *cols_small[32] = {NULL};
  vec **cols = cols_small;
  if (b->n_cols > 32 && !(cols = mem_alloc(b->n_cols * sizeof(vec *)))) return LAGO_NOMEM_ERR(err);
  for (uint32_t i = 0; i < b->n_cols; i++) cols[i] = &b->cols[i];
  int rc = spill_write_cols(sf, cols, b->sel, b->n_rows, err);
  if (cols != cols_small) mem_free(cols);
  return rc;
}

int spill_rewind(spill_file *sf, lago_err *err) {
  if (!sf->reading) {
    TRY(flush(sf, err));
    sf->reading = true;
  }
  if (lseek(sf->fd, 0, SEEK_SET) < 0) return io_err(sf, err, "seek");
  sf->rlen = sf->rpos = 0;
  return LAGO_OK;
}

/* Reads exactly n bytes into dst; *eof set when the file ends before any byte. */
static int read_exact(spill_file *sf, void *dst, size_t n, bool *eof, lago_err *err) {
  size_t got = 0;
  *eof = false;
  if (!sf->rbuf && !(sf->rbuf = mem_alloc(SPILL_BUF))) return LAGO_NOMEM_ERR(err);
  while (got < n) {
    if (sf->rpos == sf->rlen) {
      ssize_t r = read(sf->fd, sf->rbuf, SPILL_BUF);
      if (r < 0) {
        if (errno == EINTR) continue;
        return io_err(sf, err, "read");
      }
      if (r == 0) {
        if (got == 0) {
          *eof = true;
          return LAGO_OK;
        }
        return LAGO_ERR(err, LAGO_IO, "spill file %s: truncated record", sf->path);
      }
      sf->rlen = (size_t)r;
      sf->rpos = 0;
    }
    size_t take = sf->rlen - sf->rpos < n - got ? sf->rlen - sf->rpos : n - got;
    memcpy((char *)dst + got, sf->rbuf + sf->rpos, take);
    sf->rpos += take;
    got += take;
  }
  return LAGO_OK;
}

typedef struct rd {
  const uint8_t *p, *end;
} rd;

static const void *take(rd *r, size_t n) {
  if ((size_t)(r->end - r->p) < n) return NULL;
  const void *q = r->p;
  r->p += (n + 7) & ~(size_t)7;
  if (r->p > r->end) r->p = r->end;
  return q;
}

/* Decodes one vector of n rows into v (initialised, FLAT, of the right type, in ar). */
static int get_vec(rd *r, arena *ar, vec *v, uint32_t n) {
  const uint8_t *hdr = take(r, 8);
  if (!hdr) return LAGO_CORRUPT;
  if (hdr[0]) {
    const uint64_t *bm = take(r, bitmap_words(n) * 8);
    if (!bm) return LAGO_CORRUPT;
    TRY(vec_ensure_validity(v));
    memcpy(v->validity, bm, bitmap_words(n) * 8);
  }
  lago_type t = v->type;
  if (type_is_string_like(t)) {
    const uint32_t *lens = take(r, (size_t)n * 4);
    if (!lens) return LAGO_CORRUPT;
    uint64_t total = 0;
    for (uint32_t i = 0; i < n; i++) total += lens[i];
    const char *bytes = take(r, total);
    if (!bytes && total) return LAGO_CORRUPT;
    size_t off = 0;
    for (uint32_t i = 0; i < n; i++) {
      VEC_DATA(v, lago_str)[i] = str_make(bytes + off, lens[i]); /* views into the record buffer (in ar) */
      off += lens[i];
    }
  } else if (t.id == LT_STRUCT) {
    for (uint32_t f = 0; f < type_n_fields(t); f++) {
      TRY(get_vec(r, ar, v->fields[f], n));
      v->fields[f]->len = n;
    }
  } else if (t.id == LT_ARRAY || t.id == LT_MAP) {
    const uint32_t *lens = take(r, (size_t)n * 4);
    if (!lens) return LAGO_CORRUPT;
    uint64_t total = 0;
    for (uint32_t i = 0; i < n; i++) {
      VEC_DATA(v, lago_list)[i] = (lago_list){(uint32_t)total, lens[i]};
      total += lens[i];
    }
    if (total > UINT32_MAX) return LAGO_CORRUPT;
    vec *ch = vec_new(ar, v->child->type, total ? (uint32_t)total : 1);
    if (!ch) return LAGO_NOMEM;
    TRY(get_vec(r, ar, ch, (uint32_t)total));
    ch->len = (uint32_t)total;
    v->child = ch;
  } else {
    size_t w = type_width(t);
    size_t bytes = (size_t)n * w;
    const void *d = take(r, bytes);
    if (!d && bytes > 0) return LAGO_CORRUPT;
    if (bytes > 0) memcpy(v->data, d, bytes);
  }
  v->len = n;
  return LAGO_OK;
}

int spill_read(spill_file *sf, arena *ar, batch **out, lago_err *err) {
  uint32_t hdr[6];
  bool eof;
  TRY(read_exact(sf, hdr, sizeof hdr, &eof, err));
  batch *b;
  if (eof) {
    b = arena_zalloc(ar, sizeof *b);
    if (!b) return LAGO_NOMEM_ERR(err);
    b->n_cols = sf->n_cols;
    *out = b;
    return LAGO_OK;
  }
  uint64_t payload;
  memcpy(&payload, &hdr[4], 8);
  if (hdr[0] != SPILL_MAGIC || hdr[2] != sf->n_cols || hdr[1] == 0 || hdr[1] > (1u << 24) || payload > ((uint64_t)1 << 36))
    return LAGO_ERR(err, LAGO_IO, "spill file %s: bad record header", sf->path);
  uint8_t *data = arena_alloc(ar, payload ? payload : 1);
  if (!data) return LAGO_NOMEM_ERR(err);
  TRY(read_exact(sf, data, payload, &eof, err));
  if (eof && payload) return LAGO_ERR(err, LAGO_IO, "spill file %s: truncated record", sf->path);
  uint32_t n = hdr[1];
  b = batch_new(ar, sf->n_cols, sf->types, n);
  if (!b) return LAGO_NOMEM_ERR(err);
  rd r = {data, data + payload};
  for (uint32_t c = 0; c < sf->n_cols; c++) {
    int rc = get_vec(&r, ar, &b->cols[c], n);
    if (rc == LAGO_NOMEM) return LAGO_NOMEM_ERR(err);
    if (rc) return LAGO_ERR(err, LAGO_IO, "spill file %s: bad record body", sf->path);
  }
  b->n_rows = n;
  *out = b;
  return LAGO_OK;
}
