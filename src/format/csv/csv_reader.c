/*
** format/csv/csv_reader.c: one CSV file (or byte range) into lago batches.
**
** Per call of csv_reader_next, two phases:
**   1. tokenize: up to LAGO_VECTOR_SIZE records from the chunk buffer into
**      column-major token arrays (offset, length|flags per field) and row
**      arrays (record span, line, field count, malformation reason);
**   2. decode: one tight loop per column and type from tokens into the
**      batch's vectors; then modes (corrupt column, drop, fail) per row.
**
** The chunk buffer and record boundaries (file offsets grow to the right):
**
**      buf_off                                          buf_off+len  (+ sentinel)
**      |<-------------------------- buf ---------------------->|
**      | consumed | bstart: rows of this batch ... | pos: partial record |
**                   ^ token offsets are relative to bstart
**
**   When the tokenizer meets the end of the buffer inside a record (and the
**   file goes on), the bytes from bstart on are moved to the front (so the
**   batch's tokens stay valid), the buffer grows if it is full, the next
**   chunk (1 MiB, or the partial record again if that is longer) is read
**   behind them and the record is tokenized again from its start (format/
**   text's txt_input, shared with the JSON reader). Memory: about 2 chunks +
**   the rows of one batch + the longest record. A sentinel byte after the
**   data stops the scan loops without a bounds check per byte.
**
**   A range reader [start, end) owns the records whose first byte lies in
**   [first, end), first = 0 (then BOM and header are skipped) or `start`
**   when exact, else the byte after the first line break at or after
**   start - 1. It reads past `end` to finish its last record and stops at
**   the first record start >= end (csv_reader_end_offset); see csv_scan.c.
**
** Untrusted input: every length is checked against the buffer; a field
** longer than 2^29-1 bytes (or maxCharsPerColumn) and a record with more
** than maxColumns fields are errors (LAGO_CORRUPT), never overflows.
*/
#include <stdio.h>
#include <string.h>

#include "format/csv/csv_int.h"
#include "util/alloc.h"

#define VS LAGO_VECTOR_SIZE
#define SENTINEL_PAD 16

/* Character classes for the scan loops. */
enum { C_DATA = 0, C_SEP = 1, C_NL = 2, C_QUOTE = 4, C_ESC = 8 };

struct csv_reader {
  txt_reader t;               /* first: file, range, offsets, line, stats, bad records (format/text) */
  csv_options o;              /* copy; its strings are borrowed from the caller */
  csv_dec dec;
  lago_type schema;           /* borrowed */
  uint32_t n_fields;          /* schema fields */
  int corrupt_idx;            /* schema field of the corrupt-record column, -1 */
  uint32_t n_cols;            /* CSV columns decoded (schema fields minus corrupt) */
  uint32_t *col_field;        /* CSV column -> schema field */
  lago_type *types;           /* schema field types */
  bool raw;                   /* inference mode: tokens only */
  bool raw_sized;             /* raw: n_cols decided */

  bool done;                  /* the range (or file) is finished */
  size_t pos, bstart;         /* indices into t.in.buf (SENTINEL_PAD bytes after the data): the next
                                 record, the batch start; t.line is the physical line of pos */

  uint32_t *tok_off, *tok_len;/* [n_cols * (VS+1)], column-major; row VS is scratch */
  uint32_t tok_cols;          /* columns the token arrays were sized for */
  uint32_t row_off[VS + 1], row_len[VS + 1], row_nf[VS + 1], row_badcol[VS + 1];
  uint64_t row_line[VS + 1];
  uint8_t row_bad[VS + 1];
  uint32_t n_rows;
  buf esc;                    /* unescaped field bytes of this batch */
  buf tmp;                    /* scratch (UTF-8 repair, messages) */

  char **hdr;                 /* header names (meta arena) */
  uint32_t n_hdr;
  arena *meta;                /* reader lifetime: header names */
  uint8_t cls[256];           /* unquoted scan: stop at sep[0], line breaks */
  uint8_t qcls[256];          /* quoted scan: stop at quote, escape, line breaks */
  size_t max_len;             /* longest field accepted (maxCharsPerColumn, 2^29-1) */
  const char *empty_pad;      /* emptyValue followed by 16 zero bytes (meta arena) */
  uint64_t m_sep, m_nl, m_cr; /* sep[0], line break bytes repeated 8 times (SWAR scan) */
};

/* ---- small helpers ---------------------------------------------------------- */

static bool is_nl(const csv_reader *r, unsigned char c) {
  return r->o.line_sep < 0 ? (c == '\n' || c == '\r') : c == (unsigned)r->o.line_sep;
}

static const char *col_name(const csv_reader *r, uint32_t c) {
  if (c < r->n_cols && r->schema.nested) return type_field_at(r->schema, r->col_field[c])->name;
  return "?";
}

/* ---- opening ------------------------------------------------------------------ */

static void build_classes(csv_reader *r) {
  memset(r->cls, 0, sizeof r->cls);
  memset(r->qcls, 0, sizeof r->qcls);
  r->cls[(unsigned char)r->o.sep[0]] |= C_SEP;
  if (r->o.line_sep < 0) {
    r->cls['\n'] |= C_NL;
    r->cls['\r'] |= C_NL;
    r->qcls['\n'] |= C_NL;
    r->qcls['\r'] |= C_NL;
  } else {
    r->cls[(unsigned char)r->o.line_sep] |= C_NL;
    r->qcls[(unsigned char)r->o.line_sep] |= C_NL;
  }
  if (r->o.quote >= 0) r->qcls[r->o.quote] |= C_QUOTE;
  if (r->o.escape >= 0 && r->o.escape != r->o.quote) r->qcls[r->o.escape] |= C_ESC;
}

static int set_schema(csv_reader *r, lago_type schema, lago_err *err) {
  if (schema.id != LT_STRUCT) return LAGO_ERR(err, LAGO_BIND, "%s: csv schema must be a STRUCT", r->t.path);
  r->schema = schema;
  r->n_fields = type_n_fields(schema);
  r->corrupt_idx = -1;
  r->types = mem_calloc(r->n_fields ? r->n_fields : 1, sizeof *r->types);
  r->col_field = mem_calloc(r->n_fields ? r->n_fields : 1, sizeof *r->col_field);
  if (!r->types || !r->col_field) return LAGO_NOMEM_ERR(err);
  for (uint32_t i = 0; i < r->n_fields; i++) {
    const type_field *fd = type_field_at(schema, i);
    r->types[i] = fd->type;
    if (r->o.corrupt_column && fd->name && r->corrupt_idx < 0 && !strcmp(fd->name, r->o.corrupt_column)) {
      if (fd->type.id != LT_STRING)
        return LAGO_ERR(err, LAGO_BIND, "%s: the corrupt record column '%s' must be STRING", r->t.path, fd->name);
      r->corrupt_idx = (int)i;
      continue;
    }
    if (type_is_nested(fd->type) || fd->type.id == LT_NULL || fd->type.id == LT_INTERVAL || fd->type.id == LT_UUID)
      return LAGO_ERR(err, LAGO_UNSUPPORTED, "%s: csv cannot read column '%s' as %s", r->t.path, fd->name,
                      type_id_name((lago_type_id)fd->type.id));
    r->col_field[r->n_cols++] = i;
  }
  return LAGO_OK;
}

static int open_common(lago_fs *fs, const char *path, const csv_options *opts, uint64_t start, uint64_t end,
                       bool exact_start, csv_reader **out, lago_err *err) {
  *out = NULL;
  TRY(csv_options_check(opts, err));
  csv_reader *r = mem_calloc(1, sizeof *r);
  if (!r) return LAGO_NOMEM_ERR(err);
  r->o = *opts;
  buf_init(&r->esc);
  buf_init(&r->tmp);
  int rc = txt_reader_init(&r->t, fs, path, r->o.bad_records_path, start, end, exact_start, err);
  r->meta = arena_new("csv reader", 1024);
  if (!rc && (!r->meta || buf_reserve(&r->esc, 256) || buf_reserve(&r->tmp, 256))) rc = LAGO_NOMEM_ERR(err);
  if (!rc) rc = csv_dec_init(&r->dec, &r->o, err);
  if (!rc) rc = txt_input_init(&r->t.in, fs, r->t.path, SENTINEL_PAD, r->o.line_sep < 0 ? '\n' : r->o.line_sep, err);
  r->t.in.range_end = end;
  char *pad = NULL;
  size_t ev = strlen(r->o.empty_value);
  if (!rc && !(pad = arena_zalloc(r->meta, ev + 16))) rc = LAGO_NOMEM_ERR(err);
  if (rc) {
    csv_reader_close(r);
    return rc;
  }
  build_classes(r);
  memcpy(pad, r->o.empty_value, ev);
  r->empty_pad = pad;
  r->m_sep = 0x0101010101010101ull * (unsigned char)r->o.sep[0];
  r->m_nl = 0x0101010101010101ull * (unsigned)(r->o.line_sep < 0 ? '\n' : r->o.line_sep);
  r->m_cr = 0x0101010101010101ull * (unsigned)(r->o.line_sep < 0 ? '\r' : r->o.line_sep);
  r->max_len = TOK_LEN_MASK;
  if (r->o.max_chars_per_column >= 0 && (uint64_t)r->o.max_chars_per_column < r->max_len)
    r->max_len = (size_t)r->o.max_chars_per_column;
  *out = r;
  return LAGO_OK;
}

int csv_reader_open_range(lago_fs *fs, const char *path, uint64_t start, uint64_t end, bool exact_start,
                          const csv_options *opts, lago_type schema, csv_reader **out, lago_err *err) {
  csv_reader *r;
  *out = NULL;
  TRY(open_common(fs, path, opts, start, end, exact_start, &r, err));
  int rc = set_schema(r, schema, err);
  if (rc) {
    csv_reader_close(r);
    return rc;
  }
  *out = r;
  return LAGO_OK;
}

int csv_reader_open(lago_fs *fs, const char *path, const csv_options *opts, lago_type schema, csv_reader **out,
                    lago_err *err) {
  return csv_reader_open_range(fs, path, 0, UINT64_MAX, true, opts, schema, out, err);
}

int csv_reader_open_raw(lago_fs *fs, const char *path, const csv_options *opts, csv_reader **out, lago_err *err) {
  csv_reader *r;
  TRY(open_common(fs, path, opts, 0, UINT64_MAX, true, &r, err));
  r->raw = true;
  r->corrupt_idx = -1;
  *out = r;
  return LAGO_OK;
}

void csv_reader_set_chunk(csv_reader *r, size_t chunk) {
  if (chunk >= 1) r->t.in.chunk = chunk;
}

void csv_reader_set_line(csv_reader *r, uint64_t line) { r->t.line = line; }
uint64_t csv_reader_line(const csv_reader *r) { return r->t.line; }

/* ---- input buffer ---------------------------------------------------------------- */

/*
** Reads the next piece of input behind the data, keeping the bytes from
** bstart on (token offsets are relative to it, so they survive the move).
** At least the current partial record again is read, so a record longer
** than a chunk costs a logarithmic number of re-scans. *got = bytes read
** (0 at the end of the file).
*/
static int fill(csv_reader *r, size_t *got, lago_err *err) {
  uint64_t old = r->t.in.buf_off;
  TRY(txt_input_fill(&r->t.in, old + r->bstart, r->t.in.len - r->pos, got, err));
  size_t moved = (size_t)(r->t.in.buf_off - old);
  r->pos -= moved;
  r->bstart -= moved;
  return LAGO_OK;
}

static inline bool at_eof(const csv_reader *r) { return txt_input_eof(&r->t.in); }

/* ---- record parser ------------------------------------------------------------------ */

typedef struct rec_out {
  uint32_t *off, *len; /* token arrays (index c * stride + row) or NULL */
  uint32_t stride, row, n_store;
  uint32_t nf;         /* fields seen */
  uint8_t bad;         /* BAD_* */
  uint32_t badcol;
  size_t term;         /* buffer index where the record's text ends (line break or EOF) */
  uint64_t lines;      /* line breaks inside quoted fields */
  size_t *starts;      /* optional: field start index per column (error messages) */
  uint32_t n_starts;
} rec_out;

enum { REC_MORE = 0, REC_OK = 1 };

static inline bool sep_at(const csv_reader *r, const char *p, const char *e) {
  if (r->o.sep_len == 1) return *p == r->o.sep[0] && p < e;
  return (size_t)(e - p) >= r->o.sep_len && memcmp(p, r->o.sep, r->o.sep_len) == 0;
}

static int __attribute__((noinline, cold)) too_long(csv_reader *r, uint32_t col, size_t len, lago_err *err) {
  return LAGO_ERR(err, LAGO_CORRUPT, "%s:%llu: field %u is longer than %s (%zu bytes)", r->t.path,
                  (unsigned long long)(r->t.line), col + 1,
                  r->o.max_chars_per_column >= 0 ? "maxCharsPerColumn" : "the limit", len);
}

/* Exact: 0x80 in each byte of x that is zero, 0 elsewhere. */
static inline uint64_t zero_bytes(uint64_t x) {
  uint64_t t = (x & 0x7f7f7f7f7f7f7f7full) + 0x7f7f7f7f7f7f7f7full;
  return ~(t | x | 0x7f7f7f7f7f7f7f7full);
}

/* Bytes of w that are the separator or a line break (patterns repeated 8 times). */
static inline uint64_t stop_bytes(uint64_t w, uint64_t ms, uint64_t mn, uint64_t mc) {
  return zero_bytes(w ^ ms) | zero_bytes(w ^ mn) | zero_bytes(w ^ mc);
}

/* Records token `col` of the current row (when it is one the caller keeps). */
static inline int store(csv_reader *r, rec_out *ro, uint32_t col, uint32_t off, size_t len, uint32_t flags,
                        lago_err *err) {
  if (__builtin_expect(len > r->max_len, 0)) return too_long(r, col, len, err);
  if (col < ro->n_store && ro->off) {
    ro->off[col * ro->stride + ro->row] = off;
    ro->len[col * ro->stride + ro->row] = (uint32_t)len | flags;
  }
  return LAGO_OK;
}

/*
** Parses one record starting at buf[*ppos]. On REC_OK, *ppos is past the
** record and its line break. REC_MORE: the buffer ends inside the record and
** the file goes on (nothing is committed; the escape buffer is rolled back).
** Errors: LAGO_CORRUPT for maxColumns / field size limits.
*/
static int parse_record(csv_reader *r, size_t *ppos, rec_out *ro, int *status, lago_err *err) {
  const char *base = r->t.in.buf + r->bstart;
  const char *p = r->t.in.buf + *ppos, *e = r->t.in.buf + r->t.in.len;
  const bool eof = at_eof(r);
  const int q = r->o.quote, esc = r->o.escape;
  const bool ml = r->o.multi_line, lead = r->o.ignore_leading_ws, trail = r->o.ignore_trailing_ws;
  const uint8_t *cls = r->cls, *qcls = r->qcls;
  const unsigned char sep0 = (unsigned char)r->o.sep[0];
  size_t esc_mark = r->esc.len;
  uint32_t col = 0;
  ro->nf = 0;
  ro->bad = BAD_NONE;
  ro->badcol = 0;
  ro->lines = 0;
  const uint32_t col_limit = r->o.max_columns;
  const bool fast = r->o.sep_len == 1 && !lead && !trail && !ro->starts && ro->off;
  /* Locals, not ro->...: stores through the token arrays could alias ro's fields. */
  uint32_t *const t_off = ro->off, *const t_len = ro->len;
  const uint32_t stride = ro->stride, n_store = ro->n_store;
  const size_t max_len = r->max_len;
  size_t ti = ro->row; /* token index of column col */
  for (;;) {
    if (fast) {
      /* Unquoted fields with a one-byte separator: the common case, kept tight. */
      /* Eight bytes at a time: `mm` flags every separator or line break in
      ** the word at `wb` (exactly), so several short fields share one load;
      ** the sentinel after the data guarantees a stop within reach. */
      const uint64_t ms = r->m_sep, mn = r->m_nl, mc = r->m_cr;
      const char *wb = p;
      uint64_t mm = stop_bytes(load_le64(wb), ms, mn, mc);
      while ((int)(unsigned char)*p != q && col < col_limit) {
        const char *cs = p;
        size_t k = (size_t)(p - wb);
        if (k >= 8) {
          wb = p;
          mm = stop_bytes(load_le64(wb), ms, mn, mc);
        } else {
          mm &= ~(uint64_t)0 << (8 * k);
        }
        while (!mm) {
          wb += 8;
          mm = stop_bytes(load_le64(wb), ms, mn, mc);
        }
        p = wb + (__builtin_ctzll(mm) >> 3);
        if (__builtin_expect(p >= e, 0)) {
          if (!eof) goto more;
          p = e;
        }
        if (col < n_store) {
          size_t len = (size_t)(p - cs);
          if (__builtin_expect(len > max_len, 0)) return too_long(r, col, len, err);
          t_off[ti] = (uint32_t)(cs - base);
          t_len[ti] = (uint32_t)len;
          ti += stride;
        } else {
          TRY(store(r, ro, col, (uint32_t)(cs - base), (size_t)(p - cs), 0, err));
        }
        col++;
        if (p < e && (unsigned char)*p == sep0) {
          p++;
          continue;
        }
        goto record_end;
      }
    }
    if (col >= r->o.max_columns)
      return LAGO_ERR(err, LAGO_CORRUPT, "%s:%llu: record has more than maxColumns (%u) fields", r->t.path,
                      (unsigned long long)r->t.line, r->o.max_columns);
    if (ro->starts && col < ro->n_starts) ro->starts[col] = (size_t)(p - r->t.in.buf);
    const char *fstart = p;
    if (lead)
      while (p < e && (unsigned char)*p <= ' ' && *p != (char)sep0 && !is_nl(r, (unsigned char)*p)) p++;
    if (p < e && (int)(unsigned char)*p == q) {
      /* ---- quoted field ---- */
      const char *cs = ++p, *seg = cs;
      bool copied = false;
      size_t esc_start = r->esc.len;
      const char *cend;
      for (;;) {
        while (!qcls[(unsigned char)*p]) p++;
        if (p >= e) {
          if (!eof) goto more;
          cend = e; /* unterminated at the end of the file */
          if (!ro->bad) { ro->bad = BAD_QUOTE; ro->badcol = col; }
          break;
        }
        unsigned char c = (unsigned char)*p;
        if ((int)c == q) {
          if (p + 1 >= e && !eof) goto more;
          if (p + 1 < e && (int)(unsigned char)p[1] == q) { /* "" is a quote (RFC 4180) */
            if (buf_append(&r->esc, seg, (size_t)(p + 1 - seg))) goto nomem;
            copied = true;
            p += 2;
            seg = p;
            continue;
          }
          cend = p++;
          /* After the closing quote: separator, line break or end, else an unescaped quote. */
          const char *a = p;
          if (trail)
            while (a < e && (*a == ' ' || *a == '\t') && *a != (char)sep0) a++;
          if (a >= e || is_nl(r, (unsigned char)*a) || sep_at(r, a, e)) {
            if (a >= e && !eof) goto more;
            p = a;
            break;
          }
          /* Unescaped quote inside a quoted value. */
          switch (r->o.unescaped_quote) {
            case CSV_UQ_STOP_AT_CLOSING_QUOTE:
              if (buf_append(&r->esc, seg, (size_t)(p - seg))) goto nomem; /* keeps the quote */
              copied = true;
              seg = p;
              continue;
            case CSV_UQ_BACK_TO_DELIMITER:
            case CSV_UQ_STOP_AT_DELIMITER:
            case CSV_UQ_SKIP_VALUE:
            case CSV_UQ_RAISE_ERROR: {
              const char *t = p;
              while (!(cls[(unsigned char)*t]) || ((cls[(unsigned char)*t] & C_SEP) && !sep_at(r, t, e) && t < e)) t++;
              if (t >= e && !eof) goto more;
              if (t > e) t = e;
              if (r->o.unescaped_quote == CSV_UQ_STOP_AT_DELIMITER) {
                if (buf_append(&r->esc, seg, (size_t)(t - seg))) goto nomem;
                copied = true;
                seg = cend = t;
              } else if (r->o.unescaped_quote == CSV_UQ_BACK_TO_DELIMITER) {
                r->esc.len = esc_start;
                if (buf_append(&r->esc, fstart, (size_t)(t - fstart))) goto nomem;
                copied = true;
                seg = cend = t;
              } else {
                if (r->o.unescaped_quote == CSV_UQ_RAISE_ERROR && !ro->bad) {
                  ro->bad = BAD_UNESCAPED;
                  ro->badcol = col;
                }
                r->esc.len = esc_start;
                copied = true; /* empty value: read as null below */
                seg = cend = t;
              }
              p = t;
              goto field_done_q;
            }
          }
        } else if (qcls[c] & C_ESC) {
          if (p + 1 >= e && !eof) goto more;
          if (p + 1 < e && ((int)(unsigned char)p[1] == q || (unsigned char)p[1] == (unsigned)esc)) {
            if (buf_append(&r->esc, seg, (size_t)(p - seg))) goto nomem;
            if (buf_putc(&r->esc, p[1])) goto nomem;
            copied = true;
            p += 2;
            seg = p;
          } else {
            p++; /* a lone escape is data */
          }
        } else { /* line break inside quotes */
          if (ml) {
            if (c == '\r' && p + 1 >= e && !eof) goto more;
            if (c == '\r' && p + 1 < e && p[1] == '\n') p++;
            p++;
            ro->lines++;
            continue;
          }
          cend = p; /* multiLine=false: a record never spans lines */
          if (!ro->bad) { ro->bad = BAD_QUOTE; ro->badcol = col; }
          break;
        }
      }
      if (copied) {
        if (seg < cend && buf_append(&r->esc, seg, (size_t)(cend - seg))) goto nomem;
      }
    field_done_q:
      if (copied) {
        TRY(store(r, ro, col, (uint32_t)esc_start, r->esc.len - esc_start, TOK_ESC | TOK_QUOTED, err));
        if (r->o.unescaped_quote >= CSV_UQ_SKIP_VALUE && r->esc.len == esc_start && cend == p && seg == p &&
            ro->off && col < ro->n_store) {
          /* SKIP_VALUE / RAISE_ERROR: an unquoted empty value, i.e. null */
          ro->len[col * ro->stride + ro->row] &= ~TOK_QUOTED;
        }
      } else {
        TRY(store(r, ro, col, (uint32_t)(cs - base), (size_t)(cend - cs), TOK_QUOTED, err));
      }
    } else {
      /* ---- unquoted field ---- */
      const char *cs = p;
      for (;;) {
        while (!cls[(unsigned char)*p]) p++;
        if (p >= e || !(cls[(unsigned char)*p] & C_SEP) || r->o.sep_len == 1 || sep_at(r, p, e)) break;
        p++; /* first byte of a multi-byte separator only */
      }
      if (p >= e) {
        if (!eof) goto more;
        p = e;
      }
      const char *ce = p;
      if (trail)
        while (ce > cs && (unsigned char)ce[-1] <= ' ' && ce[-1] != (char)sep0) ce--;
      TRY(store(r, ro, col, (uint32_t)(cs - base), (size_t)(ce - cs), 0, err));
    }
    col++;
    ti += stride;
    if (p < e && sep_at(r, p, e)) {
      p += r->o.sep_len;
      continue;
    }
    break;
  }
record_end:
  ro->nf = col;
  /* Line break (or the end of the input). */
  ro->term = (size_t)(p - r->t.in.buf);
  if (p < e) {
    if (*p == '\r' && r->o.line_sep < 0) {
      if (p + 1 >= e && !eof) goto more;
      p++;
      if (p < e && *p == '\n') p++;
    } else {
      p++;
    }
  }
  *ppos = (size_t)(p - r->t.in.buf);
  *status = REC_OK;
  return LAGO_OK;
more:
  r->esc.len = esc_mark;
  *status = REC_MORE;
  return LAGO_OK;
nomem:
  r->esc.len = esc_mark;
  return LAGO_NOMEM_ERR(err);
}

/*
** At a record start: skips empty lines, whitespace-only lines
** (multiLine=false, as Spark) and comment lines. Returns REC_OK when pos is at
** a real record (or the end), REC_MORE when the buffer ends first.
*/
static int skip_blank(csv_reader *r, int *status) {
  const char *e = r->t.in.buf + r->t.in.len;
  for (;;) {
    const char *p = r->t.in.buf + r->pos;
    if (p >= e) break;
    unsigned char c = (unsigned char)*p;
    bool comment = r->o.comment >= 0 && (int)c == r->o.comment;
    if (!comment && c > ' ') break;
    /* Find the end of this line. */
    const char *t = p;
    bool blank = true;
    while (t < e && !is_nl(r, (unsigned char)*t)) {
      if ((unsigned char)*t > ' ') {
        blank = false;
        if (!comment) break; /* a record: no need to find its end here */
      }
      t++;
    }
    if (!comment && (!blank || (r->o.multi_line && t != p))) break;
    if (t >= e) {
      if (!at_eof(r)) { *status = REC_MORE; return LAGO_OK; }
      r->pos = r->t.in.len;
      break;
    }
    if (*t == '\r' && r->o.line_sep < 0) {
      if (t + 1 >= e && !at_eof(r)) { *status = REC_MORE; return LAGO_OK; }
      if (t + 1 < e && t[1] == '\n') t++;
    }
    r->pos = (size_t)(t + 1 - r->t.in.buf);
    r->t.line++;
  }
  *status = REC_OK;
  return LAGO_OK;
}

/* ---- start: BOM, header, range start ------------------------------------------------ */

static int need_more(csv_reader *r, lago_err *err, bool *got_any) {
  size_t got;
  TRY(fill(r, &got, err));
  *got_any = got > 0;
  return LAGO_OK;
}

static int read_header(csv_reader *r, lago_err *err) {
  for (;;) {
    int st;
    TRY(skip_blank(r, &st));
    bool got = true;
    if (st == REC_MORE) {
      r->bstart = r->pos;
      TRY(need_more(r, err, &got));
      continue;
    }
    if (r->pos >= r->t.in.len) {
      if (!at_eof(r)) {
        r->bstart = r->pos;
        TRY(need_more(r, err, &got));
        continue;
      }
      return LAGO_OK; /* empty file: no header */
    }
    r->bstart = r->pos;
    rec_out ro;
    memset(&ro, 0, sizeof ro);
    size_t pos = r->pos;
    TRY(parse_record(r, &pos, &ro, &st, err));
    if (st == REC_MORE) {
      TRY(need_more(r, err, &got));
      continue;
    }
    /* Second pass storing every field (now that the count is known). */
    uint32_t nf = ro.nf;
    uint32_t *off = arena_alloc(r->meta, (size_t)nf * 4), *len = arena_alloc(r->meta, (size_t)nf * 4);
    r->hdr = arena_alloc(r->meta, (size_t)(nf ? nf : 1) * sizeof(char *));
    if (!off || !len || !r->hdr) return LAGO_NOMEM_ERR(err);
    buf_clear(&r->esc);
    ro.off = off;
    ro.len = len;
    ro.stride = 1;
    ro.row = 0;
    ro.n_store = nf;
    pos = r->pos;
    TRY(parse_record(r, &pos, &ro, &st, err));
    for (uint32_t c = 0; c < nf; c++) {
      const char *s = (len[c] & TOK_ESC) ? r->esc.data + off[c] : r->t.in.buf + r->bstart + off[c];
      r->hdr[c] = arena_strndup(r->meta, s, len[c] & TOK_LEN_MASK);
      if (!r->hdr[c]) return LAGO_NOMEM_ERR(err);
    }
    r->n_hdr = nf;
    buf_clear(&r->esc);
    r->t.line += 1 + ro.lines;
    r->pos = pos;
    r->bstart = pos;
    return LAGO_OK;
  }
}

static int check_header(csv_reader *r, lago_err *err) {
  if (r->raw || r->o.enforce_schema || !r->hdr) return LAGO_OK;
  if (r->n_hdr != r->n_cols)
    return LAGO_ERR(err, LAGO_BIND, "%s: CSV header has %u columns, the schema %u (enforceSchema=false)", r->t.path,
                    r->n_hdr, r->n_cols);
  for (uint32_t c = 0; c < r->n_cols; c++)
    if (strcasecmp(r->hdr[c], col_name(r, c)) != 0)
      return LAGO_ERR(err, LAGO_BIND,
                      "%s: CSV header does not conform to the schema: column %u is '%s' in the header, '%s' in "
                      "the schema (enforceSchema=false)",
                      r->t.path, c + 1, r->hdr[c], col_name(r, c));
  return LAGO_OK;
}

/* Positions pos at the first owned record. */
static int start(csv_reader *r, lago_err *err) {
  r->t.started = true;
  bool got;
  if (r->t.range_start >= r->t.in.f->size && r->t.range_start > 0) {
    r->t.first_off = r->t.end_off = r->t.range_start;
    r->done = true;
    return LAGO_OK;
  }
  if (r->t.range_start == 0) {
    bool bom;
    txt_input_seek(&r->t.in, 0);
    TRY(txt_input_bom(&r->t.in, &bom, err));
    if (bom) r->pos = 3;
    if (r->o.header) TRY(read_header(r, err));
    TRY(check_header(r, err));
  } else if (r->t.exact_start) {
    txt_input_seek(&r->t.in, r->t.range_start);
    TRY(need_more(r, err, &got));
  } else {
    /* Guess: the record starts after the first line break at or after start - 1. */
    uint64_t le, next;
    txt_input_seek(&r->t.in, r->t.range_start - 1);
    TRY(txt_input_line(&r->t.in, r->t.range_start - 1, r->o.line_sep, UINT64_MAX, UINT64_MAX, r->t.line, &le, &next, err));
    r->pos = (size_t)(next - r->t.in.buf_off);
    /* Line numbers are not known in a guessed range: counted from the range start. */
  }
  r->bstart = r->pos;
  r->t.first_off = r->t.in.buf_off + r->pos;
  r->t.end_off = r->t.first_off;
  return LAGO_OK;
}

/* ---- tokenizing a batch ---------------------------------------------------------------- */

static int ensure_tokens(csv_reader *r, lago_err *err) {
  if (r->tok_off && r->tok_cols >= r->n_cols) return LAGO_OK;
  mem_free(r->tok_off);
  mem_free(r->tok_len);
  size_t n = (size_t)(r->n_cols ? r->n_cols : 1) * (VS + 1);
  r->tok_off = mem_alloc(n * 4);
  r->tok_len = mem_alloc(n * 4);
  if (!r->tok_off || !r->tok_len) return LAGO_NOMEM_ERR(err);
  r->tok_cols = r->n_cols;
  return LAGO_OK;
}

/*
** Fills the row and token arrays with up to VS records (fewer at the end of
** the range or input). Reads more input as needed.
*/
static int tokenize(csv_reader *r, lago_err *err) {
  if (!r->t.started) TRY(start(r, err));
  r->n_rows = 0;
  buf_clear(&r->esc);
  r->bstart = r->pos;
  if (r->done) return LAGO_OK;
  if (r->raw && !r->raw_sized) {
    /* Inference: columns from the header, else from the first record. */
    if (r->hdr) {
      r->n_cols = r->n_hdr;
    } else {
      for (;;) {
        int st;
        TRY(skip_blank(r, &st));
        bool got;
        if (st == REC_MORE || (r->pos >= r->t.in.len && !at_eof(r))) {
          r->bstart = r->pos;
          TRY(need_more(r, err, &got));
          continue;
        }
        if (r->pos >= r->t.in.len) break;
        r->bstart = r->pos;
        rec_out ro;
        memset(&ro, 0, sizeof ro);
        size_t pos = r->pos;
        TRY(parse_record(r, &pos, &ro, &st, err));
        if (st == REC_MORE) {
          TRY(need_more(r, err, &got));
          continue;
        }
        r->n_cols = ro.nf;
        break;
      }
      buf_clear(&r->esc);
    }
    r->raw_sized = true;
  }
  TRY(ensure_tokens(r, err));
  rec_out ro;
  memset(&ro, 0, sizeof ro);
  ro.off = r->tok_off;
  ro.len = r->tok_len;
  ro.stride = VS + 1;
  ro.n_store = r->n_cols;
  while (r->n_rows < VS) {
    int st;
    if (r->t.in.buf_off + r->pos >= r->t.range_end) {
      r->done = true;
      break;
    }
    unsigned char c0 = (unsigned char)r->t.in.buf[r->pos]; /* the sentinel when pos == len */
    st = REC_OK;
    if (c0 <= ' ' || (int)c0 == r->o.comment || r->pos >= r->t.in.len) TRY(skip_blank(r, &st));
    bool got;
    if (st == REC_MORE) {
      TRY(need_more(r, err, &got));
      continue;
    }
    if (r->pos >= r->t.in.len) {
      if (!at_eof(r)) {
        TRY(need_more(r, err, &got));
        continue;
      }
      r->done = true;
      break;
    }
    if (r->t.in.buf_off + r->pos >= r->t.range_end) {
      r->done = true;
      break;
    }
    uint32_t row = r->n_rows;
    ro.row = row;
    size_t pos = r->pos;
    TRY(parse_record(r, &pos, &ro, &st, err));
    if (st == REC_MORE) {
      TRY(need_more(r, err, &got));
      continue;
    }
    if (pos - r->bstart > UINT32_MAX || r->esc.len > UINT32_MAX) /* offsets are 32-bit */
      return LAGO_ERR(err, LAGO_CORRUPT, "%s:%llu: record too large (more than 4 GiB)", r->t.path,
                      (unsigned long long)r->t.line);
    r->row_off[row] = (uint32_t)(r->pos - r->bstart);
    r->row_len[row] = (uint32_t)(ro.term - r->pos);
    r->row_line[row] = r->t.line;
    r->row_nf[row] = ro.nf;
    r->row_bad[row] = ro.bad;
    r->row_badcol[row] = ro.badcol;
    if (ro.nf != r->n_cols && !r->raw) {
      if (!ro.bad) {
        r->row_bad[row] = BAD_COUNT;
        r->row_badcol[row] = ro.nf < r->n_cols ? ro.nf : r->n_cols;
      }
      for (uint32_t c = ro.nf; c < r->n_cols; c++) r->tok_len[c * (VS + 1) + row] = TOK_MISSING;
    } else if (r->raw) {
      for (uint32_t c = ro.nf; c < r->n_cols; c++) r->tok_len[c * (VS + 1) + row] = TOK_MISSING;
    }
    r->t.line += 1 + ro.lines;
    r->pos = pos;
    r->n_rows++;
    /* Offsets are 32-bit from bstart: end the batch early on huge inputs. */
    if (r->pos - r->bstart > ((size_t)1 << 31)) break;
  }
  r->t.end_off = r->t.in.buf_off + r->pos;
  return LAGO_OK;
}

static inline const char *tok_ptr(const csv_reader *r, uint32_t off, uint32_t lw) {
  return (lw & TOK_ESC) ? r->esc.data + off : r->t.in.buf + r->bstart + off;
}

/* ---- decoding ------------------------------------------------------------------------------ */

/* Null test and text of a token: returns true when the value is null. */
static inline bool field_text(const csv_reader *r, uint32_t off, uint32_t lw, const char **s, uint32_t *n) {
  if (lw & TOK_MISSING) return true;
  uint32_t len = lw & TOK_LEN_MASK;
  const char *p = tok_ptr(r, off, lw);
  if (len == 0) {
    if (!(lw & TOK_QUOTED)) return true;
    p = r->empty_pad; /* padded: decoders may read 8 bytes past any field */
    len = (uint32_t)strlen(p);
    if (!strcmp(p, r->o.null_value)) return true;
  } else if (r->o.null_value[0] && strlen(r->o.null_value) == len && !memcmp(p, r->o.null_value, len)) {
    return true;
  }
  *s = p;
  *n = len;
  return false;
}

static void mark_bad(csv_reader *r, uint32_t row, uint8_t why, uint32_t col) {
  if (!r->row_bad[row]) {
    r->row_bad[row] = why;
    r->row_badcol[row] = col;
  }
}

/* True if s[0..n) is ASCII (the common case, checked inline). */
static inline bool ascii(const char *s, uint32_t n) {
  uint64_t acc = 0, w;
  uint32_t i = 0;
  for (; i + 8 <= n; i += 8) {
    memcpy(&w, s + i, 8);
    acc |= w;
  }
  for (; i < n; i++) acc |= (unsigned char)s[i];
  return !(acc & 0x8080808080808080ull);
}

static int decode_strings(csv_reader *r, uint32_t c, vec *v, uint32_t n, lago_err *err) {
  const uint32_t *off = r->tok_off + (size_t)c * (VS + 1), *lw = r->tok_len + (size_t)c * (VS + 1);
  lago_str *out = VEC_DATA(v, lago_str);
  bool check_utf8 = v->type.id == LT_STRING;
  const char *base = r->t.in.buf + r->bstart;
  const size_t nv_len = strlen(r->o.null_value);
  for (uint32_t i = 0; i < n; i++) {
    const char *s;
    uint32_t len, w = lw[i];
    /* Fast path: 1..12 ASCII bytes in the chunk buffer (16 readable bytes
    ** are guaranteed there by the sentinel pad): build the inline view with
    ** two loads and masks. */
    len = w & TOK_LEN_MASK;
    if (!(w & (TOK_ESC | TOK_MISSING)) && len - 1 < LAGO_STR_INLINE && len != nv_len) {
      const char *p = base + off[i];
      uint64_t lo, hi = 0;
      uint32_t h32;
      memcpy(&lo, p, 8);
      memcpy(&h32, p + 8, 4);
      if (len < 8) lo &= ((uint64_t)1 << (8 * len)) - 1;
      if (len > 8) hi = h32 & (((uint64_t)1 << (8 * (len - 8))) - 1);
      if (!check_utf8 || !((lo | hi) & 0x8080808080808080ull)) {
        uint32_t h = (uint32_t)hi;
        char *d = (char *)&out[i];
        memcpy(d, &len, 4);
        memcpy(d + 4, &lo, 8);
        memcpy(d + 12, &h, 4);
        continue;
      }
    }
    if (field_text(r, off[i], w, &s, &len)) {
      TRY(vec_set_null(v, i) ? LAGO_NOMEM_ERR(err) : LAGO_OK);
      continue;
    }
    if (check_utf8 && !ascii(s, len) && !txt_utf8_valid(s, len)) {
      if (r->o.mode != CSV_PERMISSIVE || r->o.bad_records_path) {
        mark_bad(r, i, BAD_UTF8, c);
        if (vec_set_null(v, i)) return LAGO_NOMEM_ERR(err);
        continue;
      }
      /* PERMISSIVE: as Spark's decoder, invalid bytes become U+FFFD. */
      buf_clear(&r->tmp);
      if (txt_utf8_repair(&r->tmp, s, len)) return LAGO_NOMEM_ERR(err);
      if (r->tmp.len > TOK_LEN_MASK) return LAGO_ERR(err, LAGO_CORRUPT, "%s: field too long", r->t.path);
      if (vec_set_str(v, i, r->tmp.data, (uint32_t)r->tmp.len)) return LAGO_NOMEM_ERR(err);
      continue;
    }
    if (len <= LAGO_STR_INLINE) {
      out[i] = str_make(s, len);
    } else {
      char *copy = arena_alloc(v->ar, len);
      if (!copy) return LAGO_NOMEM_ERR(err);
      memcpy(copy, s, len);
      out[i] = str_make(copy, len);
    }
  }
  return LAGO_OK;
}

/*
** Integers of up to 8 digits in one 8-byte load (SWAR): the digits are moved
** to the top of the word, the leading bytes filled with '0', all bytes checked
** to be digits, then combined pairwise (x10, x100, x10000). May read 8 bytes
** from s: only for fields in the reader's buffers (see the slack above).
** Little-endian only, as the rest of lago.
*/
static inline __attribute__((always_inline)) int parse_i64_pad(const char *s, uint32_t n, int64_t *out) {
  uint32_t i = n && (s[0] == '-' || s[0] == '+');
  uint32_t nd = n - i;
  if (nd - 1 >= 8) return txt_parse_i64(s, n, out); /* 0 or more than 8 digits */
  uint64_t w;
  memcpy(&w, s + i, 8);
  if (nd < 8) w = (w << (8 * (8 - nd))) | (0x3030303030303030ull >> (8 * nd));
  if (((w & 0xf0f0f0f0f0f0f0f0ull) | (((w + 0x0606060606060606ull) & 0xf0f0f0f0f0f0f0f0ull) >> 4)) !=
      0x3333333333333333ull)
    return -1;
  w -= 0x3030303030303030ull;
  w = (w * 10 + (w >> 8)) & 0x00ff00ff00ff00ffull;
  w = (w * 100 + (w >> 16)) & 0x0000ffff0000ffffull;
  w = (w * 10000 + (w >> 32)) & 0xffffffffull;
  *out = s[0] == '-' ? -(int64_t)w : (int64_t)w;
  return 0;
}

static inline int parse_i32(const char *s, uint32_t n, int32_t *out) {
  int64_t v;
  if (parse_i64_pad(s, n, &v) < 0 || v < INT32_MIN || v > INT32_MAX) return -1;
  *out = (int32_t)v;
  return 0;
}

/* One loop per type: T is the C type, PARSE(s, n, dst) returns < 0 on failure. */
#define DECODE_LOOP(T, PARSE)                                              \
  do {                                                                     \
    T *out = VEC_DATA(v, T);                                               \
    for (uint32_t i = 0; i < n; i++) {                                     \
      const char *s;                                                       \
      uint32_t len;                                                        \
      if (field_text(r, off[i], lw[i], &s, &len) || len == 0) {            \
        if (vec_set_null(v, i)) return LAGO_NOMEM_ERR(err);                \
        out[i] = 0;                                                        \
        continue;                                                          \
      }                                                                    \
      if (PARSE(s, len, &out[i]) < 0) {                                    \
        out[i] = 0;                                                        \
        mark_bad(r, i, BAD_VALUE, c);                                      \
        if (vec_set_null(v, i)) return LAGO_NOMEM_ERR(err);                \
      }                                                                    \
    }                                                                      \
  } while (0)

static int decode_column(csv_reader *r, uint32_t c, vec *v, uint32_t n, lago_err *err) {
  const uint32_t *off = r->tok_off + (size_t)c * (VS + 1), *lw = r->tok_len + (size_t)c * (VS + 1);
  lago_type t = v->type;
  switch (t.id) {
    case LT_STRING:
    case LT_BINARY:
      return decode_strings(r, c, v, n, err);
    case LT_BIGINT:
#define P_I64(s, len, dst) parse_i64_pad((s), (len), (dst))
      DECODE_LOOP(int64_t, P_I64);
      return LAGO_OK;
    case LT_INT: {
#define P_I32(s, len, dst) parse_i32((s), (len), (dst))
      DECODE_LOOP(int32_t, P_I32);
      return LAGO_OK;
    }
    case LT_DECIMAL:
      if (t.precision <= 18) {
        int p = t.precision, sc = t.scale;
#define P_DEC(s, len, dst) txt_parse_dec64((s), (len), p, sc, (dst))
        DECODE_LOOP(int64_t, P_DEC);
        return LAGO_OK;
      }
      break;
    case LT_TIMESTAMP:
      if (!r->dec.dt.have_ts) {
        bool z;
#define P_TS(s, len, dst) txt_parse_ts((s), (len), (dst), &z)
        DECODE_LOOP(int64_t, P_TS);
        return LAGO_OK;
      }
      break;
    case LT_DATE:
      if (!r->dec.dt.have_date) {
#define P_DATE(s, len, dst) txt_parse_date((s), (len), (dst))
        DECODE_LOOP(int32_t, P_DATE);
        return LAGO_OK;
      }
      break;
    default:
      break;
  }
  /* Everything else: the generic converter, value by value. */
  size_t w = type_width(t);
  char *base = v->data;
  for (uint32_t i = 0; i < n; i++) {
    const char *s;
    uint32_t len;
    void *dst = base + (size_t)i * w;
    if (field_text(r, off[i], lw[i], &s, &len) || len == 0) {
      memset(dst, 0, w);
      if (vec_set_null(v, i)) return LAGO_NOMEM_ERR(err);
      continue;
    }
    if (csv_dec_value(&r->dec, t, s, len, dst) < 0) {
      memset(dst, 0, w);
      mark_bad(r, i, BAD_VALUE, c);
      if (vec_set_null(v, i)) return LAGO_NOMEM_ERR(err);
    }
  }
  return LAGO_OK;
}

/* Start (buffer index) of field `col` of row `row`: parses the record again. */
static size_t field_start(csv_reader *r, uint32_t row, uint32_t col) {
  size_t starts[1] = {0};
  if (col >= r->row_nf[row]) return r->bstart + r->row_off[row] + r->row_len[row];
  rec_out ro;
  memset(&ro, 0, sizeof ro);
  size_t pos = r->bstart + r->row_off[row], esc_len = r->esc.len;
  size_t all[64];
  ro.starts = col < 64 ? all : starts;
  ro.n_starts = col < 64 ? 64 : 0;
  int st;
  lago_err e;
  lago_err_clear(&e);
  uint64_t line = r->t.line;
  r->t.line = r->row_line[row];
  int rc = parse_record(r, &pos, &ro, &st, &e);
  r->t.line = line;
  r->esc.len = esc_len;
  if (rc || st != REC_OK || col >= 64) return r->bstart + r->row_off[row];
  return all[col];
}

static const char *reason_text(uint8_t why) {
  switch (why) {
    case BAD_COUNT: return "wrong number of fields";
    case BAD_QUOTE: return "unterminated quoted field";
    case BAD_UNESCAPED: return "unescaped quote in a quoted field";
    case BAD_VALUE: return "value does not parse as the column type";
    case BAD_UTF8: return "invalid UTF-8";
    default: return "malformed";
  }
}

/*
** "path:line:col: ..." for the malformed row `row` (in r->tmp). Physical
** line and byte column of the offending field.
*/
static const char *describe_bad(csv_reader *r, uint32_t row) {
  uint8_t why = r->row_bad[row];
  uint32_t c = r->row_badcol[row];
  size_t fs = field_start(r, row, c), rs = r->bstart + r->row_off[row];
  uint64_t line = r->row_line[row];
  size_t ls = rs;
  for (size_t i = rs; i < fs && i < r->t.in.len; i++)
    if (r->t.in.buf[i] == '\n' || (r->t.in.buf[i] == '\r' && (i + 1 >= r->t.in.len || r->t.in.buf[i + 1] != '\n'))) {
      line++;
      ls = i + 1;
    }
  buf *b = &r->tmp;
  buf_clear(b);
  buf_printf(b, "%s:%llu:%zu: ", r->t.path, (unsigned long long)line, fs - ls + 1);
  if (why == BAD_COUNT) {
    buf_printf(b, "malformed record: expected %u fields, found %u: ", r->n_cols, r->row_nf[row]);
    uint32_t n = r->row_len[row] > 64 ? 64 : r->row_len[row];
    buf_printf(b, "'%.*s%s'", (int)n, r->t.in.buf + rs, r->row_len[row] > 64 ? "..." : "");
    return buf_cstr(b);
  }
  const char *name = col_name(r, c);
  uint32_t lw = c < r->n_cols ? r->tok_len[(size_t)c * (VS + 1) + row] : 0;
  const char *s = c < r->n_cols ? tok_ptr(r, r->tok_off[(size_t)c * (VS + 1) + row], lw) : "";
  uint32_t n = lw & TOK_LEN_MASK;
  if (lw & TOK_MISSING) n = 0;
  uint32_t shown = n > 64 ? 64 : n;
  if (why == BAD_VALUE) {
    buf_printf(b, "malformed record: column %u (%s): cannot parse '%.*s%s' as ", c + 1, name, (int)shown, s,
               n > 64 ? "..." : "");
    type_to_sql(r->types[r->col_field[c]], b);
  } else {
    buf_printf(b, "malformed record: column %u (%s): %s: '%.*s%s'", c + 1, name, reason_text(why), (int)shown, s,
               n > 64 ? "..." : "");
  }
  return buf_cstr(b);
}

static int log_bad(csv_reader *r, uint32_t row, lago_err *err) {
  const char *msg = describe_bad(r, row);
  if (txt_bad_append(&r->t.bad, r->t.path, r->row_line[row], r->t.in.buf + r->bstart + r->row_off[row], r->row_len[row], msg))
    return LAGO_NOMEM_ERR(err);
  return LAGO_OK;
}

/* Moves the kept rows (ascending) of every column down; in place. */
static void compact_vec(vec *v, const uint32_t *keep, uint32_t n_keep) {
  size_t w = type_width(v->type);
  char *d = v->data;
  for (uint32_t i = 0; i < n_keep; i++) {
    uint32_t k = keep[i];
    if (k != i) memcpy(d + (size_t)i * w, d + (size_t)k * w, w);
    if (v->validity) bitmap_put(v->validity, i, bitmap_get(v->validity, k));
  }
  v->len = n_keep;
}

/* One batch; *again is set when every record of it was dropped (not the end). */
/* One batch (txt_once_fn); *again when every record of it was dropped (not the end). */
static int next_once(void *reader, arena *ar, batch **out, txt_batch_info *info, bool *again, lago_err *err) {
  csv_reader *r = reader;
  *again = false;
  TRY(tokenize(r, err));
  /* Decoders may read 8 bytes past a field: the chunk buffer has its sentinel
  ** pad, the unescape buffer gets the same slack here. */
  if (buf_reserve(&r->esc, 16)) return LAGO_NOMEM_ERR(err);
  uint32_t n = r->n_rows;
  batch *b = batch_new(ar, r->n_fields, r->types, n ? n : 1);
  uint64_t *lines = arena_alloc(ar, (size_t)(n ? n : 1) * sizeof(uint64_t));
  if (!b || !lines) return LAGO_NOMEM_ERR(err);
  for (uint32_t c = 0; c < r->n_cols && n; c++) TRY(decode_column(r, c, &b->cols[r->col_field[c]], n, err));
  uint32_t n_bad = 0;
  for (uint32_t i = 0; i < n; i++) n_bad += r->row_bad[i] != 0;
  uint32_t n_keep = n;
  bool drop = n_bad && (r->o.mode == CSV_DROPMALFORMED || r->o.bad_records_path);
  if (n_bad && r->o.mode == CSV_FAILFAST && !r->o.bad_records_path) {
    for (uint32_t i = 0; i < n; i++)
      if (r->row_bad[i]) return LAGO_ERR(err, LAGO_CORRUPT, "%s (mode FAILFAST)", describe_bad(r, i));
  }
  if (n_bad && r->o.bad_records_path)
    for (uint32_t i = 0; i < n; i++)
      if (r->row_bad[i]) TRY(log_bad(r, i, err));
  if (r->corrupt_idx >= 0) {
    vec *cv = &b->cols[r->corrupt_idx];
    for (uint32_t i = 0; i < n; i++) {
      int rc = r->row_bad[i] && !drop ? vec_set_str(cv, i, r->t.in.buf + r->bstart + r->row_off[i], r->row_len[i])
                                      : vec_set_null(cv, i);
      if (rc) return LAGO_NOMEM_ERR(err);
    }
  }
  if (drop) {
    uint32_t *keep = arena_alloc(ar, (size_t)n * 4);
    if (!keep) return LAGO_NOMEM_ERR(err);
    n_keep = 0;
    for (uint32_t i = 0; i < n; i++)
      if (!r->row_bad[i]) keep[n_keep++] = i;
    for (uint32_t f = 0; f < r->n_fields; f++) compact_vec(&b->cols[f], keep, n_keep);
    for (uint32_t i = 0; i < n_keep; i++) r->row_line[i] = r->row_line[keep[i]];
  }
  memcpy(lines, r->row_line, (size_t)n_keep * sizeof(uint64_t));
  batch_set_rows(b, n_keep);
  uint64_t bytes = n ? (uint64_t)(r->row_off[n - 1] + r->row_len[n - 1]) - r->row_off[0] : 0;
  info->n_rows = n_keep;
  info->n_bad = n_bad;
  info->n_dropped = n - n_keep;
  info->bytes = bytes;
  info->lines = lines;
  txt_stats_add(&r->t.stats, info);
  *out = b;
  *again = n_keep == 0 && n > 0;
  return LAGO_OK;
}

int csv_reader_next(csv_reader *r, arena *ar, batch **out, csv_batch_info *info, lago_err *err) {
  return txt_reader_next(&r->t, next_once, ar, out, info, err);
}

/* ---- raw access (inference) -------------------------------------------------------------- */

int csv_reader_next_raw(csv_reader *r, uint32_t *n_rows, lago_err *err) {
  TRY(tokenize(r, err));
  *n_rows = r->n_rows;
  return LAGO_OK;
}

const char *csv_reader_tok(csv_reader *r, uint32_t row, uint32_t col, uint32_t *len, bool *quoted) {
  uint32_t lw = r->tok_len[(size_t)col * (VS + 1) + row];
  if (lw & TOK_MISSING) return NULL;
  *len = lw & TOK_LEN_MASK;
  *quoted = (lw & TOK_QUOTED) != 0;
  return tok_ptr(r, r->tok_off[(size_t)col * (VS + 1) + row], lw);
}

uint32_t csv_reader_row_fields(csv_reader *r, uint32_t row) { return r->row_nf[row]; }
uint64_t csv_reader_row_line(csv_reader *r, uint32_t row) { return r->row_line[row]; }
uint32_t csv_reader_header_count(const csv_reader *r) { return r->hdr ? r->n_hdr : 0; }
const char *csv_reader_header_name(const csv_reader *r, uint32_t i) { return r->hdr[i]; }
uint32_t csv_reader_raw_cols(const csv_reader *r) { return r->n_cols; }
const char *csv_reader_path(const csv_reader *r) { return r->t.path; }

/* ---- the rest of the API ------------------------------------------------------------------- */

uint64_t csv_reader_first_offset(const csv_reader *r) { return r->t.first_off; }
uint64_t csv_reader_end_offset(const csv_reader *r) { return r->t.end_off; }
const csv_stats *csv_reader_stats(const csv_reader *r) { return &r->t.stats; }

const char *csv_reader_bad_records(csv_reader *r, size_t *len) { return txt_reader_bad_records(&r->t, len); }

void csv_reader_take_bad_records(csv_reader *r) { (void)txt_reader_take_bad(&r->t, NULL); }

int csv_write_bad_records(lago_fs *fs, const char *dir, const char *text, size_t len, lago_err *err) {
  return txt_bad_write(fs, dir, text, len, err);
}

void csv_reader_close(csv_reader *r) {
  if (!r) return;
  txt_reader_deinit(&r->t);
  mem_free(r->tok_off);
  mem_free(r->tok_len);
  mem_free(r->types);
  mem_free(r->col_field);
  buf_deinit(&r->esc);
  buf_deinit(&r->tmp);
  arena_free(r->meta);
  mem_free(r);
}
