/*
** format/json/jsonl_reader.c: one JSON file (or byte range of a JSON Lines
** file) into lago batches: chunked input, record framing, modes, corrupt
** and rescued data columns, bad-record logs, line numbers.
**
** Input buffer (file offsets grow to the right; every position the reader
** keeps is a file offset, so moving the buffer changes nothing):
**
**      buf_off                                 buf_off + len == read_off
**      |<---------------------- buf ------------------------>|
**      | consumed | pos: the next record ... | unread rest   |
**
**   Before more input is read, the bytes before the oldest offset still
**   needed (the current record, or line) are dropped and the rest moved to
**   the front; then a chunk (1 MiB) is read behind. Decoded values never point
**   into the buffer (strings are copied into the batch arena), so it can move
**   between any two records. Memory: about two chunks plus the longest line
**   (JSON Lines) or the largest array element (multiLine); a multiLine
**   document that is one object is held whole.
**
** Records (Spark's JSON data source):
**   JSON Lines   a line is a record; line breaks are \n, \r\n and \r (or the
**                one lineSep byte). Blank lines (whitespace, comments) give
**                no row. A line holding an object gives one row; an array of
**                objects gives one row per element ([] gives none); anything
**                else, or text after the value, is a malformed record.
**   multiLine    the file is one document: an object (one row) or an array
**                of objects (one row per element, streamed: each element is
**                found with a validating skip, then decoded).
**
**   A range reader [start, end) owns the lines starting in [first, end),
**   first = start when exact, else after the first line break at or after
**   start - 1. It reads past `end` to finish its last line and stops at the
**   first line start >= end (jsonl_reader_end_offset); see jsonl_scan.c.
**
** Untrusted input: every scan is bounded by the buffer end; a JSON Lines
** line longer than 2 GiB is refused (LAGO_UNSUPPORTED), so every length fits
** the 32-bit string views.
*/
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "format/json/jsonl_int.h"
#include "util/alloc.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define VS LAGO_VECTOR_SIZE
#define CHUNK_DEFAULT ((size_t)1 << 20)
#define MAX_LINE ((uint64_t)0x7fffffff)

enum { ST_TOP = 0, ST_LINE_ARRAY, ST_DOC_ARRAY, ST_DOC_TAIL, ST_DONE };

struct jsonl_reader {
  lago_fs *fs;
  lago_file *f;
  char *path;                 /* owned */
  jsonl_options o;            /* copy; its strings are borrowed from the caller */
  lago_type schema;           /* borrowed */
  uint32_t n_fields;
  lago_type *types;           /* schema field types (heap) */
  arena *meta;                /* reader lifetime: the plan */
  jl_node *root;
  int corrupt_idx, rescue_idx;
  jl_dec dec;
  buf sbuf;                   /* lexer scratch (unescaped strings) */

  uint64_t range_start, range_end;
  bool exact_start;
  uint64_t first_off, end_off;
  bool started;
  bool bom;                   /* a BOM was skipped at offset 0 */
  int state;

  char *buf;                  /* heap, cap bytes */
  size_t cap, len;
  uint64_t buf_off, read_off;
  size_t chunk;
  uint64_t pos;               /* file offset of the next byte to look at */
  uint64_t line;              /* line number of pos (1-based, from the range start) */
  uint64_t line_start;        /* file offset where pos's line starts */
  uint64_t arr_pos, arr_end, arr_next; /* ST_LINE_ARRAY: next element, end of the line, next line */

  uint64_t row_line[VS];      /* line of each row of the batch being built */
  arena *own;                 /* batches when the caller passes no arena */
  jsonl_stats stats;
  buf bad;                    /* bad-record JSON lines */
  bool bad_taken;
  buf tmp;                    /* messages, repaired text */
  /* Inference mode (jsonl_reader_infer): records go to infer_fn, not to batches. */
  jl_infer_fn infer_fn;
  void *infer_ud;
  uint64_t infer_count;       /* records seen */
  bool infer_bad;             /* a malformed record was met (PERMISSIVE) */
};

static inline char *B(const jsonl_reader *r, uint64_t off) { return r->buf + (size_t)(off - r->buf_off); }
static inline uint64_t OFF(const jsonl_reader *r, const char *p) { return r->buf_off + (uint64_t)(p - r->buf); }
static inline uint64_t buf_end(const jsonl_reader *r) { return r->buf_off + r->len; }
static inline bool at_eof(const jsonl_reader *r) { return r->read_off >= r->f->size; }

/* ---- opening ----------------------------------------------------------------------------- */

static int set_schema(jsonl_reader *r, lago_type schema, lago_err *err) {
  if (schema.id != LT_STRUCT) return LAGO_ERR(err, LAGO_BIND, "%s: json schema must be a STRUCT", r->path);
  r->schema = schema;
  r->n_fields = type_n_fields(schema);
  r->types = mem_calloc(r->n_fields ? r->n_fields : 1, sizeof *r->types);
  if (!r->types) return LAGO_NOMEM_ERR(err);
  r->corrupt_idx = r->rescue_idx = -1;
  for (uint32_t i = 0; i < r->n_fields; i++) {
    const type_field *fd = type_field_at(schema, i);
    r->types[i] = fd->type;
    if (r->o.corrupt_column && fd->name && r->corrupt_idx < 0 && !strcmp(fd->name, r->o.corrupt_column))
      r->corrupt_idx = (int)i;
    else if (r->o.rescued_column && fd->name && r->rescue_idx < 0 && !strcmp(fd->name, r->o.rescued_column))
      r->rescue_idx = (int)i;
  }
  if (r->o.rescued_column && r->rescue_idx < 0)
    return LAGO_ERR(err, LAGO_BIND, "%s: rescuedDataColumn '%s' is not in the schema", r->path, r->o.rescued_column);
  int rc = jl_plan_build(r->meta, schema, r->corrupt_idx >= 0 ? r->o.corrupt_column : NULL,
                         r->rescue_idx >= 0 ? r->o.rescued_column : NULL, &r->root, err);
  if (rc) return lago_err_prefix(err, "%s", r->path);
  r->dec.rescue = r->rescue_idx >= 0;
  r->dec.ci_rescue = r->dec.rescue && r->o.reader_case_sensitive;
  return LAGO_OK;
}

int jsonl_reader_open_range(lago_fs *fs, const char *path, uint64_t start, uint64_t end, bool exact_start,
                            const jsonl_options *opts, lago_type schema, jsonl_reader **out, lago_err *err) {
  *out = NULL;
  TRY(jsonl_options_check(opts, err));
  if (opts->multi_line && (start != 0 || end != UINT64_MAX))
    return LAGO_ERR(err, LAGO_MISUSE, "%s: a multiLine JSON file cannot be split into ranges", path);
  jsonl_reader *r = mem_calloc(1, sizeof *r);
  if (!r) return LAGO_NOMEM_ERR(err);
  r->fs = fs;
  r->o = *opts;
  r->chunk = CHUNK_DEFAULT;
  r->line = 1;
  r->range_start = start;
  r->range_end = end;
  r->exact_start = exact_start || start == 0;
  buf_init(&r->sbuf);
  buf_init(&r->bad);
  buf_init(&r->tmp);
  r->path = mem_strdup(path);
  r->meta = arena_new("json reader", 4096);
  r->buf = mem_alloc(64); /* never NULL, so offsets into it are defined on empty input */
  r->cap = 64;
  int rc = LAGO_OK;
  if (!r->path || !r->meta || !r->buf) rc = LAGO_NOMEM_ERR(err);
  if (!rc) rc = jl_dec_init(&r->dec, &r->o, r->path, err);
  if (!rc) {
    jl_lex_init(&r->dec.lx, &r->o, &r->sbuf);
    rc = set_schema(r, schema, err);
  }
  if (!rc) rc = fs_open(fs, path, &r->f, err);
  if (rc) {
    jsonl_reader_close(r);
    return rc;
  }
  *out = r;
  return LAGO_OK;
}

int jsonl_reader_open(lago_fs *fs, const char *path, const jsonl_options *opts, lago_type schema, jsonl_reader **out,
                      lago_err *err) {
  return jsonl_reader_open_range(fs, path, 0, UINT64_MAX, true, opts, schema, out, err);
}

void jsonl_reader_set_chunk(jsonl_reader *r, size_t chunk) {
  if (chunk >= 1) r->chunk = chunk;
}
void jsonl_reader_set_line(jsonl_reader *r, uint64_t line) { r->line = line; }

/* ---- input ------------------------------------------------------------------------------- */

/*
** Reads more input behind the data, first dropping the bytes before `keep`.
** Reads at least `want` bytes (when the file has them). *got = bytes read.
*/
static int fill(jsonl_reader *r, uint64_t keep, size_t want, size_t *got, lago_err *err) {
  *got = 0;
  if (at_eof(r)) return LAGO_OK;
  if (keep > r->buf_off) {
    size_t drop = (size_t)(keep - r->buf_off);
    if (drop > r->len) drop = r->len;
    memmove(r->buf, r->buf + drop, r->len - drop);
    r->len -= drop;
    r->buf_off += drop;
  }
  uint64_t left = r->f->size - r->read_off;
  size_t n = want > r->chunk ? want : r->chunk;
  if (r->range_end != UINT64_MAX) {
    /* A range reads little past its end (its last line usually ends soon
    ** after), but at least as much again as it already read past it. */
    uint64_t past = r->read_off > r->range_end ? r->read_off - r->range_end : 0;
    uint64_t lim = (r->read_off < r->range_end ? r->range_end - r->read_off : 0) + (past > 4096 ? past : 4096);
    if (n > lim && want <= lim) n = (size_t)lim;
  }
  if (n > left) n = (size_t)left;
  if (r->cap - r->len < n) {
    size_t ncap = r->cap ? r->cap : 2 * n;
    while (ncap - r->len < n) ncap *= 2;
    if (ncap > ((size_t)1 << 40)) return LAGO_ERR(err, LAGO_NOMEM, "%s: record too large", r->path);
    char *nb = mem_realloc(r->buf, ncap);
    if (!nb) return LAGO_NOMEM_ERR(err);
    r->buf = nb;
    r->cap = ncap;
  }
  TRY(fs_read_at(r->f, r->read_off, r->buf + r->len, n, err));
  r->read_off += n;
  r->len += n;
  *got = n;
  return LAGO_OK;
}

/* Reads the rest of the file (keeping bytes from `keep` on). */
static int read_all(jsonl_reader *r, uint64_t keep, lago_err *err) {
  size_t got;
  while (!at_eof(r)) {
    uint64_t left = r->f->size - r->read_off;
    TRY(fill(r, keep, left > ((size_t)1 << 30) ? ((size_t)1 << 30) : (size_t)left, &got, err));
  }
  return LAGO_OK;
}

static inline bool is_break(const jsonl_reader *r, char c) {
  return r->o.line_sep < 0 ? (c == '\n' || c == '\r') : (unsigned char)c == (unsigned)r->o.line_sep;
}

/* Moves pos to `to`, counting the line breaks passed. */
static void advance(jsonl_reader *r, uint64_t to) {
  const char *p = B(r, r->pos), *e = B(r, to);
  for (; p < e; p++) {
    if (!is_break(r, *p)) continue;
    if (*p == '\r' && r->o.line_sep < 0 && p + 1 < e && p[1] == '\n') p++;
    r->line++;
    r->line_start = OFF(r, p + 1);
  }
  r->pos = to;
}

/* JSON Lines: moves pos to the start of the next line (one break passed). */
static inline void next_line(jsonl_reader *r, uint64_t next) {
  if (next > r->pos) {
    r->line++;
    r->line_start = next;
  }
  r->pos = next;
}

/* Line and byte column of offset `at` (>= pos, in the buffer). */
static void locate(const jsonl_reader *r, uint64_t at, uint64_t *line, uint64_t *col) {
  uint64_t l = r->line, ls = r->line_start;
  const char *p = B(r, r->pos), *e = B(r, at);
  for (; p < e; p++) {
    if (!is_break(r, *p)) continue;
    if (*p == '\r' && r->o.line_sep < 0 && p + 1 < e && p[1] == '\n') p++;
    l++;
    ls = OFF(r, p + 1);
  }
  *line = l;
  *col = at >= ls ? at - ls + 1 : 1;
}

/* First line break at or after p in [p, e); NULL if none. */
static const char *find_break(const jsonl_reader *r, const char *p, const char *e) {
  if (p >= e) return NULL;
  if (r->o.line_sep >= 0) return memchr(p, r->o.line_sep, (size_t)(e - p));
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

/* The line at pos: *le = offset of its break (or EOF), *next = start of the next line. */
static int find_line(jsonl_reader *r, uint64_t *le, uint64_t *next, lago_err *err) {
  uint64_t scan = r->pos;
  for (;;) {
    const char *hit = find_break(r, B(r, scan), B(r, buf_end(r)));
    size_t got;
    if (hit) {
      uint64_t at = OFF(r, hit);
      if (*hit == '\r' && r->o.line_sep < 0) {
        if (at + 1 < buf_end(r)) {
          *le = at;
          *next = at + 1 + (hit[1] == '\n');
          return LAGO_OK;
        }
        if (at_eof(r)) {
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
      if (at_eof(r)) {
        *le = *next = buf_end(r);
        return LAGO_OK;
      }
      scan = buf_end(r);
    }
    if (scan - r->pos > MAX_LINE)
      return LAGO_ERR(err, LAGO_UNSUPPORTED, "%s:%llu: line longer than 2 GiB", r->path, (unsigned long long)r->line);
    TRY(fill(r, r->pos, 0, &got, err));
  }
}

/* Positions the reader at its first record (BOM, range start). */
static int start(jsonl_reader *r, lago_err *err) {
  r->started = true;
  size_t got;
  if (r->range_start > r->f->size) r->range_start = r->f->size;
  if (r->exact_start || r->range_start == 0) {
    r->pos = r->buf_off = r->read_off = r->range_start;
    r->line_start = r->pos;
    if (r->pos == 0) {
      while (r->len < 3 && !at_eof(r)) TRY(fill(r, 0, 3, &got, err));
      if (r->len >= 3 && !memcmp(r->buf, "\xEF\xBB\xBF", 3)) {
        r->pos = r->line_start = 3;
        r->bom = true;
      }
    }
  } else {
    /* After the first line break at or after start - 1. */
    r->pos = r->buf_off = r->read_off = r->range_start - 1;
    r->line_start = r->pos;
    uint64_t le, next;
    TRY(find_line(r, &le, &next, err));
    r->pos = r->line_start = next;
  }
  r->first_off = r->end_off = r->pos;
  r->state = ST_TOP;
  return LAGO_OK;
}

/* ---- multiLine helpers ---------------------------------------------------------------- */

/* Whitespace (and comments) from *off, reading more as needed. JL_BAD: an unterminated comment at EOF. */
static int ws_more(jsonl_reader *r, uint64_t *off, lago_err *err) {
  for (;;) {
    const char *p = B(r, *off), *e = B(r, buf_end(r));
    r->dec.lx.err_at = NULL;
    int rc = jl_ws(&r->dec.lx, &p, e);
    if (rc > 0) return LAGO_NOMEM_ERR(err);
    /* A '/' as the last byte held may start a comment: decide with more input. */
    bool open = rc == 0 && p + 1 == e && *p == '/' && r->dec.lx.comments;
    if ((rc == 0 && p < e && !open) || at_eof(r)) {
      if (rc == 0) *off = OFF(r, p);
      return rc;
    }
    size_t got;
    TRY(fill(r, r->pos, 0, &got, err));
  }
}

/*
** The value starting at `from` complete in the buffer: *to = its end. Reads
** more (at least doubling what is held) while the skip fails or stops at the
** buffer end before EOF. JL_BAD for a syntax error (the lexer says where).
*/
static int need_value(jsonl_reader *r, uint64_t from, uint64_t *to, lago_err *err) {
  for (;;) {
    const char *p = B(r, from), *e = B(r, buf_end(r));
    r->dec.lx.err_at = NULL;
    int rc = jl_skip(&r->dec.lx, &p, e, NULL);
    if (rc > 0) return LAGO_NOMEM_ERR(err);
    if (at_eof(r) || (rc == 0 && p < e)) {
      if (rc == 0) *to = OFF(r, p);
      return rc;
    }
    size_t got;
    TRY(fill(r, r->pos, (size_t)(buf_end(r) - r->pos), &got, err));
  }
}

/* ---- records ------------------------------------------------------------------------- */

typedef struct rec {
  uint64_t start, end;   /* record text */
  uint64_t line;         /* line where it starts */
  int rc;                /* jl_decode_row result: 0 or JL_BAD */
  uint8_t why;           /* JL_ROOT / JL_TRAILING set by the framing, else 0 */
  uint64_t at;           /* JL_ROOT / JL_TRAILING: where */
} rec;

typedef struct bstate {
  batch *b;
  vec **colp;
  uint32_t n;            /* rows kept */
  uint32_t n_bad, n_dropped, n_resc;
} bstate;

static const char *show(buf *b, const char *p, size_t n) {
  size_t k = n > JL_SHOW ? JL_SHOW : n;
  if (jl_utf8_repair(b, p, k) || (n > k && buf_puts(b, "..."))) return NULL;
  return "";
}

/* "path:line:col: malformed record: ..." for the current record (in r->tmp). */
static const char *describe(jsonl_reader *r, const rec *rc, uint8_t why) {
  jl_dec *d = &r->dec;
  uint64_t at = rc->start;
  if (why == JL_SYNTAX && d->lx.err_at) at = OFF(r, d->lx.err_at);
  else if (why == JL_MISMATCH && d->bad_at) at = OFF(r, d->bad_at);
  else if (why == JL_ROOT || why == JL_TRAILING) at = rc->at;
  if (at > rc->end) at = rc->end;
  uint64_t line, col;
  locate(r, at, &line, &col);
  buf *b = &r->tmp;
  buf_clear(b);
  buf_printf(b, "%s:%llu:%llu: malformed record: ", r->path, (unsigned long long)line, (unsigned long long)col);
  const char *p = B(r, at);
  size_t left = (size_t)(rc->end - at);
  switch (why) {
    case JL_SYNTAX:
      buf_puts(b, d->lx.err_what ? d->lx.err_what : "syntax error");
      if (left) {
        buf_puts(b, " at '");
        show(b, p, left);
        buf_putc(b, '\'');
      }
      break;
    case JL_MISMATCH:
      buf_append(b, d->msg.data ? d->msg.data : "", d->msg.len);
      break;
    case JL_ROOT:
      buf_puts(b, "not a JSON object: '");
      show(b, p, left);
      buf_putc(b, '\'');
      break;
    default:
      buf_puts(b, "unexpected text after the JSON value: '");
      show(b, p, left);
      buf_putc(b, '\'');
      break;
  }
  return buf_cstr(b);
}

static int log_bad(jsonl_reader *r, const rec *rc, const char *msg, lago_err *err) {
  buf *b = &r->bad;
  int e = buf_puts(b, "{\"path\":");
  if (!e) e = jl_json_str(b, r->path, strlen(r->path));
  if (!e) e = buf_printf(b, ",\"line\":%llu,\"record\":", (unsigned long long)rc->line);
  if (!e) e = jl_json_str(b, B(r, rc->start), (size_t)(rc->end - rc->start));
  if (!e) e = buf_puts(b, ",\"reason\":");
  if (!e) e = jl_json_str(b, msg, strlen(msg));
  if (!e) e = buf_puts(b, "}\n");
  return e ? LAGO_NOMEM_ERR(err) : LAGO_OK;
}

/*
** Settles the record just decoded into row bs->n (or not decoded: rc->why):
** keeps the row, fills the corrupt/rescued columns, or drops it, or fails
** (FAILFAST). The row's cells may hold partial values: every kept row gets
** every column written.
*/
static int settle(jsonl_reader *r, bstate *bs, const rec *rc, lago_err *err) {
  jl_dec *d = &r->dec;
  uint32_t row = bs->n;
  uint8_t why = rc->why ? rc->why : rc->rc == JL_BAD ? JL_SYNTAX : d->bad;
  if (r->infer_fn) {
    r->infer_count++;
    if (!why) return LAGO_OK;
    if (r->o.mode == JSONL_FAILFAST && !r->o.bad_records_path)
      return LAGO_ERR(err, LAGO_CORRUPT, "%s (mode FAILFAST)", describe(r, rc, why));
    if (r->o.mode == JSONL_PERMISSIVE && !r->o.bad_records_path) r->infer_bad = true;
    return LAGO_OK;
  }
  if (!why) {
    if (r->corrupt_idx >= 0 && jl_set_null_deep(bs->colp[r->corrupt_idx], row)) return LAGO_NOMEM_ERR(err);
    if (r->rescue_idx >= 0) {
      vec *v = bs->colp[r->rescue_idx];
      if (d->n_resc) {
        buf *t = &r->tmp;
        buf_clear(t);
        if (buf_putc(t, '{') || buf_append(t, d->resc.data, d->resc.len) || buf_puts(t, ",\"_file_path\":") ||
            jl_json_str(t, r->path, strlen(r->path)) || buf_putc(t, '}'))
          return LAGO_NOMEM_ERR(err);
        if (t->len > MAX_LINE) return LAGO_ERR(err, LAGO_UNSUPPORTED, "%s: rescued data too large", r->path);
        if (vec_set_str(v, row, t->data, (uint32_t)t->len)) return LAGO_NOMEM_ERR(err);
        vec_set_valid(v, row);
        bs->n_resc++;
      } else if (jl_set_null_deep(v, row)) {
        return LAGO_NOMEM_ERR(err);
      }
    }
    r->row_line[row] = rc->line;
    bs->n++;
    return LAGO_OK;
  }
  bs->n_bad++;
  if (r->o.bad_records_path) {
    const char *msg = describe(r, rc, why);
    TRY(log_bad(r, rc, msg, err));
    bs->n_dropped++;
    return LAGO_OK;
  }
  if (r->o.mode == JSONL_FAILFAST) return LAGO_ERR(err, LAGO_CORRUPT, "%s (mode FAILFAST)", describe(r, rc, why));
  if (r->o.mode == JSONL_DROPMALFORMED) {
    bs->n_dropped++;
    return LAGO_OK;
  }
  /* PERMISSIVE: a value mismatch keeps the other values (Spark's partial results);
  ** a broken record is all NULL. */
  for (uint32_t i = 0; i < r->n_fields; i++) {
    if (why != JL_MISMATCH || (int)i == r->rescue_idx || (int)i == r->corrupt_idx)
      if (jl_set_null_deep(bs->colp[i], row)) return LAGO_NOMEM_ERR(err);
  }
  if (r->corrupt_idx >= 0) {
    buf *t = &r->tmp;
    buf_clear(t);
    if (jl_utf8_repair(t, B(r, rc->start), (size_t)(rc->end - rc->start))) return LAGO_NOMEM_ERR(err);
    if (t->len > MAX_LINE) return LAGO_ERR(err, LAGO_UNSUPPORTED, "%s: corrupt record too large", r->path);
    vec *v = bs->colp[r->corrupt_idx];
    if (vec_set_str(v, row, t->data ? t->data : "", (uint32_t)t->len)) return LAGO_NOMEM_ERR(err);
    vec_set_valid(v, row);
  }
  r->row_line[row] = rc->line;
  bs->n++;
  return LAGO_OK;
}

/*
** Decodes the value at [s, e) (an object; anything else is malformed) as one
** record whose text (corrupt column, messages) is [ts, te). check_tail: only
** whitespace may follow the value before e.
*/
static int one_record(jsonl_reader *r, bstate *bs, uint64_t s, uint64_t e, uint64_t ts, uint64_t te, uint64_t line,
                      bool check_tail, lago_err *err) {
  jl_dec *d = &r->dec;
  rec rc = {ts, te, line, 0, 0, 0};
  jl_dec_record(d);
  const char *p = B(r, s), *end = B(r, e);
  if (r->infer_fn) {
    int k = r->infer_fn(r->infer_ud, &d->lx, &p, end);
    if (k > 0) return k == LAGO_NOMEM ? LAGO_NOMEM_ERR(err) : k;
    if (k == JL_NOT_OBJECT) {
      rc.why = JL_ROOT;
      rc.at = s;
    } else if (k == JL_BAD) {
      rc.rc = JL_BAD;
    } else if (check_tail) {
      int w = jl_ws(&d->lx, &p, end);
      if (w > 0) return LAGO_NOMEM_ERR(err);
      if (w == JL_BAD) rc.rc = JL_BAD;
      else if (p < end) {
        rc.why = JL_TRAILING;
        rc.at = OFF(r, p);
      }
    }
  } else if (*p == '{') {
    rc.rc = jl_decode_row(d, r->root, bs->colp, bs->n, &p, end);
    if (rc.rc > 0) return LAGO_NOMEM_ERR(err);
    if (!rc.rc && check_tail) {
      int w = jl_ws(&d->lx, &p, end);
      if (w > 0) return LAGO_NOMEM_ERR(err);
      if (w == JL_BAD) rc.rc = JL_BAD;
      else if (p < end) {
        rc.why = JL_TRAILING;
        rc.at = OFF(r, p);
      }
    }
  } else {
    rc.why = JL_ROOT;
    rc.at = s;
  }
  return settle(r, bs, &rc, err);
}

/* ---- JSON Lines --------------------------------------------------------------------------- */

/* The next element of the root array of the current line, or its end. */
static int line_array_step(jsonl_reader *r, bstate *bs, lago_err *err) {
  jl_dec *d = &r->dec;
  const char *p = B(r, r->arr_pos), *e = B(r, r->arr_end);
  /* The whole line was validated on entry: what follows cannot fail. */
  (void)jl_ws(&d->lx, &p, e);
  if (p < e && *p == ']') {
    next_line(r, r->arr_next);
    r->state = ST_TOP;
    return LAGO_OK;
  }
  const char *s = p;
  d->lx.err_at = NULL;
  if (jl_skip(&d->lx, &p, e, NULL) > 0) return LAGO_NOMEM_ERR(err);
  uint64_t es = OFF(r, s), ee = OFF(r, p);
  (void)jl_ws(&d->lx, &p, e);
  if (p < e && *p == ',') {
    p++;
    (void)jl_ws(&d->lx, &p, e);
  }
  r->arr_pos = OFF(r, p);
  return one_record(r, bs, es, ee, es, ee, r->line, false, err);
}

static int line_step(jsonl_reader *r, bstate *bs, bool *done, lago_err *err) {
  /* A line is owned by the range it starts in; the first line starts at 0, before a BOM. */
  if (r->pos >= r->range_end && !(r->pos == 3 && r->bom)) {
    *done = true;
    return LAGO_OK;
  }
  uint64_t le, next;
  TRY(find_line(r, &le, &next, err));
  if (r->pos >= buf_end(r) && at_eof(r)) {
    *done = true;
    return LAGO_OK;
  }
  jl_dec *d = &r->dec;
  const char *p = B(r, r->pos), *e = B(r, le);
  jl_dec_record(d);
  int w = jl_ws(&d->lx, &p, e);
  if (w > 0) return LAGO_NOMEM_ERR(err);
  if (w == 0 && p >= e) { /* blank line */
    next_line(r, next);
    return LAGO_OK;
  }
  uint64_t ls = r->pos;
  if (w == 0 && *p == '[') {
    /* Root array: validate the whole line first, so that a broken line is one
    ** bad record (as Spark) rather than some rows and then an error. */
    const char *q = p;
    int rc = jl_skip(&d->lx, &q, e, NULL);
    if (rc > 0) return LAGO_NOMEM_ERR(err);
    if (rc == 0 && (rc = jl_ws(&d->lx, &q, e)) > 0) return LAGO_NOMEM_ERR(err);
    if (rc == 0 && q == e) {
      r->state = ST_LINE_ARRAY;
      r->arr_pos = OFF(r, p + 1);
      r->arr_end = le;
      r->arr_next = next;
      return LAGO_OK;
    }
    rec rr = {ls, le, r->line, rc, (uint8_t)(rc ? 0 : JL_TRAILING), OFF(r, q)};
    TRY(settle(r, bs, &rr, err));
  } else if (w == JL_BAD) {
    rec rr = {ls, le, r->line, JL_BAD, 0, 0};
    TRY(settle(r, bs, &rr, err));
  } else {
    TRY(one_record(r, bs, OFF(r, p), le, ls, le, r->line, true, err));
  }
  next_line(r, next);
  return LAGO_OK;
}

/* ---- multiLine ---------------------------------------------------------------------------- */

/*
** The document is broken: one bad record from `ts` to EOF, and the file ends
** here. what == NULL: the value at `at` fails to parse (parsed again for the
** lexer's position and reason); else `what` happened at `at`.
*/
static int doc_broken(jsonl_reader *r, bstate *bs, uint64_t ts, uint64_t at, const char *what, lago_err *err) {
  TRY(read_all(r, r->pos, err));
  jl_dec *d = &r->dec;
  jl_dec_record(d);
  rec rr = {ts, buf_end(r), r->line, JL_BAD, 0, 0};
  if (what) {
    jl_bad(&d->lx, B(r, at), what);
  } else {
    const char *p = B(r, at);
    int rc = jl_skip(&d->lx, &p, B(r, buf_end(r)), NULL);
    if (rc > 0) return LAGO_NOMEM_ERR(err);
    if (rc == 0) jl_bad(&d->lx, p, "unexpected end of file"); /* cannot happen: the skip failed before */
  }
  TRY(settle(r, bs, &rr, err));
  advance(r, buf_end(r));
  r->state = ST_DONE;
  return LAGO_OK;
}

/* Position of an unterminated comment at or after `at` (ws_more failed there). */
static uint64_t comment_at(jsonl_reader *r, uint64_t at) {
  const char *p = B(r, at);
  jl_dec_record(&r->dec);
  (void)jl_ws(&r->dec.lx, &p, B(r, buf_end(r)));
  return r->dec.lx.err_at ? OFF(r, r->dec.lx.err_at) : at;
}

static int doc_step(jsonl_reader *r, bstate *bs, bool *done, lago_err *err) {
  uint64_t off = r->pos, to;
  int rc;
  static const char *const unterminated = "unterminated comment";
  switch (r->state) {
    case ST_TOP:
      if ((rc = ws_more(r, &off, err)) > 0) return rc;
      if (rc == JL_BAD) return doc_broken(r, bs, r->pos, comment_at(r, r->pos), unterminated, err);
      advance(r, off);
      if (off >= buf_end(r)) { /* empty document */
        r->state = ST_DONE;
        return LAGO_OK;
      }
      if (*B(r, off) == '[') {
        advance(r, off + 1);
        r->state = ST_DOC_ARRAY;
        return LAGO_OK;
      }
      if ((rc = need_value(r, off, &to, err)) > 0) return rc;
      if (rc == JL_BAD) return doc_broken(r, bs, off, off, NULL, err);
      TRY(one_record(r, bs, off, to, off, to, r->line, false, err));
      advance(r, to);
      r->state = ST_DOC_TAIL;
      return LAGO_OK;
    case ST_DOC_ARRAY: {
      if ((rc = ws_more(r, &off, err)) > 0) return rc;
      if (rc == JL_BAD) return doc_broken(r, bs, r->pos, comment_at(r, r->pos), unterminated, err);
      if (off >= buf_end(r)) return doc_broken(r, bs, r->pos, off, "unexpected end of file inside an array", err);
      advance(r, off);
      if (*B(r, off) == ']') {
        advance(r, off + 1);
        r->state = ST_DOC_TAIL;
        return LAGO_OK;
      }
      if ((rc = need_value(r, off, &to, err)) > 0) return rc;
      if (rc == JL_BAD) return doc_broken(r, bs, off, off, NULL, err);
      TRY(one_record(r, bs, off, to, off, to, r->line, false, err));
      advance(r, to);
      /* Then ',' (and another element) or ']'. */
      off = r->pos;
      if ((rc = ws_more(r, &off, err)) > 0) return rc;
      if (rc == JL_BAD) return doc_broken(r, bs, r->pos, comment_at(r, r->pos), unterminated, err);
      if (off >= buf_end(r)) return doc_broken(r, bs, r->pos, off, "unexpected end of file inside an array", err);
      char c = *B(r, off);
      if (c == ']') {
        advance(r, off + 1);
        r->state = ST_DOC_TAIL;
        return LAGO_OK;
      }
      if (c != ',') return doc_broken(r, bs, r->pos, off, "expected ',' or ']' in an array", err);
      advance(r, off + 1);
      off = r->pos;
      if ((rc = ws_more(r, &off, err)) > 0) return rc;
      if (rc == JL_BAD) return doc_broken(r, bs, r->pos, comment_at(r, r->pos), unterminated, err);
      if (off >= buf_end(r)) return doc_broken(r, bs, r->pos, off, "unexpected end of file inside an array", err);
      if (*B(r, off) == ']') return doc_broken(r, bs, r->pos, off, "expected a value", err);
      return LAGO_OK;
    }
    case ST_DOC_TAIL:
      if ((rc = ws_more(r, &off, err)) > 0) return rc;
      if (rc == JL_BAD) return doc_broken(r, bs, r->pos, comment_at(r, r->pos), unterminated, err);
      advance(r, off);
      if (off >= buf_end(r)) {
        r->state = ST_DONE;
        return LAGO_OK;
      }
      TRY(read_all(r, r->pos, err));
      {
        jl_dec_record(&r->dec);
        rec rr = {r->pos, buf_end(r), r->line, 0, JL_TRAILING, r->pos};
        TRY(settle(r, bs, &rr, err));
      }
      advance(r, buf_end(r));
      r->state = ST_DONE;
      return LAGO_OK;
    default:
      *done = true;
      return LAGO_OK;
  }
}

/* ---- batches ------------------------------------------------------------------------------ */

/*
** Rows are written into nested vectors directly, so their lengths are set once
** per batch: a STRUCT's fields have its length (at any depth); a list's child
** has the elements appended (vec_list_reserve keeps child->len).
*/
static void set_lens(vec *v, uint32_t len) {
  v->len = len;
  if (v->type.id == LT_STRUCT)
    for (uint32_t i = 0; i < type_n_fields(v->type); i++) set_lens(v->fields[i], len);
  else if (v->child)
    set_lens(v->child, v->child->len);
}

static int next_once(jsonl_reader *r, arena *ar, batch **out, jsonl_batch_info *info, bool *again, lago_err *err) {
  *again = false;
  if (!r->started) TRY(start(r, err));
  bstate bs;
  memset(&bs, 0, sizeof bs);
  bs.b = batch_new(ar, r->n_fields, r->types, VS);
  bs.colp = arena_alloc(ar, (r->n_fields ? r->n_fields : 1) * sizeof(vec *));
  uint64_t *lines = arena_alloc(ar, VS * sizeof(uint64_t));
  if (!bs.b || !bs.colp || !lines) return LAGO_NOMEM_ERR(err);
  for (uint32_t i = 0; i < r->n_fields; i++) bs.colp[i] = &bs.b->cols[i];
  r->dec.ar = ar;
  r->dec.heap = r->dec.heap_end = NULL;
  uint64_t pos0 = r->pos;
  bool done = false;
  while (bs.n < VS && !done) {
    if (r->o.multi_line) {
      TRY(doc_step(r, &bs, &done, err));
    } else if (r->state == ST_LINE_ARRAY) {
      TRY(line_array_step(r, &bs, err));
    } else {
      TRY(line_step(r, &bs, &done, err));
    }
  }
  if (done && !r->o.multi_line && r->state == ST_TOP) r->end_off = r->pos;
  if (r->o.multi_line) r->end_off = r->pos;
  uint32_t n = bs.n;
  batch_set_rows(bs.b, n);
  for (uint32_t i = 0; i < r->n_fields; i++) set_lens(&bs.b->cols[i], n);
  memcpy(lines, r->row_line, (size_t)n * sizeof(uint64_t));
  uint64_t bytes = r->pos - pos0;
  r->stats.rows += n;
  r->stats.bad_rows += bs.n_bad;
  r->stats.dropped_rows += bs.n_dropped;
  r->stats.rescued_rows += bs.n_resc;
  r->stats.bytes += bytes;
  if (n) r->stats.batches++;
  if (info) {
    info->n_rows = n;
    info->n_bad = bs.n_bad;
    info->n_dropped = bs.n_dropped;
    info->n_rescued = bs.n_resc;
    info->bytes = bytes;
    info->lines = lines;
  }
  *out = bs.b;
  *again = n == 0 && !done;
  return LAGO_OK;
}

int jsonl_reader_next(jsonl_reader *r, arena *ar, batch **out, jsonl_batch_info *info, lago_err *err) {
  *out = NULL;
  if (info) memset(info, 0, sizeof *info);
  bool own = !ar;
  if (own) {
    if (!r->own && !(r->own = arena_new("json batch", (size_t)1 << 20))) return LAGO_NOMEM_ERR(err);
    ar = r->own;
  }
  /* A batch that lost every row is not the end (n_rows == 0 means "done"): go on. */
  for (;;) {
    if (own) arena_reset(ar);
    bool again;
    TRY(next_once(r, ar, out, info, &again, err));
    if (!again) return LAGO_OK;
  }
}

/* ---- inference --------------------------------------------------------------------------- */

int jsonl_reader_infer(jsonl_reader *r, jl_infer_fn fn, void *ud, uint64_t max_records, bool *bad_seen,
                       lago_err *err) {
  r->infer_fn = fn;
  r->infer_ud = ud;
  if (!r->started) TRY(start(r, err));
  bstate bs;
  memset(&bs, 0, sizeof bs);
  bool done = false;
  while (!done && (!max_records || r->infer_count < max_records)) {
    if (r->o.multi_line) TRY(doc_step(r, &bs, &done, err));
    else if (r->state == ST_LINE_ARRAY) TRY(line_array_step(r, &bs, err));
    else TRY(line_step(r, &bs, &done, err));
  }
  *bad_seen = r->infer_bad;
  return LAGO_OK;
}

uint64_t jsonl_reader_records(const jsonl_reader *r) { return r->infer_count; }

/* ---- the rest of the API --------------------------------------------------------------------- */

uint64_t jsonl_reader_first_offset(const jsonl_reader *r) { return r->first_off; }
uint64_t jsonl_reader_end_offset(const jsonl_reader *r) { return r->end_off; }
uint64_t jsonl_reader_lines(const jsonl_reader *r) { return r->line - 1; }
const jsonl_stats *jsonl_reader_stats(const jsonl_reader *r) { return &r->stats; }

const char *jsonl_reader_bad_records(jsonl_reader *r, size_t *len) {
  *len = r->bad.len;
  return buf_cstr(&r->bad);
}

void jsonl_reader_take_bad_records(jsonl_reader *r) {
  buf_clear(&r->bad);
  r->bad_taken = true;
}

int jsonl_write_bad_records(lago_fs *fs, const char *dir, const char *text, size_t len, lago_err *err) {
  if (!len) return LAGO_OK;
  static unsigned long counter;
  char name[160];
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  unsigned long k = __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED);
  snprintf(name, sizeof name, "%04d%02d%02dT%02d%02d%02d/bad_records/part-%05lu-%ld.json", tm.tm_year + 1900,
           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, k, (long)getpid());
  arena *ar = arena_new("json bad records", 512);
  if (!ar) return LAGO_NOMEM_ERR(err);
  char *path = path_join(ar, dir, name);
  int rc = path ? fs_write(fs, path, text, len, false, err) : LAGO_NOMEM_ERR(err);
  arena_free(ar);
  return rc;
}

void jsonl_reader_close(jsonl_reader *r) {
  if (!r) return;
  if (r->bad.len && r->o.bad_records_path && r->fs) {
    lago_err e;
    lago_err_clear(&e);
    (void)jsonl_write_bad_records(r->fs, r->o.bad_records_path, r->bad.data, r->bad.len, &e);
  }
  fs_close(r->f);
  jl_dec_deinit(&r->dec);
  buf_deinit(&r->sbuf);
  buf_deinit(&r->bad);
  buf_deinit(&r->tmp);
  arena_free(r->meta);
  arena_free(r->own);
  mem_free(r->types);
  mem_free(r->buf);
  mem_free(r->path);
  mem_free(r);
}
