/*
** exec/func_extra.c: functions medallion pipelines use beyond the core list.
**
**   isnan(x)                       true for NaN; false for NULL (Spark IsNaN)
**   nanvl(a, b)                    b when a is NaN, else a (NULL a gives NULL)
**   translate(s, from, to)         character-wise replacement; characters of from with
**                                  no counterpart in to are deleted; first mapping wins
**   base64(bin), unbase64(str)     RFC 4648 with padding, no line breaks; unbase64 of
**                                  invalid text raises [CONVERSION_INVALID_INPUT]
**   hex(x), unhex(s)               integers as two's-complement hex (Long.toHexString, upper
**                                  case); strings/binary byte by byte; unhex of an odd
**                                  length reads a leading 0, invalid digits give NULL
**   array_join(arr, sep[, null])   NULL elements skipped unless a replacement is given
**   array_distinct(arr)            first occurrences, in order (NULL kept once)
**   sort_array(arr[, asc = true])  NULLs first ascending, last descending
**   array_sort(arr)                ascending, NULLs last
**   array_position(arr, v)         1-based position of the first equal element, 0 if none
**   flatten(arr of arrays)         NULL if any inner array is NULL
**   slice(arr, start, len)         start 1-based, negative from the end; 0 raises
**                                  [INVALID_PARAMETER_VALUE.START]; len < 0 raises
**   sequence(start, stop[, step])  integers; step defaults to +-1; a step of the wrong sign
**                                  raises; at most 1M elements per row
**   map_keys(m), map_values(m)     arrays of a map's keys / values
**   format_string(fmt, ...), printf  java.util.Formatter subset (see k_format_string)
**   format_number(x, d)            "#,###,##0.00" with d decimals, HALF_EVEN; d < 0: NULL; a negative
**                                  number rounding to zero keeps its sign ("-0.00"), as DecimalFormat
**   from_json(text, schema)        schema a constant DDL string ("a INT, b ARRAY<STRING>" or a
**                                  STRUCT/ARRAY/MAP type); values that do not fit a field give a
**                                  NULL field; malformed text a STRUCT of NULLs
**   to_json(struct|array|map)      compact JSON as Spark's default generator (see json_value_of)
**   get_json_object(json, path)    path $ .name ['name'] [n]; strings unquoted, objects and
**                                  arrays as compact JSON; invalid JSON, a missing member or a
**                                  wildcard path give NULL
**   map_from_arrays(keys, values)  same lengths; NULL keys raise [NULL_MAP_KEY], repeated keys
**                                  [DUPLICATED_MAP_KEY] (Spark's default dedup policy)
** (struct, named_struct and map are in func_misc.c)
** Ordering and equality are Spark's (vecops.h: NaN above numbers, -0.0 = 0.0).
*/
#include <math.h> /* qsort_r: the Makefile defines _GNU_SOURCE */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/func.h"
#include "exec/vecops.h"
#include "util/json.h"
#include "util/datetime.h"
#include "util/numfmt.h"
#include "util/tz.h"
#include "util/hex.h"

#define OOM(c) LAGO_NOMEM_ERR((c)->ec->err)

static const lago_str *sarg(const vec_view *v, uint32_t r) { return &((const lago_str *)v->data)[VIEW_IDX(v, r)]; }

/* ---- NaN ---------------------------------------------------------------------------------- */

static int k_isnan(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  (void)c;
  vec_view a;
  vec_view_init(&a, args[0]);
  uint8_t *o = out->data;
  EVAL_FOR(sel, n, r, o[r] = VIEW_VALID(&a, r) && isnan(((const double *)a.data)[VIEW_IDX(&a, r)]););
  return LAGO_OK;
}

static int k_nanvl(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  vec_view a, b;
  vec_view_init(&a, args[0]);
  vec_view_init(&b, args[1]);
  double *o = out->data;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    double x = VIEW_VALID(&a, r) ? ((const double *)a.data)[VIEW_IDX(&a, r)] : 0;
    bool use_b = VIEW_VALID(&a, r) && isnan(x);
    if (!VIEW_VALID(&a, r) || (use_b && !VIEW_VALID(&b, r))) {
      if (vec_set_null(out, r)) return OOM(c);
      continue;
    }
    o[r] = use_b ? ((const double *)b.data)[VIEW_IDX(&b, r)] : x;
  }
  return LAGO_OK;
}

/* ---- translate ------------------------------------------------------------------------------- */

/* Length of the UTF-8 character at s[i] (1 for invalid bytes). */
static uint32_t u8len(const char *s, uint32_t n, uint32_t i) {
  unsigned char c = (unsigned char)s[i];
  uint32_t l = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
  if (i + l > n) return 1;
  for (uint32_t k = 1; k < l; k++)
    if (((unsigned char)s[i + k] & 0xC0) != 0x80) return 1;
  return l;
}

static int k_translate(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  vec_view a, f, t;
  vec_view_init(&a, args[0]);
  vec_view_init(&f, args[1]);
  vec_view_init(&t, args[2]);
  buf b;
  buf_init(&b);
  int rc = LAGO_OK;
  for (uint32_t i = 0; i < n && rc == LAGO_OK; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    const lago_str *s = sarg(&a, r), *fs = sarg(&f, r), *ts = sarg(&t, r);
    const char *sp = str_data(s), *fp = str_data(fs), *tp = str_data(ts);
    buf_clear(&b);
    for (uint32_t k = 0; k < s->len && rc == LAGO_OK;) {
      uint32_t l = u8len(sp, s->len, k);
      /* find the character in `from`, counting characters to index `to` */
      uint32_t fi = 0, idx = 0;
      bool found = false;
      while (fi < fs->len) {
        uint32_t fl = u8len(fp, fs->len, fi);
        if (fl == l && !memcmp(fp + fi, sp + k, l)) {
          found = true;
          break;
        }
        fi += fl;
        idx++;
      }
      if (!found) rc = buf_append(&b, sp + k, l);
      else {
        uint32_t ti = 0;
        for (uint32_t q = 0; q < idx && ti < ts->len; q++) ti += u8len(tp, ts->len, ti);
        if (ti < ts->len) rc = buf_append(&b, tp + ti, u8len(tp, ts->len, ti));
      }
      k += l;
    }
    if (rc == LAGO_OK) rc = vec_set_str(out, r, b.data ? b.data : "", (uint32_t)b.len);
  }
  buf_deinit(&b);
  return rc ? OOM(c) : LAGO_OK;
}

/* ---- base64 / hex ----------------------------------------------------------------------------- */

static const char k_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int k_base64(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  vec_view a;
  vec_view_init(&a, args[0]);
  buf b;
  buf_init(&b);
  int rc = LAGO_OK;
  for (uint32_t i = 0; i < n && rc == LAGO_OK; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    const lago_str *s = sarg(&a, r);
    const uint8_t *p = (const uint8_t *)str_data(s);
    buf_clear(&b);
    if ((rc = buf_reserve(&b, ((size_t)s->len + 2) / 3 * 4 + 1))) break;
    for (uint32_t k = 0; k < s->len; k += 3) {
      uint32_t v = (uint32_t)p[k] << 16 | (k + 1 < s->len ? (uint32_t)p[k + 1] << 8 : 0) | (k + 2 < s->len ? p[k + 2] : 0);
      b.data[b.len++] = k_b64[v >> 18];
      b.data[b.len++] = k_b64[(v >> 12) & 63];
      b.data[b.len++] = k + 1 < s->len ? k_b64[(v >> 6) & 63] : '=';
      b.data[b.len++] = k + 2 < s->len ? k_b64[v & 63] : '=';
    }
    rc = vec_set_str(out, r, b.data ? b.data : "", (uint32_t)b.len);
  }
  buf_deinit(&b);
  return rc ? OOM(c) : LAGO_OK;
}

static int b64_val(char ch) {
  const char *p = ch ? strchr(k_b64, ch) : NULL;
  return p ? (int)(p - k_b64) : -1;
}

static int k_unbase64(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  vec_view a;
  vec_view_init(&a, args[0]);
  buf b;
  buf_init(&b);
  int rc = LAGO_OK;
  for (uint32_t i = 0; i < n && rc == LAGO_OK; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    const lago_str *s = sarg(&a, r);
    const char *p = str_data(s);
    buf_clear(&b);
    uint32_t acc = 0, bits = 0, pad = 0;
    bool bad = false;
    for (uint32_t k = 0; k < s->len && !bad && rc == LAGO_OK; k++) {
      char ch = p[k];
      if (ch == '\n' || ch == '\r' || ch == ' ' || ch == '\t') continue;
      if (ch == '=') {
        pad++;
        continue;
      }
      int v = b64_val(ch);
      if (v < 0 || pad) {
        bad = true;
        break;
      }
      acc = (acc << 6) | (uint32_t)v;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        rc = buf_putc(&b, (char)((acc >> bits) & 0xFF));
      }
    }
    if (rc) break;
    if (bad || pad > 2 || bits >= 6) {
      rc = FN_ERR(c, "[CONVERSION_INVALID_INPUT] The value '%.*s' is not valid base64.", (int)(s->len > 100 ? 100 : s->len), p);
      buf_deinit(&b);
      return rc;
    }
    rc = vec_set_str(out, r, b.data ? b.data : "", (uint32_t)b.len);
  }
  buf_deinit(&b);
  return rc ? OOM(c) : LAGO_OK;
}

static int k_hex(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  static const char hx[] = "0123456789ABCDEF";
  vec_view a;
  vec_view_init(&a, args[0]);
  bool num = c->e->args[0]->type.id == LT_BIGINT;
  buf b;
  buf_init(&b);
  int rc = LAGO_OK;
  for (uint32_t i = 0; i < n && rc == LAGO_OK; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    buf_clear(&b);
    if (num) {
      uint64_t v = (uint64_t)((const int64_t *)a.data)[VIEW_IDX(&a, r)];
      char t[17];
      int k = 16;
      t[k] = 0;
      do {
        t[--k] = hx[v & 15];
        v >>= 4;
      } while (v);
      rc = buf_append(&b, t + k, (size_t)(16 - k));
    } else {
      const lago_str *s = sarg(&a, r);
      const uint8_t *p = (const uint8_t *)str_data(s);
      rc = buf_reserve(&b, (size_t)s->len * 2);
      if (rc == LAGO_OK && s->len) b.len = (size_t)(hex_encode(b.data, p, s->len, 1) - b.data);
    }
    if (rc == LAGO_OK) rc = vec_set_str(out, r, b.data ? b.data : "", (uint32_t)b.len);
  }
  buf_deinit(&b);
  return rc ? OOM(c) : LAGO_OK;
}

static int bind_hex(func_bind *b, lago_err *err) {
  lago_type t = b->arg_types[0];
  if (type_is_integer(t)) b->casts[0] = type_make(LT_BIGINT);
  else if (t.id == LT_BINARY) b->casts[0] = t;
  else if (t.id == LT_STRING || t.id == LT_NULL) b->casts[0] = type_make(LT_STRING);
  else return LAGO_ERR(err, LAGO_BIND, "[DATATYPE_MISMATCH] `hex`: argument 1 requires an integer, STRING or BINARY");
  b->ret = type_make(LT_STRING);
  return LAGO_OK;
}


static int k_unhex(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  vec_view a;
  vec_view_init(&a, args[0]);
  buf b;
  buf_init(&b);
  int rc = LAGO_OK;
  for (uint32_t i = 0; i < n && rc == LAGO_OK; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    const lago_str *s = sarg(&a, r);
    const char *p = str_data(s);
    buf_clear(&b);
    bool bad = false;
    uint32_t k = 0;
    if (s->len % 2) { /* odd: a leading 0 */
      int v = hex_value(p[0]);
      if (v < 0) bad = true;
      else rc = buf_putc(&b, (char)v);
      k = 1;
    }
    for (; k < s->len && !bad && rc == LAGO_OK; k += 2) {
      int hi = hex_value(p[k]), lo = hex_value(p[k + 1]);
      if (hi < 0 || lo < 0) bad = true;
      else rc = buf_putc(&b, (char)(hi << 4 | lo));
    }
    if (rc) break;
    if (bad) rc = vec_set_null(out, r);
    else rc = vec_set_str(out, r, b.data ? b.data : "", (uint32_t)b.len);
  }
  buf_deinit(&b);
  return rc ? OOM(c) : LAGO_OK;
}

/* ---- arrays ----------------------------------------------------------------------------------- */

static lago_list list_at(const vec *v, uint32_t r, const vec **owner) {
  uint32_t idx;
  const vec *p = vec_resolve(v, r, &idx);
  *owner = p;
  return VEC_DATA(p, lago_list)[idx];
}

static int bind_array_arg(func_bind *b, lago_err *err) {
  if (b->arg_types[0].id != LT_ARRAY)
    return LAGO_ERR(err, LAGO_BIND, "[DATATYPE_MISMATCH] `%s`: argument 1 requires ARRAY", b->def->name);
  return LAGO_OK;
}

static int k_array_join(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  vec_view sp, nr;
  vec_view_init(&sp, args[1]);
  bool has_null = c->e->n_args > 2;
  if (has_null) vec_view_init(&nr, args[2]);
  buf b, tmp;
  buf_init(&b);
  buf_init(&tmp);
  int rc = LAGO_OK;
  for (uint32_t i = 0; i < n && rc == LAGO_OK; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    const vec *p;
    lago_list l = list_at(args[0], r, &p);
    const lago_str *sep = sarg(&sp, r);
    buf_clear(&b);
    bool first = true;
    for (uint32_t k = 0; k < l.length && rc == LAGO_OK; k++) {
      uint32_t e = l.offset + k;
      bool valid = vec_is_valid(p->child, e);
      if (!valid && !has_null) continue;
      if (!first) rc = buf_append(&b, str_data(sep), sep->len);
      first = false;
      if (rc) break;
      if (valid) {
        const lago_str *es = &((const lago_str *)p->child->data)[e];
        rc = buf_append(&b, str_data(es), es->len);
      } else {
        const lago_str *ns = sarg(&nr, r);
        rc = buf_append(&b, str_data(ns), ns->len);
      }
    }
    if (rc == LAGO_OK) rc = vec_set_str(out, r, b.data ? b.data : "", (uint32_t)b.len);
  }
  buf_deinit(&b);
  buf_deinit(&tmp);
  return rc ? OOM(c) : LAGO_OK;
}

static int bind_array_join(func_bind *b, lago_err *err) {
  TRY(bind_array_arg(b, err));
  lago_type st;
  if (type_array(b->ar, type_make(LT_STRING), true, &st)) return LAGO_NOMEM_ERR(err);
  if (!cast_allowed(b->arg_types[0], st))
    return LAGO_ERR(err, LAGO_BIND, "[DATATYPE_MISMATCH] `array_join`: the elements cannot be cast to STRING");
  b->casts[0] = st;
  for (uint32_t k = 1; k < b->n_args; k++) b->casts[k] = type_make(LT_STRING);
  b->ret = type_make(LT_STRING);
  if (b->n_args > 2) b->flags |= FN_NULLS; /* a NULL replacement is still "given" */
  return LAGO_OK;
}

/* array_join with a NULL-replacement argument is not strict in it: wrap to handle NULL rows. */
static int k_array_join_nulls(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!vec_is_valid(args[0], r) || !vec_is_valid(args[1], r) || !vec_is_valid(args[2], r)) {
      if (vec_set_null(out, r)) return OOM(c);
    } else if (out->validity) {
      bitmap_set(out->validity, r);
    }
  }
  return k_array_join(c, args, sel, n, out);
}

static int bind_array_join2(func_bind *b, lago_err *err) {
  TRY(bind_array_join(b, err));
  if (b->n_args > 2) b->kernel = k_array_join_nulls;
  return LAGO_OK;
}

static int k_array_distinct(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    const vec *p;
    lago_list l = list_at(args[0], r, &p);
    uint32_t start = out->child->len, cnt = 0;
    for (uint32_t k = 0; k < l.length; k++) {
      uint32_t e = l.offset + k;
      bool dup = false;
      for (uint32_t q = 0; q < k && !dup; q++) {
        uint32_t f = l.offset + q;
        bool ve = vec_is_valid(p->child, e), vf = vec_is_valid(p->child, f);
        dup = ve == vf && (!ve || vecops_compare(p->child, e, p->child, f) == 0);
      }
      if (dup) continue;
      uint32_t off;
      if (vec_list_reserve(out, 1, &off) || vec_copy_row(out->child, off, p->child, e)) return OOM(c);
      cnt++;
    }
    VEC_DATA(out, lago_list)[r] = (lago_list){start, cnt};
  }
  return LAGO_OK;
}

static int bind_same_array(func_bind *b, lago_err *err) {
  TRY(bind_array_arg(b, err));
  b->ret = b->arg_types[0];
  for (uint32_t k = 1; k < b->n_args; k++) {
    lago_type want = k == 1 && !strcmp(b->def->name, "sort_array") ? type_make(LT_BOOLEAN) : type_make(LT_INT);
    if (!func_implicit_cast_ok(b->arg_types[k], want))
      return LAGO_ERR(err, LAGO_BIND, "[DATATYPE_MISMATCH] `%s`: argument %u requires %s", b->def->name, k + 1,
                      want.id == LT_BOOLEAN ? "BOOLEAN" : "INT");
    b->casts[k] = want;
  }
  return LAGO_OK;
}

typedef struct sort_ctx {
  const vec *v;
  bool asc, nulls_first;
} sort_ctx;

static int cmp_elem(const void *x, const void *y, void *ud) {
  const sort_ctx *s = ud;
  uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
  bool va = vec_is_valid(s->v, a), vb = vec_is_valid(s->v, b);
  if (!va || !vb) {
    if (va == vb) return a < b ? -1 : a > b;
    return (!va) == s->nulls_first ? -1 : 1;
  }
  int cmp = vecops_compare(s->v, a, s->v, b);
  if (!s->asc) cmp = -cmp;
  return cmp ? cmp : (a < b ? -1 : a > b); /* stable */
}

/* info 's': sort_array(arr[, asc]); 'a': array_sort(arr) (ascending, NULLs last). */
static int k_sort_array(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  bool array_sort = *(const char *)c->e->u.call.def->info == 'a';
  vec_view asc;
  bool has_asc = c->e->n_args > 1;
  if (has_asc) vec_view_init(&asc, args[1]);
  uint32_t *idx = NULL;
  uint32_t cap = 0;
  int rc = LAGO_OK;
  for (uint32_t i = 0; i < n && rc == LAGO_OK; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    const vec *p;
    lago_list l = list_at(args[0], r, &p);
    if (l.length > cap) {
      uint32_t *ni = arena_alloc(c->ec->ar, (size_t)l.length * sizeof *ni);
      if (!ni) return OOM(c);
      idx = ni;
      cap = l.length;
    }
    for (uint32_t k = 0; k < l.length; k++) idx[k] = l.offset + k;
    sort_ctx sc = {p->child, true, !array_sort};
    if (has_asc && !((const uint8_t *)asc.data)[VIEW_IDX(&asc, r)]) sc.asc = false, sc.nulls_first = false;
    if (l.length > 1) qsort_r(idx, l.length, sizeof *idx, cmp_elem, &sc);
    uint32_t off;
    if (vec_list_reserve(out, l.length, &off)) return OOM(c);
    for (uint32_t k = 0; k < l.length; k++)
      if (vec_copy_row(out->child, off + k, p->child, idx[k])) return OOM(c);
    VEC_DATA(out, lago_list)[r] = (lago_list){off, l.length};
  }
  return rc;
}

static int k_array_position(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  (void)c;
  int64_t *o = out->data;
  EVAL_FOR(sel, n, r, {
    if (!FN_ROW_VALID(out, r)) continue;
    const vec *p;
    lago_list l = list_at(args[0], r, &p);
    o[r] = 0;
    for (uint32_t k = 0; k < l.length; k++)
      if (vec_is_valid(p->child, l.offset + k) && vecops_compare(p->child, l.offset + k, args[1], r) == 0) {
        o[r] = (int64_t)k + 1;
        break;
      }
  });
  return LAGO_OK;
}

static int bind_array_position(func_bind *b, lago_err *err) {
  TRY(bind_array_arg(b, err));
  lago_type et = type_element(b->arg_types[0]);
  if (!func_implicit_cast_ok(b->arg_types[1], et))
    return LAGO_ERR(err, LAGO_BIND, "[DATATYPE_MISMATCH] `array_position`: the value type does not match the array");
  b->casts[1] = et;
  b->ret = type_make(LT_BIGINT);
  return LAGO_OK;
}

static int k_flatten(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    const vec *p;
    lago_list l = list_at(args[0], r, &p);
    bool null_inner = false;
    uint32_t total = 0;
    for (uint32_t k = 0; k < l.length; k++) {
      if (!vec_is_valid(p->child, l.offset + k)) null_inner = true;
      else total += VEC_DATA(p->child, lago_list)[l.offset + k].length;
    }
    if (null_inner) {
      if (vec_set_null(out, r)) return OOM(c);
      continue;
    }
    uint32_t off;
    if (vec_list_reserve(out, total, &off)) return OOM(c);
    uint32_t w = off;
    for (uint32_t k = 0; k < l.length; k++) {
      lago_list in = VEC_DATA(p->child, lago_list)[l.offset + k];
      for (uint32_t q = 0; q < in.length; q++)
        if (vec_copy_row(out->child, w++, p->child->child, in.offset + q)) return OOM(c);
    }
    VEC_DATA(out, lago_list)[r] = (lago_list){off, total};
  }
  return LAGO_OK;
}

static int bind_flatten(func_bind *b, lago_err *err) {
  TRY(bind_array_arg(b, err));
  lago_type e = type_element(b->arg_types[0]);
  if (e.id != LT_ARRAY)
    return LAGO_ERR(err, LAGO_BIND, "[DATATYPE_MISMATCH] `flatten`: argument 1 requires ARRAY<ARRAY>");
  b->ret = e;
  return LAGO_OK;
}

static int k_slice(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  vec_view s, ln;
  vec_view_init(&s, args[1]);
  vec_view_init(&ln, args[2]);
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    const vec *p;
    lago_list l = list_at(args[0], r, &p);
    int64_t start = ((const int32_t *)s.data)[VIEW_IDX(&s, r)], len = ((const int32_t *)ln.data)[VIEW_IDX(&ln, r)];
    if (start == 0)
      return FN_ERR(c, "[INVALID_PARAMETER_VALUE.START] The value of parameter `start` in `slice` is invalid: "
                       "expects a positive or a negative value for `start`, but got 0.");
    if (len < 0)
      return FN_ERR(c, "[INVALID_PARAMETER_VALUE.LENGTH] The value of parameter `length` in `slice` is invalid: "
                       "expects `length` greater than or equal to 0, but got %lld.",
                    (long long)len);
    int64_t from = start > 0 ? start - 1 : (int64_t)l.length + start;
    uint32_t off, cnt = 0;
    if (from >= 0 && from < (int64_t)l.length) {
      int64_t end = from + len > (int64_t)l.length ? (int64_t)l.length : from + len;
      cnt = (uint32_t)(end - from);
    }
    if (vec_list_reserve(out, cnt, &off)) return OOM(c);
    for (uint32_t k = 0; k < cnt; k++)
      if (vec_copy_row(out->child, off + k, p->child, l.offset + (uint32_t)from + k)) return OOM(c);
    VEC_DATA(out, lago_list)[r] = (lago_list){off, cnt};
  }
  return LAGO_OK;
}

#define SEQ_MAX 1000000

static int k_sequence(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  vec_view a, b, st;
  vec_view_init(&a, args[0]);
  vec_view_init(&b, args[1]);
  bool has_step = c->e->n_args > 2;
  if (has_step) vec_view_init(&st, args[2]);
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    int64_t x = ((const int64_t *)a.data)[VIEW_IDX(&a, r)], y = ((const int64_t *)b.data)[VIEW_IDX(&b, r)];
    int64_t step = has_step ? ((const int64_t *)st.data)[VIEW_IDX(&st, r)] : (x <= y ? 1 : -1);
    if (step == 0 ? x != y : (step > 0) != (x <= y) && x != y)
      return FN_ERR(c, "[INVALID_PARAMETER_VALUE] `sequence`: illegal sequence boundaries: %lld to %lld by %lld",
                    (long long)x, (long long)y, (long long)step);
    /* count = (y - x) / step + 1, computed without overflow */
    __int128 cnt = step == 0 ? 1 : ((__int128)y - x) / step + 1;
    if (cnt > SEQ_MAX)
      return FN_ERR(c, "[COLLECTION_SIZE_LIMIT_EXCEEDED] `sequence` would have %lld elements (limit %d)",
                    (long long)cnt, SEQ_MAX);
    uint32_t off;
    if (vec_list_reserve(out, (uint32_t)cnt, &off)) return OOM(c);
    for (uint32_t k = 0; k < (uint32_t)cnt; k++) {
      int64_t v = (int64_t)((__int128)x + (__int128)step * k);
      if (out->child->type.id == LT_INT) ((int32_t *)out->child->data)[off + k] = (int32_t)v;
      else ((int64_t *)out->child->data)[off + k] = v;
      if (out->child->validity) bitmap_set(out->child->validity, off + k);
    }
    VEC_DATA(out, lago_list)[r] = (lago_list){off, (uint32_t)cnt};
  }
  return LAGO_OK;
}

static int bind_sequence(func_bind *b, lago_err *err) {
  lago_type t;
  if (!func_common_type_n(b->arg_types, b->n_args, &t) || (!type_is_integer(t) && t.id != LT_NULL))
    return LAGO_ERR(err, LAGO_BIND, "[DATATYPE_MISMATCH] `sequence`: arguments must be integers (dates and timestamps are not supported)");
  for (uint32_t k = 0; k < b->n_args; k++) b->casts[k] = type_make(LT_BIGINT);
  /* Spark: the elements have the arguments' type (INT for INT arguments) */
  lago_type et = t.id == LT_BIGINT ? type_make(LT_BIGINT) : type_make(LT_INT);
  if (type_array(b->ar, et, false, &b->ret)) return LAGO_NOMEM_ERR(err);
  return LAGO_OK;
}

/* ---- maps ------------------------------------------------------------------------------------- */

/* info 'k': map_keys; 'v': map_values. */
static int k_map_part(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  int f = *(const char *)c->e->u.call.def->info == 'k' ? 0 : 1;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    const vec *p;
    lago_list l = list_at(args[0], r, &p);
    uint32_t off;
    if (vec_list_reserve(out, l.length, &off)) return OOM(c);
    for (uint32_t k = 0; k < l.length; k++)
      if (vec_copy_row(out->child, off + k, p->child->fields[f], l.offset + k)) return OOM(c);
    VEC_DATA(out, lago_list)[r] = (lago_list){off, l.length};
  }
  return LAGO_OK;
}

static int bind_map_part(func_bind *b, lago_err *err) {
  lago_type t = b->arg_types[0];
  if (t.id != LT_MAP)
    return LAGO_ERR(err, LAGO_BIND, "[DATATYPE_MISMATCH] `%s`: argument 1 requires MAP", b->def->name);
  bool keys = *(const char *)b->def->info == 'k';
  if (type_array(b->ar, keys ? type_map_key(t) : type_map_value(t), !keys, &b->ret)) return LAGO_NOMEM_ERR(err);
  return LAGO_OK;
}

/* ---- map_from_arrays ------------------------------------------------------------------------------ */

/* Appends key/value rows to a MAP row under construction; NULL keys and duplicates raise (Spark's defaults). */
static int map_put(fn_call *c, vec *out, const vec *kv, uint32_t kr, const vec *vv, uint32_t vr, uint32_t start,
                   uint32_t *cnt) {
  vec *ent = out->child;
  if (!vec_is_valid(kv, kr)) return FN_ERR(c, "[NULL_MAP_KEY] Cannot use null as map key.");
  for (uint32_t q = 0; q < *cnt; q++)
    if (vecops_compare(ent->fields[0], start + q, kv, kr) == 0)
      return FN_ERR(c, "[DUPLICATED_MAP_KEY] Duplicate map key was found, please check the input data.");
  uint32_t off;
  if (vec_list_reserve(out, 1, &off) || vec_copy_row(ent->fields[0], off, kv, kr) ||
      vec_copy_row(ent->fields[1], off, vv, vr))
    return OOM(c);
  if (ent->validity) bitmap_set(ent->validity, off);
  for (int f = 0; f < 2; f++)
    if (ent->fields[f]->len < off + 1) ent->fields[f]->len = off + 1;
  (*cnt)++;
  return LAGO_OK;
}

static int k_map_from_arrays(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    const vec *pk, *pv;
    lago_list lk = list_at(args[0], r, &pk), lv = list_at(args[1], r, &pv);
    if (lk.length != lv.length)
      return FN_ERR(c, "[INVALID_PARAMETER_VALUE] `map_from_arrays`: the key array has %u elements and the value "
                       "array %u; they must have the same length",
                    lk.length, lv.length);
    uint32_t cnt = 0, start = out->child->len;
    for (uint32_t k = 0; k < lk.length; k++)
      TRY(map_put(c, out, pk->child, lk.offset + k, pv->child, lv.offset + k, start, &cnt));
    VEC_DATA(out, lago_list)[r] = (lago_list){start, cnt};
  }
  return LAGO_OK;
}

static int bind_map_from_arrays(func_bind *b, lago_err *err) {
  if (b->arg_types[0].id != LT_ARRAY || b->arg_types[1].id != LT_ARRAY)
    return LAGO_ERR(err, LAGO_BIND, "[DATATYPE_MISMATCH] `map_from_arrays`: both arguments must be ARRAYs");
  if (type_map(b->ar, type_element(b->arg_types[0]), type_element(b->arg_types[1]), true, &b->ret))
    return LAGO_NOMEM_ERR(err);
  return LAGO_OK;
}

/* ---- format_string / printf ---------------------------------------------------------------------------- */

/* Reads argument k (1-based, after the format) at row r as a double / int64; false if NULL. */
static bool arg_num(vec *v, uint32_t r, double *d, int64_t *i, bool *is_int) {
  uint32_t idx;
  const vec *p = vec_resolve(v, r, &idx);
  if (!vec_is_valid(v, r)) return false;
  lago_type t = p->type;
  *is_int = type_is_integer(t);
  switch ((lago_type_id)t.id) {
    case LT_TINYINT: *i = ((const int8_t *)p->data)[idx]; break;
    case LT_SMALLINT: *i = ((const int16_t *)p->data)[idx]; break;
    case LT_INT: *i = ((const int32_t *)p->data)[idx]; break;
    case LT_BIGINT: *i = ((const int64_t *)p->data)[idx]; break;
    case LT_FLOAT: *d = ((const float *)p->data)[idx]; break;
    case LT_DOUBLE: *d = ((const double *)p->data)[idx]; break;
    case LT_DECIMAL: {
      lago_i128 u = dec_load(p->data, idx, type_decimal_is_wide(t));
      double s = 1;
      for (int k = 0; k < t.scale; k++) s *= 10;
      *d = (double)u / s;
      break;
    }
    default: *is_int = false; return false;
  }
  if (*is_int) *d = (double)*i;
  return true;
}

/*
** format_string(fmt, args...) / printf: java.util.Formatter's common subset:
** %[index$][flags][width][.precision]conv with conv s S d x X o f e E g b c %% n and flags
** - + 0 space #. %s prints any value (Spark text, "null" for NULL); %d/%x/%o/%c need
** integers and %f/%e/%g floating-point or decimal numbers, as in Java. Mismatches raise [FORMAT_STRING_INVALID]. NULL fmt: NULL.
*/
static int k_format_string(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  vec_view f;
  vec_view_init(&f, args[0]);
  uint32_t na = c->e->n_args - 1;
  buf b, tmp;
  buf_init(&b);
  buf_init(&tmp);
  int rc = LAGO_OK;
  for (uint32_t i = 0; i < n && rc == LAGO_OK; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!VIEW_VALID(&f, r)) {
      rc = vec_set_null(out, r) ? OOM(c) : LAGO_OK;
      continue;
    }
    const lago_str *fs = sarg(&f, r);
    const char *p = str_data(fs);
    uint32_t len = fs->len, next = 0;
    buf_clear(&b);
    for (uint32_t k = 0; k < len && rc == LAGO_OK;) {
      if (p[k] != '%') {
        rc = buf_putc(&b, p[k++]);
        continue;
      }
      uint32_t start = k++;
      char spec[32];
      int sn = 0;
      spec[sn++] = '%';
      /* explicit index n$ */
      uint32_t save = k, argi = 0;
      while (k < len && p[k] >= '0' && p[k] <= '9' && argi < 1000) argi = argi * 10 + (uint32_t)(p[k++] - '0');
      if (k < len && p[k] == '$' && argi > 0) k++;
      else {
        k = save;
        argi = 0;
      }
      while (k < len && strchr("-+0 #", p[k]) && sn < 8) spec[sn++] = p[k++];
      while (k < len && p[k] >= '0' && p[k] <= '9' && sn < 16) spec[sn++] = p[k++];
      if (k < len && p[k] == '.') {
        spec[sn++] = p[k++];
        while (k < len && p[k] >= '0' && p[k] <= '9' && sn < 24) spec[sn++] = p[k++];
      }
      if (k >= len || (k < len && p[k] >= '0' && p[k] <= '9')) {
        rc = FN_ERR(c, "[FORMAT_STRING_INVALID] bad format specifier '%.*s'", (int)(k - start), p + start);
        break;
      }
      char conv = p[k++];
      long wmax = 0, wcur = 0; /* widths and precisions are bounded: the result is built in memory */
      for (int q = 1; q < sn; q++) {
        wcur = spec[q] >= '0' && spec[q] <= '9' ? wcur * 10 + (spec[q] - '0') : 0;
        if (wcur > wmax) wmax = wcur;
      }
      if (wmax > 10000) {
        rc = FN_ERR(c, "[FORMAT_STRING_INVALID] width or precision %ld is too large (limit 10000)", wmax);
        break;
      }
      if (conv == '%') {
        rc = buf_putc(&b, '%');
        continue;
      }
      if (conv == 'n') {
        rc = buf_putc(&b, '\n');
        continue;
      }
      uint32_t ai = argi ? argi - 1 : next++;
      if (ai >= na) {
        rc = FN_ERR(c, "[FORMAT_STRING_INVALID] format specifier '%%%c' has no argument", conv);
        break;
      }
      vec *v = args[1 + ai];
      double d = 0;
      int64_t iv = 0;
      bool is_int = false, valid = vec_is_valid(v, r);
      spec[sn] = 0;
      switch (conv) {
        case 's':
        case 'S': {
          buf_clear(&tmp);
          if (!valid) rc = buf_puts(&tmp, "null");
          else rc = cast_value_to_text(v, r, &tmp);
          if (rc) break;
          if (conv == 'S')
            for (size_t q = 0; q < tmp.len; q++)
              if (tmp.data[q] >= 'a' && tmp.data[q] <= 'z') tmp.data[q] = (char)(tmp.data[q] - 32);
          spec[sn++] = 's';
          spec[sn] = 0;
          rc = buf_printf(&b, spec, buf_cstr(&tmp));
          break;
        }
        case 'b':
        case 'B': {
          bool bv = valid; /* Java: NULL is false, a non-boolean value true */
          if (valid && v->type.id == LT_BOOLEAN) {
            uint32_t bi;
            const vec *bp = vec_resolve(v, r, &bi);
            bv = ((const uint8_t *)bp->data)[bi];
          }
          spec[sn++] = 's';
          spec[sn] = 0;
          rc = buf_printf(&b, spec, bv ? (conv == 'B' ? "TRUE" : "true") : (conv == 'B' ? "FALSE" : "false"));
          break;
        }
        case 'd': case 'x': case 'X': case 'o': case 'c':
        case 'f': case 'e': case 'E': case 'g': case 'G': {
          if (!valid) {
            rc = buf_puts(&b, "null");
            break;
          }
          bool num = arg_num(v, r, &d, &iv, &is_int);
          bool want_int = conv == 'd' || conv == 'x' || conv == 'X' || conv == 'o' || conv == 'c';
          if (!num || want_int != is_int) { /* Java: %d only integers, %f/%e/%g only non-integers */
            rc = FN_ERR(c, "[FORMAT_STRING_INVALID] %%%c needs %s, got %s", conv,
                        want_int ? "an integer" : "a floating-point or decimal number",
                        !num ? "a value that is not a number" : is_int ? "an integer" : "a fractional number");
            break;
          }
          if (want_int) {
            if (conv == 'c') {
              spec[sn++] = 'c';
              spec[sn] = 0;
              rc = buf_printf(&b, spec, (int)(iv & 0x7F));
              break;
            }
            spec[sn++] = 'l';
            spec[sn++] = 'l';
            spec[sn++] = conv;
            spec[sn] = 0;
            if (conv == 'd') rc = buf_printf(&b, spec, (long long)iv);
            else rc = buf_printf(&b, spec, (unsigned long long)iv);
          } else {
            spec[sn++] = conv;
            spec[sn] = 0;
            rc = buf_printf(&b, spec, d);
          }
          break;
        }
        default:
          rc = FN_ERR(c, "[FORMAT_STRING_INVALID] unsupported conversion '%%%c'", conv);
      }
    }
    if (rc == LAGO_OK) rc = vec_set_str(out, r, b.data ? b.data : "", (uint32_t)b.len);
    else if (rc == LAGO_NOMEM && !c->ec->err->rc) rc = OOM(c);
  }
  buf_deinit(&b);
  buf_deinit(&tmp);
  return rc == LAGO_NOMEM && !c->ec->err->rc ? OOM(c) : rc;
}

static int bind_format_string(func_bind *b, lago_err *err) {
  if (!func_implicit_cast_ok(b->arg_types[0], type_make(LT_STRING)))
    return LAGO_ERR(err, LAGO_BIND, "[DATATYPE_MISMATCH] `%s`: the format must be a STRING", b->def->name);
  b->casts[0] = type_make(LT_STRING);
  b->ret = type_make(LT_STRING);
  return LAGO_OK;
}

/* ---- format_number --------------------------------------------------------------------------------------- */

/* Appends digits "[-]123456.789" with commas every three integer digits. */
static int group_digits(buf *b, const char *s) {
  if (*s == '-') TRY(buf_putc(b, *s++));
  const char *dot = strchr(s, '.');
  size_t il = dot ? (size_t)(dot - s) : strlen(s);
  for (size_t k = 0; k < il; k++) {
    if (k && (il - k) % 3 == 0) TRY(buf_putc(b, ','));
    TRY(buf_putc(b, s[k]));
  }
  return dot ? buf_puts(b, dot) : LAGO_OK;
}

/*
** format_number(x, d): java.text.DecimalFormat "#,###,##0.00..." (d decimals, HALF_EVEN on the
** exact value; doubles through glibc's exact conversion, which rounds ties to even too);
** d < 0 gives NULL. NaN and infinities print as Java does (U+FFFD, "∞").
*/
static int k_format_number(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  vec_view a, dv;
  vec_view_init(&a, args[0]);
  vec_view_init(&dv, args[1]);
  lago_type t = c->e->args[0]->type;
  buf b;
  buf_init(&b);
  int rc = LAGO_OK;
  char tmp[512];
  for (uint32_t i = 0; i < n && rc == LAGO_OK; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    int32_t d = ((const int32_t *)dv.data)[VIEW_IDX(&dv, r)];
    if (d < 0) {
      rc = vec_set_null(out, r);
      continue;
    }
    if (d > 100) d = 100;
    uint32_t ix = VIEW_IDX(&a, r);
    buf_clear(&b);
    if (t.id == LT_DOUBLE || t.id == LT_FLOAT) {
      double x = t.id == LT_DOUBLE ? ((const double *)a.data)[ix] : ((const float *)a.data)[ix];
      if (isnan(x)) rc = buf_puts(&b, "\xEF\xBF\xBD");
      else if (isinf(x)) rc = buf_puts(&b, x < 0 ? "-\xE2\x88\x9E" : "\xE2\x88\x9E");
      else {
        snprintf(tmp, sizeof tmp, "%.*f", d, x);
        rc = group_digits(&b, tmp);
      }
    } else {
      lago_i128 v;
      int scale = 0;
      switch ((lago_type_id)t.id) {
        case LT_TINYINT: v = ((const int8_t *)a.data)[ix]; break;
        case LT_SMALLINT: v = ((const int16_t *)a.data)[ix]; break;
        case LT_INT: v = ((const int32_t *)a.data)[ix]; break;
        case LT_BIGINT: v = ((const int64_t *)a.data)[ix]; break;
        default: v = dec_load(a.data, ix, type_decimal_is_wide(t)); scale = t.scale; break;
      }
      bool neg = v < 0; /* Java keeps the sign of a negative number that rounds to zero: "-0.00" */
      if (scale > d) { /* round HALF_EVEN to d digits */
        lago_i128 p = pow10_i128(scale - d), q = v / p, rem = v % p;
        lago_i128 half2 = rem < 0 ? -2 * rem : 2 * rem;
        if (half2 > p || (half2 == p && (q % 2 != 0))) q += v < 0 ? -1 : 1;
        v = q;
        scale = d;
      }
      if (neg && v == 0) rc = buf_putc(&b, '-');
      fmt_decimal(v, scale, tmp);
      if (rc == LAGO_OK) rc = group_digits(&b, tmp);
      if (rc == LAGO_OK && d > scale) {
        if (scale == 0) rc = buf_putc(&b, '.');
        for (int k = scale; k < d && rc == LAGO_OK; k++) rc = buf_putc(&b, '0');
      }
    }
    if (rc == LAGO_OK) rc = vec_set_str(out, r, b.data ? b.data : "", (uint32_t)b.len);
  }
  buf_deinit(&b);
  return rc ? OOM(c) : LAGO_OK;
}

static int bind_format_number(func_bind *b, lago_err *err) {
  lago_type t = b->arg_types[0];
  if (t.id == LT_STRING || t.id == LT_NULL) b->casts[0] = type_make(LT_DOUBLE);
  else if (!type_is_numeric(t) || t.id == LT_UTINYINT || t.id == LT_USMALLINT || t.id == LT_UINT || t.id == LT_UBIGINT)
    return LAGO_ERR(err, LAGO_BIND, "[DATATYPE_MISMATCH] `format_number`: argument 1 requires a number");
  if (b->arg_types[1].id == LT_STRING)
    return LAGO_ERR(err, LAGO_UNSUPPORTED, "`format_number` with a pattern string is not supported; give the number of decimals");
  if (!func_implicit_cast_ok(b->arg_types[1], type_make(LT_INT)))
    return LAGO_ERR(err, LAGO_BIND, "[DATATYPE_MISMATCH] `format_number`: argument 2 requires INT");
  b->casts[1] = type_make(LT_INT);
  b->ret = type_make(LT_STRING);
  return LAGO_OK;
}

/* ---- to_json ----------------------------------------------------------------------------------------------- */

/*
** Writes row r of v (any kind) as JSON the way Spark's JacksonGenerator does with default
** options: struct fields that are NULL are left out, array elements and map values that are
** NULL are null; doubles as Java's Double.toString (NaN and infinities quoted); decimals
** plain; DATE "yyyy-MM-dd"; TIMESTAMP "yyyy-MM-dd'T'HH:mm:ss.SSSXXX" in the session zone;
** BINARY base64; map keys as their text.
*/
static int json_value_of(fn_call *c, json_writer *w, const vec *v, uint32_t r, buf *tmp, int depth) {
  if (depth > 64) return LAGO_UNSUPPORTED;
  uint32_t idx;
  const vec *p = vec_resolve(v, r, &idx);
  if (!vec_is_valid(v, r)) return json_w_null(w);
  char t[64];
  switch ((lago_type_id)p->type.id) {
    case LT_BOOLEAN: return json_w_bool(w, ((const uint8_t *)p->data)[idx]);
    case LT_FLOAT:
    case LT_DOUBLE: {
      double d = p->type.id == LT_FLOAT ? ((const float *)p->data)[idx] : ((const double *)p->data)[idx];
      int n = cast_double_text(d, p->type.id == LT_FLOAT, t);
      if (isnan(d) || isinf(d)) return json_w_strn(w, t, (size_t)n);
      return json_w_raw(w, t, (size_t)n);
    }
    case LT_STRING: {
      const lago_str *s = &((const lago_str *)p->data)[idx];
      return json_w_strn(w, str_data(s), s->len);
    }
    case LT_BINARY: {
      const lago_str *s = &((const lago_str *)p->data)[idx];
      const uint8_t *q = (const uint8_t *)str_data(s);
      buf_clear(tmp);
      for (uint32_t k = 0; k < s->len; k += 3) {
        uint32_t x = (uint32_t)q[k] << 16 | (k + 1 < s->len ? (uint32_t)q[k + 1] << 8 : 0) | (k + 2 < s->len ? q[k + 2] : 0);
        char o[4] = {k_b64[x >> 18], k_b64[(x >> 12) & 63], k + 1 < s->len ? k_b64[(x >> 6) & 63] : '=',
                     k + 2 < s->len ? k_b64[x & 63] : '='};
        TRY(buf_append(tmp, o, 4));
      }
      return json_w_strn(w, tmp->data ? tmp->data : "", tmp->len);
    }
    case LT_DATE: {
      int n = fmt_date(((const int32_t *)p->data)[idx], t);
      return json_w_strn(w, t, (size_t)n);
    }
    case LT_TIMESTAMP:
    case LT_TIMESTAMP_NTZ: {
      int64_t us = ((const int64_t *)p->data)[idx];
      bool ltz = p->type.id == LT_TIMESTAMP;
      int32_t off = ltz ? tz_offset_at(c->ec->tz, floor_div64(us, MICROS_PER_SEC)) : 0;
      int64_t l = us + (int64_t)off * MICROS_PER_SEC, days = floor_div64(l, MICROS_PER_DAY), tod = floor_mod64(l, MICROS_PER_DAY);
      int n = fmt_date((int32_t)days, t);
      n += snprintf(t + n, sizeof t - (size_t)n, "T%02d:%02d:%02d.%03d", (int)(tod / 3600000000LL), (int)(tod / 60000000LL % 60),
                    (int)(tod / 1000000 % 60), (int)(tod / 1000 % 1000));
      if (ltz) {
        if (off == 0) n += snprintf(t + n, sizeof t - (size_t)n, "Z");
        else {
          int a = off < 0 ? -off : off;
          n += snprintf(t + n, sizeof t - (size_t)n, "%c%02d:%02d", off < 0 ? '-' : '+', a / 3600, a / 60 % 60);
          if (a % 60) n += snprintf(t + n, sizeof t - (size_t)n, ":%02d", a % 60);
        }
      }
      return json_w_strn(w, t, (size_t)n);
    }
    case LT_STRUCT: {
      TRY(json_w_begin_obj(w));
      for (uint32_t k = 0; k < type_n_fields(p->type); k++) {
        if (!vec_is_valid(p->fields[k], idx)) continue; /* ignoreNullFields */
        TRY(json_w_key(w, p->type.nested->fields[k].name));
        TRY(json_value_of(c, w, p->fields[k], idx, tmp, depth + 1));
      }
      return json_w_end_obj(w);
    }
    case LT_ARRAY: {
      lago_list l = VEC_DATA(p, lago_list)[idx];
      TRY(json_w_begin_arr(w));
      for (uint32_t k = 0; k < l.length; k++) TRY(json_value_of(c, w, p->child, l.offset + k, tmp, depth + 1));
      return json_w_end_arr(w);
    }
    case LT_MAP: {
      lago_list l = VEC_DATA(p, lago_list)[idx];
      TRY(json_w_begin_obj(w));
      for (uint32_t k = 0; k < l.length; k++) {
        buf_clear(tmp);
        TRY(cast_value_to_text(p->child->fields[0], l.offset + k, tmp));
        TRY(json_w_keyn(w, tmp->data ? tmp->data : "", tmp->len));
        TRY(json_value_of(c, w, p->child->fields[1], l.offset + k, tmp, depth + 1));
      }
      return json_w_end_obj(w);
    }
    default:
      if (type_is_numeric(p->type)) {
        buf_clear(tmp);
        TRY(cast_value_to_text(p, idx, tmp));
        return json_w_raw(w, tmp->data, tmp->len);
      }
      return LAGO_UNSUPPORTED;
  }
}

static int k_to_json(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  buf b, tmp;
  buf_init(&b);
  buf_init(&tmp);
  int rc = LAGO_OK;
  for (uint32_t i = 0; i < n && rc == LAGO_OK; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    buf_clear(&b);
    json_writer w;
    json_w_init(&w, &b);
    rc = json_value_of(c, &w, args[0], r, &tmp, 0);
    if (rc == LAGO_OK) rc = json_w_finish(&w);
    if (rc == LAGO_OK) rc = vec_set_str(out, r, b.data ? b.data : "", (uint32_t)b.len);
  }
  buf_deinit(&b);
  buf_deinit(&tmp);
  if (rc == LAGO_UNSUPPORTED) return FN_ERR(c, "to_json: a value is nested too deeply or has a type JSON cannot hold");
  return rc ? OOM(c) : LAGO_OK;
}

static int bind_to_json(func_bind *b, lago_err *err) {
  lago_type t = b->arg_types[0];
  if (t.id != LT_STRUCT && t.id != LT_ARRAY && t.id != LT_MAP)
    return LAGO_ERR(err, LAGO_BIND, "[DATATYPE_MISMATCH.INVALID_JSON_SCHEMA] `to_json`: argument 1 requires STRUCT, ARRAY or MAP");
  if (b->n_args > 1)
    return LAGO_ERR(err, LAGO_UNSUPPORTED, "`to_json` options are not supported");
  b->ret = type_make(LT_STRING);
  return LAGO_OK;
}

/* ---- from_json ------------------------------------------------------------------------------------------- */

/*
** Row `row` of dst (FLAT, type t) from JSON value jv; NULL when jv is missing, null or does
** not fit t (a field-level NULL; Spark's PERMISSIVE mode would null the whole record).
** STRING takes strings as they are and other values as their JSON text.
*/
static int json_put(fn_call *c, vec *dst, uint32_t row, const json_value *jv, buf *tmp, int depth) {
  lago_type t = dst->type;
  if (row >= dst->cap) TRY(vec_reserve(dst, row + 1));
  if (row >= dst->len) dst->len = row + 1;
  if (depth > 64 || !jv || json_is(jv, JSON_NULL)) goto null;
  switch ((lago_type_id)t.id) {
    case LT_BOOLEAN:
      if (!json_is(jv, JSON_BOOL)) goto null;
      ((uint8_t *)dst->data)[row] = jv->boolean;
      break;
    case LT_TINYINT: case LT_SMALLINT: case LT_INT: case LT_BIGINT: {
      if (!json_is(jv, JSON_NUMBER) || !jv->is_int) goto null;
      int64_t v = jv->x.num.i;
      if (t.id == LT_BIGINT) ((int64_t *)dst->data)[row] = v;
      else if (t.id == LT_INT && v >= INT32_MIN && v <= INT32_MAX) ((int32_t *)dst->data)[row] = (int32_t)v;
      else if (t.id == LT_SMALLINT && v >= INT16_MIN && v <= INT16_MAX) ((int16_t *)dst->data)[row] = (int16_t)v;
      else if (t.id == LT_TINYINT && v >= INT8_MIN && v <= INT8_MAX) ((int8_t *)dst->data)[row] = (int8_t)v;
      else goto null;
      break;
    }
    case LT_FLOAT: case LT_DOUBLE:
      if (!json_is(jv, JSON_NUMBER)) goto null;
      if (t.id == LT_FLOAT) ((float *)dst->data)[row] = (float)jv->x.num.d;
      else ((double *)dst->data)[row] = jv->x.num.d;
      break;
    case LT_DECIMAL: {
      lago_i128 v;
      if (!json_is(jv, JSON_NUMBER) || parse_decimal(jv->u.str, jv->len, t.precision, t.scale, &v)) goto null;
      dec_store(dst->data, row, type_decimal_is_wide(t), v);
      break;
    }
    case LT_STRING:
      if (json_is(jv, JSON_STRING) || json_is(jv, JSON_NUMBER)) TRY(vec_set_str(dst, row, jv->u.str, jv->len));
      else {
        buf_clear(tmp);
        TRY(json_write(tmp, jv));
        TRY(vec_set_str(dst, row, tmp->data ? tmp->data : "", (uint32_t)tmp->len));
      }
      break;
    case LT_DATE: {
      int32_t d;
      if (!json_is(jv, JSON_STRING) || parse_date(jv->u.str, jv->len, &d)) goto null;
      ((int32_t *)dst->data)[row] = d;
      break;
    }
    case LT_TIMESTAMP: case LT_TIMESTAMP_NTZ: {
      int64_t us;
      bool zone;
      if (!json_is(jv, JSON_STRING) || parse_timestamp(jv->u.str, jv->len, &us, &zone)) goto null;
      if (!zone && t.id == LT_TIMESTAMP) us = tz_local_to_utc(c->ec->tz, us);
      ((int64_t *)dst->data)[row] = us;
      break;
    }
    case LT_STRUCT: {
      if (!json_is(jv, JSON_OBJECT)) goto null;
      for (uint32_t k = 0; k < type_n_fields(t); k++) {
        const char *nm = t.nested->fields[k].name;
        TRY(json_put(c, dst->fields[k], row, json_getn(jv, nm, strlen(nm)), tmp, depth + 1));
      }
      break;
    }
    case LT_ARRAY: {
      if (!json_is(jv, JSON_ARRAY)) goto null;
      uint32_t off, cnt = (uint32_t)json_len(jv);
      TRY(vec_list_reserve(dst, cnt, &off));
      for (uint32_t k = 0; k < cnt; k++) TRY(json_put(c, dst->child, off + k, json_at(jv, k), tmp, depth + 1));
      VEC_DATA(dst, lago_list)[row] = (lago_list){off, cnt};
      break;
    }
    case LT_MAP: {
      if (!json_is(jv, JSON_OBJECT) || type_map_key(t).id != LT_STRING) goto null;
      uint32_t off, cnt = (uint32_t)json_len(jv);
      TRY(vec_list_reserve(dst, cnt, &off));
      for (uint32_t k = 0; k < cnt; k++) {
        const json_member *m = json_member_at(jv, k);
        TRY(vec_set_str(dst->child->fields[0], off + k, m->key, m->key_len));
        if (dst->child->fields[0]->validity) bitmap_set(dst->child->fields[0]->validity, off + k);
        TRY(json_put(c, dst->child->fields[1], off + k, &m->value, tmp, depth + 1));
        if (dst->child->validity) bitmap_set(dst->child->validity, off + k);
      }
      VEC_DATA(dst, lago_list)[row] = (lago_list){off, cnt};
      break;
    }
    default: goto null;
  }
  if (dst->validity) bitmap_set(dst->validity, row);
  return LAGO_OK;
null:
  if (t.id == LT_STRUCT) /* keep the children's rows defined */
    for (uint32_t k = 0; k < type_n_fields(t); k++) TRY(json_put(c, dst->fields[k], row, NULL, tmp, depth + 1));
  if (t.id == LT_ARRAY || t.id == LT_MAP) VEC_DATA(dst, lago_list)[row] = (lago_list){0, 0};
  if (t.id == LT_STRING) memset((lago_str *)dst->data + row, 0, sizeof(lago_str));
  return vec_set_null(dst, row);
}

/* from_json(text, schema): malformed text gives a STRUCT of NULL fields (Spark >= 3.0,
** PERMISSIVE), NULL for an ARRAY or MAP schema. */
static int k_from_json(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  vec_view a;
  vec_view_init(&a, args[0]);
  buf tmp;
  buf_init(&tmp);
  int rc = LAGO_OK;
  for (uint32_t i = 0; i < n && rc == LAGO_OK; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) {
      if (out->type.id == LT_STRUCT) rc = json_put(c, out, r, NULL, &tmp, 0); /* define the children */
      continue;
    }
    const lago_str *s = sarg(&a, r);
    json_value *root = NULL;
    lago_err perr;
    lago_err_clear(&perr);
    int prc = json_parse(c->ec->ar, str_data(s), s->len, &root, &perr);
    if (prc == LAGO_NOMEM) {
      rc = LAGO_NOMEM;
      break;
    }
    if (prc && out->type.id == LT_STRUCT) {
      json_value empty;
      memset(&empty, 0, sizeof empty);
      empty.type = JSON_OBJECT;
      rc = json_put(c, out, r, &empty, &tmp, 0);
    } else {
      rc = json_put(c, out, r, prc ? NULL : root, &tmp, 0);
    }
  }
  buf_deinit(&tmp);
  return rc ? (c->ec->err->rc ? rc : OOM(c)) : LAGO_OK;
}

static int bind_from_json(func_bind *b, lago_err *err) {
  const expr *se = b->args && b->n_args > 1 ? b->args[1] : NULL;
  if (!se || se->kind != EXPR_CONST || se->type.id != LT_STRING || !vec_is_valid(se->u.value, 0))
    return LAGO_ERR(err, LAGO_BIND, "[INVALID_SCHEMA.NON_STRING_LITERAL] `from_json`: the schema must be a constant string");
  if (b->n_args > 2) return LAGO_ERR(err, LAGO_UNSUPPORTED, "`from_json` options are not supported");
  uint32_t idx;
  const vec *p = vec_resolve(se->u.value, 0, &idx);
  const lago_str *s = &((const lago_str *)p->data)[idx];
  char *text = arena_strndup(b->ar, str_data(s), s->len);
  char *wrapped = arena_printf(b->ar, "STRUCT<%.*s>", (int)s->len, str_data(s));
  if (!text || !wrapped) return LAGO_NOMEM_ERR(err);
  lago_err tmp;
  lago_err_clear(&tmp);
  lago_type t;
  int rc = type_parse(b->ar, text, &t, &tmp);
  if (rc == LAGO_PARSE || (rc == LAGO_OK && t.id != LT_STRUCT && t.id != LT_ARRAY && t.id != LT_MAP)) {
    lago_err_clear(&tmp);
    rc = type_parse(b->ar, wrapped, &t, &tmp); /* "a INT, b DOUBLE" */
  }
  if (rc == LAGO_NOMEM) return LAGO_NOMEM_ERR(err);
  if (rc)
    return LAGO_ERR(err, LAGO_BIND, "[INVALID_SCHEMA.PARSE_ERROR] `from_json`: cannot parse the schema '%.*s': %s",
                    (int)(s->len > 100 ? 100 : s->len), str_data(s), tmp.msg);
  if (!func_implicit_cast_ok(b->arg_types[0], type_make(LT_STRING)))
    return LAGO_ERR(err, LAGO_BIND, "[DATATYPE_MISMATCH] `from_json`: argument 1 requires STRING");
  b->casts[0] = type_make(LT_STRING);
  b->ret = t;
  return LAGO_OK;
}

/* ---- get_json_object -------------------------------------------------------------------------------- */

/*
** Follows a JSONPath subset: $ then any of .name, ['name'], [n]. Returns the value or
** NULL (missing member, index out of range, wildcard or malformed path: Spark gives NULL).
*/
static const json_value *json_path(const json_value *v, const char *p, uint32_t n) {
  if (n == 0 || p[0] != '$') return NULL;
  uint32_t i = 1;
  while (v && i < n) {
    if (p[i] == '.') {
      uint32_t s = ++i;
      while (i < n && p[i] != '.' && p[i] != '[') i++;
      if (i == s || (i - s == 1 && p[s] == '*') || !json_is(v, JSON_OBJECT)) return NULL;
      v = json_getn(v, p + s, i - s);
    } else if (p[i] == '[') {
      i++;
      if (i < n && p[i] == '\'') {
        uint32_t s = ++i;
        while (i < n && p[i] != '\'') i++;
        if (i + 1 >= n || p[i + 1] != ']' || !json_is(v, JSON_OBJECT)) return NULL;
        v = json_getn(v, p + s, i - s);
        i += 2;
      } else {
        uint64_t k = 0;
        uint32_t s = i;
        while (i < n && p[i] >= '0' && p[i] <= '9' && k < (1u << 31)) k = k * 10 + (uint64_t)(p[i++] - '0');
        if (i == s || i >= n || p[i] != ']' || !json_is(v, JSON_ARRAY) || k >= json_len(v)) return NULL;
        v = json_at(v, (size_t)k);
        i++;
      }
    } else {
      return NULL;
    }
  }
  return v;
}

static int k_get_json_object(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  vec_view a, p;
  vec_view_init(&a, args[0]);
  vec_view_init(&p, args[1]);
  buf b;
  buf_init(&b);
  int rc = LAGO_OK;
  for (uint32_t i = 0; i < n && rc == LAGO_OK; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    const lago_str *js = sarg(&a, r), *ps = sarg(&p, r);
    json_value *root = NULL;
    lago_err tmp;
    lago_err_clear(&tmp);
    int prc = json_parse(c->ec->ar, str_data(js), js->len, &root, &tmp);
    if (prc == LAGO_NOMEM) {
      rc = OOM(c);
      break;
    }
    const json_value *v = prc ? NULL : json_path(root, str_data(ps), ps->len);
    if (!v || json_is(v, JSON_NULL)) {
      rc = vec_set_null(out, r);
      continue;
    }
    if (json_is(v, JSON_STRING) || json_is(v, JSON_NUMBER)) { /* strings unquoted, numbers as written */
      rc = vec_set_str(out, r, v->u.str, v->len);
      continue;
    }
    buf_clear(&b);
    rc = json_write(&b, v);
    if (rc == LAGO_OK) rc = vec_set_str(out, r, b.data ? b.data : "", (uint32_t)b.len);
  }
  buf_deinit(&b);
  return rc ? (c->ec->err->rc ? rc : OOM(c)) : LAGO_OK;
}

const func_def func_defs_extra[] = {
    {"from_json", 2, 3, 0, bind_from_json, k_from_json, {0}, NULL},
    {"to_json", 1, 2, 0, bind_to_json, k_to_json, {0}, NULL},
    {"format_number", 2, 2, 0, bind_format_number, k_format_number, {0}, NULL},
    {"format_string", 1, -1, FN_NULLS, bind_format_string, k_format_string, {0}, NULL},
    {"printf", 1, -1, FN_NULLS, bind_format_string, k_format_string, {0}, NULL},
    {"get_json_object", 2, 2, 0, func_bind_sig, k_get_json_object, SIG(LT_STRING, LT_STRING, LT_STRING), NULL},
    {"map_from_arrays", 2, 2, 0, bind_map_from_arrays, k_map_from_arrays, {0}, NULL},
    {"isnan", 1, 1, FN_NULLS, func_bind_sig, k_isnan, SIG(LT_BOOLEAN, LT_DOUBLE), NULL},
    {"nanvl", 2, 2, FN_NULLS, func_bind_sig, k_nanvl, SIG(LT_DOUBLE, LT_DOUBLE, LT_DOUBLE), NULL},
    {"translate", 3, 3, 0, func_bind_sig, k_translate, SIG(LT_STRING, LT_STRING, LT_STRING, LT_STRING), NULL},
    {"base64", 1, 1, 0, func_bind_sig, k_base64, SIG(LT_STRING, LT_BINARY), NULL},
    {"unbase64", 1, 1, 0, func_bind_sig, k_unbase64, SIG(LT_BINARY, LT_STRING), NULL},
    {"hex", 1, 1, 0, bind_hex, k_hex, {0}, NULL},
    {"unhex", 1, 1, 0, func_bind_sig, k_unhex, SIG(LT_BINARY, LT_STRING), NULL},
    {"array_join", 2, 3, 0, bind_array_join2, k_array_join, {0}, NULL},
    {"array_distinct", 1, 1, 0, bind_same_array, k_array_distinct, {0}, NULL},
    {"sort_array", 1, 2, 0, bind_same_array, k_sort_array, {0}, "s"},
    {"array_sort", 1, 1, 0, bind_same_array, k_sort_array, {0}, "a"},
    {"array_position", 2, 2, 0, bind_array_position, k_array_position, {0}, NULL},
    {"flatten", 1, 1, 0, bind_flatten, k_flatten, {0}, NULL},
    {"slice", 3, 3, 0, bind_same_array, k_slice, {0}, NULL},
    {"sequence", 2, 3, 0, bind_sequence, k_sequence, {0}, NULL},
    {"map_keys", 1, 1, 0, bind_map_part, k_map_part, {0}, "k"},
    {"map_values", 1, 1, 0, bind_map_part, k_map_part, {0}, "v"},
    {NULL, 0, 0, 0, NULL, NULL, {0}, NULL},
};
