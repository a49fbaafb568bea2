/*
** format/json/jsonl_decode.c: JSON text straight into lago vectors, driven by
** the target schema (no DOM). Used by jsonl_reader.c for every record.
**
** The plan (jl_node tree) mirrors the schema: one node per type, and for a
** STRUCT the fields with hash tables of their exact and ASCII-lowercased
** names. Decoding an object:
**   - each member key is first compared with the field expected next (the
**     field after the previous member's: records usually keep one member
**     order), as raw bytes right at the quote, so most keys are matched
**     without being scanned; otherwise the key is read and looked up in the
**     exact table, then the lowercased one;
**   - the value is decoded into the field's vector at the row, by a switch on
**     the field's kind and the value's first byte;
**   - fields whose stamp was not set by this object are set NULL at the end.
** Recursion follows the schema only (its depth is checked when the plan is
** built); values deeper than the schema are skipped iteratively (jl_skip).
**
** Values that do not fit their field (Spark's failed conversions: "x" for an
** INT, 1.5 for a BIGINT, an empty string for a DOUBLE, an object for an
** ARRAY, a number out of range) leave the field NULL and either go to the
** rescued data (when the schema has a rescued data column) or mark the record
** malformed (JL_MISMATCH) with a message naming the field path and the value.
** Members whose key matches no field are skipped, or rescued.
*/
#include <math.h>

#include "format/json/jsonl_int.h"
#include "util/alloc.h"

#define HEAP_BLOCK ((size_t)64 << 10)
#define MAX_SCHEMA_DEPTH 200

/* ---- plan ------------------------------------------------------------------------------ */

static uint32_t hash_name(const char *s, uint32_t n, bool lower) {
  uint32_t h = 2166136261u;
  for (uint32_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (lower && c >= 'A' && c <= 'Z') c = (unsigned char)(c + 32);
    h = (h ^ c) * 16777619u;
  }
  return h;
}

static bool eq_ci(const char *a, const char *b, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) {
    unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
    if (x >= 'A' && x <= 'Z') x = (unsigned char)(x + 32);
    if (y >= 'A' && y <= 'Z') y = (unsigned char)(y + 32);
    if (x != y) return false;
  }
  return true;
}

static int build_node(arena *ar, lago_type t, int depth, const char *corrupt, const char *rescued, jl_node **out,
                      lago_err *err) {
  if (depth > MAX_SCHEMA_DEPTH)
    return LAGO_ERR(err, LAGO_UNSUPPORTED, "json reader: schema nested deeper than %d levels", MAX_SCHEMA_DEPTH);
  jl_node *nd = arena_zalloc(ar, sizeof *nd);
  if (!nd) return LAGO_NOMEM_ERR(err);
  nd->type = t;
  switch (t.id) {
    case LT_NULL: nd->kind = JK_NULLTYPE; break;
    case LT_BOOLEAN: nd->kind = JK_BOOL; break;
    case LT_TINYINT: nd->kind = JK_I8; break;
    case LT_SMALLINT: nd->kind = JK_I16; break;
    case LT_INT: nd->kind = JK_I32; break;
    case LT_BIGINT: nd->kind = JK_I64; break;
    case LT_UTINYINT: nd->kind = JK_U8; break;
    case LT_USMALLINT: nd->kind = JK_U16; break;
    case LT_UINT: nd->kind = JK_U32; break;
    case LT_UBIGINT: nd->kind = JK_U64; break;
    case LT_FLOAT: nd->kind = JK_F32; break;
    case LT_DOUBLE: nd->kind = JK_F64; break;
    case LT_DECIMAL: nd->kind = t.precision <= 18 ? JK_DEC64 : JK_DEC128; break;
    case LT_STRING: nd->kind = JK_STRING; break;
    case LT_BINARY: nd->kind = JK_BINARY; break;
    case LT_DATE: nd->kind = JK_DATE; break;
    case LT_TIMESTAMP: nd->kind = JK_TS; break;
    case LT_TIMESTAMP_NTZ: nd->kind = JK_TS_NTZ; break;
    case LT_ARRAY:
      nd->kind = JK_ARRAY;
      TRY(build_node(ar, type_element(t), depth + 1, NULL, NULL, &nd->elem, err));
      break;
    case LT_MAP:
      if (type_map_key(t).id != LT_STRING)
        return LAGO_ERR(err, LAGO_UNSUPPORTED, "json reader: MAP keys must be STRING, not %s",
                        type_id_name((lago_type_id)type_map_key(t).id));
      nd->kind = JK_MAP;
      TRY(build_node(ar, type_map_value(t), depth + 1, NULL, NULL, &nd->elem, err));
      break;
    case LT_STRUCT: {
      nd->kind = JK_STRUCT;
      uint32_t n = type_n_fields(t);
      nd->n_fields = n;
      nd->fields = arena_zalloc(ar, (n ? n : 1) * sizeof *nd->fields);
      uint32_t cap = 8;
      while (cap < 2 * n) cap *= 2;
      nd->hash_mask = cap - 1;
      nd->hash = arena_zalloc(ar, cap * sizeof(uint32_t));
      nd->ihash = arena_zalloc(ar, cap * sizeof(uint32_t));
      if (!nd->fields || !nd->hash || !nd->ihash) return LAGO_NOMEM_ERR(err);
      for (uint32_t i = 0; i < n; i++) {
        const type_field *tf = type_field_at(t, i);
        jl_field *f = &nd->fields[i];
        f->name = tf->name ? tf->name : "";
        f->len = (uint32_t)strlen(f->name);
        f->special = (corrupt && !strcmp(f->name, corrupt)) || (rescued && !strcmp(f->name, rescued));
        if (f->special && tf->type.id != LT_STRING)
          return LAGO_ERR(err, LAGO_BIND, "json reader: column '%s' must be STRING to hold %s", f->name,
                          corrupt && !strcmp(f->name, corrupt) ? "corrupt records" : "rescued data");
        TRY(build_node(ar, tf->type, depth + 1, NULL, NULL, &f->node, err));
        if (f->special) continue;
        f->fast = true; /* raw bytes equal the name only if it needs no escaping */
        for (uint32_t k = 0; k < f->len; k++)
          if (f->name[k] == '"' || f->name[k] == '\\' || (unsigned char)f->name[k] < 0x20) f->fast = false;
        if (f->len <= 16) memcpy(f->pad, f->name, f->len);
        /* First field of a name wins (exact, then lowercased). */
        uint32_t h = hash_name(f->name, f->len, false) & nd->hash_mask;
        bool dup = false;
        while (nd->hash[h]) {
          jl_field *o = &nd->fields[nd->hash[h] - 1];
          if (o->len == f->len && !memcmp(o->name, f->name, f->len)) dup = true;
          h = (h + 1) & nd->hash_mask;
        }
        if (!dup) nd->hash[h] = i + 1;
        h = hash_name(f->name, f->len, true) & nd->hash_mask;
        dup = false;
        while (nd->ihash[h]) {
          jl_field *o = &nd->fields[nd->ihash[h] - 1];
          if (o->len == f->len && eq_ci(o->name, f->name, f->len)) dup = true;
          h = (h + 1) & nd->hash_mask;
        }
        if (!dup) nd->ihash[h] = i + 1;
      }
      break;
    }
    default:
      return LAGO_ERR(err, LAGO_UNSUPPORTED, "json reader cannot read values of type %s",
                      type_id_name((lago_type_id)t.id));
  }
  *out = nd;
  return LAGO_OK;
}

int jl_plan_build(arena *ar, lago_type schema, const char *corrupt, const char *rescued, jl_node **out,
                  lago_err *err) {
  if (schema.id != LT_STRUCT) return LAGO_ERR(err, LAGO_BIND, "json reader: the schema must be a STRUCT");
  return build_node(ar, schema, 0, corrupt, rescued, out, err);
}

/* Index of the field named s[0..n): exact first, then ASCII case-insensitive
** (*ci set). -1 if none. */
static int lookup(const jl_node *nd, const char *s, uint32_t n, bool *ci) {
  uint32_t h = hash_name(s, n, false) & nd->hash_mask;
  while (nd->hash[h]) {
    const jl_field *f = &nd->fields[nd->hash[h] - 1];
    if (f->len == n && !memcmp(f->name, s, n)) {
      *ci = false;
      return (int)(nd->hash[h] - 1);
    }
    h = (h + 1) & nd->hash_mask;
  }
  h = hash_name(s, n, true) & nd->hash_mask;
  while (nd->ihash[h]) {
    const jl_field *f = &nd->fields[nd->ihash[h] - 1];
    if (f->len == n && eq_ci(f->name, s, n)) {
      *ci = true;
      return (int)(nd->ihash[h] - 1);
    }
    h = (h + 1) & nd->hash_mask;
  }
  return -1;
}

/*
** True if the member key at p (its opening quote) is exactly field f: the
** name's bytes then the closing quote. At least f->len + 2 bytes are readable
** at p (checked by the caller); names up to 16 bytes are compared with two
** masked 8-byte loads when 17 bytes are readable after the quote.
*/
static inline bool key_is(const jl_field *f, const char *p, const char *end) {
  uint32_t L = f->len;
  if (p[L + 1] != '"') return false;
  if (L <= 16 && end - (p + 1) >= 16) {
    uint64_t a, b;
    memcpy(&a, p + 1, 8);
    memcpy(&b, p + 9, 8);
    uint64_t m0 = L >= 8 ? ~(uint64_t)0 : (((uint64_t)1 << (8 * L)) - 1);
    uint64_t m1 = L >= 16 ? ~(uint64_t)0 : L <= 8 ? 0 : (((uint64_t)1 << (8 * (L - 8))) - 1);
    return ((a ^ f->pad[0]) & m0) == 0 && ((b ^ f->pad[1]) & m1) == 0;
  }
  return memcmp(p + 1, f->name, L) == 0;
}

/* ---- decoder state -------------------------------------------------------------------- */

int jl_dec_init(jl_dec *d, const jsonl_options *o, const char *path, lago_err *err) {
  memset(d, 0, sizeof *d);
  d->o = o;
  d->path = path;
  buf_init(&d->msg);
  buf_init(&d->resc);
  buf_init(&d->tmp);
  return txt_dt_init(&d->dt, o->date_format, o->timestamp_format, o->timestamp_ntz_format, err);
}

void jl_dec_deinit(jl_dec *d) {
  buf_deinit(&d->msg);
  buf_deinit(&d->resc);
  buf_deinit(&d->tmp);
}

void jl_dec_record(jl_dec *d) {
  d->bad = JL_OK;
  d->bad_at = NULL;
  d->lx.err_at = NULL;
  d->lx.err_what = NULL;
  buf_clear(&d->msg);
  buf_clear(&d->resc);
  d->n_resc = 0;
}

/* At least n free bytes at d->heap (a new block from the batch arena when needed). */
static char *heap_room(jl_dec *d, size_t n) {
  if (!d->heap || (size_t)(d->heap_end - d->heap) < n) {
    size_t blk = n > HEAP_BLOCK ? n : HEAP_BLOCK;
    char *b = arena_alloc(d->ar, blk);
    if (!b) return NULL;
    d->heap = b;
    d->heap_end = b + blk;
  }
  return d->heap;
}

char *jl_heap_copy(jl_dec *d, const char *p, size_t n) {
  char *out = heap_room(d, n);
  if (!out) return NULL;
  if (n) memcpy(out, p, n);
  d->heap += n;
  return out;
}

/* ---- paths ----------------------------------------------------------------------------- */

static int put_key(buf *out, const char *raw, uint32_t n, bool esc) {
  if (!esc) return buf_append(out, raw, n);
  /* Decode again: raw is the text between the quotes (raw[-1] is the quote). */
  jl_lex lx;
  buf sb;
  buf_init(&sb);
  memset(&lx, 0, sizeof lx);
  lx.single_quotes = lx.any_escape = lx.ctrl_chars = true;
  lx.sbuf = &sb;
  const char *p = raw;
  jl_sv sv;
  int rc = jl_string(&lx, &p, raw + n + 1, raw[-1], &sv);
  rc = rc == LAGO_NOMEM ? rc : rc ? buf_append(out, raw, n) : buf_append(out, sv.p, sv.n);
  buf_deinit(&sb);
  return rc;
}

static int render(buf *out, const jl_path *p) {
  if (!p) return 0;
  TRY(render(out, p->up));
  if (p->key) {
    if (p->up) TRY(buf_putc(out, '.'));
    return put_key(out, p->key, p->key_len, p->key_esc);
  }
  return buf_printf(out, "[%u]", p->index);
}

int jl_path_render(buf *out, const jl_path *path, const char *leaf, uint32_t leaf_len, bool leaf_esc) {
  TRY(render(out, path));
  if (leaf) {
    if (path) TRY(buf_putc(out, '.'));
    TRY(put_key(out, leaf, leaf_len, leaf_esc));
  }
  return 0;
}

/* ---- nulls and the problems of values ------------------------------------------------------ */

int jl_set_null_deep(vec *v, uint32_t row) {
  if (vec_set_null(v, row)) return LAGO_NOMEM;
  size_t w = type_width(v->type);
  if (w) memset((char *)v->data + (size_t)row * w, 0, w);
  if (v->type.id == LT_STRUCT)
    for (uint32_t i = 0; i < type_n_fields(v->type); i++) TRY(jl_set_null_deep(v->fields[i], row));
  return 0;
}

static inline void set_valid(vec *v, uint32_t row) {
  if (v->validity) bitmap_set(v->validity, row);
}

/*
** The value at `start` (*pp may be anywhere inside or after it) does not fit
** node nd: skip it from start (validating), then rescue it or note the
** mismatch; the row's value is NULL.
*/
static int mismatch(jl_dec *d, const jl_node *nd, vec *v, uint32_t row, const char *start, const char **pp,
                    const char *end, const jl_path *path) {
  const char *p = start;
  int rc;
  if (d->rescue) {
    buf *r = &d->resc;
    size_t mark = r->len;
    buf_clear(&d->tmp);
    if (d->n_resc && buf_putc(r, ',')) return LAGO_NOMEM;
    if (jl_path_render(&d->tmp, path, NULL, 0, false) || jl_json_str(r, d->tmp.data ? d->tmp.data : "", d->tmp.len) ||
        buf_putc(r, ':'))
      return LAGO_NOMEM;
    rc = jl_skip(&d->lx, &p, end, r);
    if (rc) {
      r->len = mark;
      return rc;
    }
    d->n_resc++;
  } else {
    rc = jl_skip(&d->lx, &p, end, NULL);
    if (rc) return rc;
    if (!d->bad) {
      d->bad = JL_MISMATCH;
      d->bad_at = start;
      buf *m = &d->msg;
      buf_clear(m);
      size_t n = (size_t)(p - start);
      if (buf_puts(m, "field ") || jl_path_render(m, path, NULL, 0, false) || buf_puts(m, ": cannot read ") ||
          (n == 2 && start[0] == start[1] && (start[0] == '"' || start[0] == '\'') ? buf_puts(m, "an empty string")
                                                                                  : txt_utf8_repair(m, start, n > JL_SHOW ? JL_SHOW : n)) ||
          (n > JL_SHOW && buf_puts(m, "...")) || buf_puts(m, " as ") || type_to_sql(nd->type, m))
        return LAGO_NOMEM;
    }
  }
  *pp = p;
  return jl_set_null_deep(v, row);
}

/* Rescues a member that matches no field (or only by case with readerCaseSensitive). */
static int rescue_member(jl_dec *d, const jl_path *path, const jl_sv *key, const char **pp, const char *end) {
  buf *r = &d->resc;
  size_t mark = r->len;
  buf_clear(&d->tmp);
  if (d->n_resc && buf_putc(r, ',')) return LAGO_NOMEM;
  if (jl_path_render(&d->tmp, path, key->raw, key->raw_n, key->escaped) ||
      jl_json_str(r, d->tmp.data ? d->tmp.data : "", d->tmp.len) || buf_putc(r, ':'))
    return LAGO_NOMEM;
  int rc = jl_skip(&d->lx, pp, end, r);
  if (rc) {
    r->len = mark;
    return rc;
  }
  d->n_resc++;
  return 0;
}

/* ---- scalars ------------------------------------------------------------------------------- */

static bool word_is(const char *p, const char *end, const char *w, size_t n) {
  return (size_t)(end - p) >= n && memcmp(p, w, n) == 0;
}

/* Row `row` of a STRING/BINARY vector = p[0..n); `avail` bytes are readable at p (>= n). */
static inline int put_str_avail(jl_dec *d, vec *v, uint32_t row, const char *p, uint32_t n, size_t avail) {
  lago_str *s = VEC_DATA(v, lago_str) + row;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  bool fast = avail >= 12;
#else
  bool fast = false;
  (void)avail;
#endif
  if (n <= LAGO_STR_INLINE && fast) {
    /* Inline view in two stores: {len, bytes 0..3} and bytes 4..11, zero past n. */
    uint32_t lo4;
    uint64_t hi8, w0;
    memcpy(&lo4, p, 4);
    memcpy(&hi8, p + 4, 8);
    if (n < 4) lo4 &= (uint32_t)((1u << (8 * n)) - 1);
    hi8 = n <= 4 ? 0 : n >= 12 ? hi8 : hi8 & (((uint64_t)1 << (8 * (n - 4))) - 1);
    w0 = (uint64_t)n | ((uint64_t)lo4 << 32);
    memcpy((char *)s, &w0, 8);
    memcpy((char *)s + 8, &hi8, 8);
  } else if (n <= LAGO_STR_INLINE) {
    *s = str_make(p, n);
  } else {
    char *c = jl_heap_copy(d, p, n);
    if (!c) return LAGO_NOMEM;
    *s = str_make(c, n);
  }
  set_valid(v, row);
  return 0;
}

static inline int put_str(jl_dec *d, vec *v, uint32_t row, const char *p, uint32_t n) {
  return put_str_avail(d, v, row, p, n, n);
}

static int8_t b64val(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return (int8_t)(c - 'A');
  if (c >= 'a' && c <= 'z') return (int8_t)(c - 'a' + 26);
  if (c >= '0' && c <= '9') return (int8_t)(c - '0' + 52);
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

/* Base64 (standard alphabet, padding optional) into the batch heap; -1 if not base64. */
/*
** DATE from string text (not empty): dateFormat or Spark's cast rules
** (format/text); without a dateFormat, Spark's JSON reader also takes a day
** number in a string (what Spark 1.5 wrote), and so does this one.
*/
static int date_text(const jl_dec *d, const char *s, uint32_t n, int32_t *days) {
  if (txt_dt_date(&d->dt, s, n, days) == 0) return 0;
  if (d->dt.have_date || n > 9) return -1;
  int64_t v = 0;
  uint32_t i = s[0] == '-' ? 1 : 0;
  if (i == n) return -1;
  for (; i < n; i++) {
    if ((unsigned)(s[i] - '0') > 9) return -1;
    v = v * 10 + (s[i] - '0');
  }
  *days = (int32_t)(s[0] == '-' ? -v : v);
  return 0;
}

static int put_base64(jl_dec *d, vec *v, uint32_t row, const char *s, uint32_t n) {
  while (n && s[n - 1] == '=') n--;
  if (n % 4 == 1) return -1;
  size_t out_n = (size_t)n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0);
  char *o = heap_room(d, out_n);
  if (!o) return LAGO_NOMEM;
  size_t k = 0;
  uint32_t acc = 0, bits = 0;
  for (uint32_t i = 0; i < n; i++) {
    int8_t x = b64val((unsigned char)s[i]);
    if (x < 0) return -1;
    acc = (acc << 6) | (uint32_t)x;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      o[k++] = (char)(acc >> bits);
    }
  }
  if (k > LAGO_STR_INLINE) d->heap += k; /* short values are copied into the view */
  VEC_DATA(v, lago_str)[row] = str_make(o, (uint32_t)k);
  set_valid(v, row);
  return 0;
}

/* The number at *pp as an integer of nd's range. */
static int dec_int(jl_dec *d, const jl_node *nd, vec *v, uint32_t row, const char **pp, const char *end,
                   const jl_path *path) {
  const char *start = *pp, *p = start;
  int64_t val;
  /* Fast path: [-]digits (no leading zero), at most 18 of them, then a delimiter. */
  bool neg = *p == '-';
  p += neg;
  uint64_t m = 0;
  const char *ds = p;
  while (p < end && (unsigned)(*p - '0') <= 9 && p - ds < 19) m = m * 10 + (unsigned)(*p++ - '0');
  size_t nd_ = (size_t)(p - ds);
  if (nd_ && nd_ <= 18 && !(ds[0] == '0' && nd_ > 1) &&
      (p >= end || (*p != '.' && *p != 'e' && *p != 'E' && (unsigned)(*p - '0') > 9))) {
    val = neg ? -(int64_t)m : (int64_t)m;
  } else {
    txt_num x;
    p = start;
    int rc = jl_number(&d->lx, &p, end, &x);
    if (rc) return rc;
    if (txt_num_int(&x, nd->kind == JK_U64 ? 0 : INT64_MIN, INT64_MAX, &val) < 0) {
      if (nd->kind == JK_U64 && x.is_int && !x.neg && x.sig <= 20 && !x.special) {
        /* UBIGINT beyond INT64_MAX. */
        unsigned __int128 u = 0;
        for (uint32_t i = 0; i < x.n; i++) u = u * 10 + (unsigned)(x.s[i] - '0');
        if (u <= UINT64_MAX) {
          *pp = p;
          VEC_DATA(v, uint64_t)[row] = (uint64_t)u;
          set_valid(v, row);
          return 0;
        }
      }
      return mismatch(d, nd, v, row, start, pp, end, path);
    }
  }
  *pp = p;
  switch (nd->kind) {
    case JK_I8:
      if (val < INT8_MIN || val > INT8_MAX) break;
      VEC_DATA(v, int8_t)[row] = (int8_t)val;
      set_valid(v, row);
      return 0;
    case JK_I16:
      if (val < INT16_MIN || val > INT16_MAX) break;
      VEC_DATA(v, int16_t)[row] = (int16_t)val;
      set_valid(v, row);
      return 0;
    case JK_I32:
      if (val < INT32_MIN || val > INT32_MAX) break;
      VEC_DATA(v, int32_t)[row] = (int32_t)val;
      set_valid(v, row);
      return 0;
    case JK_I64:
      VEC_DATA(v, int64_t)[row] = val;
      set_valid(v, row);
      return 0;
    case JK_U8:
      if (val < 0 || val > UINT8_MAX) break;
      VEC_DATA(v, uint8_t)[row] = (uint8_t)val;
      set_valid(v, row);
      return 0;
    case JK_U16:
      if (val < 0 || val > UINT16_MAX) break;
      VEC_DATA(v, uint16_t)[row] = (uint16_t)val;
      set_valid(v, row);
      return 0;
    case JK_U32:
      if (val < 0 || val > (int64_t)UINT32_MAX) break;
      VEC_DATA(v, uint32_t)[row] = (uint32_t)val;
      set_valid(v, row);
      return 0;
    case JK_U64:
      if (val < 0) break;
      VEC_DATA(v, uint64_t)[row] = (uint64_t)val;
      set_valid(v, row);
      return 0;
  }
  return mismatch(d, nd, v, row, start, pp, end, path);
}

/* NaN / Infinity spelled as strings for FLOAT and DOUBLE (Spark's special case). */
static bool special_text(const jl_sv *sv, double *out) {
  static const struct { const char *s; double v; } w[] = {
      {"NaN", NAN}, {"+INF", INFINITY}, {"+Infinity", INFINITY}, {"Infinity", INFINITY},
      {"-INF", -INFINITY}, {"-Infinity", -INFINITY}};
  for (size_t i = 0; i < sizeof w / sizeof w[0]; i++)
    if (strlen(w[i].s) == sv->n && !memcmp(w[i].s, sv->p, sv->n)) {
      *out = w[i].v;
      return true;
    }
  return false;
}

/* The string at *pp (quote at **pp): reads it into *sv. */
static inline int read_str(jl_dec *d, const char **pp, const char *end, jl_sv *sv) {
  const char *p = *pp;
  char q = *p++;
  if (q == '\'' && !d->lx.single_quotes) return jl_bad(&d->lx, *pp, "single quotes are not allowed (allowSingleQuotes)");
  int rc = jl_string(&d->lx, &p, end, q, sv);
  if (rc) return rc;
  *pp = p;
  return 0;
}

static int dec_value(jl_dec *d, jl_node *nd, vec *v, uint32_t row, const char **pp, const char *end,
                     const jl_path *path);

/* ---- containers ---------------------------------------------------------------------------- */

/* ws, then ',' (more members/items: 1), or the closing byte (0), else JL_BAD. */
static inline int next_item(jl_dec *d, const char **pp, const char *end, char close, bool *more) {
  int rc = jl_ws(&d->lx, pp, end);
  if (rc) return rc;
  const char *p = *pp;
  if (p < end && *p == ',') {
    *pp = p + 1;
    *more = true;
    return jl_ws(&d->lx, pp, end);
  }
  if (p < end && *p == close) {
    *pp = p + 1;
    *more = false;
    return 0;
  }
  if (p >= end)
    return jl_bad(&d->lx, p, close == '}' ? "unexpected end of record inside an object"
                                          : "unexpected end of record inside an array");
  return jl_bad(&d->lx, p, close == '}' ? "expected ',' or '}' in an object" : "expected ',' or ']' in an array");
}

/* The object at *pp ('{') into row `row` of the field vectors fv. */
static int dec_object(jl_dec *d, jl_node *nd, vec **fv, uint32_t row, const char **pp, const char *end,
                      const jl_path *path) {
  const char *p = *pp + 1;
  int rc;
  uint32_t stamp = ++nd->stamp;
  if (!stamp) {
    for (uint32_t i = 0; i < nd->n_fields; i++) nd->fields[i].seen = 0;
    stamp = nd->stamp = 1;
  }
  if ((rc = jl_ws(&d->lx, &p, end))) return rc;
  bool more = true;
  if (p < end && *p == '}') {
    p++;
    more = false;
  }
  while (more) {
    jl_sv key;
    int idx = -1;
    bool ci = false;
    uint32_t g = nd->guess;
    if (g < nd->n_fields && p < end && *p == '"') {
      const jl_field *f = &nd->fields[g];
      uint32_t L = f->len;
      if (f->fast && (size_t)(end - p) > (size_t)L + 1 && key_is(f, p, end)) {
        idx = (int)g;
        key.p = key.raw = p + 1;
        key.n = key.raw_n = L;
        key.escaped = false;
        p += L + 2;
        if (p < end && *p == ':') {
          p++;
        } else {
          if ((rc = jl_ws(&d->lx, &p, end))) return rc;
          if (p >= end || *p != ':') return jl_bad(&d->lx, p, "expected ':' after a field name");
          p++;
        }
        if ((rc = jl_ws(&d->lx, &p, end))) return rc;
      }
    }
    if (idx < 0) {
      if ((rc = jl_key(&d->lx, &p, end, &key))) return rc;
      idx = lookup(nd, key.p, key.n, &ci);
      if (idx >= 0 && nd->fields[idx].special) idx = -1;
    }
    if (idx >= 0 && !(ci && d->ci_rescue)) {
      jl_field *f = &nd->fields[idx];
      f->seen = stamp;
      nd->guess = (uint32_t)idx + 1;
      jl_path sub = {path, key.raw, key.raw_n, key.escaped, 0};
      if ((rc = dec_value(d, f->node, fv[idx], row, &p, end, &sub))) return rc;
    } else if (d->rescue) {
      if ((rc = rescue_member(d, path, &key, &p, end))) return rc;
    } else {
      if (p >= end) return jl_bad(&d->lx, p, "unexpected end of record, expected a value");
      if ((rc = jl_skip(&d->lx, &p, end, NULL))) return rc;
    }
    if ((rc = next_item(d, &p, end, '}', &more))) return rc;
  }
  for (uint32_t i = 0; i < nd->n_fields; i++) {
    jl_field *f = &nd->fields[i];
    if (f->seen != stamp && !f->special && jl_set_null_deep(fv[i], row)) return LAGO_NOMEM;
  }
  *pp = p;
  return 0;
}

static int dec_array(jl_dec *d, jl_node *nd, vec *v, uint32_t row, const char **pp, const char *end,
                     const jl_path *path) {
  const char *p = *pp + 1;
  int rc;
  vec *c = v->child;
  uint32_t first = c->len, n = 0;
  if ((rc = jl_ws(&d->lx, &p, end))) return rc;
  bool more = true;
  if (p < end && *p == ']') {
    p++;
    more = false;
  }
  while (more) {
    uint32_t off;
    if (vec_list_reserve(v, 1, &off)) return LAGO_NOMEM;
    jl_path sub = {path, NULL, 0, false, n};
    if ((rc = dec_value(d, nd->elem, c, off, &p, end, &sub))) return rc;
    n++;
    if ((rc = next_item(d, &p, end, ']', &more))) return rc;
  }
  lago_list *l = VEC_DATA(v, lago_list) + row;
  l->offset = n ? first : c->len;
  l->length = n;
  set_valid(v, row);
  *pp = p;
  return 0;
}

static int dec_map(jl_dec *d, jl_node *nd, vec *v, uint32_t row, const char **pp, const char *end,
                   const jl_path *path) {
  const char *p = *pp + 1;
  int rc;
  vec *c = v->child, *kv = c->fields[0], *vv = c->fields[1];
  uint32_t first = c->len, n = 0;
  if ((rc = jl_ws(&d->lx, &p, end))) return rc;
  bool more = true;
  if (p < end && *p == '}') {
    p++;
    more = false;
  }
  while (more) {
    jl_sv key;
    if ((rc = jl_key(&d->lx, &p, end, &key))) return rc;
    uint32_t off;
    if (vec_list_reserve(v, 1, &off)) return LAGO_NOMEM;
    set_valid(c, off);
    if ((rc = put_str(d, kv, off, key.p, key.n))) return rc;
    jl_path sub = {path, key.raw, key.raw_n, key.escaped, 0};
    if ((rc = dec_value(d, nd->elem, vv, off, &p, end, &sub))) return rc;
    n++;
    if ((rc = next_item(d, &p, end, '}', &more))) return rc;
  }
  lago_list *l = VEC_DATA(v, lago_list) + row;
  l->offset = n ? first : c->len;
  l->length = n;
  set_valid(v, row);
  *pp = p;
  return 0;
}

/* ---- one value ------------------------------------------------------------------------------ */

static int dec_value(jl_dec *d, jl_node *nd, vec *v, uint32_t row, const char **pp, const char *end,
                     const jl_path *path) {
  const char *start = *pp, *p = start;
  int rc;
  if (p >= end) return jl_bad(&d->lx, p, "unexpected end of record, expected a value");
  unsigned char c0 = (unsigned char)*p;
  if (c0 == 'n') {
    if (!word_is(p, end, "null", 4)) return jl_bad(&d->lx, p, "expected a value");
    *pp = p + 4;
    return jl_set_null_deep(v, row);
  }
  uint8_t jv = jl_first[c0];
  switch (nd->kind) {
    case JK_STRING:
      if (jv == JV_STR) {
        jl_sv sv;
        if ((rc = read_str(d, &p, end, &sv))) return rc;
        *pp = p;
        return put_str_avail(d, v, row, sv.p, sv.n, sv.escaped ? sv.n : (size_t)(end - sv.p));
      }
      /* Anything else: its source text (Spark's exact string parsing). */
      if ((rc = jl_skip(&d->lx, &p, end, NULL))) return rc;
      *pp = p;
      if (p - start > (ptrdiff_t)0x7fffffff) return mismatch(d, nd, v, row, start, pp, end, path);
      return put_str(d, v, row, start, (uint32_t)(p - start));
    case JK_I8: case JK_I16: case JK_I32: case JK_I64:
    case JK_U8: case JK_U16: case JK_U32: case JK_U64:
      if (jv == JV_NUM) return dec_int(d, nd, v, row, pp, end, path);
      break;
    case JK_F64:
    case JK_F32: {
      double x;
      if (jv == JV_NUM) {
        txt_num num;
        if ((rc = jl_number(&d->lx, &p, end, &num))) return rc;
        if (nd->kind == JK_F64) rc = txt_num_f64(&num, VEC_DATA(v, double) + row);
        else rc = txt_num_f32(&num, VEC_DATA(v, float) + row);
        if (rc) return rc;
        *pp = p;
        set_valid(v, row);
        return 0;
      }
      if (jv == JV_STR) {
        jl_sv sv;
        if ((rc = read_str(d, &p, end, &sv))) return rc;
        if (d->lx.nonnum && special_text(&sv, &x)) {
          if (nd->kind == JK_F64) VEC_DATA(v, double)[row] = x;
          else VEC_DATA(v, float)[row] = (float)x;
          *pp = p;
          set_valid(v, row);
          return 0;
        }
      }
      break;
    }
    case JK_DEC64:
    case JK_DEC128: {
      __int128 x;
      int ok = -1;
      if (jv == JV_NUM) {
        txt_num num;
        if ((rc = jl_number(&d->lx, &p, end, &num))) return rc;
        ok = txt_num_dec(&num, nd->type.precision, nd->type.scale, &x);
      } else if (jv == JV_STR) {
        jl_sv sv;
        if ((rc = read_str(d, &p, end, &sv))) return rc;
        if (sv.n && nd->kind == JK_DEC64) { /* the CSV reader's decimal text parsers (format/text) */
          int64_t x64;
          if ((ok = txt_parse_dec64(sv.p, sv.n, nd->type.precision, nd->type.scale, &x64)) == 0) x = x64;
        } else if (sv.n) {
          ok = txt_dec_text(sv.p, sv.n, nd->type.precision, nd->type.scale, &x);
        }
      }
      if (ok == 0) {
        if (nd->kind == JK_DEC64) VEC_DATA(v, int64_t)[row] = (int64_t)x;
        else VEC_DATA(v, lago_i128)[row] = x;
        *pp = p;
        set_valid(v, row);
        return 0;
      }
      break;
    }
    case JK_BOOL:
      if (jv == JV_TRUE && word_is(p, end, "true", 4)) {
        VEC_DATA(v, uint8_t)[row] = 1;
        *pp = p + 4;
        set_valid(v, row);
        return 0;
      }
      if (jv == JV_FALSE && word_is(p, end, "false", 5)) {
        VEC_DATA(v, uint8_t)[row] = 0;
        *pp = p + 5;
        set_valid(v, row);
        return 0;
      }
      break;
    case JK_DATE:
      if (jv == JV_STR) {
        jl_sv sv;
        if ((rc = read_str(d, &p, end, &sv))) return rc;
        int32_t days;
        int ok = sv.n ? date_text(d, sv.p, sv.n, &days) : -1;
        if (ok == 0) {
          VEC_DATA(v, int32_t)[row] = days;
          *pp = p;
          set_valid(v, row);
          return 0;
        }
      }
      break;
    case JK_TS:
    case JK_TS_NTZ:
      if (jv == JV_STR) {
        jl_sv sv;
        if ((rc = read_str(d, &p, end, &sv))) return rc;
        int64_t us;
        int ok = -1;
        if (sv.n == 0) {
        } else if (nd->kind == JK_TS) {
          ok = txt_dt_ts(&d->dt, sv.p, sv.n, &us);
        } else {
          ok = txt_dt_ntz(&d->dt, sv.p, sv.n, &us); /* TIMESTAMP_NTZ takes no zone */
        }
        if (ok == 0) {
          VEC_DATA(v, int64_t)[row] = us;
          *pp = p;
          set_valid(v, row);
          return 0;
        }
      } else if (jv == JV_NUM && nd->kind == JK_TS) {
        /* Seconds since the epoch (Spark: VALUE_NUMBER_INT * 1000000). */
        txt_num num;
        int64_t secs;
        if ((rc = jl_number(&d->lx, &p, end, &num))) return rc;
        if (txt_num_int(&num, INT64_MIN / MICROS_PER_SEC, INT64_MAX / MICROS_PER_SEC, &secs) == 0) {
          VEC_DATA(v, int64_t)[row] = secs * MICROS_PER_SEC;
          *pp = p;
          set_valid(v, row);
          return 0;
        }
      }
      break;
    case JK_BINARY:
      if (jv == JV_STR) {
        jl_sv sv;
        if ((rc = read_str(d, &p, end, &sv))) return rc;
        rc = put_base64(d, v, row, sv.p, sv.n);
        if (rc > 0) return rc;
        if (rc == 0) {
          *pp = p;
          return 0;
        }
      }
      break;
    case JK_STRUCT:
      if (jv == JV_OBJ) {
        if ((rc = dec_object(d, nd, v->fields, row, pp, end, path))) return rc;
        set_valid(v, row);
        return 0;
      }
      break;
    case JK_ARRAY:
      if (jv == JV_ARR) return dec_array(d, nd, v, row, pp, end, path);
      break;
    case JK_MAP:
      if (jv == JV_OBJ) return dec_map(d, nd, v, row, pp, end, path);
      break;
    case JK_NULLTYPE:
      if ((rc = jl_skip(&d->lx, &p, end, NULL))) return rc;
      *pp = p;
      return jl_set_null_deep(v, row);
  }
  return mismatch(d, nd, v, row, start, pp, end, path);
}

int jl_decode_row(jl_dec *d, jl_node *root, vec **cols, uint32_t row, const char **pp, const char *end) {
  return dec_object(d, root, cols, row, pp, end, NULL);
}
