/*
** format/text/txt_input.c: chunked input for the text readers: one file (or
** a byte range of one) read through lago_fs range reads into one growing
** buffer, with the line-break search both readers need.
**
**      buf_off                               buf_off + len == read_off
**      |<---------------------- buf ---------------------->|<- pad ->|
**      | dropped by the last fill? | kept: from `keep` on   | sentinel |
**
** txt_input_fill drops the bytes before the offset the reader still needs
** (`keep`), moves the rest to the front, grows the buffer when that is not
** enough (doubling), and reads the next piece behind: at least `want` bytes,
** else a chunk (1 MiB). Offsets are file offsets; a reader that keeps buffer
** indices adjusts them by the change of buf_off. The `pad` bytes after the
** data are set to `pad_byte` after every read: a sentinel that stops a scan
** loop without a bounds check per byte (the CSV tokenizer).
**
** A range reader [start, end) reads little past `end` (its last record
** usually ends soon after): 4 KiB at first, then each time as much again as
** it has already read past `end`, so a record that runs far past the range
** costs a logarithmic number of reads and re-scans, not a linear one.
*/
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "format/text/text_int.h"
#include "util/alloc.h"

int txt_input_init(txt_input *in, lago_fs *fs, const char *path, size_t pad, int pad_byte, lago_err *err) {
  memset(in, 0, sizeof *in);
  in->path = path;
  in->chunk = TXT_CHUNK;
  in->range_end = UINT64_MAX;
  in->pad = pad;
  in->pad_byte = pad_byte;
  in->buf = mem_alloc(pad); /* never NULL, so pointer arithmetic is defined on empty input */
  if (!in->buf) return LAGO_NOMEM_ERR(err);
  if (pad_byte >= 0) memset(in->buf, pad_byte, pad);
  return fs_open(fs, path, &in->f, err);
}

void txt_input_deinit(txt_input *in) {
  fs_close(in->f);
  mem_free(in->buf);
  in->f = NULL;
  in->buf = NULL;
}

void txt_input_seek(txt_input *in, uint64_t off) {
  in->buf_off = in->read_off = off;
  in->len = 0;
  if (in->pad_byte >= 0) memset(in->buf, in->pad_byte, in->pad);
}

int txt_input_fill(txt_input *in, uint64_t keep, size_t want, size_t *got, lago_err *err) {
  *got = 0;
  if (txt_input_eof(in)) return LAGO_OK;
  if (keep > in->buf_off) {
    size_t drop = keep - in->buf_off > in->len ? in->len : (size_t)(keep - in->buf_off);
    memmove(in->buf, in->buf + drop, in->len - drop);
    in->len -= drop;
    in->buf_off += drop;
  }
  uint64_t left = in->f->size - in->read_off;
  size_t n = want > in->chunk ? want : in->chunk;
  if (in->range_end != UINT64_MAX) {
    uint64_t past = in->read_off > in->range_end ? in->read_off - in->range_end : 0;
    uint64_t lim = (in->read_off < in->range_end ? in->range_end - in->read_off : 0) + (past > 4096 ? past : 4096);
    if (n > lim && want <= lim) n = (size_t)lim;
  }
  if (n > left) n = (size_t)left;
  if (in->cap - in->len < n) {
    size_t ncap = in->cap ? in->cap : 2 * n;
    while (ncap - in->len < n) ncap *= 2;
    if (ncap > ((size_t)1 << 40)) return LAGO_ERR(err, LAGO_NOMEM, "%s: record too large", in->path);
    char *nb = mem_realloc(in->buf, ncap + in->pad);
    if (!nb) return LAGO_NOMEM_ERR(err);
    in->buf = nb;
    in->cap = ncap;
  }
  TRY(fs_read_at(in->f, in->read_off, in->buf + in->len, n, err));
  in->read_off += n;
  in->len += n;
  if (in->pad_byte >= 0) memset(in->buf + in->len, in->pad_byte, in->pad);
  *got = n;
  return LAGO_OK;
}

int txt_input_bom(txt_input *in, bool *bom, lago_err *err) {
  size_t got;
  *bom = false;
  while (in->len < 3 && !txt_input_eof(in)) TRY(txt_input_fill(in, in->buf_off, 3 - in->len, &got, err));
  if (in->buf_off == 0 && in->len >= 3 && !memcmp(in->buf, "\xEF\xBB\xBF", 3)) *bom = true;
  return LAGO_OK;
}

const char *txt_find_break(const char *p, const char *e, int line_sep) {
  if (p >= e) return NULL;
  if (line_sep >= 0) return memchr(p, line_sep, (size_t)(e - p));
#if defined(__SSE2__)
  const __m128i nl = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
  while (e - p >= 16) {
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
    int m = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(x, nl), _mm_cmpeq_epi8(x, cr)));
    if (m) return p + __builtin_ctz((unsigned)m);
    p += 16;
  }
  for (; p < e; p++)
    if (*p == '\n' || *p == '\r') return p;
  return NULL;
#else
  const char *n = memchr(p, '\n', (size_t)(e - p));
  const char *c = memchr(p, '\r', (size_t)((n ? n : e) - p));
  return c ? c : n;
#endif
}

int txt_input_line(txt_input *in, uint64_t from, int line_sep, uint64_t keep, uint64_t max, uint64_t line_no,
                   uint64_t *le, uint64_t *next, lago_err *err) {
  uint64_t scan = from;
  for (;;) {
    const char *hit = txt_find_break(txt_input_at(in, scan), txt_input_at(in, txt_input_end(in)), line_sep);
    size_t got;
    if (hit) {
      uint64_t at = txt_input_off(in, hit);
      if (*hit == '\r' && line_sep < 0) {
        if (at + 1 < txt_input_end(in)) {
          *le = at;
          *next = at + 1 + (hit[1] == '\n');
          return LAGO_OK;
        }
        if (txt_input_eof(in)) {
          *le = at;
          *next = at + 1;
          return LAGO_OK;
        }
        scan = at; /* is it \r\n? */
      } else {
        *le = at;
        *next = at + 1;
        return LAGO_OK;
      }
    } else {
      if (txt_input_eof(in)) {
        *le = *next = txt_input_end(in);
        return LAGO_OK;
      }
      scan = txt_input_end(in);
    }
    if (scan - from > max)
      return LAGO_ERR(err, LAGO_UNSUPPORTED, "%s:%llu: line longer than %llu MiB", in->path,
                      (unsigned long long)line_no, (unsigned long long)((max + 1) >> 20));
    TRY(txt_input_fill(in, keep < scan ? keep : scan, 0, &got, err));
  }
}
