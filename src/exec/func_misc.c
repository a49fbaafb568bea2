/*
** exec/func_misc.c: greatest/least, array and map functions, split, typeof.
**
**   greatest(a, ...), least(a, ...)   common type; NULLs skipped (NULL only if all are)
**   array(a, ...)                     ARRAY of the common type
**   size(x), cardinality(x)           elements of an ARRAY/MAP; NULL for NULL (ANSI)
**   element_at(array, i)              1-based, negative from the end; out of range:
**                                     [INVALID_ARRAY_INDEX_IN_ELEMENT_AT]; 0: [INVALID_INDEX_OF_ZERO]
**   element_at(map, k)                missing key: [MAP_KEY_DOES_NOT_EXIST]
**   try_element_at(...)               NULL instead of those errors
**   array_contains(array, v)          NULL if not found and the array has a NULL
**   struct(a, ...)                    STRUCT; fields named after column arguments, else col1, col2...
**   named_struct('n1', v1, ...)       STRUCT with the given (constant) field names
**   map(k1, v1, ...)                  MAP of the keys' and the values' common types; a NULL key is
**                                     [NULL_MAP_KEY], a repeated one [DUPLICATED_MAP_KEY] (Spark's
**                                     default mapKeyDedupPolicy EXCEPTION)
**   split(str, regex[, limit])        ARRAY<STRING>, Java String.split with limit -1 (trailing empties kept)
**   typeof(x)                         Spark type name (catalogString: struct<a:int,b:array<string>>)
**   uuid()                            random version-4 UUID text per row (volatile: never folded)
** if/iff, coalesce, nvl, ifnull, nvl2 and nullif are special forms built by
** expr_call (lazy evaluation), not kernels.
*/
#include <regex.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "exec/func.h"
#include "exec/vecops.h"
#include "util/hex.h"

/* ---- greatest / least ----------------------------------------------------------------- */

static int k_greatest(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  bool great = *(const char *)c->e->u.call.def->info == 'g';
  uint32_t na = c->e->n_args;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    int best = -1;
    for (uint32_t k = 0; k < na; k++) {
      if (!vec_is_valid(args[k], r)) continue;
      if (best < 0) {
        best = (int)k;
        continue;
      }
      int cmp = vecops_compare(args[k], r, args[best], r);
      if (great ? cmp > 0 : cmp < 0) best = (int)k;
    }
    if (best < 0) {
      if (vec_set_null(out, r)) return LAGO_NOMEM_ERR(c->ec->err);
      continue;
    }
    if (vecops_copy_one(out, r, args[best], r)) return LAGO_NOMEM_ERR(c->ec->err);
  }
  return LAGO_OK;
}

static int bind_common(func_bind *b, lago_err *err) {
  lago_type t;
  if (!func_common_type_n(b->arg_types, b->n_args, &t))
    return LAGO_ERR(err, LAGO_BIND, "[DATATYPE_MISMATCH.DATA_DIFF_TYPES] `%s`: arguments have no common type",
                    b->def->name);
  if (t.id == LT_MAP) return LAGO_ERR(err, LAGO_BIND, "[DATATYPE_MISMATCH] `%s` cannot order MAP values", b->def->name);
  for (uint32_t i = 0; i < b->n_args; i++) b->casts[i] = t;
  b->ret = t;
  return LAGO_OK;
}

/* ---- arrays ----------------------------------------------------------------------------- */

static int k_array(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  uint32_t na = c->e->n_args;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i, off;
    if (vec_list_reserve(out, na, &off)) return LAGO_NOMEM_ERR(c->ec->err);
    for (uint32_t k = 0; k < na; k++)
      if (vec_copy_row(out->child, off + k, args[k], r)) return LAGO_NOMEM_ERR(c->ec->err);
    VEC_DATA(out, lago_list)[r] = (lago_list){off, na};
  }
  return LAGO_OK;
}

static int bind_array(func_bind *b, lago_err *err) {
  lago_type t = type_make(LT_NULL);
  if (b->n_args && !func_common_type_n(b->arg_types, b->n_args, &t))
    return LAGO_ERR(err, LAGO_BIND, "[DATATYPE_MISMATCH.DATA_DIFF_TYPES] `array`: elements have no common type");
  if (t.id == LT_NULL) t = type_make(LT_STRING);
  for (uint32_t i = 0; i < b->n_args; i++) b->casts[i] = t;
  if (type_array(b->ar, t, true, &b->ret)) return LAGO_NOMEM_ERR(err);
  return LAGO_OK;
}

/* ---- struct / named_struct / map constructors ------------------------------------------------ */

/* struct and named_struct: info "s" (every argument is a field) or "n" (name, value pairs). */
static int k_struct(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  bool named = *(const char *)c->e->u.call.def->info == 'n';
  uint32_t nf = type_n_fields(c->e->type);
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    for (uint32_t k = 0; k < nf; k++) {
      vec *f = out->fields[k];
      if (vec_copy_row(f, r, args[named ? 2 * k + 1 : k], r)) return LAGO_NOMEM_ERR(c->ec->err);
      if (f->len <= r) f->len = r + 1;
    }
    vec_set_valid(out, r);
  }
  return LAGO_OK;
}

static int bind_struct(func_bind *b, lago_err *err) {
  bool named = *(const char *)b->def->info == 'n';
  if (named && (b->n_args == 0 || b->n_args % 2))
    return LAGO_ERR(err, LAGO_BIND, "[WRONG_NUM_ARGS] `named_struct` requires an even number of arguments (name, value pairs), got %u",
                    b->n_args);
  uint32_t nf = named ? b->n_args / 2 : b->n_args;
  if (nf == 0) return LAGO_ERR(err, LAGO_BIND, "[WRONG_NUM_ARGS] `struct` requires at least one argument");
  const char **names = arena_alloc(b->ar, nf * sizeof *names);
  lago_type *types = arena_alloc(b->ar, nf * sizeof *types);
  if (!names || !types) return LAGO_NOMEM_ERR(err);
  for (uint32_t k = 0; k < nf; k++) {
    if (named) {
      const expr *e = b->args ? b->args[2 * k] : NULL;
      if (!e || e->kind != EXPR_CONST || e->type.id != LT_STRING || !vec_is_valid(e->u.value, 0))
        return LAGO_ERR(err, LAGO_BIND,
                        "[DATATYPE_MISMATCH.CREATE_NAMED_STRUCT_WITHOUT_FOLDABLE_STRING] `named_struct`: argument %u "
                        "(a field name) must be a constant, non-NULL STRING",
                        2 * k + 1);
      const lago_str *s = &VEC_DATA(e->u.value, lago_str)[0];
      names[k] = arena_strndup(b->ar, str_data(s), s->len);
      types[k] = b->arg_types[2 * k + 1];
    } else {
      const expr *e = b->args ? b->args[k] : NULL;
      names[k] = e && e->kind == EXPR_COLUMN && e->name ? arena_strdup(b->ar, e->name) : arena_printf(b->ar, "col%u", k + 1);
      types[k] = b->arg_types[k];
    }
    if (!names[k]) return LAGO_NOMEM_ERR(err);
    b->casts[named ? 2 * k + 1 : k] = types[k];
    for (uint32_t j = 0; j < k; j++)
      if (!strcasecmp(names[j], names[k]))
        return LAGO_ERR(err, LAGO_BIND, "[DUPLICATE_FIELD_NAME] `%s`: the field name `%s` is used twice", b->def->name,
                        names[k]);
  }
  if (type_struct(b->ar, nf, names, types, NULL, &b->ret)) return LAGO_NOMEM_ERR(err);
  return LAGO_OK;
}

static int k_map(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  uint32_t np = c->e->n_args / 2;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i, off;
    for (uint32_t k = 0; k < np; k++) {
      uint32_t ki;
      const vec *kp = vec_resolve(args[2 * k], r, &ki);
      if (!vec_is_valid(kp, ki)) return FN_ERR(c, "[NULL_MAP_KEY] Cannot use null as map key.");
      for (uint32_t j = 0; j < k; j++)
        if (vecops_compare(args[2 * j], r, args[2 * k], r) == 0)
          return FN_ERR(c, "[DUPLICATED_MAP_KEY] Duplicate map key was found, please check the input data.");
    }
    if (vec_list_reserve(out, np, &off)) return LAGO_NOMEM_ERR(c->ec->err);
    for (uint32_t k = 0; k < np; k++) {
      if (vec_copy_row(out->child->fields[0], off + k, args[2 * k], r) ||
          vec_copy_row(out->child->fields[1], off + k, args[2 * k + 1], r))
        return LAGO_NOMEM_ERR(c->ec->err);
      vec_set_valid(out->child, off + k);
      for (int f = 0; f < 2; f++)
        if (out->child->fields[f]->len <= off + k) out->child->fields[f]->len = off + k + 1;
    }
    VEC_DATA(out, lago_list)[r] = (lago_list){off, np};
    vec_set_valid(out, r);
  }
  return LAGO_OK;
}

static int bind_map(func_bind *b, lago_err *err) {
  if (b->n_args % 2)
    return LAGO_ERR(err, LAGO_BIND, "[WRONG_NUM_ARGS] `map` requires an even number of arguments (key, value pairs), got %u",
                    b->n_args);
  uint32_t np = b->n_args / 2;
  lago_type *kt = arena_alloc(b->ar, (np + 1) * sizeof *kt), *vt = arena_alloc(b->ar, (np + 1) * sizeof *vt);
  if (!kt || !vt) return LAGO_NOMEM_ERR(err);
  for (uint32_t k = 0; k < np; k++) {
    kt[k] = b->arg_types[2 * k];
    vt[k] = b->arg_types[2 * k + 1];
  }
  lago_type key = type_make(LT_NULL), val = type_make(LT_NULL);
  if (np && !func_common_type_n(kt, np, &key))
    return LAGO_ERR(err, LAGO_BIND, "[DATATYPE_MISMATCH.DATA_DIFF_TYPES] `map`: the keys have no common type");
  if (np && !func_common_type_n(vt, np, &val))
    return LAGO_ERR(err, LAGO_BIND, "[DATATYPE_MISMATCH.DATA_DIFF_TYPES] `map`: the values have no common type");
  if (key.id == LT_MAP) return LAGO_ERR(err, LAGO_BIND, "[DATATYPE_MISMATCH.INVALID_MAP_KEY_TYPE] `map`: a key cannot be a MAP");
  if (key.id == LT_NULL) key = type_make(LT_STRING);
  if (val.id == LT_NULL) val = type_make(LT_STRING);
  for (uint32_t k = 0; k < np; k++) {
    b->casts[2 * k] = key;
    b->casts[2 * k + 1] = val;
  }
  if (type_map(b->ar, key, val, true, &b->ret)) return LAGO_NOMEM_ERR(err);
  return LAGO_OK;
}

static int k_size(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  (void)c;
  EVAL_FOR(sel, n, r, {
    if (!FN_ROW_VALID(out, r)) continue;
    uint32_t idx;
    const vec *p = vec_resolve(args[0], r, &idx);
    ((int32_t *)out->data)[r] = (int32_t)VEC_DATA(p, lago_list)[idx].length;
  });
  return LAGO_OK;
}

static int bind_size(func_bind *b, lago_err *err) {
  lago_type t = b->arg_types[0];
  if (t.id != LT_ARRAY && t.id != LT_MAP && t.id != LT_NULL)
    return LAGO_ERR(err, LAGO_BIND, "[DATATYPE_MISMATCH] `%s`: argument 1 requires ARRAY or MAP", b->def->name);
  b->ret = type_make(LT_INT);
  return LAGO_OK;
}

/* element_at / try_element_at: info 'e' or 't'. */
static int k_element_at(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  bool try_ = *(const char *)c->e->u.call.def->info == 't';
  bool is_map = c->e->args[0]->type.id == LT_MAP;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    uint32_t idx;
    const vec *p = vec_resolve(args[0], r, &idx);
    lago_list l = VEC_DATA(p, lago_list)[idx];
    int64_t pos = -1;
    if (is_map) {
      const vec *keys = p->child->fields[0];
      for (uint32_t k = 0; k < l.length; k++)
        if (vec_is_valid(keys, l.offset + k) && vecops_compare(keys, l.offset + k, args[1], r) == 0) {
          pos = l.offset + k;
          break;
        }
      if (pos < 0) {
        if (try_) {
          TRY(vec_set_null(out, r));
          continue;
        }
        return FN_ERR(c, "[MAP_KEY_DOES_NOT_EXIST] Key does not exist. Use `try_element_at` to tolerate "
                         "non-existent key and return NULL instead.");
      }
      if (vec_copy_row(out, r, p->child->fields[1], (uint32_t)pos)) return LAGO_NOMEM_ERR(c->ec->err);
      continue;
    }
    uint32_t ki;
    const vec *kp = vec_resolve(args[1], r, &ki);
    int64_t k = ((const int32_t *)kp->data)[ki];
    if (k == 0) {
      if (try_) {
        TRY(vec_set_null(out, r));
        continue;
      }
      return FN_ERR(c, "[INVALID_INDEX_OF_ZERO] The index 0 is invalid. An index shall be either < 0 or > 0 (the "
                       "first element has index 1).");
    }
    int64_t len = l.length;
    if (k > len || -k > len) {
      if (try_) {
        TRY(vec_set_null(out, r));
        continue;
      }
      return FN_ERR(c, "[INVALID_ARRAY_INDEX_IN_ELEMENT_AT] The index %lld is out of bounds. The array has %lld "
                       "elements. Use `try_element_at` to tolerate accessing element at invalid index and return "
                       "NULL instead.",
                    (long long)k, (long long)len);
    }
    pos = l.offset + (k > 0 ? k - 1 : len + k);
    if (vec_copy_row(out, r, p->child, (uint32_t)pos)) return LAGO_NOMEM_ERR(c->ec->err);
  }
  return LAGO_OK;
}

static int bind_element_at(func_bind *b, lago_err *err) {
  lago_type t = b->arg_types[0];
  if (t.id == LT_ARRAY) {
    if (!func_implicit_cast_ok(b->arg_types[1], type_make(LT_INT)))
      return LAGO_ERR(err, LAGO_BIND, "[DATATYPE_MISMATCH] `%s`: the index must be an INT", b->def->name);
    b->casts[1] = type_make(LT_INT);
    b->ret = type_element(t);
    return LAGO_OK;
  }
  if (t.id == LT_MAP) {
    lago_type k = type_map_key(t);
    if (!func_implicit_cast_ok(b->arg_types[1], k))
      return LAGO_ERR(err, LAGO_BIND, "[DATATYPE_MISMATCH] `%s`: the key type does not match the map", b->def->name);
    b->casts[1] = k;
    b->ret = type_map_value(t);
    return LAGO_OK;
  }
  return LAGO_ERR(err, LAGO_BIND, "[DATATYPE_MISMATCH] `%s`: argument 1 requires ARRAY or MAP", b->def->name);
}

static int k_array_contains(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    uint32_t idx;
    const vec *p = vec_resolve(args[0], r, &idx);
    lago_list l = VEC_DATA(p, lago_list)[idx];
    bool found = false, null_seen = false;
    for (uint32_t k = 0; k < l.length && !found; k++) {
      if (!vec_is_valid(p->child, l.offset + k)) null_seen = true;
      else if (vecops_compare(p->child, l.offset + k, args[1], r) == 0) found = true;
    }
    if (!found && null_seen) {
      if (vec_set_null(out, r)) return LAGO_NOMEM_ERR(c->ec->err);
      continue;
    }
    ((uint8_t *)out->data)[r] = found;
  }
  return LAGO_OK;
}

static int bind_array_contains(func_bind *b, lago_err *err) {
  lago_type t = b->arg_types[0];
  if (t.id != LT_ARRAY)
    return LAGO_ERR(err, LAGO_BIND, "[DATATYPE_MISMATCH] `array_contains`: argument 1 requires ARRAY");
  lago_type e;
  if (!func_common_type(type_element(t), b->arg_types[1], &e) || !type_equal(e, type_element(t))) {
    if (!func_implicit_cast_ok(b->arg_types[1], type_element(t)))
      return LAGO_ERR(err, LAGO_BIND, "[DATATYPE_MISMATCH] `array_contains`: the value type does not match the array");
  }
  b->casts[1] = type_element(t);
  b->ret = type_make(LT_BOOLEAN);
  return LAGO_OK;
}

/* ---- split ------------------------------------------------------------------------------- */

static bool is_plain(const char *p, uint32_t n) {
  for (uint32_t i = 0; i < n; i++)
    if (strchr("\\^$.|?*+()[]{}", p[i])) return false;
  return true;
}

static int add_piece(vec *out, const char *p, uint32_t n, uint32_t *count) {
  uint32_t off;
  TRY(vec_list_reserve(out, 1, &off));
  VEC_DATA(out->child, lago_str)[off] = str_make(p, n); /* views of the input */
  if (out->child->validity) bitmap_set(out->child->validity, off);
  (*count)++;
  return LAGO_OK;
}

static int k_split(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  bool has_limit = c->e->n_args > 2;
  buf tmp;
  buf_init(&tmp);
  int rc = LAGO_OK;
  for (uint32_t i = 0; i < n && rc == LAGO_OK; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    uint32_t ia, ip, il;
    const vec *va = vec_resolve(args[0], r, &ia), *vp = vec_resolve(args[1], r, &ip);
    const lago_str *s = &VEC_DATA(va, lago_str)[ia], *pat = &VEC_DATA(vp, lago_str)[ip];
    int32_t limit = -1;
    if (has_limit) {
      const vec *vl = vec_resolve(args[2], r, &il);
      limit = ((const int32_t *)vl->data)[il];
    }
    const char *p = str_data(s), *pp = str_data(pat);
    uint32_t len = s->len, count = 0, start = out->child->len;
    uint32_t pos = 0;
    if (pat->len == 0) { /* split into characters */
      while (pos < len && rc == LAGO_OK) {
        uint32_t e = pos + 1;
        while (e < len && ((unsigned char)p[e] & 0xC0) == 0x80) e++;
        if (limit > 0 && count == (uint32_t)limit - 1) e = len;
        rc = add_piece(out, p + pos, e - pos, &count);
        pos = e;
      }
    } else if (is_plain(pp, pat->len)) {
      for (;;) {
        const char *hit = (limit > 0 && count == (uint32_t)limit - 1) ? NULL : memmem(p + pos, len - pos, pp, pat->len);
        uint32_t e = hit ? (uint32_t)(hit - p) : len;
        if ((rc = add_piece(out, p + pos, e - pos, &count))) break;
        if (!hit) break;
        pos = e + pat->len;
      }
    } else {
      regex_t re;
      buf_clear(&tmp);
      if (buf_append(&tmp, pp, pat->len)) {
        rc = LAGO_NOMEM;
        break;
      }
      if (regcomp(&re, buf_cstr(&tmp), REG_EXTENDED)) {
        rc = FN_ERR(c, "[INVALID_PARAMETER_VALUE.PATTERN] invalid regular expression '%.*s'", (int)pat->len, pp);
        break;
      }
      buf_clear(&tmp);
      if (buf_append(&tmp, p, len)) {
        regfree(&re);
        rc = LAGO_NOMEM;
        break;
      }
      const char *cs = buf_cstr(&tmp);
      for (;;) {
        regmatch_t m;
        bool last = limit > 0 && count == (uint32_t)limit - 1;
        if (last || pos > len || regexec(&re, cs + pos, 1, &m, pos ? REG_NOTBOL : 0) != 0 || m.rm_eo == m.rm_so) {
          rc = add_piece(out, p + pos, len - pos, &count);
          break;
        }
        if ((rc = add_piece(out, p + pos, (uint32_t)m.rm_so, &count))) break;
        pos += (uint32_t)m.rm_eo;
      }
      regfree(&re);
    }
    VEC_DATA(out, lago_list)[r] = (lago_list){start, count};
  }
  buf_deinit(&tmp);
  if (rc == LAGO_NOMEM) return LAGO_NOMEM_ERR(c->ec->err);
  return rc;
}

static int bind_split(func_bind *b, lago_err *err) {
  TRY(func_bind_sig(b, err));
  if (type_array(b->ar, type_make(LT_STRING), true, &b->ret)) return LAGO_NOMEM_ERR(err);
  return LAGO_OK;
}

/* ---- uuid ------------------------------------------------------------------------------------ */

/* uuid(): a random (version 4, RFC 4122) UUID per row as a STRING; FN_VOLATILE, so never folded. */
static int k_uuid(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  (void)args;
  uint8_t rnd[16 * 64];
  uint32_t avail = 0, pos = 0;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (pos == avail) {
      ssize_t got = getrandom(rnd, sizeof rnd, 0);
      if (got < 16) return FN_ERR(c, "uuid(): the system random source failed");
      avail = (uint32_t)got / 16 * 16;
      pos = 0;
    }
    uint8_t *u = rnd + pos;
    pos += 16;
    u[6] = (uint8_t)((u[6] & 0x0F) | 0x40); /* version 4 */
    u[8] = (uint8_t)((u[8] & 0x3F) | 0x80); /* variant 10 */
    char s[36];
    uuid_text36(s, u);
    if (vec_set_str(out, r, s, 36)) return LAGO_NOMEM_ERR(c->ec->err);
  }
  return LAGO_OK;
}

/* ---- typeof -------------------------------------------------------------------------------- */

/* Spark's catalogString: lower-case type names, no spaces, field names as written
** (struct<a:int,b:array<string>>, map<string,decimal(11,1)>). */
static int catalog_string(lago_type t, buf *b) {
  if (t.id == LT_ARRAY) {
    TRY(buf_puts(b, "array<"));
    TRY(catalog_string(type_element(t), b));
    return buf_putc(b, '>');
  }
  if (t.id == LT_MAP) {
    TRY(buf_puts(b, "map<"));
    TRY(catalog_string(type_map_key(t), b));
    TRY(buf_putc(b, ','));
    TRY(catalog_string(type_map_value(t), b));
    return buf_putc(b, '>');
  }
  if (t.id == LT_STRUCT) {
    TRY(buf_puts(b, "struct<"));
    for (uint32_t i = 0; i < type_n_fields(t); i++) {
      if (i) TRY(buf_putc(b, ','));
      TRY(buf_puts(b, t.nested->fields[i].name));
      TRY(buf_putc(b, ':'));
      TRY(catalog_string(t.nested->fields[i].type, b));
    }
    return buf_putc(b, '>');
  }
  size_t from = b->len;
  TRY(type_to_sql(t, b));
  for (size_t i = from; i < b->len; i++)
    if (b->data[i] >= 'A' && b->data[i] <= 'Z') b->data[i] = (char)(b->data[i] + 32);
  return LAGO_OK;
}

static int k_typeof(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  (void)args;
  buf b;
  buf_init(&b);
  int rc = catalog_string(c->e->args[0]->type, &b);
  for (uint32_t i = 0; i < n && rc == LAGO_OK; i++) {
    uint32_t r = sel ? sel[i] : i;
    rc = vec_set_str(out, r, buf_cstr(&b), (uint32_t)b.len);
  }
  buf_deinit(&b);
  return rc ? LAGO_NOMEM_ERR(c->ec->err) : LAGO_OK;
}

static int bind_typeof(func_bind *b, lago_err *err) {
  (void)err;
  b->ret = type_make(LT_STRING);
  return LAGO_OK;
}

const func_def func_defs_misc[] = {
    {"greatest", 2, -1, FN_NULLS, bind_common, k_greatest, {0}, "g"},
    {"least", 2, -1, FN_NULLS, bind_common, k_greatest, {0}, "l"},
    {"array", 0, -1, FN_NULLS, bind_array, k_array, {0}, NULL},
    {"struct", 1, -1, FN_NULLS, bind_struct, k_struct, {0}, "s"},
    {"named_struct", 2, -1, FN_NULLS, bind_struct, k_struct, {0}, "n"},
    {"map", 0, -1, FN_NULLS, bind_map, k_map, {0}, NULL},
    {"size", 1, 1, 0, bind_size, k_size, {0}, NULL},
    {"cardinality", 1, 1, 0, bind_size, k_size, {0}, NULL},
    {"element_at", 2, 2, 0, bind_element_at, k_element_at, {0}, "e"},
    {"try_element_at", 2, 2, 0, bind_element_at, k_element_at, {0}, "t"},
    {"array_contains", 2, 2, 0, bind_array_contains, k_array_contains, {0}, NULL},
    {"split", 2, 3, 0, bind_split, k_split, SIG(LT_STRING, LT_STRING, LT_STRING, LT_INT), NULL},
    {"typeof", 1, 1, FN_NULLS, bind_typeof, k_typeof, {0}, NULL},
    {"uuid", 0, 0, FN_VOLATILE, func_bind_sig, k_uuid, SIG(LT_STRING), NULL},
    {NULL, 0, 0, 0, NULL, NULL, {0}, NULL},
};
