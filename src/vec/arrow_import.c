/*
** vec/arrow_import.c: ArrowSchema / ArrowArray -> lago types and vectors
** (see arrow.h for the type mapping and what is validated).
**
** Everything read here comes from another library and is untrusted. Each
** node is checked before its buffers are touched: not released, length,
** offset and null_count in range, the buffer and child counts the format
** requires, the rows asked of it inside offset+length. Offsets must start
** at >= 0, never decrease and stay inside the child (lists) or, for string
** views, inside the variadic buffer sizes the array declares; dictionary
** indexes must fall inside the dictionary. Values are copied into the
** caller's arena. Layouts read (little-endian; buffer 0 is the validity
** bitmap unless said otherwise):
**   n            no buffers (0, or 1 ignored), every row null
**   b            [validity, value bits]
**   c..L f g     [validity, values]            d:p,s[,32|64|128|256] likewise
**   tdD tdm      [validity, int32 days | int64 ms]
**   tt{s,m}      [validity, int32]  tt{u,n} [validity, int64]
**   ts{s,m,u,n}:zone  [validity, int64]
**   tiM [int32 months]  tiD [int32 days, int32 ms]  tin [int32 months, int32 days, int64 ns]
**   u z / U Z    [validity, int32 / int64 offsets[offset+length+1], bytes]
**   vu vz        [validity, 16-byte views, data buffers..., int64 sizes of the data buffers]
**                view: int32 len | len <= 12: 12 inline bytes | else 4-byte prefix,
**                int32 buffer index, int32 offset into that buffer
**   w:N          [validity, N bytes per row]
**   +l +L        [validity, int32 / int64 offsets], 1 child   +w:N [validity], 1 child
**   +s           [validity], one child per field    +m as +l, child "entries" +s {key, value}
**   dictionary   the format is the index type (c s i l C S I L); dictionary = values
*/
#include <string.h>

#include "util/bits.h"
#include "util/datetime.h"
#include "util/numfmt.h"
#include "vec/arrow_int.h"

#define MAX_DEPTH 64

typedef enum {
  FK_NULL, FK_BOOL, FK_INT, FK_FLOAT, FK_DEC, FK_BIN, FK_VIEW, FK_FIXED, FK_DATE32, FK_DATE64,
  FK_TIME, FK_TS, FK_IV_M, FK_IV_DT, FK_IV_MDN, FK_LIST, FK_FLIST, FK_STRUCT, FK_MAP
} fkind;

/* A parsed format string. */
typedef struct afmt {
  fkind kind;
  int width;       /* value bytes (INT, FLOAT, DEC, TIME, TS), offset bytes (BIN, LIST) */
  bool is_signed;  /* INT */
  bool is_string;  /* BIN/VIEW: utf-8 rather than binary */
  int unit;        /* TIME/TS: 0 s, 1 ms, 2 us, 3 ns */
  bool zone;       /* TS: a time zone was given */
  int precision, scale;
  int64_t fixed;   /* FIXED: bytes per value; FLIST: items per list */
} afmt;

typedef struct ictx {
  arena *ar;
  lago_err *err;
  int dict_depth; /* dictionary arrays at this depth become VEC_DICT; deeper ones are flattened */
} ictx;

/* ---- format strings --------------------------------------------------------- */

/* Digits at *p as a non-negative number <= max; advances *p. -1 if none or too big. */
static int64_t parse_num(const char **p, int64_t max) {
  const char *q = *p;
  int64_t v = 0;
  if (*q < '0' || *q > '9') return -1;
  while (*q >= '0' && *q <= '9') {
    v = v * 10 + (*q++ - '0');
    if (v > max) return -1;
  }
  *p = q;
  return v;
}

static int bad_format(lago_err *err, const char *f, const char *why) {
  return LAGO_ERR(err, LAGO_CORRUPT, "arrow import: malformed format string '%.64s': %s", f, why);
}

static int parse_format(const char *f, afmt *o, lago_err *err) {
  memset(o, 0, sizeof *o);
  if (!f) return LAGO_ERR(err, LAGO_CORRUPT, "arrow import: schema without a format string");
  static const struct {
    const char *s;
    fkind kind;
    int width;
    bool sign_or_string;
    int unit;
  } simple[] = {
      {"n", FK_NULL, 0, false, 0},   {"b", FK_BOOL, 0, false, 0},    {"c", FK_INT, 1, true, 0},
      {"C", FK_INT, 1, false, 0},    {"s", FK_INT, 2, true, 0},      {"S", FK_INT, 2, false, 0},
      {"i", FK_INT, 4, true, 0},     {"I", FK_INT, 4, false, 0},     {"l", FK_INT, 8, true, 0},
      {"L", FK_INT, 8, false, 0},    {"f", FK_FLOAT, 4, false, 0},   {"g", FK_FLOAT, 8, false, 0},
      {"z", FK_BIN, 4, false, 0},    {"Z", FK_BIN, 8, false, 0},     {"u", FK_BIN, 4, true, 0},
      {"U", FK_BIN, 8, true, 0},     {"vz", FK_VIEW, 0, false, 0},   {"vu", FK_VIEW, 0, true, 0},
      {"tdD", FK_DATE32, 4, false, 0}, {"tdm", FK_DATE64, 8, false, 0}, {"tts", FK_TIME, 4, false, 0},
      {"ttm", FK_TIME, 4, false, 1}, {"ttu", FK_TIME, 8, false, 2},  {"ttn", FK_TIME, 8, false, 3},
      {"tiM", FK_IV_M, 4, false, 0}, {"tiD", FK_IV_DT, 8, false, 0}, {"tin", FK_IV_MDN, 16, false, 0},
      {"+l", FK_LIST, 4, false, 0},  {"+L", FK_LIST, 8, false, 0},   {"+s", FK_STRUCT, 0, false, 0},
      {"+m", FK_MAP, 4, false, 0},
  };
  for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++) {
    if (strcmp(f, simple[i].s) == 0) {
      o->kind = simple[i].kind;
      o->width = simple[i].width;
      o->unit = simple[i].unit;
      if (o->kind == FK_INT) o->is_signed = simple[i].sign_or_string;
      else o->is_string = simple[i].sign_or_string;
      return LAGO_OK;
    }
  }
  const char *p;
  if (f[0] == 'd' && f[1] == ':') {
    p = f + 2;
    int64_t prec = parse_num(&p, 1000), scale = 0, bits = 128;
    if (prec < 0 || *p != ',') return bad_format(err, f, "expected d:precision,scale[,bits]");
    p++;
    bool neg = *p == '-';
    if (neg) p++;
    if ((scale = parse_num(&p, 1000)) < 0) return bad_format(err, f, "bad decimal scale");
    if (*p == ',') {
      p++;
      if ((bits = parse_num(&p, 1000)) < 0) return bad_format(err, f, "bad decimal bit width");
    }
    if (*p) return bad_format(err, f, "text after the decimal parameters");
    if (bits != 32 && bits != 64 && bits != 128 && bits != 256)
      return bad_format(err, f, "decimal bit width must be 32, 64, 128 or 256");
    if (prec < 1 || prec > LAGO_DECIMAL_MAX_PRECISION || neg || scale > prec)
      return LAGO_ERR(err, LAGO_UNSUPPORTED,
                      "arrow import: format '%.64s': lago decimals need precision 1..38 and scale 0..precision", f);
    o->kind = FK_DEC;
    o->width = (int)(bits / 8);
    o->precision = (int)prec;
    o->scale = (int)scale;
    return LAGO_OK;
  }
  if (f[0] == 'w' && f[1] == ':') {
    p = f + 2;
    int64_t w = parse_num(&p, INT32_MAX);
    if (w < 0 || *p) return bad_format(err, f, "expected w:bytes");
    o->kind = FK_FIXED;
    o->fixed = w;
    return LAGO_OK;
  }
  if (f[0] == '+' && f[1] == 'w' && f[2] == ':') {
    p = f + 3;
    int64_t w = parse_num(&p, INT32_MAX);
    if (w < 0 || *p) return bad_format(err, f, "expected +w:items");
    o->kind = FK_FLIST;
    o->fixed = w;
    return LAGO_OK;
  }
  if (f[0] == 't' && f[1] == 's') {
    static const char units[] = "smun";
    const char *u = f[2] ? strchr(units, f[2]) : NULL;
    if (!u || f[3] != ':') return bad_format(err, f, "expected ts{s,m,u,n}:[zone]");
    o->kind = FK_TS;
    o->width = 8;
    o->unit = (int)(u - units);
    o->zone = f[4] != 0;
    return LAGO_OK;
  }
  return LAGO_ERR(err, LAGO_UNSUPPORTED, "arrow import: unsupported Arrow format '%.64s'", f);
}

/* ---- schema import ---------------------------------------------------------- */

static int check_schema(const struct ArrowSchema *s, int depth, lago_err *err) {
  if (!s) return LAGO_ERR(err, LAGO_CORRUPT, "arrow import: NULL schema");
  if (!s->release) return LAGO_ERR(err, LAGO_CORRUPT, "arrow import: schema '%.64s' is released", s->name ? s->name : "");
  if (depth > MAX_DEPTH) return LAGO_ERR(err, LAGO_CORRUPT, "arrow import: schema nested deeper than %d", MAX_DEPTH);
  if (s->n_children < 0 || (s->n_children > 0 && !s->children))
    return LAGO_ERR(err, LAGO_CORRUPT, "arrow import: schema '%.64s' has n_children=%lld and children=%p",
                    s->name ? s->name : "", (long long)s->n_children, (void *)s->children);
  for (int64_t i = 0; i < s->n_children; i++)
    if (!s->children[i]) return LAGO_ERR(err, LAGO_CORRUPT, "arrow import: schema child %lld is NULL", (long long)i);
  const char *v;
  int32_t vl;
  if (arrow_meta_find(s->metadata, NULL, &v, &vl) < 0)
    return LAGO_ERR(err, LAGO_CORRUPT, "arrow import: malformed metadata of field '%.64s'", s->name ? s->name : "");
  return LAGO_OK;
}

static int children_expected(const struct ArrowSchema *s, int64_t want, lago_err *err) {
  if (s->n_children != want)
    return LAGO_ERR(err, LAGO_CORRUPT, "arrow import: format '%.64s' needs %lld children, schema has %lld", s->format,
                    (long long)want, (long long)s->n_children);
  return LAGO_OK;
}

static bool meta_is(const char *meta, const char *key, const char *want, lago_err *err, int *rc) {
  const char *v;
  int32_t vl;
  int r = arrow_meta_find(meta, key, &v, &vl);
  if (r < 0) {
    *rc = LAGO_ERR(err, LAGO_CORRUPT, "arrow import: malformed field metadata");
    return false;
  }
  return r == 1 && (size_t)vl == strlen(want) && memcmp(v, want, (size_t)vl) == 0;
}

static int type_of(const struct ArrowSchema *s, arena *ar, int depth, lago_type *out, lago_err *err);

/* Field f from schema s (name, type, nullability, PARQUET:field_id). */
static int field_of(const struct ArrowSchema *s, arena *ar, int depth, type_field *f, lago_err *err) {
  memset(f, 0, sizeof *f);
  TRY(check_schema(s, depth, err));
  if (!(f->name = arena_strdup(ar, s->name ? s->name : ""))) return LAGO_NOMEM_ERR(err);
  f->nullable = (s->flags & ARROW_FLAG_NULLABLE) != 0;
  const char *v;
  int32_t vl;
  int r = arrow_meta_find(s->metadata, "PARQUET:field_id", &v, &vl);
  if (r < 0) return LAGO_ERR(err, LAGO_CORRUPT, "arrow import: malformed metadata of field '%.64s'", f->name);
  if (r == 1 && vl > 0 && vl < 12) {
    char num[16];
    memcpy(num, v, (size_t)vl);
    num[vl] = 0;
    const char *p = num + (num[0] == '-');
    int64_t id = parse_num(&p, INT32_MAX);
    if (id >= 0 && !*p) {
      f->has_field_id = true;
      f->field_id = (int32_t)(num[0] == '-' ? -id : id);
    }
  }
  return type_of(s, ar, depth, &f->type, err);
}

static int nested_make(arena *ar, lago_type_id id, uint32_t n, type_field *fs, lago_type *out, lago_err *err) {
  type_nested *tn = arena_zalloc(ar, sizeof(type_nested) + (size_t)n * sizeof(type_field));
  if (!tn) return LAGO_NOMEM_ERR(err);
  tn->n_fields = n;
  if (n) memcpy(tn->fields, fs, (size_t)n * sizeof *fs);
  *out = type_make(id);
  out->nested = tn;
  return LAGO_OK;
}

static int type_of(const struct ArrowSchema *s, arena *ar, int depth, lago_type *out, lago_err *err) {
  TRY(check_schema(s, depth, err));
  afmt f;
  TRY(parse_format(s->format, &f, err));
  int rc = LAGO_OK;
  if (s->dictionary) {
    if (f.kind != FK_INT)
      return LAGO_ERR(err, LAGO_CORRUPT, "arrow import: dictionary index format '%.64s' is not an integer type", s->format);
    TRY(children_expected(s, 0, err));
    return type_of(s->dictionary, ar, depth + 1, out, err);
  }
  switch (f.kind) {
    case FK_NULL: *out = type_make(LT_NULL); break;
    case FK_BOOL: *out = type_make(LT_BOOLEAN); break;
    case FK_INT: {
      static const lago_type_id sid[9] = {0, LT_TINYINT, LT_SMALLINT, 0, LT_INT, 0, 0, 0, LT_BIGINT};
      static const lago_type_id uid[9] = {0, LT_UTINYINT, LT_USMALLINT, 0, LT_UINT, 0, 0, 0, LT_UBIGINT};
      *out = type_make(f.is_signed ? sid[f.width] : uid[f.width]);
      break;
    }
    case FK_FLOAT: *out = type_make(f.width == 4 ? LT_FLOAT : LT_DOUBLE); break;
    case FK_DEC: *out = type_decimal(f.precision, f.scale); break;
    case FK_BIN: case FK_VIEW: *out = type_make(f.is_string ? LT_STRING : LT_BINARY); break;
    case FK_FIXED:
      *out = type_make(f.fixed == 16 && meta_is(s->metadata, "ARROW:extension:name", "arrow.uuid", err, &rc) ? LT_UUID
                                                                                                             : LT_BINARY);
      break;
    case FK_DATE32: case FK_DATE64: *out = type_make(LT_DATE); break;
    case FK_TIME:
      *out = type_make(meta_is(s->metadata, "lago:type", "TIME_UTC", err, &rc) ? LT_TIME_UTC : LT_TIME);
      break;
    case FK_TS:
      *out = type_make(f.zone ? LT_TIMESTAMP : f.unit == 3 ? LT_TIMESTAMP_NS : LT_TIMESTAMP_NTZ);
      break;
    case FK_IV_M: case FK_IV_DT: case FK_IV_MDN: *out = type_make(LT_INTERVAL); break;
    case FK_LIST: case FK_FLIST: {
      TRY(children_expected(s, 1, err));
      type_field ef;
      TRY(field_of(s->children[0], ar, depth + 1, &ef, err));
      ef.name = "element";
      return nested_make(ar, LT_ARRAY, 1, &ef, out, err);
    }
    case FK_STRUCT: {
      if (s->n_children > UINT32_MAX / 2)
        return LAGO_ERR(err, LAGO_UNSUPPORTED, "arrow import: struct with %lld fields", (long long)s->n_children);
      uint32_t n = (uint32_t)s->n_children;
      type_field *fs = arena_zalloc(ar, (size_t)(n ? n : 1) * sizeof *fs);
      if (!fs) return LAGO_NOMEM_ERR(err);
      for (uint32_t i = 0; i < n; i++) TRY(field_of(s->children[i], ar, depth + 1, &fs[i], err));
      return nested_make(ar, LT_STRUCT, n, fs, out, err);
    }
    case FK_MAP: {
      TRY(children_expected(s, 1, err));
      const struct ArrowSchema *e = s->children[0];
      TRY(check_schema(e, depth + 1, err));
      if (!e->format || strcmp(e->format, "+s") != 0 || e->n_children != 2 || e->dictionary)
        return LAGO_ERR(err, LAGO_CORRUPT, "arrow import: map '%.64s' needs an entries child of format +s with 2 children",
                        s->name ? s->name : "");
      type_field kv[2];
      TRY(field_of(e->children[0], ar, depth + 2, &kv[0], err));
      TRY(field_of(e->children[1], ar, depth + 2, &kv[1], err));
      kv[0].name = "key";
      kv[0].nullable = false;
      kv[1].name = "value";
      return nested_make(ar, LT_MAP, 2, kv, out, err);
    }
  }
  if (rc) return rc;
  if (f.kind != FK_STRUCT) TRY(children_expected(s, 0, err));
  return LAGO_OK;
}

int arrow_import_schema(const struct ArrowSchema *s, arena *ar, lago_type *out, bool *nullable, lago_err *err) {
  TRY(type_of(s, ar, 0, out, err));
  if (nullable) *nullable = (s->flags & ARROW_FLAG_NULLABLE) != 0;
  return LAGO_OK;
}

/* ---- array import: checks ---------------------------------------------------- */

static int corrupt(ictx *x, const struct ArrowSchema *s, const char *fmt_msg, long long a, long long b) {
  return LAGO_ERR(x->err, LAGO_CORRUPT, "arrow import: array '%.64s' (format '%.32s'): %s (%lld, %lld)",
                  s->name ? s->name : "", s->format ? s->format : "", fmt_msg, a, b);
}

/*
** Checks node a before any buffer is read: rows [start, start+n) are asked
** of it; n_buffers must be in [min_buf, max_buf]; n_children must be n_kids.
*/
static int check_array(ictx *x, const struct ArrowSchema *s, const struct ArrowArray *a, int64_t start, int64_t n,
                       int64_t min_buf, int64_t max_buf, int64_t n_kids) {
  if (!a) return LAGO_ERR(x->err, LAGO_CORRUPT, "arrow import: array '%.64s' is NULL", s->name ? s->name : "");
  if (!a->release) return corrupt(x, s, "array is released", 0, 0);
  if (a->length < 0 || a->offset < 0) return corrupt(x, s, "negative length or offset", a->length, a->offset);
  if (a->length > INT64_MAX - a->offset) return corrupt(x, s, "length + offset overflows", a->length, a->offset);
  if (a->null_count < -1 || a->null_count > a->length)
    return corrupt(x, s, "null_count outside -1..length", a->null_count, a->length);
  if (start < 0 || n < 0 || start > a->length || n > a->length - start)
    return corrupt(x, s, "rows asked past the array's length (first row, rows)", start, n);
  if (n > UINT32_MAX)
    return LAGO_ERR(x->err, LAGO_UNSUPPORTED, "arrow import: array '%.64s' has %lld rows, more than a lago vector holds",
                    s->name ? s->name : "", (long long)n);
  if (a->n_buffers < min_buf || a->n_buffers > max_buf)
    return corrupt(x, s, "wrong number of buffers (have, want at least)", a->n_buffers, min_buf);
  if (a->n_buffers > 0 && !a->buffers) return corrupt(x, s, "buffers is NULL", a->n_buffers, 0);
  if (a->n_children != n_kids) return corrupt(x, s, "wrong number of children (have, want)", a->n_children, n_kids);
  if (n_kids > 0 && !a->children) return corrupt(x, s, "children is NULL", n_kids, 0);
  for (int64_t i = 0; i < n_kids; i++)
    if (!a->children[i]) return corrupt(x, s, "child is NULL (index, children)", i, n_kids);
  if (!s->dictionary != !a->dictionary) return corrupt(x, s, "dictionary present in only one of schema and array", 0, 0);
  return LAGO_OK;
}

/* A data buffer that must exist when it holds any byte. */
static int need_buffer(ictx *x, const struct ArrowSchema *s, const struct ArrowArray *a, int i, uint64_t bytes) {
  if (bytes && !a->buffers[i]) return corrupt(x, s, "data buffer is NULL (buffer, bytes needed)", i, (long long)bytes);
  return LAGO_OK;
}

/* Validity of rows [base, base+n) as lago words, NULL when all valid. */
static int import_validity(ictx *x, const struct ArrowSchema *s, const struct ArrowArray *a, int64_t base, uint32_t n,
                           uint64_t **out) {
  *out = NULL;
  if (a->null_count == 0 || n == 0) return LAGO_OK;
  const uint8_t *bm = a->buffers[0];
  if (!bm) {
    if (a->null_count > 0) return corrupt(x, s, "null_count > 0 but no validity buffer", a->null_count, 0);
    return LAGO_OK;
  }
  size_t nw = bitmap_words(n);
  uint64_t *w = arena_alloc(x->ar, nw * 8);
  if (!w) return LAGO_NOMEM_ERR(x->err);
  w[nw - 1] = ~(uint64_t)0;
  if ((base & 7) == 0) {
    size_t nbytes = (n + 7) / 8;
    memcpy(w, bm + base / 8, nbytes);
    if (n & 7) ((uint8_t *)w)[nbytes - 1] |= (uint8_t)(0xff << (n & 7));
    for (size_t b = nbytes; b < nw * 8; b++) ((uint8_t *)w)[b] = 0xff;
  } else {
    for (uint32_t i = 0; i < n; i++) {
      uint64_t bit = (uint64_t)base + i;
      bitmap_put(w, i, (bm[bit >> 3] >> (bit & 7)) & 1);
    }
  }
  if (bitmap_count(w, n) != n) *out = w;
  return LAGO_OK;
}

/* A FLAT vector of type t, n rows, values buffer allocated (uninitialised), no children. */
static int vec_shell(ictx *x, vec *v, lago_type t, uint32_t n) {
  memset(v, 0, sizeof *v);
  v->type = t;
  v->kind = VEC_FLAT;
  v->len = v->cap = n;
  v->ar = x->ar;
  size_t w = type_width(t);
  if (w && !(v->data = arena_alloc(x->ar, w * n))) return LAGO_NOMEM_ERR(x->err);
  return LAGO_OK;
}

/* Reads offset i (int32 or int64). */
static inline int64_t offset_at(const void *o, int width, int64_t i) {
  return width == 4 ? (int64_t)((const int32_t *)o)[i] : ((const int64_t *)o)[i];
}

/* Checks offsets o[base..base+n] (non-negative, monotonic); *first and *last get the ends. */
static int check_offsets(ictx *x, const struct ArrowSchema *s, const struct ArrowArray *a, int width, int64_t base,
                         uint32_t n, int64_t *first, int64_t *last) {
  const void *o = a->buffers[1];
  if (!o) {
    if (n == 0) {
      *first = *last = 0;
      return LAGO_OK;
    }
    return corrupt(x, s, "offsets buffer is NULL (rows, 0)", n, 0);
  }
  int64_t prev = offset_at(o, width, base);
  if (prev < 0) return corrupt(x, s, "negative first offset (index, value)", base, prev);
  *first = prev;
  for (uint32_t i = 1; i <= n; i++) {
    int64_t cur = offset_at(o, width, base + i);
    if (cur < prev) return corrupt(x, s, "offsets decrease (index, value)", base + i, cur);
    prev = cur;
  }
  *last = prev;
  return LAGO_OK;
}

/* ---- array import: nodes ------------------------------------------------------ */

static int import_node(ictx *x, const struct ArrowSchema *s, const struct ArrowArray *a, lago_type t, int64_t start,
                       int64_t n64, int depth, vec *v);

/* The lago STRUCT<key, value> type of a MAP's child vector. */
static int map_entries_type(ictx *x, lago_type map, lago_type *out) {
  type_field kv[2] = {*type_field_at(map, 0), *type_field_at(map, 1)};
  return nested_make(x->ar, LT_STRUCT, 2, kv, out, x->err);
}

static int import_strings(ictx *x, const struct ArrowSchema *s, const struct ArrowArray *a, const afmt *f, int64_t base,
                          uint32_t n, vec *v) {
  int64_t first, last;
  TRY(check_offsets(x, s, a, f->width, base, n, &first, &last));
  uint64_t total = (uint64_t)(last - first);
  TRY(need_buffer(x, s, a, 2, total));
  if (total > SIZE_MAX / 2) return LAGO_NOMEM_ERR(x->err);
  char *blob = arena_alloc(x->ar, (size_t)total);
  if (!blob) return LAGO_NOMEM_ERR(x->err);
  if (total) memcpy(blob, (const char *)a->buffers[2] + first, (size_t)total);
  lago_str *out = v->data;
  const void *o = a->buffers[1];
  for (uint32_t i = 0; i < n; i++) {
    int64_t lo = offset_at(o, f->width, base + i), len = offset_at(o, f->width, base + i + 1) - lo;
    if (len > UINT32_MAX)
      return LAGO_ERR(x->err, LAGO_UNSUPPORTED, "arrow import: value of %lld bytes in '%.64s' is over lago's 4 GiB limit",
                      (long long)len, s->name ? s->name : "");
    if (v->validity && !bitmap_get(v->validity, i)) {
      memset(&out[i], 0, sizeof out[i]);
      continue;
    }
    out[i] = str_make(blob + (lo - first), (uint32_t)len);
  }
  return LAGO_OK;
}

static int import_views(ictx *x, const struct ArrowSchema *s, const struct ArrowArray *a, int64_t base, uint32_t n,
                        vec *v) {
  int64_t n_var = a->n_buffers - 3;
  const int64_t *sizes = a->buffers[a->n_buffers - 1];
  TRY(need_buffer(x, s, a, 1, (uint64_t)n * 16));
  if (n_var > 0 && !sizes) return corrupt(x, s, "string view sizes buffer is NULL (data buffers, 0)", n_var, 0);
  const uint8_t *views = a->buffers[1];
  lago_str *out = v->data;
  for (uint32_t i = 0; i < n; i++) {
    memset(&out[i], 0, sizeof out[i]);
    if (v->validity && !bitmap_get(v->validity, i)) continue;
    const uint8_t *vw = views + (size_t)(base + i) * 16;
    int32_t len = (int32_t)load_le32(vw);
    if (len < 0) return corrupt(x, s, "negative string view length (row, length)", base + i, len);
    if (len <= LAGO_STR_INLINE) {
      out[i] = str_make((const char *)vw + 4, (uint32_t)len);
      continue;
    }
    int32_t bi = (int32_t)load_le32(vw + 8), off = (int32_t)load_le32(vw + 12);
    if (bi < 0 || bi >= n_var) return corrupt(x, s, "string view buffer index out of range (row, index)", base + i, bi);
    const char *data = a->buffers[2 + bi];
    if (!data) return corrupt(x, s, "string view data buffer is NULL (row, index)", base + i, bi);
    if (off < 0 || sizes[bi] < 0 || (int64_t)off + len > sizes[bi])
      return corrupt(x, s, "string view past its data buffer (row, offset)", base + i, off);
    char *copy = arena_memdup(x->ar, data + off, (size_t)len);
    if (!copy) return LAGO_NOMEM_ERR(x->err);
    out[i] = str_make(copy, (uint32_t)len);
  }
  return LAGO_OK;
}

/* Numbers that need converting, row by row (nulls get 0). */
static int import_convert(ictx *x, const struct ArrowSchema *s, const struct ArrowArray *a, const afmt *f,
                          int64_t base, uint32_t n, vec *v) {
  const uint8_t *d = a->buffers[1];
  lago_type t = v->type;
  for (uint32_t i = 0; i < n; i++) {
    bool valid = !v->validity || bitmap_get(v->validity, i);
    int64_t row = base + i;
    switch (f->kind) {
      case FK_DEC: {
        lago_i128 val = 0;
        if (valid) {
          const uint8_t *p = d + (size_t)row * (size_t)f->width;
          if (f->width == 4) val = (int32_t)load_le32(p);
          else if (f->width == 8) val = (int64_t)load_le64(p);
          else {
            memcpy(&val, p, 16);
            if (f->width == 32) { /* the high half must only extend the sign */
              uint64_t ext = val < 0 ? UINT64_MAX : 0;
              if (load_le64(p + 16) != ext || load_le64(p + 24) != ext)
                return corrupt(x, s, "decimal256 value exceeds 38 digits (row, 0)", row, 0);
            }
          }
          lago_i128 lim = pow10_i128(t.precision);
          if (val >= lim || val <= -lim)
            return corrupt(x, s, "decimal value has more digits than its precision (row, precision)", row, t.precision);
        }
        if (t.precision > 18) memcpy((char *)v->data + (size_t)i * 16, &val, 16);
        else ((int64_t *)v->data)[i] = (int64_t)val;
        break;
      }
      case FK_DATE64: {
        int32_t days = 0;
        if (valid) {
          int64_t dd = floor_div64((int64_t)load_le64(d + (size_t)row * 8), INT64_C(86400000));
          if (dd < INT32_MIN || dd > INT32_MAX)
            return LAGO_ERR(x->err, LAGO_RUNTIME, "arrow import: date64 at row %lld is out of DATE's range", (long long)row);
          days = (int32_t)dd;
        }
        ((int32_t *)v->data)[i] = days;
        break;
      }
      case FK_TIME: case FK_TS: {
        int64_t raw = 0, out = 0;
        if (valid) {
          raw = f->width == 4 ? (int64_t)(int32_t)load_le32(d + (size_t)row * 4) : (int64_t)load_le64(d + (size_t)row * 8);
          static const int64_t to_us[3] = {1000000, 1000, 1};
          if (f->unit == 3) out = t.id == LT_TIMESTAMP_NS ? raw : floor_div64(raw, 1000);
          else if (MUL_OVERFLOW(raw, to_us[f->unit], &out))
            return LAGO_ERR(x->err, LAGO_RUNTIME, "arrow import: %s value %lld at row %lld overflows microseconds",
                            s->format, (long long)raw, (long long)row);
        }
        ((int64_t *)v->data)[i] = out;
        break;
      }
      case FK_IV_M: case FK_IV_DT: case FK_IV_MDN: {
        lago_interval iv = {0, 0, 0};
        if (valid) {
          const uint8_t *p = d + (size_t)row * (size_t)f->width;
          if (f->kind == FK_IV_M) {
            iv.months = (int32_t)load_le32(p);
          } else if (f->kind == FK_IV_DT) {
            iv.days = (int32_t)load_le32(p);
            iv.micros = (int64_t)(int32_t)load_le32(p + 4) * 1000;
          } else {
            iv.months = (int32_t)load_le32(p);
            iv.days = (int32_t)load_le32(p + 4);
            iv.micros = (int64_t)load_le64(p + 8) / 1000; /* truncates toward zero */
          }
        }
        ((lago_interval *)v->data)[i] = iv;
        break;
      }
      case FK_BOOL:
        ((uint8_t *)v->data)[i] = valid && ((d[(uint64_t)row >> 3] >> (row & 7)) & 1);
        break;
      default:
        return LAGO_ERR(x->err, LAGO_INTERNAL, "arrow import: no conversion for '%s'", s->format);
    }
  }
  return LAGO_OK;
}

/* List-like: offsets (or fixed size) -> lago_list pairs, child rows imported once. */
static int import_list(ictx *x, const struct ArrowSchema *s, const struct ArrowArray *a, const afmt *f, lago_type t,
                       int64_t base, uint32_t n, int depth, vec *v) {
  int64_t first, last;
  const void *o = a->buffers[f->kind == FK_FLIST ? 0 : 1];
  if (f->kind == FK_FLIST) {
    if (f->fixed && base + n > INT64_MAX / f->fixed) return corrupt(x, s, "fixed list size overflows (rows, size)", n, f->fixed);
    first = base * f->fixed;
    last = (base + n) * f->fixed;
  } else {
    TRY(check_offsets(x, s, a, f->width, base, n, &first, &last));
  }
  const struct ArrowArray *ca = a->children[0];
  const struct ArrowSchema *cs = s->children[0];
  if (last > ca->length || ca->length < 0)
    return corrupt(x, s, "list offsets run past the child (last offset, child length)", last, ca->length);
  if (last - first > UINT32_MAX)
    return LAGO_ERR(x->err, LAGO_UNSUPPORTED, "arrow import: list '%.64s' has %lld elements, more than a lago vector holds",
                    s->name ? s->name : "", (long long)(last - first));
  lago_list *out = v->data;
  for (uint32_t i = 0; i < n; i++) {
    int64_t lo, hi;
    if (f->kind == FK_FLIST) {
      lo = (base + i) * f->fixed;
      hi = lo + f->fixed;
    } else {
      lo = offset_at(o, f->width, base + i);
      hi = offset_at(o, f->width, base + i + 1);
    }
    bool valid = !v->validity || bitmap_get(v->validity, i);
    out[i].offset = valid ? (uint32_t)(lo - first) : 0;
    out[i].length = valid ? (uint32_t)(hi - lo) : 0;
  }
  lago_type ct = type_element(t);
  if (t.id == LT_MAP) TRY(map_entries_type(x, t, &ct));
  if (!(v->child = arena_alloc(x->ar, sizeof(vec)))) return LAGO_NOMEM_ERR(x->err);
  TRY(import_node(x, cs, ca, ct, first, last - first, depth + 1, v->child));
  if (t.id == LT_MAP) {
    uint32_t bad = vec_null_count(v->child);
    if (bad) return corrupt(x, s, "map has null entries (count, 0)", bad, 0);
    if ((bad = vec_null_count(v->child->fields[0]))) return corrupt(x, s, "map has null keys (count, 0)", bad, 0);
  }
  return LAGO_OK;
}

/* Dictionary-encoded node: values imported whole, indexes checked and narrowed to u32 codes. */
static int import_dict(ictx *x, const struct ArrowSchema *s, const struct ArrowArray *a, const afmt *f, lago_type t,
                       int64_t base, uint32_t n, int depth, vec *v) {
  const struct ArrowArray *da = a->dictionary;
  vec *D = arena_alloc(x->ar, sizeof *D);
  if (!D) return LAGO_NOMEM_ERR(x->err);
  if (!da->release) return corrupt(x, s, "dictionary array is released", 0, 0);
  if (da->length < 0) return corrupt(x, s, "negative dictionary length", da->length, 0);
  int saved = x->dict_depth;
  x->dict_depth = -1; /* a dictionary's own values are always flat */
  int rc = import_node(x, s->dictionary, da, t, 0, da->length, depth + 1, D);
  x->dict_depth = saved;
  if (rc) return rc;
  TRY(need_buffer(x, s, a, 1, n));
  const uint8_t *d = a->buffers[1];
  uint32_t *codes = arena_alloc(x->ar, (size_t)(n ? n : 1) * 4);
  if (!codes) return LAGO_NOMEM_ERR(x->err);
  for (uint32_t i = 0; i < n; i++) {
    codes[i] = 0;
    if (v->validity && !bitmap_get(v->validity, i)) continue;
    int64_t row = base + i, k;
    const uint8_t *p = d + (size_t)row * (size_t)f->width;
    switch (f->width) {
      case 1: k = f->is_signed ? (int64_t)(int8_t)*p : (int64_t)*p; break;
      case 2: k = f->is_signed ? (int64_t)(int16_t)load_le16(p) : (int64_t)load_le16(p); break;
      case 4: k = f->is_signed ? (int64_t)(int32_t)load_le32(p) : (int64_t)load_le32(p); break;
      default: {
        uint64_t u = load_le64(p);
        k = (!f->is_signed && u > INT64_MAX) ? -1 : (int64_t)u;
      }
    }
    if (k < 0 || k >= (int64_t)D->len) return corrupt(x, s, "dictionary index out of range (row, index)", row, k);
    codes[i] = (uint32_t)k;
    if (D->validity && !bitmap_get(D->validity, (uint32_t)k)) { /* null entry: the row is null */
      if (!v->validity) {
        if (!(v->validity = arena_alloc(x->ar, bitmap_words(n) * 8))) return LAGO_NOMEM_ERR(x->err);
        bitmap_fill(v->validity, n, true);
      }
      bitmap_clear(v->validity, i);
    }
  }
  D->validity = NULL; /* vector.h: dictionary entries are never null */
  v->kind = VEC_DICT;
  v->data = codes;
  v->dict = D;
  if (depth != x->dict_depth) return vec_flatten(v) ? LAGO_NOMEM_ERR(x->err) : LAGO_OK;
  return LAGO_OK;
}

/*
** Imports rows [start, start+n64) of array a (schema s, lago type t) into v.
** Row i is physical element a->offset + start + i of a's buffers.
*/
static int import_node(ictx *x, const struct ArrowSchema *s, const struct ArrowArray *a, lago_type t, int64_t start,
                       int64_t n64, int depth, vec *v) {
  memset(v, 0, sizeof *v);
  TRY(check_schema(s, depth, x->err));
  if (depth > MAX_DEPTH) return corrupt(x, s, "array nested too deeply (depth, limit)", depth, MAX_DEPTH);
  afmt f;
  TRY(parse_format(s->format, &f, x->err));
  int64_t min_buf = 2, max_buf = 2, kids = 0;
  if (s->dictionary) {
    /* index buffers only */
  } else {
    switch (f.kind) {
      case FK_NULL: min_buf = 0; max_buf = 1; break;
      case FK_BIN: min_buf = max_buf = 3; break;
      case FK_VIEW: min_buf = 3; max_buf = INT32_MAX; break;
      case FK_LIST: case FK_MAP: kids = 1; break;
      case FK_FLIST: min_buf = max_buf = 1; kids = 1; break;
      case FK_STRUCT: min_buf = max_buf = 1; kids = s->n_children; break;
      default: break;
    }
  }
  TRY(check_array(x, s, a, start, n64, min_buf, max_buf, kids));
  uint32_t n = (uint32_t)n64;
  int64_t base = a->offset + start;
  TRY(vec_shell(x, v, t, n));
  if (f.kind == FK_NULL && !s->dictionary) { /* every row null, no buffers to read */
    if (!(v->validity = arena_zalloc(x->ar, bitmap_words(n ? n : 1) * 8))) return LAGO_NOMEM_ERR(x->err);
    return LAGO_OK;
  }
  TRY(import_validity(x, s, a, base, n, &v->validity));
  if (s->dictionary) return import_dict(x, s, a, &f, t, base, n, depth, v);
  switch (f.kind) {
    case FK_INT: case FK_FLOAT: case FK_DATE32:
      TRY(need_buffer(x, s, a, 1, (uint64_t)n * (uint64_t)f.width));
      if (n) memcpy(v->data, (const char *)a->buffers[1] + (size_t)base * (size_t)f.width, (size_t)n * (size_t)f.width);
      return LAGO_OK;
    case FK_TIME: case FK_TS:
      TRY(need_buffer(x, s, a, 1, (uint64_t)n * (uint64_t)f.width));
      if (f.unit == 2 || (f.unit == 3 && t.id == LT_TIMESTAMP_NS)) { /* already lago's unit */
        if (n) memcpy(v->data, (const char *)a->buffers[1] + (size_t)base * 8, (size_t)n * 8);
        return LAGO_OK;
      }
      return import_convert(x, s, a, &f, base, n, v);
    case FK_BOOL:
      TRY(need_buffer(x, s, a, 1, n));
      return import_convert(x, s, a, &f, base, n, v);
    case FK_DEC: case FK_DATE64: case FK_IV_M: case FK_IV_DT: case FK_IV_MDN:
      TRY(need_buffer(x, s, a, 1, (uint64_t)n * (uint64_t)f.width));
      return import_convert(x, s, a, &f, base, n, v);
    case FK_BIN:
      return import_strings(x, s, a, &f, base, n, v);
    case FK_VIEW:
      return import_views(x, s, a, base, n, v);
    case FK_FIXED: {
      uint64_t w = (uint64_t)f.fixed;
      TRY(need_buffer(x, s, a, 1, n * w));
      const char *d = a->buffers[1];
      if (t.id == LT_UUID) {
        if (n) memcpy(v->data, d + (size_t)base * 16, (size_t)n * 16);
        return LAGO_OK;
      }
      char *blob = arena_alloc(x->ar, (size_t)(n * w));
      if (!blob) return LAGO_NOMEM_ERR(x->err);
      if (n && w) memcpy(blob, d + (size_t)base * w, (size_t)(n * w));
      lago_str *out = v->data;
      for (uint32_t i = 0; i < n; i++) {
        if (v->validity && !bitmap_get(v->validity, i)) memset(&out[i], 0, sizeof out[i]);
        else out[i] = str_make(blob + (size_t)i * w, (uint32_t)w);
      }
      return LAGO_OK;
    }
    case FK_LIST: case FK_FLIST: case FK_MAP:
      return import_list(x, s, a, &f, t, base, n, depth, v);
    case FK_STRUCT: {
      uint32_t nf = type_n_fields(t);
      if (!(v->fields = arena_zalloc(x->ar, (size_t)(nf ? nf : 1) * sizeof(vec *)))) return LAGO_NOMEM_ERR(x->err);
      for (uint32_t k = 0; k < nf; k++) {
        if (!(v->fields[k] = arena_alloc(x->ar, sizeof(vec)))) return LAGO_NOMEM_ERR(x->err);
        TRY(import_node(x, s->children[k], a->children[k], type_field_at(t, k)->type, base, n, depth + 1, v->fields[k]));
      }
      return LAGO_OK;
    }
    case FK_NULL:
      break;
  }
  return LAGO_ERR(x->err, LAGO_INTERNAL, "arrow import: format '%.32s' not handled", s->format);
}

/* Runs an import and releases a whatever happens. */
static int import_root(const struct ArrowSchema *s, struct ArrowArray *a, arena *ar, int dict_depth, vec *out,
                       lago_type *t, lago_err *err) {
  memset(out, 0, sizeof *out);
  if (!a) return LAGO_ERR(err, LAGO_MISUSE, "arrow import: NULL array");
  int rc;
  if (!a->release) {
    rc = LAGO_ERR(err, LAGO_CORRUPT, "arrow import: the array is already released");
  } else {
    ictx x = {ar, err, dict_depth};
    rc = type_of(s, ar, 0, t, err);
    if (!rc) rc = import_node(&x, s, a, *t, 0, a->length, 0, out);
    a->release(a);
  }
  if (rc) memset(out, 0, sizeof *out);
  return rc;
}

int arrow_import_array(const struct ArrowSchema *s, struct ArrowArray *a, arena *ar, vec *out, lago_err *err) {
  lago_type t;
  return import_root(s, a, ar, 0, out, &t, err);
}

int arrow_import_batch(const struct ArrowSchema *s, struct ArrowArray *a, arena *ar, batch **out, lago_err *err) {
  *out = NULL;
  if (s && s->format && strcmp(s->format, "+s") != 0) {
    if (a && a->release) a->release(a);
    return LAGO_ERR(err, LAGO_CORRUPT, "arrow import: a record batch must be a struct array (+s), not '%.32s'", s->format);
  }
  vec sv;
  lago_type t;
  TRY(import_root(s, a, ar, 1, &sv, &t, err));
  batch *b = arena_zalloc(ar, sizeof *b);
  uint32_t nc = type_n_fields(t);
  if (!b || !(b->cols = arena_zalloc(ar, (size_t)(nc ? nc : 1) * sizeof(vec)))) return LAGO_NOMEM_ERR(err);
  b->n_cols = nc;
  b->n_rows = sv.len;
  b->ar = ar;
  for (uint32_t k = 0; k < nc; k++) {
    b->cols[k] = *sv.fields[k];
    if (!sv.validity) continue;
    for (uint32_t i = 0; i < sv.len; i++) /* a null record: null in every column */
      if (!bitmap_get(sv.validity, i) && vec_set_null(&b->cols[k], i)) return LAGO_NOMEM_ERR(err);
  }
  *out = b;
  return LAGO_OK;
}
