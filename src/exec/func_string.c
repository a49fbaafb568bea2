/*
** exec/func_string.c: string functions with Spark semantics on UTF-8.
**
** Lengths and positions count characters (code points), not bytes: length,
** substring, left, right, lpad, rpad, instr, locate, reverse. Positions are
** 1-based; substring accepts 0 (same as 1) and negative starts (from the end)
** as Spark's UTF8String.substringSQL. trim/ltrim/rtrim/btrim remove spaces
** (U+0020 only), or any character of the optional second argument. lower/
** upper map ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic letters
** (other code points are kept as they are).
**
** LIKE: '%' any sequence, '_' one character, '\' escapes; constant patterns are
** compiled once at bind time into exact / prefix / suffix / contains checks or
** a general matcher. ILIKE compares case-insensitively. RLIKE / regexp_like /
** regexp_extract / regexp_replace / regexp_count / regexp_substr use POSIX extended regular expressions (glibc
** regcomp; \d \D are rewritten to [0-9] classes), compiled once per batch.
**
** Results that are pieces of an input string (substring, trim, left, split_part)
** are views of the input bytes; new strings are allocated in the batch arena.
*/
#include <regex.h>
#include <string.h>

#include "exec/func.h"
#include "exec/vecops.h"
#include "util/numfmt.h"

/* ---- UTF-8 helpers ----------------------------------------------------------------- */

static inline bool is_cont(unsigned char c) { return (c & 0xC0) == 0x80; }

static uint32_t utf8_count(const char *s, uint32_t n) {
  uint32_t c = 0;
  for (uint32_t i = 0; i < n; i++) c += !is_cont((unsigned char)s[i]);
  return c;
}

/* Byte offset of character k (k may be >= the count: returns n). */
static uint32_t utf8_offset(const char *s, uint32_t n, uint32_t k) {
  uint32_t i = 0;
  while (i < n && k > 0) {
    i++;
    while (i < n && is_cont((unsigned char)s[i])) i++;
    k--;
  }
  return i;
}

/* Decodes one code point at s[*i] (lenient: invalid bytes decode as themselves). */
static uint32_t utf8_next(const char *s, uint32_t n, uint32_t *i) {
  const unsigned char *u = (const unsigned char *)s;
  uint32_t c = u[*i];
  int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
  if (c >= 0x80 && extra && *i + (uint32_t)extra < n + 0u) {
    uint32_t cp = c & (0x3F >> extra);
    bool ok = true;
    for (int k = 1; k <= extra; k++) {
      if (*i + (uint32_t)k >= n || !is_cont(u[*i + (uint32_t)k])) {
        ok = false;
        break;
      }
      cp = (cp << 6) | (u[*i + (uint32_t)k] & 0x3F);
    }
    if (ok) {
      *i += (uint32_t)extra + 1;
      return cp;
    }
  }
  (*i)++;
  return c;
}

static int utf8_put(uint32_t cp, char *out) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (cp >> 18));
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

static uint32_t cp_lower(uint32_t c) {
  if (c >= 'A' && c <= 'Z') return c + 32;
  if (c < 0x80) return c;
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;
  if (c >= 0x100 && c <= 0x17F && c != 0x130 && c != 0x131 && c != 0x138 && c != 0x149 && c != 0x17F) {
    bool odd_upper = (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E);
    if (odd_upper ? (c & 1) : !(c & 1)) return c + 1;
    return c;
  }
  if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 32;
  if (c >= 0x410 && c <= 0x42F) return c + 32;
  if (c >= 0x400 && c <= 0x40F) return c + 80;
  return c;
}

static uint32_t cp_upper(uint32_t c) {
  if (c >= 'a' && c <= 'z') return c - 32;
  if (c < 0x80) return c;
  if (c >= 0xE0 && c <= 0xFE && c != 0xF7) return c - 32;
  if (c >= 0x100 && c <= 0x17F && c != 0x130 && c != 0x131 && c != 0x138 && c != 0x149 && c != 0x17F) {
    bool odd_upper = (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E);
    if (odd_upper ? !(c & 1) : (c & 1)) return c - 1;
    return c;
  }
  if (c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2) return c - 32;
  if (c >= 0x430 && c <= 0x44F) return c - 32;
  if (c >= 0x450 && c <= 0x45F) return c - 80;
  return c;
}

/* ---- result strings ------------------------------------------------------------------- */

/* Room for n bytes of row r's result: the arena for long strings, tmp (>= 12 bytes) otherwise. */
static char *str_begin(vec *out, uint32_t n, char *tmp) {
  if (n <= LAGO_STR_INLINE) return tmp;
  return arena_alloc(out->ar, n);
}
static void str_end(vec *out, uint32_t r, const char *p, uint32_t n) { VEC_DATA(out, lago_str)[r] = str_make(p, n); }

#define OOM(c) LAGO_NOMEM_ERR((c)->ec->err)

/* Reads string argument k at row r. */
#define SARG(vw, r) (&((const lago_str *)(vw).data)[VIEW_IDX(&(vw), r)])
#define IARG(vw, r) (((const int32_t *)(vw).data)[VIEW_IDX(&(vw), r)])

/* ---- length, case -------------------------------------------------------------------------- */

static int k_length(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  (void)c;
  vec_view a;
  vec_view_init(&a, args[0]);
  int32_t *o = out->data;
  bool bin = c->e->args[0]->type.id == LT_BINARY;
  EVAL_FOR(sel, n, r, {
    if (!FN_ROW_VALID(out, r)) continue;
    const lago_str *s = SARG(a, r);
    o[r] = (int32_t)(bin ? s->len : utf8_count(str_data(s), s->len));
  });
  return LAGO_OK;
}

static int k_octet_length(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  (void)c;
  vec_view a;
  vec_view_init(&a, args[0]);
  int32_t *o = out->data;
  EVAL_FOR(sel, n, r, if (FN_ROW_VALID(out, r)) o[r] = (int32_t)SARG(a, r)->len;);
  return LAGO_OK;
}

static int case_map(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out, bool up) {
  vec_view a;
  vec_view_init(&a, args[0]);
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    const lago_str *s = SARG(a, r);
    const char *p = str_data(s);
    uint32_t len = s->len;
    /* Lower/upper case letters of the mapped ranges have the same UTF-8 length. */
    char tmp[LAGO_STR_INLINE];
    char *o = str_begin(out, len, tmp);
    if (!o) return OOM(c);
    uint32_t k = 0, j = 0;
    while (k < len) {
      unsigned char b = (unsigned char)p[k];
      if (b < 0x80) {
        o[j++] = (char)(up ? (b >= 'a' && b <= 'z' ? b - 32 : b) : (b >= 'A' && b <= 'Z' ? b + 32 : b));
        k++;
        continue;
      }
      uint32_t start = k, cp = utf8_next(p, len, &k);
      uint32_t m = up ? cp_upper(cp) : cp_lower(cp);
      char enc[4];
      int el = utf8_put(m, enc);
      if (m != cp && (uint32_t)el == k - start) memcpy(o + j, enc, (size_t)el);
      else memcpy(o + j, p + start, k - start);
      j += k - start;
    }
    str_end(out, r, o, len);
  }
  return LAGO_OK;
}
static int k_lower(fn_call *c, vec **a, const uint32_t *s, uint32_t n, vec *o) { return case_map(c, a, s, n, o, false); }
static int k_upper(fn_call *c, vec **a, const uint32_t *s, uint32_t n, vec *o) { return case_map(c, a, s, n, o, true); }

/* initcap: first letter of each space-separated word upper, the rest lower. */
static int k_initcap(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  TRY(case_map(c, args, sel, n, out, false));
  EVAL_FOR(sel, n, r, {
    if (!FN_ROW_VALID(out, r)) continue;
    lago_str *s = &VEC_DATA(out, lago_str)[r];
    char *p = (char *)str_data(s);
    bool start = true;
    for (uint32_t k = 0; k < s->len; k++) {
      if (start && p[k] >= 'a' && p[k] <= 'z') p[k] = (char)(p[k] - 32);
      start = p[k] == ' ';
    }
    if (s->len <= LAGO_STR_INLINE) *s = str_make(p, s->len); /* refresh the prefix copy */
    else memcpy(s->prefix, p, 4);
  });
  return LAGO_OK;
}

/* ---- substring family ------------------------------------------------------------------------ */

/* Spark substringSQL: characters [pos, pos+len) with 1-based pos; views the input. */
static lago_str substr_sql(const lago_str *s, int64_t pos, int64_t len) {
  const char *p = str_data(s);
  int64_t nch = utf8_count(p, s->len);
  int64_t start = pos > 0 ? pos - 1 : pos < 0 ? nch + pos : 0;
  int64_t end = start + len;
  if (start < 0) start = 0;
  if (start >= end || start >= nch) return str_make("", 0);
  if (end > nch) end = nch;
  uint32_t b0 = utf8_offset(p, s->len, (uint32_t)start);
  uint32_t b1 = b0 + utf8_offset(p + b0, s->len - b0, (uint32_t)(end - start));
  return str_make(p + b0, b1 - b0);
}

static int k_substring(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  (void)c;
  vec_view a, p, l;
  vec_view_init(&a, args[0]);
  vec_view_init(&p, args[1]);
  bool has_len = c->e->n_args > 2;
  if (has_len) vec_view_init(&l, args[2]);
  lago_str *o = out->data;
  EVAL_FOR(sel, n, r, {
    if (!FN_ROW_VALID(out, r)) continue;
    int64_t len = has_len ? IARG(l, r) : INT32_MAX;
    o[r] = substr_sql(SARG(a, r), IARG(p, r), len);
  });
  return LAGO_OK;
}

static int k_left_right(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  bool right = *(const char *)c->e->u.call.def->info == 'r';
  vec_view a, k;
  vec_view_init(&a, args[0]);
  vec_view_init(&k, args[1]);
  lago_str *o = out->data;
  EVAL_FOR(sel, n, r, {
    if (!FN_ROW_VALID(out, r)) continue;
    int64_t m = IARG(k, r);
    if (m <= 0) o[r] = str_make("", 0);
    else o[r] = right ? substr_sql(SARG(a, r), -m, m) : substr_sql(SARG(a, r), 1, m);
  });
  return LAGO_OK;
}

/* ---- trim family ----------------------------------------------------------------------------- */

static bool in_set(uint32_t cp, const char *set, uint32_t sn) {
  uint32_t i = 0;
  while (i < sn)
    if (utf8_next(set, sn, &i) == cp) return true;
  return false;
}

/* info: 'b' both, 'l' leading, 'r' trailing. */
static int k_trim(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  char mode = *(const char *)c->e->u.call.def->info;
  vec_view a, t;
  vec_view_init(&a, args[0]);
  bool has_set = c->e->n_args > 1;
  if (has_set) vec_view_init(&t, args[1]);
  lago_str *o = out->data;
  EVAL_FOR(sel, n, r, {
    if (!FN_ROW_VALID(out, r)) continue;
    const lago_str *s = SARG(a, r);
    const char *p = str_data(s);
    uint32_t b0 = 0, b1 = s->len;
    if (!has_set) {
      if (mode != 'r') while (b0 < b1 && p[b0] == ' ') b0++;
      if (mode != 'l') while (b1 > b0 && p[b1 - 1] == ' ') b1--;
    } else {
      const lago_str *ts = SARG(t, r);
      const char *set = str_data(ts);
      uint32_t sn = ts->len;
      if (mode != 'r') {
        while (b0 < b1) {
          uint32_t k = b0;
          uint32_t cp = utf8_next(p, b1, &k);
          if (!in_set(cp, set, sn)) break;
          b0 = k;
        }
      }
      if (mode != 'l') {
        while (b1 > b0) {
          uint32_t k = b1 - 1;
          while (k > b0 && is_cont((unsigned char)p[k])) k--;
          uint32_t j = k;
          uint32_t cp = utf8_next(p, b1, &j);
          if (!in_set(cp, set, sn)) break;
          b1 = k;
        }
      }
    }
    o[r] = str_make(p + b0, b1 - b0);
  });
  return LAGO_OK;
}

/* ---- concat ------------------------------------------------------------------------------------ */

/* concat(array, ...): the elements of every array in order; NULL if any array is NULL. */
static int k_concat_arrays(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  uint32_t na = c->e->n_args;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    uint32_t start = out->child->len, total = 0;
    for (uint32_t k = 0; k < na; k++) {
      uint32_t idx;
      const vec *p = vec_resolve(args[k], r, &idx);
      lago_list l = VEC_DATA(p, lago_list)[idx];
      uint32_t off;
      if (vec_list_reserve(out, l.length, &off)) return OOM(c);
      for (uint32_t q = 0; q < l.length; q++)
        if (vec_copy_row(out->child, off + q, p->child, l.offset + q)) return OOM(c);
      total += l.length;
    }
    VEC_DATA(out, lago_list)[r] = (lago_list){start, total};
  }
  return LAGO_OK;
}

/* concat of strings (the signature), or of arrays when any argument is an ARRAY (common element type). */
static int bind_concat(func_bind *b, lago_err *err) {
  bool arrays = false;
  for (uint32_t k = 0; k < b->n_args; k++) arrays |= b->arg_types[k].id == LT_ARRAY;
  if (!arrays) return func_bind_sig(b, err);
  lago_type t;
  for (uint32_t k = 0; k < b->n_args; k++)
    if (b->arg_types[k].id != LT_ARRAY && b->arg_types[k].id != LT_NULL)
      return LAGO_ERR(err, LAGO_BIND, "[DATATYPE_MISMATCH.DATA_DIFF_TYPES] `concat`: cannot mix ARRAY and non-ARRAY arguments");
  if (!func_common_type_n(b->arg_types, b->n_args, &t) || t.id != LT_ARRAY)
    return LAGO_ERR(err, LAGO_BIND, "[DATATYPE_MISMATCH.DATA_DIFF_TYPES] `concat`: the arrays have no common element type");
  for (uint32_t k = 0; k < b->n_args; k++) b->casts[k] = t;
  b->ret = t;
  b->kernel = k_concat_arrays;
  return LAGO_OK;
}

static int k_concat(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  uint32_t na = c->e->n_args;
  vec_view vs[16];
  if (na > 16) return FN_ERR(c, "concat: at most 16 arguments");
  for (uint32_t k = 0; k < na; k++) vec_view_init(&vs[k], args[k]);
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    uint64_t total = 0;
    for (uint32_t k = 0; k < na; k++) total += SARG(vs[k], r)->len;
    if (total > UINT32_MAX / 2) return FN_ERR(c, "concat: result too long (%llu bytes)", (unsigned long long)total);
    char tmp[LAGO_STR_INLINE];
    char *o = str_begin(out, (uint32_t)total, tmp);
    if (!o) return OOM(c);
    uint32_t j = 0;
    for (uint32_t k = 0; k < na; k++) {
      const lago_str *s = SARG(vs[k], r);
      memcpy(o + j, str_data(s), s->len);
      j += s->len;
    }
    str_end(out, r, o, j);
  }
  return LAGO_OK;
}

/* concat_ws(sep, str or array<string>, ...): NULL arguments and elements are skipped. */
static int k_concat_ws(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  uint32_t na = c->e->n_args;
  buf b;
  buf_init(&b);
  int rc = LAGO_OK;
  for (uint32_t i = 0; i < n && rc == LAGO_OK; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!vec_is_valid(args[0], r)) {
      rc = vec_set_null(out, r);
      continue;
    }
    uint32_t idx;
    const vec *sp = vec_resolve(args[0], r, &idx);
    const lago_str *sep = &VEC_DATA(sp, lago_str)[idx];
    buf_clear(&b);
    bool first = true;
    for (uint32_t k = 1; k < na && rc == LAGO_OK; k++) {
      const vec *v = args[k];
      if (!vec_is_valid(v, r)) continue;
      const vec *p = vec_resolve(v, r, &idx);
      if (p->type.id == LT_ARRAY) {
        lago_list l = VEC_DATA(p, lago_list)[idx];
        for (uint32_t e = 0; e < l.length && rc == LAGO_OK; e++) {
          uint32_t ci;
          if (!vec_is_valid(p->child, l.offset + e)) continue;
          const vec *cp = vec_resolve(p->child, l.offset + e, &ci);
          const lago_str *s = &VEC_DATA(cp, lago_str)[ci];
          if (!first) rc = buf_append(&b, str_data(sep), sep->len);
          if (rc == LAGO_OK) rc = buf_append(&b, str_data(s), s->len);
          first = false;
        }
      } else {
        const lago_str *s = &VEC_DATA(p, lago_str)[idx];
        if (!first) rc = buf_append(&b, str_data(sep), sep->len);
        if (rc == LAGO_OK) rc = buf_append(&b, str_data(s), s->len);
        first = false;
      }
    }
    if (rc == LAGO_OK) rc = vec_set_str(out, r, buf_cstr(&b), (uint32_t)b.len);
    if (rc == LAGO_OK && out->validity) bitmap_set(out->validity, r);
  }
  buf_deinit(&b);
  return rc ? OOM(c) : LAGO_OK;
}

static int bind_concat_ws(func_bind *b, lago_err *err) {
  lago_type st = type_make(LT_STRING);
  for (uint32_t i = 0; i < b->n_args; i++) {
    lago_type t = b->arg_types[i];
    if (i > 0 && t.id == LT_ARRAY && (type_element(t).id == LT_STRING || type_element(t).id == LT_NULL)) continue;
    if (!func_implicit_cast_ok(t, st))
      return LAGO_ERR(err, LAGO_BIND, "[DATATYPE_MISMATCH] `concat_ws`: argument %u requires STRING or ARRAY<STRING>",
                      i + 1);
    b->casts[i] = st;
  }
  b->ret = st;
  return LAGO_OK;
}

/* ---- replace, pad, repeat, reverse ----------------------------------------------------------- */

static int k_replace(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  vec_view a, f, t;
  vec_view_init(&a, args[0]);
  vec_view_init(&f, args[1]);
  bool has_to = c->e->n_args > 2;
  if (has_to) vec_view_init(&t, args[2]);
  buf b;
  buf_init(&b);
  int rc = LAGO_OK;
  for (uint32_t i = 0; i < n && rc == LAGO_OK; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    const lago_str *s = SARG(a, r), *fs = SARG(f, r);
    const char *p = str_data(s), *fp = str_data(fs);
    uint32_t len = s->len, fl = fs->len;
    if (fl == 0 || fl > len) {
      VEC_DATA(out, lago_str)[r] = str_make(p, len);
      continue;
    }
    const lago_str *ts = has_to ? SARG(t, r) : NULL;
    buf_clear(&b);
    uint32_t k = 0;
    while (k < len && rc == LAGO_OK) {
      const char *hit = memmem(p + k, len - k, fp, fl);
      if (!hit) {
        rc = buf_append(&b, p + k, len - k);
        break;
      }
      uint32_t h = (uint32_t)(hit - p);
      rc = buf_append(&b, p + k, h - k);
      if (rc == LAGO_OK && ts) rc = buf_append(&b, str_data(ts), ts->len);
      k = h + fl;
    }
    if (rc == LAGO_OK) rc = vec_set_str(out, r, buf_cstr(&b), (uint32_t)b.len);
  }
  buf_deinit(&b);
  return rc ? OOM(c) : LAGO_OK;
}

/* lpad/rpad(str, len[, pad = ' ']): info 'l' or 'r'. */
static int k_pad(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  bool left = *(const char *)c->e->u.call.def->info == 'l';
  vec_view a, l, p;
  vec_view_init(&a, args[0]);
  vec_view_init(&l, args[1]);
  bool has_pad = c->e->n_args > 2;
  if (has_pad) vec_view_init(&p, args[2]);
  buf b;
  buf_init(&b);
  int rc = LAGO_OK;
  for (uint32_t i = 0; i < n && rc == LAGO_OK; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    const lago_str *s = SARG(a, r);
    int64_t want = IARG(l, r);
    if (want < 0) want = 0;
    lago_str pad = has_pad ? *SARG(p, r) : str_make(" ", 1);
    const char *sp = str_data(s), *pp = str_data(&pad);
    int64_t nch = utf8_count(sp, s->len), pch = utf8_count(pp, pad.len);
    if (want <= nch || pch == 0) {
      VEC_DATA(out, lago_str)[r] = substr_sql(s, 1, want);
      continue;
    }
    if (want > (int64_t)1 << 28) {
      rc = FN_ERR(c, "%s: result too long (%lld characters)", left ? "lpad" : "rpad", (long long)want);
      break;
    }
    buf_clear(&b);
    int64_t fill = want - nch;
    if (!left) rc = buf_append(&b, sp, s->len);
    for (int64_t k = 0; k < fill && rc == LAGO_OK;) {
      int64_t take = fill - k < pch ? fill - k : pch;
      uint32_t bytes = utf8_offset(pp, pad.len, (uint32_t)take);
      rc = buf_append(&b, pp, bytes);
      k += take;
    }
    if (left && rc == LAGO_OK) rc = buf_append(&b, sp, s->len);
    if (rc == LAGO_OK) rc = vec_set_str(out, r, buf_cstr(&b), (uint32_t)b.len);
  }
  buf_deinit(&b);
  if (rc == LAGO_NOMEM) return OOM(c);
  return rc;
}

static int k_repeat(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  vec_view a, k;
  vec_view_init(&a, args[0]);
  vec_view_init(&k, args[1]);
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    const lago_str *s = SARG(a, r);
    int64_t times = IARG(k, r);
    if (times < 0) times = 0;
    uint64_t total = (uint64_t)times * s->len;
    if (total > (1u << 28)) return FN_ERR(c, "repeat: result too long (%llu bytes)", (unsigned long long)total);
    char tmp[LAGO_STR_INLINE];
    char *o = str_begin(out, (uint32_t)total, tmp);
    if (!o) return OOM(c);
    for (int64_t t = 0; t < times; t++) memcpy(o + (size_t)t * s->len, str_data(s), s->len);
    str_end(out, r, o, (uint32_t)total);
  }
  return LAGO_OK;
}

static int k_reverse(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  vec_view a;
  vec_view_init(&a, args[0]);
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    const lago_str *s = SARG(a, r);
    const char *p = str_data(s);
    char tmp[LAGO_STR_INLINE];
    char *o = str_begin(out, s->len, tmp);
    if (!o) return OOM(c);
    uint32_t k = 0;
    while (k < s->len) {
      uint32_t st = k;
      utf8_next(p, s->len, &k);
      memcpy(o + s->len - k, p + st, k - st);
    }
    str_end(out, r, o, s->len);
  }
  return LAGO_OK;
}

/* ---- search ---------------------------------------------------------------------------------- */

/* 1-based character position of needle in hay at or after character `from` (0-based), 0 if absent. */
static int32_t find_chars(const lago_str *hay, const lago_str *needle, uint32_t from) {
  const char *h = str_data(hay), *nd = str_data(needle);
  uint32_t b0 = utf8_offset(h, hay->len, from);
  if (b0 > hay->len) return 0;
  if (needle->len == 0) return (int32_t)from + 1;
  const char *hit = memmem(h + b0, hay->len - b0, nd, needle->len);
  if (!hit) return 0;
  return (int32_t)(utf8_count(h, (uint32_t)(hit - h)) + 1);
}

static int k_instr(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  (void)c;
  vec_view a, b;
  vec_view_init(&a, args[0]);
  vec_view_init(&b, args[1]);
  int32_t *o = out->data;
  EVAL_FOR(sel, n, r, if (FN_ROW_VALID(out, r)) o[r] = find_chars(SARG(a, r), SARG(b, r), 0););
  return LAGO_OK;
}

/* locate(substr, str[, pos]): pos is 1-based; pos < 1 gives 0. */
static int k_locate(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  vec_view a, b, p;
  vec_view_init(&a, args[0]);
  vec_view_init(&b, args[1]);
  bool has_pos = c->e->n_args > 2;
  if (has_pos) vec_view_init(&p, args[2]);
  int32_t *o = out->data;
  EVAL_FOR(sel, n, r, {
    if (!FN_ROW_VALID(out, r)) continue;
    int32_t pos = has_pos ? IARG(p, r) : 1;
    o[r] = pos < 1 ? 0 : find_chars(SARG(b, r), SARG(a, r), (uint32_t)pos - 1);
  });
  return LAGO_OK;
}

/* starts_with / ends_with / contains: info 's', 'e', 'c'. */
static int k_match3(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  char m = *(const char *)c->e->u.call.def->info;
  vec_view a, b;
  vec_view_init(&a, args[0]);
  vec_view_init(&b, args[1]);
  uint8_t *o = out->data;
  EVAL_FOR(sel, n, r, {
    if (!FN_ROW_VALID(out, r)) continue;
    const lago_str *s = SARG(a, r), *t = SARG(b, r);
    bool res = false;
    if (t->len <= s->len) {
      if (m == 's') res = memcmp(str_data(s), str_data(t), t->len) == 0;
      else if (m == 'e') res = memcmp(str_data(s) + s->len - t->len, str_data(t), t->len) == 0;
      else res = t->len == 0 || memmem(str_data(s), s->len, str_data(t), t->len) != NULL;
    }
    o[r] = res;
  });
  return LAGO_OK;
}

/* split_part(str, delim, n): n-th field (1-based; negative from the end); 0 is an error. */
static int k_split_part(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  vec_view a, d, k;
  vec_view_init(&a, args[0]);
  vec_view_init(&d, args[1]);
  vec_view_init(&k, args[2]);
  lago_str *o = out->data;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    const lago_str *s = SARG(a, r), *ds = SARG(d, r);
    int32_t part = IARG(k, r);
    if (part == 0) return FN_ERR(c, "[INVALID_INDEX_OF_ZERO] The index 0 is invalid. An index shall be either < 0 or > 0 (the first element has index 1).");
    const char *p = str_data(s), *dp = str_data(ds);
    uint32_t len = s->len, dl = ds->len;
    /* field boundaries */
    uint32_t starts[64], ends[64], nf = 0;
    bool more = true;
    uint32_t pos = 0;
    /* Count fields first when counting from the end. */
    if (dl == 0) {
      o[r] = (part == 1 || part == -1) ? str_make(p, len) : str_make("", 0);
      continue;
    }
    if (part > 0) {
      int32_t idx = 1;
      while (more) {
        const char *hit = memmem(p + pos, len - pos, dp, dl);
        uint32_t e = hit ? (uint32_t)(hit - p) : len;
        if (idx == part) {
          o[r] = str_make(p + pos, e - pos);
          break;
        }
        if (!hit) {
          o[r] = str_make("", 0);
          break;
        }
        pos = e + dl;
        idx++;
      }
      continue;
    }
    /* negative: keep a ring of the last 64 fields */
    uint64_t total = 0;
    for (;;) {
      const char *hit = memmem(p + pos, len - pos, dp, dl);
      uint32_t e = hit ? (uint32_t)(hit - p) : len;
      starts[total % 64] = pos;
      ends[total % 64] = e;
      total++;
      if (!hit) break;
      pos = e + dl;
    }
    nf = (uint32_t)(total < 64 ? total : 64);
    uint64_t want = (uint64_t)(-(int64_t)part);
    if (want > total || want > nf) o[r] = str_make("", 0);
    else {
      uint64_t fi = total - want;
      o[r] = str_make(p + starts[fi % 64], ends[fi % 64] - starts[fi % 64]);
    }
  }
  return LAGO_OK;
}

static int k_ascii(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  (void)c;
  vec_view a;
  vec_view_init(&a, args[0]);
  int32_t *o = out->data;
  EVAL_FOR(sel, n, r, {
    if (!FN_ROW_VALID(out, r)) continue;
    const lago_str *s = SARG(a, r);
    uint32_t k = 0;
    o[r] = s->len ? (int32_t)utf8_next(str_data(s), s->len, &k) : 0;
  });
  return LAGO_OK;
}

/* ---- LIKE / ILIKE --------------------------------------------------------------------------- */

typedef enum { LK_GENERAL, LK_EXACT, LK_PREFIX, LK_SUFFIX, LK_CONTAINS, LK_ANY } like_kind;
typedef struct like_pat {
  like_kind kind;
  const char *lit; /* literal part (unescaped) for the simple kinds */
  uint32_t lit_len;
  bool ci;         /* ILIKE */
} like_pat;

/* Glob match of s against pattern p (both UTF-8), '%' '_' and escape. */
static bool like_match(const char *s, uint32_t sn, const char *p, uint32_t pn, char esc, bool ci) {
  uint32_t si = 0, pi = 0, star_p = UINT32_MAX, star_s = 0;
  while (si < sn) {
    if (pi < pn && p[pi] == '%') {
      star_p = ++pi;
      star_s = si;
      continue;
    }
    if (pi < pn) {
      uint32_t pj = pi, sj = si;
      bool ok;
      if (p[pj] == '_') {
        pj++;
        utf8_next(s, sn, &sj);
        ok = true;
      } else {
        if (p[pj] == esc && pj + 1 < pn) pj++;
        uint32_t pc = utf8_next(p, pn, &pj), sc = utf8_next(s, sn, &sj);
        ok = ci ? cp_lower(pc) == cp_lower(sc) : pc == sc;
      }
      if (ok) {
        pi = pj;
        si = sj;
        continue;
      }
    }
    if (star_p == UINT32_MAX) return false;
    pi = star_p;
    utf8_next(s, sn, &star_s);
    si = star_s;
  }
  while (pi < pn && p[pi] == '%') pi++;
  return pi == pn;
}

static bool like_eval(const like_pat *lp, const lago_str *s, const lago_str *pat) {
  const char *sp = str_data(s);
  if (lp && !lp->ci) {
    switch (lp->kind) {
      case LK_ANY: return true;
      case LK_EXACT: return s->len == lp->lit_len && memcmp(sp, lp->lit, lp->lit_len) == 0;
      case LK_PREFIX: return s->len >= lp->lit_len && memcmp(sp, lp->lit, lp->lit_len) == 0;
      case LK_SUFFIX: return s->len >= lp->lit_len && memcmp(sp + s->len - lp->lit_len, lp->lit, lp->lit_len) == 0;
      case LK_CONTAINS: return memmem(sp, s->len, lp->lit, lp->lit_len) != NULL;
      case LK_GENERAL: break;
    }
  }
  return like_match(sp, s->len, str_data(pat), pat->len, '\\', lp ? lp->ci : false);
}

static int k_like(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  const like_pat *lp = c->e->u.call.bind;
  bool ci = *(const char *)c->e->u.call.def->info == 'i';
  like_pat dyn = {LK_GENERAL, NULL, 0, ci};
  if (!lp) lp = &dyn;
  vec_view a, p;
  vec_view_init(&a, args[0]);
  vec_view_init(&p, args[1]);
  uint8_t *o = out->data;
  EVAL_FOR(sel, n, r, if (FN_ROW_VALID(out, r)) o[r] = like_eval(lp, SARG(a, r), SARG(p, r)););
  return LAGO_OK;
}

/* Constant string argument i, or NULL. */
static const lago_str *const_str_arg(const func_bind *b, uint32_t i) {
  if (!b->args || i >= b->n_args) return NULL;
  const expr *e = b->args[i];
  if (e->kind != EXPR_CONST || e->type.id != LT_STRING || !vec_is_valid(e->u.value, 0)) return NULL;
  return &VEC_DATA(e->u.value, lago_str)[0];
}

static int bind_like(func_bind *b, lago_err *err) {
  TRY(func_bind_sig(b, err));
  const lago_str *ps = const_str_arg(b, 1);
  if (!ps) return LAGO_OK;
  like_pat *lp = arena_zalloc(b->ar, sizeof *lp);
  char *lit = arena_alloc(b->ar, ps->len + 1);
  if (!lp || !lit) return LAGO_NOMEM_ERR(err);
  lp->ci = *(const char *)b->def->info == 'i';
  const char *p = str_data(ps);
  uint32_t pn = ps->len, ln = 0;
  bool lead = pn > 0 && p[0] == '%', trail = false, special = false;
  uint32_t from = lead ? 1 : 0;
  for (uint32_t k = from; k < pn; k++) {
    if (p[k] == '\\' && k + 1 < pn) {
      lit[ln++] = p[++k];
      continue;
    }
    if (p[k] == '%' && k == pn - 1) {
      trail = true;
      break;
    }
    if (p[k] == '%' || p[k] == '_') {
      special = true;
      break;
    }
    lit[ln++] = p[k];
  }
  lp->lit = lit;
  lp->lit_len = ln;
  if (special) lp->kind = LK_GENERAL;
  else if (lead && trail) lp->kind = ln ? LK_CONTAINS : LK_ANY;
  else if (lead) lp->kind = pn == 1 ? LK_ANY : LK_SUFFIX;
  else if (trail) lp->kind = LK_PREFIX;
  else lp->kind = LK_EXACT;
  b->data = lp;
  return LAGO_OK;
}

/* ---- regular expressions ------------------------------------------------------------------------ */

/* Java-ish pattern to POSIX ERE: \d \D \s \S expanded; everything else passed through. */
static int regex_compile(fn_call *c, const lago_str *pat, regex_t *re, int flags) {
  buf b;
  buf_init(&b);
  const char *p = str_data(pat);
  int rc = LAGO_OK;
  for (uint32_t k = 0; k < pat->len && rc == LAGO_OK; k++) {
    if (p[k] == '\\' && k + 1 < pat->len) {
      char nx = p[k + 1];
      const char *rep = nx == 'd' ? "[0-9]" : nx == 'D' ? "[^0-9]" : nx == 's' ? "[[:space:]]" : nx == 'S' ? "[^[:space:]]" : NULL;
      if (rep) {
        rc = buf_puts(&b, rep);
        k++;
        continue;
      }
    }
    rc = buf_putc(&b, p[k]);
  }
  if (rc) {
    buf_deinit(&b);
    return OOM(c);
  }
  int e = regcomp(re, buf_cstr(&b), REG_EXTENDED | flags);
  if (e) {
    char msg[128];
    regerror(e, re, msg, sizeof msg);
    int r = FN_ERR(c, "[INVALID_PARAMETER_VALUE.PATTERN] invalid regular expression '%.*s': %s", (int)pat->len, p, msg);
    buf_deinit(&b);
    return r;
  }
  buf_deinit(&b);
  return LAGO_OK;
}

/* A NUL-terminated copy of s in b. */
static const char *cstr_of(buf *b, const lago_str *s) {
  buf_clear(b);
  if (buf_append(b, str_data(s), s->len)) return NULL;
  return buf_cstr(b);
}

/* Shared driver: compiles the pattern once per distinct pattern value in the batch. */
typedef struct re_cache {
  regex_t re;
  bool have;
  lago_str pat;
} re_cache;

static int re_get(fn_call *c, re_cache *rc, const lago_str *pat, int flags) {
  if (rc->have && str_equal(&rc->pat, pat)) return LAGO_OK;
  if (rc->have) regfree(&rc->re);
  rc->have = false;
  TRY(regex_compile(c, pat, &rc->re, flags));
  rc->have = true;
  rc->pat = *pat;
  return LAGO_OK;
}

static int k_rlike(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  vec_view a, p;
  vec_view_init(&a, args[0]);
  vec_view_init(&p, args[1]);
  uint8_t *o = out->data;
  re_cache cache = {.have = false};
  buf b;
  buf_init(&b);
  int rc = LAGO_OK;
  for (uint32_t i = 0; i < n && rc == LAGO_OK; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    rc = re_get(c, &cache, SARG(p, r), REG_NOSUB);
    if (rc) break;
    const char *s = cstr_of(&b, SARG(a, r));
    if (!s) {
      rc = OOM(c);
      break;
    }
    o[r] = regexec(&cache.re, s, 0, NULL, 0) == 0;
  }
  if (cache.have) regfree(&cache.re);
  buf_deinit(&b);
  return rc;
}

/* regexp_extract(str, regex[, idx = 1]): group idx of the first match, '' if no match. */
static int k_regexp_extract(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  vec_view a, p, g;
  vec_view_init(&a, args[0]);
  vec_view_init(&p, args[1]);
  bool has_idx = c->e->n_args > 2;
  if (has_idx) vec_view_init(&g, args[2]);
  re_cache cache = {.have = false};
  buf b;
  buf_init(&b);
  int rc = LAGO_OK;
  for (uint32_t i = 0; i < n && rc == LAGO_OK; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    int32_t gi = has_idx ? IARG(g, r) : 1;
    rc = re_get(c, &cache, SARG(p, r), 0);
    if (rc) break;
    if (gi < 0 || (size_t)gi > cache.re.re_nsub) {
      rc = FN_ERR(c, "[INVALID_PARAMETER_VALUE.REGEX_GROUP_INDEX] the group index %d is out of range (0..%zu)", gi,
                  cache.re.re_nsub);
      break;
    }
    const lago_str *src = SARG(a, r);
    const char *s = cstr_of(&b, src);
    if (!s) {
      rc = OOM(c);
      break;
    }
    regmatch_t m[10];
    if (gi > 9 || regexec(&cache.re, s, 10, m, 0) != 0 || m[gi].rm_so < 0) {
      VEC_DATA(out, lago_str)[r] = str_make("", 0);
      continue;
    }
    rc = vec_set_str(out, r, s + m[gi].rm_so, (uint32_t)(m[gi].rm_eo - m[gi].rm_so));
    if (rc) rc = OOM(c);
  }
  if (cache.have) regfree(&cache.re);
  buf_deinit(&b);
  return rc;
}

/* regexp_replace(str, regex, rep): every match replaced; $n in rep refers to group n. */
static int k_regexp_replace(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  vec_view a, p, t;
  vec_view_init(&a, args[0]);
  vec_view_init(&p, args[1]);
  vec_view_init(&t, args[2]);
  re_cache cache = {.have = false};
  buf b, res;
  buf_init(&b);
  buf_init(&res);
  int rc = LAGO_OK;
  for (uint32_t i = 0; i < n && rc == LAGO_OK; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    rc = re_get(c, &cache, SARG(p, r), 0);
    if (rc) break;
    const lago_str *src = SARG(a, r), *rep = SARG(t, r);
    const char *s = cstr_of(&b, src), *rp = str_data(rep);
    if (!s) {
      rc = OOM(c);
      break;
    }
    buf_clear(&res);
    size_t pos = 0, len = src->len;
    regmatch_t m[10];
    while (rc == LAGO_OK && pos <= len && regexec(&cache.re, s + pos, 10, m, pos ? REG_NOTBOL : 0) == 0) {
      rc = buf_append(&res, s + pos, (size_t)m[0].rm_so);
      for (uint32_t k = 0; k < rep->len && rc == LAGO_OK; k++) {
        if (rp[k] == '$' && k + 1 < rep->len && rp[k + 1] >= '0' && rp[k + 1] <= '9') {
          int gi = rp[++k] - '0';
          if ((size_t)gi <= cache.re.re_nsub && m[gi].rm_so >= 0)
            rc = buf_append(&res, s + pos + m[gi].rm_so, (size_t)(m[gi].rm_eo - m[gi].rm_so));
        } else if (rp[k] == '\\' && k + 1 < rep->len) {
          rc = buf_putc(&res, rp[++k]);
        } else {
          rc = buf_putc(&res, rp[k]);
        }
      }
      if (m[0].rm_eo == m[0].rm_so) { /* empty match: copy one byte and move on */
        if (pos + (size_t)m[0].rm_eo < len && rc == LAGO_OK) rc = buf_putc(&res, s[pos + (size_t)m[0].rm_eo]);
        pos += (size_t)m[0].rm_eo + 1;
      } else {
        pos += (size_t)m[0].rm_eo;
      }
    }
    if (rc == LAGO_OK && pos < len) rc = buf_append(&res, s + pos, len - pos);
    if (rc == LAGO_OK) rc = vec_set_str(out, r, buf_cstr(&res), (uint32_t)res.len);
    if (rc == LAGO_NOMEM) rc = OOM(c);
  }
  if (cache.have) regfree(&cache.re);
  buf_deinit(&b);
  buf_deinit(&res);
  return rc;
}

/* ---- table ------------------------------------------------------------------------------------- */

#define S1(nm, k) {nm, 1, 1, 0, func_bind_sig, k, SIG(LT_STRING, LT_STRING), NULL}

/*
** regexp_count(str, regex): non-overlapping matches, scanning as Java's Matcher.find does
** (after an empty match the scan moves one character on). regexp_substr(str, regex): the
** first match, NULL when there is none. info 'c' / 's'.
*/
static int k_regexp_count(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  bool substr = *(const char *)c->e->u.call.def->info == 's';
  vec_view a, p;
  vec_view_init(&a, args[0]);
  vec_view_init(&p, args[1]);
  re_cache cache = {.have = false};
  buf b;
  buf_init(&b);
  int rc = LAGO_OK;
  for (uint32_t i = 0; i < n && rc == LAGO_OK; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    if ((rc = re_get(c, &cache, SARG(p, r), 0))) break;
    const lago_str *in = SARG(a, r);
    const char *s = cstr_of(&b, in);
    if (!s) {
      rc = OOM(c);
      break;
    }
    uint32_t pos = 0, count = 0;
    bool found = false;
    regmatch_t m;
    while (pos <= in->len && regexec(&cache.re, s + pos, 1, &m, pos ? REG_NOTBOL : 0) == 0) {
      if (substr) {
        rc = vec_set_str(out, r, s + pos + m.rm_so, (uint32_t)(m.rm_eo - m.rm_so));
        if (rc) rc = OOM(c);
        found = true;
        break;
      }
      count++;
      if (m.rm_eo == m.rm_so) { /* empty match: step over one character */
        uint32_t nx = pos + (uint32_t)m.rm_eo;
        if (nx >= in->len) break;
        nx++;
        while (nx < in->len && is_cont((unsigned char)s[nx])) nx++;
        pos = nx;
      } else {
        pos += (uint32_t)m.rm_eo;
      }
    }
    if (rc) break;
    if (substr && !found) rc = vec_set_null(out, r) ? OOM(c) : LAGO_OK;
    else if (!substr) ((int32_t *)out->data)[r] = (int32_t)count;
  }
  if (cache.have) regfree(&cache.re);
  buf_deinit(&b);
  return rc;
}

const func_def func_defs_string[] = {
    S1("lower", k_lower),
    S1("lcase", k_lower),
    S1("upper", k_upper),
    S1("ucase", k_upper),
    S1("initcap", k_initcap),
    S1("reverse", k_reverse),
    {"length", 1, 1, 0, func_bind_sig, k_length, SIG(LT_INT, LT_STRING), NULL},
    {"char_length", 1, 1, 0, func_bind_sig, k_length, SIG(LT_INT, LT_STRING), NULL},
    {"character_length", 1, 1, 0, func_bind_sig, k_length, SIG(LT_INT, LT_STRING), NULL},
    {"octet_length", 1, 1, 0, func_bind_sig, k_octet_length, SIG(LT_INT, LT_STRING), NULL},
    {"ascii", 1, 1, 0, func_bind_sig, k_ascii, SIG(LT_INT, LT_STRING), NULL},
    {"substring", 2, 3, 0, func_bind_sig, k_substring, SIG(LT_STRING, LT_STRING, LT_INT, LT_INT), NULL},
    {"substr", 2, 3, 0, func_bind_sig, k_substring, SIG(LT_STRING, LT_STRING, LT_INT, LT_INT), NULL},
    {"left", 2, 2, 0, func_bind_sig, k_left_right, SIG(LT_STRING, LT_STRING, LT_INT), "l"},
    {"right", 2, 2, 0, func_bind_sig, k_left_right, SIG(LT_STRING, LT_STRING, LT_INT), "r"},
    {"trim", 1, 2, 0, func_bind_sig, k_trim, SIG(LT_STRING, LT_STRING, LT_STRING), "b"},
    {"btrim", 1, 2, 0, func_bind_sig, k_trim, SIG(LT_STRING, LT_STRING, LT_STRING), "b"},
    {"ltrim", 1, 2, 0, func_bind_sig, k_trim, SIG(LT_STRING, LT_STRING, LT_STRING), "l"},
    {"rtrim", 1, 2, 0, func_bind_sig, k_trim, SIG(LT_STRING, LT_STRING, LT_STRING), "r"},
    {"concat", 1, 16, 0, bind_concat, k_concat, SIG(LT_STRING, LT_STRING), NULL},
    {"||", 2, 2, 0, func_bind_sig, k_concat, SIG(LT_STRING, LT_STRING), NULL},
    {"concat_ws", 1, -1, FN_NULLS, bind_concat_ws, k_concat_ws, {0}, NULL},
    {"replace", 2, 3, 0, func_bind_sig, k_replace, SIG(LT_STRING, LT_STRING, LT_STRING, LT_STRING), NULL},
    {"lpad", 2, 3, 0, func_bind_sig, k_pad, SIG(LT_STRING, LT_STRING, LT_INT, LT_STRING), "l"},
    {"rpad", 2, 3, 0, func_bind_sig, k_pad, SIG(LT_STRING, LT_STRING, LT_INT, LT_STRING), "r"},
    {"repeat", 2, 2, 0, func_bind_sig, k_repeat, SIG(LT_STRING, LT_STRING, LT_INT), NULL},
    {"instr", 2, 2, 0, func_bind_sig, k_instr, SIG(LT_INT, LT_STRING, LT_STRING), NULL},
    {"locate", 2, 3, 0, func_bind_sig, k_locate, SIG(LT_INT, LT_STRING, LT_STRING, LT_INT), NULL},
    {"position", 2, 3, 0, func_bind_sig, k_locate, SIG(LT_INT, LT_STRING, LT_STRING, LT_INT), NULL},
    {"startswith", 2, 2, 0, func_bind_sig, k_match3, SIG(LT_BOOLEAN, LT_STRING, LT_STRING), "s"},
    {"starts_with", 2, 2, 0, func_bind_sig, k_match3, SIG(LT_BOOLEAN, LT_STRING, LT_STRING), "s"},
    {"endswith", 2, 2, 0, func_bind_sig, k_match3, SIG(LT_BOOLEAN, LT_STRING, LT_STRING), "e"},
    {"ends_with", 2, 2, 0, func_bind_sig, k_match3, SIG(LT_BOOLEAN, LT_STRING, LT_STRING), "e"},
    {"contains", 2, 2, 0, func_bind_sig, k_match3, SIG(LT_BOOLEAN, LT_STRING, LT_STRING), "c"},
    {"split_part", 3, 3, 0, func_bind_sig, k_split_part, SIG(LT_STRING, LT_STRING, LT_STRING, LT_INT), NULL},
    {"like", 2, 2, 0, bind_like, k_like, SIG(LT_BOOLEAN, LT_STRING, LT_STRING), "s"},
    {"ilike", 2, 2, 0, bind_like, k_like, SIG(LT_BOOLEAN, LT_STRING, LT_STRING), "i"},
    {"rlike", 2, 2, 0, func_bind_sig, k_rlike, SIG(LT_BOOLEAN, LT_STRING, LT_STRING), NULL},
    {"regexp", 2, 2, 0, func_bind_sig, k_rlike, SIG(LT_BOOLEAN, LT_STRING, LT_STRING), NULL},
    {"regexp_like", 2, 2, 0, func_bind_sig, k_rlike, SIG(LT_BOOLEAN, LT_STRING, LT_STRING), NULL},
    {"regexp_count", 2, 2, 0, func_bind_sig, k_regexp_count, SIG(LT_INT, LT_STRING, LT_STRING), "c"},
    {"regexp_substr", 2, 2, 0, func_bind_sig, k_regexp_count, SIG(LT_STRING, LT_STRING, LT_STRING), "s"},
    {"regexp_extract", 2, 3, 0, func_bind_sig, k_regexp_extract, SIG(LT_STRING, LT_STRING, LT_STRING, LT_INT), NULL},
    {"regexp_replace", 3, 3, 0, func_bind_sig, k_regexp_replace, SIG(LT_STRING, LT_STRING, LT_STRING, LT_STRING), NULL},
    {NULL, 0, 0, 0, NULL, NULL, {0}, NULL},
};
