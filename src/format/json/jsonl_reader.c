/*
** format/json/jsonl_reader.c: one JSON file (or byte range of a JSON Lines
** file) into lago batches: chunked input, record framing, modes, corrupt
** and rescued data columns, bad-record logs, line numbers.
**
** Input buffer (format/text's txt_input, shared with the CSV reader; file
** offsets grow to the right; every position the reader keeps is a file
** offset, so moving the buffer changes nothing):
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
** line or a multiLine array element (or document) longer than 2 GiB is
** refused (LAGO_UNSUPPORTED), so every length fits the 32-bit string views.
*/
#include <stdio.h>

#include "format/json/jsonl_int.h"
#include "util/alloc.h"


#define VS LAGO_VECTOR_SIZE
#define MAX_LINE ((uint64_t)0x7fffffff)

enum { ST_TOP = 0, ST_LINE_ARRAY, ST_DOC_ARRAY, ST_DOC_TAIL, ST_DONE };

struct jsonl_reader {
  txt_reader t;               /* first: file, range, offsets, line, stats, bad records (format/text);
                                 t.line is the line number of pos (1-based, from the range start) */
  jsonl_options o;            /* copy; its strings are borrowed from the caller */
  lago_type schema;           /* borrowed */
  uint32_t n_fields;
  lago_type *types;           /* schema field types (heap) */
  arena *meta;                /* reader lifetime: the plan */
  jl_node *root;
  int corrupt_idx, rescue_idx;
  jl_dec dec;
  buf sbuf;                   /* lexer scratch (unescaped strings) */

  bool bom;                   /* a BOM was skipped at offset 0 */
  int state;

  uint64_t pos;               /* file offset of the next byte to look at (in t.in) */
  uint64_t line_start;        /* file offset where pos's line starts */
  uint64_t arr_pos, arr_end, arr_next; /* ST_LINE_ARRAY: next element, end of the line, next line */

  uint64_t row_line[VS];      /* line of each row of the batch being built */
  buf tmp;                    /* messages, repaired text */
  /* Inference mode (jsonl_reader_infer): records go to infer_fn, not to batches. */
  jl_infer_fn infer_fn;
  void *infer_ud;
  uint64_t infer_count;       /* records seen */
  bool infer_bad;             /* a malformed record was met (PERMISSIVE) */
};

static inline char *B(const jsonl_reader *r, uint64_t off) { return txt_input_at(&r->t.in, off); }
static inline uint64_t OFF(const jsonl_reader *r, const char *p) { return txt_input_off(&r->t.in, p); }
static inline uint64_t buf_end(const jsonl_reader *r) { return txt_input_end(&r->t.in); }
static inline bool at_eof(const jsonl_reader *r) { return txt_input_eof(&r->t.in); }

/* ---- opening ----------------------------------------------------------------------------- */

static int set_schema(jsonl_reader *r, lago_type schema, lago_err *err) {
  if (schema.id != LT_STRUCT) return LAGO_ERR(err, LAGO_BIND, "%s: json schema must be a STRUCT", r->t.path);
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
    return LAGO_ERR(err, LAGO_BIND, "%s: rescuedDataColumn '%s' is not in the schema", r->t.path, r->o.rescued_column);
  int rc = jl_plan_build(r->meta, schema, r->corrupt_idx >= 0 ? r->o.corrupt_column : NULL,
                         r->rescue_idx >= 0 ? r->o.rescued_column : NULL, &r->root, err);
  if (rc) return lago_err_prefix(err, "%s", r->t.path);
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
  r->o = *opts;
  buf_init(&r->sbuf);
  buf_init(&r->tmp);
  int rc = txt_reader_init(&r->t, fs, path, r->o.bad_records_path, start, end, exact_start, err);
  r->meta = arena_new("json reader", 4096);
  if (!rc && !r->meta) rc = LAGO_NOMEM_ERR(err);
  if (!rc) rc = jl_dec_init(&r->dec, &r->o, r->t.path, err);
  if (!rc) {
    jl_lex_init(&r->dec.lx, &r->o, &r->sbuf);
    rc = set_schema(r, schema, err);
  }
  if (!rc) rc = txt_input_init(&r->t.in, fs, r->t.path, 0, -1, err);
  r->t.in.range_end = end;
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
  if (chunk >= 1) r->t.in.chunk = chunk;
}
void jsonl_reader_set_line(jsonl_reader *r, uint64_t line) { r->t.line = line; }

/* ---- input ------------------------------------------------------------------------------- */

/* Reads the rest of the file (keeping bytes from `keep` on). */
static int read_all(jsonl_reader *r, uint64_t keep, lago_err *err) {
  size_t got;
  while (!at_eof(r)) {
    uint64_t left = r->t.in.f->size - r->t.in.read_off;
    TRY(txt_input_fill(&r->t.in, keep, left > ((size_t)1 << 30) ? ((size_t)1 << 30) : (size_t)left, &got, err));
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
    r->t.line++;
    r->line_start = OFF(r, p + 1);
  }
  r->pos = to;
}

/* JSON Lines: moves pos to the start of the next line (one break passed). */
static inline void next_line(jsonl_reader *r, uint64_t next) {
  if (next > r->pos) {
    r->t.line++;
    r->line_start = next;
  }
  r->pos = next;
}

/* Line and byte column of offset `at` (>= pos, in the buffer). */
static void locate(const jsonl_reader *r, uint64_t at, uint64_t *line, uint64_t *col) {
  uint64_t l = r->t.line, ls = r->line_start;
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

/* The line at pos: *le = offset of its break (or EOF), *next = start of the next line. */
static int find_line(jsonl_reader *r, uint64_t *le, uint64_t *next, lago_err *err) {
  return txt_input_line(&r->t.in, r->pos, r->o.line_sep, r->pos, MAX_LINE, r->t.line, le, next, err);
}

/* Positions the reader at its first record (BOM, range start). */
static int start(jsonl_reader *r, lago_err *err) {
  r->t.started = true;
  if (r->t.range_start > r->t.in.f->size) r->t.range_start = r->t.in.f->size;
  if (r->t.exact_start || r->t.range_start == 0) {
    txt_input_seek(&r->t.in, r->t.range_start);
    r->pos = r->line_start = r->t.range_start;
    if (r->pos == 0) {
      TRY(txt_input_bom(&r->t.in, &r->bom, err));
      if (r->bom) r->pos = r->line_start = 3;
    }
  } else {
    /* After the first line break at or after start - 1. */
    txt_input_seek(&r->t.in, r->t.range_start - 1);
    r->pos = r->t.range_start - 1;
    r->line_start = r->pos;
    uint64_t le, next;
    TRY(find_line(r, &le, &next, err));
    r->pos = r->line_start = next;
  }
  r->t.first_off = r->t.end_off = r->pos;
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
    TRY(txt_input_fill(&r->t.in, r->pos, 0, &got, err));
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
    if (buf_end(r) - from > MAX_LINE)
      return LAGO_ERR(err, LAGO_UNSUPPORTED, "%s:%llu: JSON value longer than 2 GiB", r->t.path,
                      (unsigned long long)r->t.line);
    size_t got;
    TRY(txt_input_fill(&r->t.in, r->pos, (size_t)(buf_end(r) - r->pos), &got, err));
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
  if (txt_utf8_repair(b, p, k) || (n > k && buf_puts(b, "..."))) return NULL;
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
  buf_printf(b, "%s:%llu:%llu: malformed record: ", r->t.path, (unsigned long long)line, (unsigned long long)col);
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
  if (txt_bad_append(&r->t.bad, r->t.path, rc->line, B(r, rc->start), (size_t)(rc->end - rc->start), msg))
    return LAGO_NOMEM_ERR(err);
  return LAGO_OK;
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
            jl_json_str(t, r->t.path, strlen(r->t.path)) || buf_putc(t, '}'))
          return LAGO_NOMEM_ERR(err);
        if (t->len > MAX_LINE) return LAGO_ERR(err, LAGO_UNSUPPORTED, "%s: rescued data too large", r->t.path);
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
    if (txt_utf8_repair(t, B(r, rc->start), (size_t)(rc->end - rc->start))) return LAGO_NOMEM_ERR(err);
    if (t->len > MAX_LINE) return LAGO_ERR(err, LAGO_UNSUPPORTED, "%s: corrupt record too large", r->t.path);
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
  return one_record(r, bs, es, ee, es, ee, r->t.line, false, err);
}

static int line_step(jsonl_reader *r, bstate *bs, bool *done, lago_err *err) {
  /* A line is owned by the range it starts in; the first line starts at 0, before a BOM. */
  if (r->pos >= r->t.range_end && !(r->pos == 3 && r->bom)) {
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
    rec rr = {ls, le, r->t.line, rc, (uint8_t)(rc ? 0 : JL_TRAILING), OFF(r, q)};
    TRY(settle(r, bs, &rr, err));
  } else if (w == JL_BAD) {
    rec rr = {ls, le, r->t.line, JL_BAD, 0, 0};
    TRY(settle(r, bs, &rr, err));
  } else {
    TRY(one_record(r, bs, OFF(r, p), le, ls, le, r->t.line, true, err));
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
  rec rr = {ts, buf_end(r), r->t.line, JL_BAD, 0, 0};
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
      TRY(one_record(r, bs, off, to, off, to, r->t.line, false, err));
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
      TRY(one_record(r, bs, off, to, off, to, r->t.line, false, err));
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
        rec rr = {r->pos, buf_end(r), r->t.line, 0, JL_TRAILING, r->pos};
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

/* One batch (txt_once_fn); *again when it has no rows but the input goes on. */
static int next_once(void *reader, arena *ar, batch **out, txt_batch_info *info, bool *again, lago_err *err) {
  jsonl_reader *r = reader;
  *again = false;
  if (!r->t.started) TRY(start(r, err));
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
  if (done && !r->o.multi_line && r->state == ST_TOP) r->t.end_off = r->pos;
  if (r->o.multi_line) r->t.end_off = r->pos;
  uint32_t n = bs.n;
  batch_set_rows(bs.b, n);
  for (uint32_t i = 0; i < r->n_fields; i++) set_lens(&bs.b->cols[i], n);
  memcpy(lines, r->row_line, (size_t)n * sizeof(uint64_t));
  uint64_t bytes = r->pos - pos0;
  info->n_rows = n;
  info->n_bad = bs.n_bad;
  info->n_dropped = bs.n_dropped;
  info->n_rescued = bs.n_resc;
  info->bytes = bytes;
  info->lines = lines;
  txt_stats_add(&r->t.stats, info);
  *out = bs.b;
  *again = n == 0 && !done;
  return LAGO_OK;
}

int jsonl_reader_next(jsonl_reader *r, arena *ar, batch **out, jsonl_batch_info *info, lago_err *err) {
  return txt_reader_next(&r->t, next_once, ar, out, info, err);
}

/* ---- inference --------------------------------------------------------------------------- */

int jsonl_reader_infer(jsonl_reader *r, jl_infer_fn fn, void *ud, uint64_t max_records, bool *bad_seen,
                       lago_err *err) {
  r->infer_fn = fn;
  r->infer_ud = ud;
  if (!r->t.started) TRY(start(r, err));
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

uint64_t jsonl_reader_first_offset(const jsonl_reader *r) { return r->t.first_off; }
uint64_t jsonl_reader_end_offset(const jsonl_reader *r) { return r->t.end_off; }
uint64_t jsonl_reader_lines(const jsonl_reader *r) { return txt_reader_lines(&r->t); }
const jsonl_stats *jsonl_reader_stats(const jsonl_reader *r) { return &r->t.stats; }

const char *jsonl_reader_bad_records(jsonl_reader *r, size_t *len) { return txt_reader_bad_records(&r->t, len); }

void jsonl_reader_take_bad_records(jsonl_reader *r) { (void)txt_reader_take_bad(&r->t, NULL); }

int jsonl_write_bad_records(lago_fs *fs, const char *dir, const char *text, size_t len, lago_err *err) {
  return txt_bad_write(fs, dir, text, len, err);
}

void jsonl_reader_close(jsonl_reader *r) {
  if (!r) return;
  txt_reader_deinit(&r->t);
  jl_dec_deinit(&r->dec);
  buf_deinit(&r->sbuf);
  buf_deinit(&r->tmp);
  arena_free(r->meta);
  mem_free(r->types);
  mem_free(r);
}
