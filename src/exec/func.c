/*
** exec/func.c: function lookup and resolution, Spark ANSI type coercion and
** the generic signature bind (see func.h).
*/
#include "exec/func.h"

#include <string.h>
#include <strings.h>

static const func_def *const k_tables[] = {
    func_defs_arith, func_defs_cmp, func_defs_string, func_defs_datetime, func_defs_hash, func_defs_misc,
    func_defs_zone,  func_defs_extra,
};

const func_def *func_lookup(const char *name) {
  for (size_t t = 0; t < sizeof k_tables / sizeof k_tables[0]; t++)
    for (const func_def *d = k_tables[t]; d->name; d++)
      if (!strcasecmp(d->name, name)) return d;
  return NULL;
}

void func_foreach(void (*fn)(void *ud, const func_def *def), void *ud) {
  for (size_t t = 0; t < sizeof k_tables / sizeof k_tables[0]; t++)
    for (const func_def *d = k_tables[t]; d->name; d++) fn(ud, d);
}

int func_resolve(arena *ar, const char *name, const lago_type *arg_types, expr *const *args, uint32_t n_args,
                 func_bind *b, lago_err *err) {
  const func_def *d = func_lookup(name);
  if (!d) return LAGO_ERR(err, LAGO_BIND, "[UNRESOLVED_ROUTINE] cannot resolve function `%s`", name);
  if ((int)n_args < d->min_args || (d->max_args >= 0 && (int)n_args > d->max_args)) {
    if (d->max_args < 0)
      return LAGO_ERR(err, LAGO_BIND, "[WRONG_NUM_ARGS] `%s` requires at least %d arguments, got %u", d->name,
                      d->min_args, n_args);
    if (d->min_args == d->max_args)
      return LAGO_ERR(err, LAGO_BIND, "[WRONG_NUM_ARGS] `%s` requires %d arguments, got %u", d->name, d->min_args,
                      n_args);
    return LAGO_ERR(err, LAGO_BIND, "[WRONG_NUM_ARGS] `%s` requires %d to %d arguments, got %u", d->name,
                    d->min_args, d->max_args, n_args);
  }
  memset(b, 0, sizeof *b);
  b->ar = ar;
  b->def = d;
  b->n_args = n_args;
  b->arg_types = arg_types;
  b->args = args;
  b->casts = arena_alloc(ar, (n_args ? n_args : 1) * sizeof(lago_type));
  if (!b->casts) return LAGO_NOMEM_ERR(err);
  if (n_args) memcpy(b->casts, arg_types, n_args * sizeof(lago_type));
  b->kernel = d->kernel;
  b->flags = d->flags;
  b->ret = type_make(LT_NULL);
  TRY(d->bind(b, err));
  if (!b->kernel) return LAGO_ERR(err, LAGO_INTERNAL, "function `%s` has no kernel for these types", d->name);
  return LAGO_OK;
}

/* ---- coercion --------------------------------------------------------------------- */

/* Rank of integral types in the precedence list (unsigned types map to the signed type that holds them). */
static int int_rank(lago_type_id id) {
  switch (id) {
    case LT_TINYINT: return 1;
    case LT_SMALLINT: case LT_UTINYINT: return 2;
    case LT_INT: case LT_USMALLINT: return 3;
    case LT_BIGINT: case LT_UINT: return 4;
    case LT_UBIGINT: return 5; /* only fits DECIMAL(20,0) */
    default: return 0;
  }
}
static lago_type int_of_rank(int r) {
  static const lago_type_id ids[] = {LT_INVALID, LT_TINYINT, LT_SMALLINT, LT_INT, LT_BIGINT};
  return type_make(ids[r]);
}

bool func_decimal_of(lago_type t, lago_type *out) {
  switch ((lago_type_id)t.id) {
    case LT_TINYINT: *out = type_decimal(3, 0); return true;
    case LT_SMALLINT: case LT_UTINYINT: *out = type_decimal(5, 0); return true;
    case LT_INT: case LT_USMALLINT: *out = type_decimal(10, 0); return true;
    case LT_BIGINT: *out = type_decimal(20, 0); return true;
    case LT_UINT: *out = type_decimal(10, 0); return true;
    case LT_UBIGINT: *out = type_decimal(20, 0); return true;
    case LT_DECIMAL: *out = t; return true;
    default: return false;
  }
}

lago_type func_decimal_adjust(int p, int s) {
  if (p <= LAGO_DECIMAL_MAX_PRECISION) return type_decimal(p, s);
  int int_digits = p - s;
  int min_scale = s < 6 ? s : 6;
  int adj = LAGO_DECIMAL_MAX_PRECISION - int_digits;
  if (adj < min_scale) adj = min_scale;
  return type_decimal(LAGO_DECIMAL_MAX_PRECISION, adj);
}

static lago_type decimal_wider(lago_type a, lago_type b) {
  int s = a.scale > b.scale ? a.scale : b.scale;
  int ra = a.precision - a.scale, rb = b.precision - b.scale;
  int range = ra > rb ? ra : rb;
  int p = range + s;
  if (p > LAGO_DECIMAL_MAX_PRECISION) p = LAGO_DECIMAL_MAX_PRECISION;
  if (s > p) s = p;
  return type_decimal(p, s);
}

static bool is_float(lago_type t) { return t.id == LT_FLOAT || t.id == LT_DOUBLE; }
static bool is_ts(lago_type t) { return t.id == LT_TIMESTAMP || t.id == LT_TIMESTAMP_NTZ; }

static bool common_numeric(lago_type a, lago_type b, lago_type *out) {
  if (a.id == LT_DOUBLE || b.id == LT_DOUBLE) {
    *out = type_make(LT_DOUBLE);
    return true;
  }
  if (a.id == LT_FLOAT || b.id == LT_FLOAT) {
    lago_type o = a.id == LT_FLOAT ? b : a;
    int r = int_rank((lago_type_id)o.id);
    /* FLOAT meets INT, BIGINT or DECIMAL: DOUBLE, to keep the digits. */
    *out = type_make(o.id == LT_FLOAT || (r && r <= 2) ? LT_FLOAT : LT_DOUBLE);
    return true;
  }
  if (a.id == LT_DECIMAL || b.id == LT_DECIMAL || a.id == LT_UBIGINT || b.id == LT_UBIGINT) {
    lago_type da, db;
    if (!func_decimal_of(a, &da) || !func_decimal_of(b, &db)) return false;
    *out = decimal_wider(da, db);
    return true;
  }
  int ra = int_rank((lago_type_id)a.id), rb = int_rank((lago_type_id)b.id);
  if (!ra || !rb) return false;
  *out = int_of_rank(ra > rb ? ra : rb);
  return true;
}

bool func_common_type(lago_type a, lago_type b, lago_type *out) {
  if (type_equal(a, b)) {
    *out = a;
    return true;
  }
  if (a.id == LT_NULL) {
    *out = b;
    return true;
  }
  if (b.id == LT_NULL) {
    *out = a;
    return true;
  }
  if (type_is_numeric(a) && type_is_numeric(b)) return common_numeric(a, b, out);
  if (a.id == LT_STRING || b.id == LT_STRING) {
    lago_type o = a.id == LT_STRING ? b : a;
    if (type_is_integer(o)) *out = type_make(LT_BIGINT);
    else if (is_float(o) || o.id == LT_DECIMAL) *out = type_make(LT_DOUBLE);
    else if (o.id == LT_DATE || is_ts(o) || o.id == LT_BOOLEAN || o.id == LT_BINARY) *out = o;
    else return false;
    return true;
  }
  if ((a.id == LT_DATE && is_ts(b)) || (b.id == LT_DATE && is_ts(a))) {
    *out = a.id == LT_DATE ? b : a;
    return true;
  }
  if (is_ts(a) && is_ts(b)) {
    *out = type_make(LT_TIMESTAMP);
    return true;
  }
  if (a.id == b.id && a.id == LT_ARRAY) {
    lago_type e;
    if (!func_common_type(type_element(a), type_element(b), &e)) return false;
    /* The element type may differ from both: build it in a's arena is impossible here; reuse
    ** a or b when one matches (the usual case), else give up. */
    if (type_equal(e, type_element(a))) *out = a;
    else if (type_equal(e, type_element(b))) *out = b;
    else return false;
    return true;
  }
  return false;
}

bool func_common_type_n(const lago_type *ts, uint32_t n, lago_type *out) {
  if (n == 0) return false;
  lago_type acc = ts[0];
  for (uint32_t i = 1; i < n; i++)
    if (!func_common_type(acc, ts[i], &acc)) return false;
  *out = acc;
  return true;
}

bool func_implicit_cast_ok(lago_type from, lago_type to) {
  if (type_equal(from, to) || from.id == LT_NULL) return true;
  if (type_is_numeric(from) && type_is_numeric(to)) {
    if (is_float(to)) return from.id != LT_DOUBLE || to.id == LT_DOUBLE;
    if (from.id == LT_FLOAT || from.id == LT_DOUBLE) return false;
    if (to.id == LT_DECIMAL) {
      lago_type d;
      if (!func_decimal_of(from, &d)) return false;
      return d.precision - d.scale <= to.precision - to.scale && d.scale <= to.scale;
    }
    if (from.id == LT_DECIMAL) return false;
    return int_rank((lago_type_id)from.id) <= int_rank((lago_type_id)to.id);
  }
  if (from.id == LT_STRING)
    return to.id != LT_STRUCT && to.id != LT_ARRAY && to.id != LT_MAP && to.id != LT_INTERVAL;
  if (to.id == LT_STRING)
    return type_is_numeric(from) || from.id == LT_DATE || is_ts(from) || from.id == LT_BOOLEAN || from.id == LT_BINARY;
  if (from.id == LT_DATE && is_ts(to)) return true;
  if (is_ts(from) && (is_ts(to) || to.id == LT_DATE)) return true;
  if (from.id == LT_ARRAY && to.id == LT_ARRAY) return func_implicit_cast_ok(type_element(from), type_element(to));
  return false;
}

/* ---- generic signature bind ------------------------------------------------------- */

static int mismatch(func_bind *b, uint32_t i, const char *want, lago_err *err) {
  const char *got = type_sql_name(b->ar, b->arg_types[i]);
  return LAGO_ERR(err, LAGO_BIND, "[DATATYPE_MISMATCH] `%s`: argument %u requires %s, got %s", b->def->name, i + 1, want,
                  got ? got : "?");
}

int func_bind_sig(func_bind *b, lago_err *err) {
  const func_def *d = b->def;
  int n_sig = 0;
  while (n_sig < SIG_MAX - 1 && d->sig[n_sig + 1]) n_sig++;
  for (uint32_t i = 0; i < b->n_args; i++) {
    uint8_t code = n_sig ? d->sig[1 + (i < (uint32_t)n_sig ? i : (uint32_t)n_sig - 1)] : SIG_ANY;
    lago_type t = b->arg_types[i];
    if (code == SIG_ANY) continue;
    if (code == SIG_NUMERIC) {
      if (type_is_numeric(t)) continue;
      if (t.id == LT_STRING || t.id == LT_NULL) b->casts[i] = type_make(LT_DOUBLE);
      else return mismatch(b, i, "a numeric type", err);
      continue;
    }
    if (code == SIG_INTEGRAL) {
      if (type_is_integer(t)) continue;
      if (t.id == LT_STRING) b->casts[i] = type_make(LT_BIGINT);
      else if (t.id == LT_NULL) b->casts[i] = type_make(LT_INT);
      else return mismatch(b, i, "an integral type", err);
      continue;
    }
    lago_type want = type_make((lago_type_id)code);
    if (!func_implicit_cast_ok(t, want)) return mismatch(b, i, type_id_name((lago_type_id)code), err);
    b->casts[i] = want;
  }
  uint8_t r = d->sig[0];
  if (r == SIG_ANY || r == SIG_NUMERIC || r == SIG_INTEGRAL) b->ret = b->n_args ? b->casts[0] : type_make(LT_NULL);
  else b->ret = type_make((lago_type_id)r);
  return LAGO_OK;
}
