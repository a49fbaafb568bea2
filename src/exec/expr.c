/*
** exec/expr.c: expression construction, vectorized evaluation, predicate
** selection, constant folding and EXPLAIN text (see expr.h).
**
** Evaluation writes results at the physical rows of the selection so that a
** result lines up with the input batch. Special forms (AND/OR/CASE/COALESCE)
** evaluate operands on shrinking selections, which both saves work and gives
** Spark's short-circuit behaviour for errors.
*/
#include "exec/expr.h"

#include <string.h>
#include <strings.h>

#include "exec/func.h"
#include "exec/vecops.h"

/* ---- builders ------------------------------------------------------------------ */

expr *expr_node(arena *ar, expr_kind k, lago_type t, expr **args, uint32_t n_args) {
  expr *e = arena_zalloc(ar, sizeof *e);
  if (!e) return NULL;
  e->kind = (uint8_t)k;
  e->type = t;
  e->n_args = n_args;
  if (n_args) {
    e->args = arena_alloc(ar, n_args * sizeof(expr *));
    if (!e->args) return NULL;
    memcpy(e->args, args, n_args * sizeof(expr *));
  }
  return e;
}

expr *expr_column(arena *ar, uint32_t col, lago_type t, const char *name) {
  expr *e = expr_node(ar, EXPR_COLUMN, t, NULL, 0);
  if (!e) return NULL;
  e->u.col = col;
  if (name && !(e->name = arena_strdup(ar, name))) return NULL;
  return e;
}

expr *expr_const(arena *ar, const vec *v, uint32_t row) {
  vec *c = vec_new(ar, v->type, 1);
  if (!c) return NULL;
  if (vec_copy_row(c, 0, v, row) || vec_make_const(c, 1)) return NULL;
  expr *e = expr_node(ar, EXPR_CONST, v->type, NULL, 0);
  if (!e) return NULL;
  e->u.value = c;
  return e;
}

/* A constant of type t whose value is written by the caller into data[0]. */
static expr *const_new(arena *ar, lago_type t, void **data) {
  vec *c = vec_new(ar, t, 1);
  if (!c || vec_make_const(c, 1)) return NULL;
  expr *e = expr_node(ar, EXPR_CONST, t, NULL, 0);
  if (!e) return NULL;
  e->u.value = c;
  *data = c->data;
  return e;
}

expr *expr_null(arena *ar, lago_type t) {
  vec *c = vec_new_const_null(ar, t, 1);
  if (!c) return NULL;
  expr *e = expr_node(ar, EXPR_CONST, t, NULL, 0);
  if (!e) return NULL;
  e->u.value = c;
  return e;
}

expr *expr_bool(arena *ar, bool v) {
  void *d;
  expr *e = const_new(ar, type_make(LT_BOOLEAN), &d);
  if (e) *(uint8_t *)d = v;
  return e;
}
expr *expr_int(arena *ar, int32_t v) {
  void *d;
  expr *e = const_new(ar, type_make(LT_INT), &d);
  if (e) *(int32_t *)d = v;
  return e;
}
expr *expr_bigint(arena *ar, int64_t v) {
  void *d;
  expr *e = const_new(ar, type_make(LT_BIGINT), &d);
  if (e) *(int64_t *)d = v;
  return e;
}
expr *expr_double(arena *ar, double v) {
  void *d;
  expr *e = const_new(ar, type_make(LT_DOUBLE), &d);
  if (e) *(double *)d = v;
  return e;
}
expr *expr_decimal(arena *ar, lago_i128 v, int p, int s) {
  void *d;
  lago_type t = type_decimal(p, s);
  expr *e = const_new(ar, t, &d);
  if (e) dec_store(d, 0, type_decimal_is_wide(t), v);
  return e;
}
expr *expr_string(arena *ar, const char *s, uint32_t len) {
  void *d;
  expr *e = const_new(ar, type_make(LT_STRING), &d);
  if (!e) return NULL;
  if (vec_set_str(e->u.value, 0, s, len)) return NULL;
  return e;
}
expr *expr_str(arena *ar, const char *s) { return expr_string(ar, s, (uint32_t)strlen(s)); }
expr *expr_date(arena *ar, int32_t days) {
  void *d;
  expr *e = const_new(ar, type_make(LT_DATE), &d);
  if (e) *(int32_t *)d = days;
  return e;
}
expr *expr_timestamp(arena *ar, int64_t micros) {
  void *d;
  expr *e = const_new(ar, type_make(LT_TIMESTAMP), &d);
  if (e) *(int64_t *)d = micros;
  return e;
}

int expr_cast(arena *ar, expr *a, lago_type to, bool try_cast, expr **out, lago_err *err) {
  if (type_equal(a->type, to)) {
    *out = a;
    return LAGO_OK;
  }
  if (!cast_allowed(a->type, to)) {
    const char *f = type_sql_name(ar, a->type), *t = type_sql_name(ar, to);
    return LAGO_ERR(err, LAGO_BIND, "[DATATYPE_MISMATCH.CAST_WITHOUT_SUGGESTION] cannot cast %s to %s",
                    f ? f : "?", t ? t : "?");
  }
  expr *e = expr_node(ar, EXPR_CAST, to, &a, 1);
  if (!e) return LAGO_NOMEM_ERR(err);
  e->u.try_cast = try_cast;
  *out = e;
  return LAGO_OK;
}

/* Wraps args[i] in casts to types[i] where they differ. */
static int apply_casts(arena *ar, expr **args, uint32_t n, const lago_type *types, lago_err *err) {
  for (uint32_t i = 0; i < n; i++)
    if (!type_equal(args[i]->type, types[i])) TRY(expr_cast(ar, args[i], types[i], false, &args[i], err));
  return LAGO_OK;
}

/* Functions that are special forms (lazy evaluation): if, coalesce and friends. */
static int special_call(arena *ar, const char *name, expr **args, uint32_t n, expr **out, lago_err *err, bool *done) {
  *done = true;
  if (!strcasecmp(name, "if") || !strcasecmp(name, "iff")) {
    if (n != 3) return LAGO_ERR(err, LAGO_BIND, "[WRONG_NUM_ARGS] `if` requires 3 arguments, got %u", n);
    return expr_case(ar, &args[0], &args[1], 1, args[2], out, err);
  }
  if (!strcasecmp(name, "coalesce")) return expr_coalesce(ar, args, n, out, err);
  if (!strcasecmp(name, "nvl") || !strcasecmp(name, "ifnull")) {
    if (n != 2) return LAGO_ERR(err, LAGO_BIND, "[WRONG_NUM_ARGS] `%s` requires 2 arguments, got %u", name, n);
    return expr_coalesce(ar, args, n, out, err);
  }
  if (!strcasecmp(name, "nvl2")) {
    if (n != 3) return LAGO_ERR(err, LAGO_BIND, "[WRONG_NUM_ARGS] `nvl2` requires 3 arguments, got %u", n);
    expr *w = expr_is_null(ar, args[0], true);
    if (!w) return LAGO_NOMEM_ERR(err);
    return expr_case(ar, &w, &args[1], 1, args[2], out, err);
  }
  if (!strcasecmp(name, "nullif")) {
    if (n != 2) return LAGO_ERR(err, LAGO_BIND, "[WRONG_NUM_ARGS] `nullif` requires 2 arguments, got %u", n);
    expr *w, *nul = expr_null(ar, args[0]->type);
    if (!nul) return LAGO_NOMEM_ERR(err);
    TRY(expr_call(ar, "=", args, 2, &w, err));
    return expr_case(ar, &w, &nul, 1, args[0], out, err);
  }
  *done = false;
  return LAGO_OK;
}

int expr_call(arena *ar, const char *name, expr **args, uint32_t n_args, expr **out, lago_err *err) {
  bool done;
  int src = special_call(ar, name, args, n_args, out, err, &done);
  if (done) return src;
  lago_type *types = arena_alloc(ar, (n_args ? n_args : 1) * sizeof(lago_type));
  if (!types) return LAGO_NOMEM_ERR(err);
  for (uint32_t i = 0; i < n_args; i++) types[i] = args[i]->type;
  func_bind b;
  TRY(func_resolve(ar, name, types, args, n_args, &b, err));
  expr **cargs = arena_alloc(ar, (n_args ? n_args : 1) * sizeof(expr *));
  if (!cargs) return LAGO_NOMEM_ERR(err);
  if (n_args) memcpy(cargs, args, n_args * sizeof(expr *));
  TRY(apply_casts(ar, cargs, n_args, b.casts, err));
  expr *e = expr_node(ar, EXPR_CALL, b.ret, cargs, n_args);
  if (!e) return LAGO_NOMEM_ERR(err);
  e->u.call.def = b.def;
  e->u.call.bind = b.data;
  e->u.call.kernel = b.kernel;
  e->u.call.flags = b.flags;
  *out = e;
  return LAGO_OK;
}

/* Casts a logical operand to BOOLEAN when needed. */
static int to_bool(arena *ar, expr **a, lago_err *err) {
  lago_type bt = type_make(LT_BOOLEAN);
  if ((*a)->type.id == LT_BOOLEAN) return LAGO_OK;
  if (!func_implicit_cast_ok((*a)->type, bt)) {
    const char *tn = type_sql_name(ar, (*a)->type);
    return LAGO_ERR(err, LAGO_BIND, "[DATATYPE_MISMATCH] logical operand must be BOOLEAN, got %s", tn ? tn : "?");
  }
  return expr_cast(ar, *a, bt, false, a, err);
}

static int logic_nary(arena *ar, expr_kind k, expr **args, uint32_t n, expr **out, lago_err *err) {
  if (n == 0) return LAGO_ERR(err, LAGO_BIND, "AND/OR without operands");
  expr **a = arena_alloc(ar, n * sizeof(expr *));
  if (!a) return LAGO_NOMEM_ERR(err);
  /* Flatten nested nodes of the same kind so evaluation narrows once per operand. */
  uint32_t m = 0, cap = n;
  for (uint32_t i = 0; i < n; i++) {
    expr *x = args[i];
    TRY(to_bool(ar, &x, err));
    if (x->kind == k) {
      if (m + x->n_args > cap) {
        uint32_t ncap = (m + x->n_args) * 2;
        expr **na = arena_realloc(ar, a, cap * sizeof(expr *), ncap * sizeof(expr *));
        if (!na) return LAGO_NOMEM_ERR(err);
        a = na;
        cap = ncap;
      }
      for (uint32_t j = 0; j < x->n_args; j++) a[m++] = x->args[j];
    } else {
      if (m + 1 > cap) {
        expr **na = arena_realloc(ar, a, cap * sizeof(expr *), (cap * 2 + 1) * sizeof(expr *));
        if (!na) return LAGO_NOMEM_ERR(err);
        a = na;
        cap = cap * 2 + 1;
      }
      a[m++] = x;
    }
  }
  if (m == 1) {
    *out = a[0];
    return LAGO_OK;
  }
  expr *e = expr_node(ar, k, type_make(LT_BOOLEAN), a, m);
  if (!e) return LAGO_NOMEM_ERR(err);
  *out = e;
  return LAGO_OK;
}

int expr_and(arena *ar, expr **args, uint32_t n, expr **out, lago_err *err) {
  return logic_nary(ar, EXPR_AND, args, n, out, err);
}
int expr_or(arena *ar, expr **args, uint32_t n, expr **out, lago_err *err) {
  return logic_nary(ar, EXPR_OR, args, n, out, err);
}

int expr_not(arena *ar, expr *a, expr **out, lago_err *err) {
  TRY(to_bool(ar, &a, err));
  expr *e = expr_node(ar, EXPR_NOT, type_make(LT_BOOLEAN), &a, 1);
  if (!e) return LAGO_NOMEM_ERR(err);
  *out = e;
  return LAGO_OK;
}

expr *expr_is_null(arena *ar, expr *a, bool negated) {
  expr *e = expr_node(ar, EXPR_IS_NULL, type_make(LT_BOOLEAN), &a, 1);
  if (e) e->negated = negated;
  return e;
}

static int common_of(arena *ar, expr **xs, uint32_t n, lago_type *out, const char *what, lago_err *err) {
  lago_type *ts = arena_alloc(ar, (n ? n : 1) * sizeof(lago_type));
  if (!ts) return LAGO_NOMEM_ERR(err);
  for (uint32_t i = 0; i < n; i++) ts[i] = xs[i]->type;
  if (!func_common_type_n(ts, n, out)) {
    buf b;
    buf_init(&b);
    for (uint32_t i = 0; i < n; i++) {
      if (i) buf_puts(&b, ", ");
      type_to_sql(ts[i], &b);
    }
    int rc = LAGO_ERR(err, LAGO_BIND, "[DATATYPE_MISMATCH.DATA_DIFF_TYPES] %s: incompatible types [%s]", what,
                      buf_cstr(&b));
    buf_deinit(&b);
    return rc;
  }
  return LAGO_OK;
}

int expr_case(arena *ar, expr **whens, expr **thens, uint32_t n, expr *else_, expr **out, lago_err *err) {
  uint32_t na = 2 * n + (else_ ? 1 : 0);
  expr **a = arena_alloc(ar, (na ? na : 1) * sizeof(expr *));
  expr **vals = arena_alloc(ar, (n + 1) * sizeof(expr *));
  if (!a || !vals) return LAGO_NOMEM_ERR(err);
  for (uint32_t i = 0; i < n; i++) vals[i] = thens[i];
  if (else_) vals[n] = else_;
  lago_type t;
  TRY(common_of(ar, vals, n + (else_ ? 1 : 0), &t, "CASE", err));
  for (uint32_t i = 0; i < n; i++) {
    a[2 * i] = whens[i];
    TRY(to_bool(ar, &a[2 * i], err));
    TRY(expr_cast(ar, thens[i], t, false, &a[2 * i + 1], err));
  }
  if (else_) TRY(expr_cast(ar, else_, t, false, &a[2 * n], err));
  expr *e = expr_node(ar, EXPR_CASE, t, a, na);
  if (!e) return LAGO_NOMEM_ERR(err);
  e->u.has_else = else_ != NULL;
  *out = e;
  return LAGO_OK;
}

int expr_coalesce(arena *ar, expr **args, uint32_t n, expr **out, lago_err *err) {
  if (n == 0) return LAGO_ERR(err, LAGO_BIND, "[WRONG_NUM_ARGS] `coalesce` requires at least 1 argument");
  lago_type t;
  TRY(common_of(ar, args, n, &t, "coalesce", err));
  expr **a = arena_alloc(ar, n * sizeof(expr *));
  if (!a) return LAGO_NOMEM_ERR(err);
  for (uint32_t i = 0; i < n; i++) TRY(expr_cast(ar, args[i], t, false, &a[i], err));
  expr *e = expr_node(ar, EXPR_COALESCE, t, a, n);
  if (!e) return LAGO_NOMEM_ERR(err);
  *out = e;
  return LAGO_OK;
}

/* Resolves "=" over (t, t) into e->u.call (IN and DISTINCT reuse the equality kernel). */
static int bind_eq(arena *ar, expr *e, lago_type t, lago_err *err) {
  lago_type ts[2] = {t, t};
  func_bind b;
  TRY(func_resolve(ar, "=", ts, NULL, 2, &b, err));
  e->u.call.def = b.def;
  e->u.call.bind = b.data;
  e->u.call.kernel = b.kernel;
  e->u.call.flags = b.flags;
  return LAGO_OK;
}

int expr_in(arena *ar, expr *a, expr **list, uint32_t n, bool negated, expr **out, lago_err *err) {
  expr **all = arena_alloc(ar, (n + 1) * sizeof(expr *));
  if (!all) return LAGO_NOMEM_ERR(err);
  all[0] = a;
  if (n) memcpy(all + 1, list, n * sizeof(expr *));
  lago_type t;
  TRY(common_of(ar, all, n + 1, &t, "IN", err));
  for (uint32_t i = 0; i <= n; i++) TRY(expr_cast(ar, all[i], t, false, &all[i], err));
  expr *e = expr_node(ar, EXPR_IN, type_make(LT_BOOLEAN), all, n + 1);
  if (!e) return LAGO_NOMEM_ERR(err);
  e->negated = negated;
  TRY(bind_eq(ar, e, t, err));
  *out = e;
  return LAGO_OK;
}

int expr_distinct(arena *ar, expr *a, expr *b, bool negated, expr **out, lago_err *err) {
  expr *ab[2] = {a, b};
  lago_type t;
  TRY(common_of(ar, ab, 2, &t, "IS DISTINCT FROM", err));
  for (int i = 0; i < 2; i++) TRY(expr_cast(ar, ab[i], t, false, &ab[i], err));
  expr *e = expr_node(ar, EXPR_DISTINCT, type_make(LT_BOOLEAN), ab, 2);
  if (!e) return LAGO_NOMEM_ERR(err);
  e->negated = negated;
  TRY(bind_eq(ar, e, t, err));
  *out = e;
  return LAGO_OK;
}

int expr_field(arena *ar, expr *a, uint32_t field, expr **out, lago_err *err) {
  if (a->type.id != LT_STRUCT || field >= type_n_fields(a->type))
    return LAGO_ERR(err, LAGO_BIND, "[INVALID_EXTRACT_BASE_FIELD_TYPE] field %u of a non-struct or out of range", field);
  expr *e = expr_node(ar, EXPR_FIELD, type_field_at(a->type, field)->type, &a, 1);
  if (!e) return LAGO_NOMEM_ERR(err);
  e->u.field = field;
  *out = e;
  return LAGO_OK;
}

/* ---- evaluation helpers ------------------------------------------------------------ */

vec *eval_vec_new(eval_ctx *ec, lago_type t, uint32_t len) {
  vec *v = vec_new(ec->ar, t, len ? len : 1);
  if (!v) return NULL;
  v->len = len;
  return v;
}

/* A CONST view of a constant node (the plan's vector is never handed out). */
static vec *const_view(eval_ctx *ec, const vec *c, uint32_t len) {
  vec *v = arena_alloc(ec->ar, sizeof *v);
  if (!v) return NULL;
  *v = *c;
  v->len = len;
  return v;
}

/* Turns the 1-row result of evaluating at row 0 into a CONST vector of len rows. */
static int make_const_result(vec *v, uint32_t len) {
  TRY(vec_make_const(v, len));
  return LAGO_OK;
}

static bool all_const(vec **vs, uint32_t n) {
  for (uint32_t i = 0; i < n; i++)
    if (vs[i]->kind != VEC_CONST) return false;
  return true;
}

/* Sets out's validity to the AND of the arguments' validity over the rows (strict functions). */
static int strict_validity(vec **args, uint32_t na, const uint32_t *sel, uint32_t n, vec *out) {
  bool any = false;
  for (uint32_t a = 0; a < na; a++)
    if (args[a]->validity) any = true;
  if (!any) return LAGO_OK;
  TRY(vec_ensure_validity(out));
  if (na == 1 && args[0]->kind == VEC_FLAT && !sel) {
    memcpy(out->validity, args[0]->validity, bitmap_words(n) * 8);
    return LAGO_OK;
  }
  for (uint32_t a = 0; a < na; a++) {
    const vec *v = args[a];
    if (!v->validity) continue;
    if (v->kind == VEC_CONST) {
      if (!bitmap_get(v->validity, 0)) EVAL_FOR(sel, n, r, bitmap_clear(out->validity, r););
      continue;
    }
    EVAL_FOR(sel, n, r, if (!bitmap_get(v->validity, r)) bitmap_clear(out->validity, r););
  }
  return LAGO_OK;
}

static int eval_call(eval_ctx *ec, const expr *e, const batch *in, const uint32_t *sel, uint32_t n, vec **out) {
  vec *argv_small[8];
  vec **argv = argv_small;
  if (e->n_args > 8 && !(argv = arena_alloc(ec->ar, e->n_args * sizeof(vec *)))) return LAGO_NOMEM_ERR(ec->err);
  for (uint32_t i = 0; i < e->n_args; i++) TRY(expr_eval(ec, e->args[i], in, sel, n, &argv[i]));
  uint32_t len = eval_len(sel, n);
  fn_call c = {ec, e};
  if (n > 0 && all_const(argv, e->n_args) && !(e->u.call.flags & FN_VOLATILE)) {
    static const uint32_t zero = 0;
    vec *o = eval_vec_new(ec, e->type, 1);
    if (!o) return LAGO_NOMEM_ERR(ec->err);
    if (!(e->u.call.flags & FN_NULLS)) TRY(strict_validity(argv, e->n_args, &zero, 1, o));
    TRY(e->u.call.kernel(&c, argv, &zero, 1, o));
    TRY(make_const_result(o, len));
    *out = o;
    return LAGO_OK;
  }
  vec *o = eval_vec_new(ec, e->type, len);
  if (!o) return LAGO_NOMEM_ERR(ec->err);
  if (!(e->u.call.flags & FN_NULLS)) TRY(strict_validity(argv, e->n_args, sel, n, o));
  TRY(e->u.call.kernel(&c, argv, sel, n, o));
  *out = o;
  return LAGO_OK;
}

static int eval_cast(eval_ctx *ec, const expr *e, const batch *in, const uint32_t *sel, uint32_t n, vec **out) {
  vec *a;
  TRY(expr_eval(ec, e->args[0], in, sel, n, &a));
  uint32_t len = eval_len(sel, n);
  if (a->kind == VEC_CONST && n > 0) {
    static const uint32_t zero = 0;
    vec *o = eval_vec_new(ec, e->type, 1);
    if (!o) return LAGO_NOMEM_ERR(ec->err);
    TRY(cast_vec(ec, a, &zero, 1, e->type, e->u.try_cast, o));
    TRY(make_const_result(o, len));
    *out = o;
    return LAGO_OK;
  }
  vec *o = eval_vec_new(ec, e->type, len);
  if (!o) return LAGO_NOMEM_ERR(ec->err);
  TRY(cast_vec(ec, a, sel, n, e->type, e->u.try_cast, o));
  *out = o;
  return LAGO_OK;
}

/* Boolean view helpers: value (valid rows only). */
static inline bool bool_at(const vec_view *vw, uint32_t r) { return ((const uint8_t *)vw->data)[VIEW_IDX(vw, r)] != 0; }

static uint32_t *sel_buf(eval_ctx *ec, uint32_t n) { return arena_alloc(ec->ar, (n ? n : 1) * sizeof(uint32_t)); }

/*
** AND / OR, non-select form. A row is decided by the first operand that is
** FALSE (AND) / TRUE (OR); undecided rows go on to the next operand. NULL
** results stay pending (a later decisive value overrides them).
*/
static int eval_logic(eval_ctx *ec, const expr *e, const batch *in, const uint32_t *sel, uint32_t n, vec **out) {
  bool is_and = e->kind == EXPR_AND;
  uint32_t len = eval_len(sel, n);
  vec *o = eval_vec_new(ec, e->type, len);
  if (!o || vec_ensure_validity(o)) return LAGO_NOMEM_ERR(ec->err);
  uint8_t *od = o->data;
  uint32_t *cur = sel_buf(ec, n);
  if (!cur) return LAGO_NOMEM_ERR(ec->err);
  uint32_t cn = 0;
  EVAL_FOR(sel, n, r, od[r] = is_and; bitmap_set(o->validity, r); cur[cn++] = r;);
  for (uint32_t k = 0; k < e->n_args && cn; k++) {
    vec *v;
    TRY(expr_eval(ec, e->args[k], in, cur, cn, &v));
    vec_view vw;
    vec_view_init(&vw, v);
    uint32_t m = 0;
    for (uint32_t i = 0; i < cn; i++) {
      uint32_t r = cur[i];
      if (!VIEW_VALID(&vw, r)) {
        bitmap_clear(o->validity, r);
        cur[m++] = r;
      } else if (bool_at(&vw, r) != is_and) {
        od[r] = !is_and; /* decided */
        bitmap_set(o->validity, r);
      } else {
        cur[m++] = r;
      }
    }
    cn = m;
  }
  *out = o;
  return LAGO_OK;
}

static int eval_not(eval_ctx *ec, const expr *e, const batch *in, const uint32_t *sel, uint32_t n, vec **out) {
  vec *a;
  TRY(expr_eval(ec, e->args[0], in, sel, n, &a));
  uint32_t len = eval_len(sel, n);
  bool k = a->kind == VEC_CONST && n > 0;
  vec *o = eval_vec_new(ec, e->type, k ? 1 : len);
  if (!o) return LAGO_NOMEM_ERR(ec->err);
  vec_view vw;
  vec_view_init(&vw, a);
  if (vw.validity && vec_ensure_validity(o)) return LAGO_NOMEM_ERR(ec->err);
  uint8_t *od = o->data;
  if (k) {
    if (VIEW_VALID(&vw, 0)) od[0] = !bool_at(&vw, 0);
    else bitmap_clear(o->validity, 0);
    TRY(make_const_result(o, len));
  } else {
    EVAL_FOR(sel, n, r, if (VIEW_VALID(&vw, r)) od[r] = !bool_at(&vw, r); else bitmap_clear(o->validity, r););
  }
  *out = o;
  return LAGO_OK;
}

static int eval_is_null(eval_ctx *ec, const expr *e, const batch *in, const uint32_t *sel, uint32_t n, vec **out) {
  vec *a;
  TRY(expr_eval(ec, e->args[0], in, sel, n, &a));
  uint32_t len = eval_len(sel, n);
  bool k = a->kind == VEC_CONST && n > 0;
  vec *o = eval_vec_new(ec, e->type, k ? 1 : len);
  if (!o) return LAGO_NOMEM_ERR(ec->err);
  uint8_t *od = o->data;
  bool neg = e->negated;
  if (k) {
    od[0] = vec_is_valid(a, 0) == neg;
    TRY(make_const_result(o, len));
  } else {
    vec_view vw;
    vec_view_init(&vw, a);
    EVAL_FOR(sel, n, r, od[r] = VIEW_VALID(&vw, r) == neg;);
  }
  *out = o;
  return LAGO_OK;
}

/* Rows of cur where v is TRUE go to t (if not NULL), others to f. */
static void split_true(const vec *v, const uint32_t *cur, uint32_t cn, uint32_t *t, uint32_t *tn, uint32_t *f,
                       uint32_t *fn) {
  vec_view vw;
  vec_view_init(&vw, v);
  uint32_t a = 0, b = 0;
  for (uint32_t i = 0; i < cn; i++) {
    uint32_t r = cur[i];
    if (VIEW_VALID(&vw, r) && bool_at(&vw, r)) t[a++] = r;
    else f[b++] = r;
  }
  *tn = a;
  *fn = b;
}

static int set_nulls(vec *o, const uint32_t *rows, uint32_t n) {
  if (!n) return LAGO_OK;
  TRY(vec_ensure_validity(o));
  for (uint32_t i = 0; i < n; i++) {
    bitmap_clear(o->validity, rows[i]);
    if (type_is_string_like(o->type) || o->type.id == LT_ARRAY || o->type.id == LT_MAP)
      memset((char *)o->data + (size_t)rows[i] * type_width(o->type), 0, type_width(o->type));
  }
  return LAGO_OK;
}

static int eval_case(eval_ctx *ec, const expr *e, const batch *in, const uint32_t *sel, uint32_t n, vec **out) {
  uint32_t len = eval_len(sel, n);
  vec *o = eval_vec_new(ec, e->type, len);
  uint32_t *cur = sel_buf(ec, n), *t = sel_buf(ec, n), *f = sel_buf(ec, n);
  if (!o || !cur || !t || !f) return LAGO_NOMEM_ERR(ec->err);
  uint32_t cn = 0;
  EVAL_FOR(sel, n, r, cur[cn++] = r;);
  uint32_t n_when = e->n_args / 2;
  for (uint32_t k = 0; k < n_when && cn; k++) {
    vec *w;
    TRY(expr_eval(ec, e->args[2 * k], in, cur, cn, &w));
    uint32_t tn, fn;
    split_true(w, cur, cn, t, &tn, f, &fn);
    if (tn) {
      vec *v;
      TRY(expr_eval(ec, e->args[2 * k + 1], in, t, tn, &v));
      if (vecops_copy_rows(o, v, t, tn)) return LAGO_NOMEM_ERR(ec->err);
    }
    memcpy(cur, f, fn * sizeof(uint32_t));
    cn = fn;
  }
  if (cn) {
    if (e->u.has_else) {
      vec *v;
      TRY(expr_eval(ec, e->args[e->n_args - 1], in, cur, cn, &v));
      if (vecops_copy_rows(o, v, cur, cn)) return LAGO_NOMEM_ERR(ec->err);
    } else if (set_nulls(o, cur, cn)) {
      return LAGO_NOMEM_ERR(ec->err);
    }
  }
  o->len = len;
  *out = o;
  return LAGO_OK;
}

static int eval_coalesce(eval_ctx *ec, const expr *e, const batch *in, const uint32_t *sel, uint32_t n, vec **out) {
  if (e->n_args == 1) return expr_eval(ec, e->args[0], in, sel, n, out);
  uint32_t len = eval_len(sel, n);
  vec *o = eval_vec_new(ec, e->type, len);
  uint32_t *cur = sel_buf(ec, n), *t = sel_buf(ec, n);
  if (!o || !cur || !t) return LAGO_NOMEM_ERR(ec->err);
  uint32_t cn = 0;
  EVAL_FOR(sel, n, r, cur[cn++] = r;);
  for (uint32_t k = 0; k < e->n_args && cn; k++) {
    vec *v;
    TRY(expr_eval(ec, e->args[k], in, cur, cn, &v));
    uint32_t tn = 0, m = 0;
    for (uint32_t i = 0; i < cn; i++) {
      if (vec_is_valid(v, cur[i])) t[tn++] = cur[i];
      else cur[m++] = cur[i];
    }
    if (tn && vecops_copy_rows(o, v, t, tn)) return LAGO_NOMEM_ERR(ec->err);
    cn = m;
  }
  if (set_nulls(o, cur, cn)) return LAGO_NOMEM_ERR(ec->err);
  o->len = len;
  *out = o;
  return LAGO_OK;
}

/* Equality kernel of IN/DISTINCT applied to (a, b) over rows where both are non-null. */
static int eval_eq(eval_ctx *ec, const expr *e, vec *a, vec *b, const uint32_t *sel, uint32_t n, vec **res) {
  vec *args[2] = {a, b};
  vec *o = eval_vec_new(ec, type_make(LT_BOOLEAN), eval_len(sel, n));
  if (!o) return LAGO_NOMEM_ERR(ec->err);
  TRY(strict_validity(args, 2, sel, n, o));
  fn_call c = {ec, e};
  TRY(e->u.call.kernel(&c, args, sel, n, o));
  *res = o;
  return LAGO_OK;
}

static int eval_in(eval_ctx *ec, const expr *e, const batch *in, const uint32_t *sel, uint32_t n, vec **out) {
  uint32_t len = eval_len(sel, n);
  vec *lhs;
  TRY(expr_eval(ec, e->args[0], in, sel, n, &lhs));
  vec *o = eval_vec_new(ec, e->type, len);
  uint32_t *cur = sel_buf(ec, n);
  if (!o || !cur || vec_ensure_validity(o)) return LAGO_NOMEM_ERR(ec->err);
  uint8_t *od = o->data;
  /* Pending rows: lhs non-null and no match yet. has_null marks rows that met a NULL. */
  uint32_t cn = 0;
  EVAL_FOR(sel, n, r, od[r] = 0; bitmap_set(o->validity, r);
           if (vec_is_valid(lhs, r)) cur[cn++] = r; else bitmap_clear(o->validity, r););
  for (uint32_t k = 1; k < e->n_args && cn; k++) {
    vec *v, *eq;
    TRY(expr_eval(ec, e->args[k], in, cur, cn, &v));
    TRY(eval_eq(ec, e, lhs, v, cur, cn, &eq));
    vec_view vw;
    vec_view_init(&vw, eq);
    uint32_t m = 0;
    for (uint32_t i = 0; i < cn; i++) {
      uint32_t r = cur[i];
      if (!VIEW_VALID(&vw, r)) {
        bitmap_clear(o->validity, r); /* unknown unless a later element matches */
        cur[m++] = r;
      } else if (bool_at(&vw, r)) {
        od[r] = 1;
        bitmap_set(o->validity, r);
      } else {
        cur[m++] = r;
      }
    }
    cn = m;
  }
  if (e->negated) EVAL_FOR(sel, n, r, od[r] = !od[r];);
  *out = o;
  return LAGO_OK;
}

static int eval_distinct(eval_ctx *ec, const expr *e, const batch *in, const uint32_t *sel, uint32_t n, vec **out) {
  vec *a, *b, *eq;
  TRY(expr_eval(ec, e->args[0], in, sel, n, &a));
  TRY(expr_eval(ec, e->args[1], in, sel, n, &b));
  TRY(eval_eq(ec, e, a, b, sel, n, &eq));
  vec *o = eval_vec_new(ec, e->type, eval_len(sel, n));
  if (!o) return LAGO_NOMEM_ERR(ec->err);
  uint8_t *od = o->data;
  vec_view va, vb, ve;
  vec_view_init(&va, a);
  vec_view_init(&vb, b);
  vec_view_init(&ve, eq);
  bool neg = e->negated;
  EVAL_FOR(sel, n, r, {
    bool x = VIEW_VALID(&va, r), y = VIEW_VALID(&vb, r);
    bool distinct = (x && y) ? !bool_at(&ve, r) : x != y;
    od[r] = distinct != neg;
  });
  *out = o;
  return LAGO_OK;
}

static int eval_field(eval_ctx *ec, const expr *e, const batch *in, const uint32_t *sel, uint32_t n, vec **out) {
  vec *s;
  TRY(expr_eval(ec, e->args[0], in, sel, n, &s));
  uint32_t f = e->u.field, len = eval_len(sel, n);
  if (s->kind == VEC_FLAT && !s->validity) {
    vec *v = arena_alloc(ec->ar, sizeof *v);
    if (!v) return LAGO_NOMEM_ERR(ec->err);
    *v = *s->fields[f];
    *out = v;
    return LAGO_OK;
  }
  vec *o = eval_vec_new(ec, e->type, len);
  if (!o) return LAGO_NOMEM_ERR(ec->err);
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i, idx;
    if (!vec_is_valid(s, r)) {
      if (vec_set_null(o, r)) return LAGO_NOMEM_ERR(ec->err);
      continue;
    }
    const vec *p = vec_resolve(s, r, &idx);
    if (vec_copy_row(o, r, p->fields[f], idx)) return LAGO_NOMEM_ERR(ec->err);
  }
  o->len = len;
  *out = o;
  return LAGO_OK;
}

int expr_eval(eval_ctx *ec, const expr *e, const batch *in, const uint32_t *sel, uint32_t n, vec **out) {
  switch ((expr_kind)e->kind) {
    case EXPR_COLUMN:
      if (LAGO_NEVER(e->u.col >= in->n_cols))
        return LAGO_ERR(ec->err, LAGO_INTERNAL, "column #%u out of range (%u columns)", e->u.col, in->n_cols);
      *out = &in->cols[e->u.col];
      return LAGO_OK;
    case EXPR_CONST:
      *out = const_view(ec, e->u.value, eval_len(sel, n));
      return *out ? LAGO_OK : LAGO_NOMEM_ERR(ec->err);
    case EXPR_CAST: return eval_cast(ec, e, in, sel, n, out);
    case EXPR_CALL: return eval_call(ec, e, in, sel, n, out);
    case EXPR_AND:
    case EXPR_OR: return eval_logic(ec, e, in, sel, n, out);
    case EXPR_NOT: return eval_not(ec, e, in, sel, n, out);
    case EXPR_IS_NULL: return eval_is_null(ec, e, in, sel, n, out);
    case EXPR_CASE: return eval_case(ec, e, in, sel, n, out);
    case EXPR_COALESCE: return eval_coalesce(ec, e, in, sel, n, out);
    case EXPR_IN: return eval_in(ec, e, in, sel, n, out);
    case EXPR_DISTINCT: return eval_distinct(ec, e, in, sel, n, out);
    case EXPR_FIELD: return eval_field(ec, e, in, sel, n, out);
  }
  return LAGO_ERR(ec->err, LAGO_INTERNAL, "unknown expression kind %d", e->kind);
}

/* ---- selection -------------------------------------------------------------------- */

/* Merges two ascending row lists into out (disjoint). */
static void merge_rows(const uint32_t *a, uint32_t an, const uint32_t *b, uint32_t bn, uint32_t *out) {
  uint32_t i = 0, j = 0, k = 0;
  while (i < an && j < bn) out[k++] = a[i] < b[j] ? a[i++] : b[j++];
  while (i < an) out[k++] = a[i++];
  while (j < bn) out[k++] = b[j++];
}

int expr_select(eval_ctx *ec, const expr *e, const batch *in, const uint32_t *sel, uint32_t n, uint32_t *out_sel,
                uint32_t *out_n) {
  if (n == 0) {
    *out_n = 0;
    return LAGO_OK;
  }
  if (e->kind == EXPR_AND) {
    uint32_t m = n;
    const uint32_t *cur = sel;
    for (uint32_t k = 0; k < e->n_args; k++) {
      TRY(expr_select(ec, e->args[k], in, cur, m, out_sel, &m));
      cur = out_sel;
      if (!m) break;
    }
    *out_n = m;
    return LAGO_OK;
  }
  if (e->kind == EXPR_OR) {
    uint32_t *rest = sel_buf(ec, n), *hit = sel_buf(ec, n), *acc = sel_buf(ec, n), *tmp = sel_buf(ec, n);
    if (!rest || !hit || !acc || !tmp) return LAGO_NOMEM_ERR(ec->err);
    uint32_t rn = 0, an = 0;
    EVAL_FOR(sel, n, r, rest[rn++] = r;);
    for (uint32_t k = 0; k < e->n_args && rn; k++) {
      uint32_t hn;
      TRY(expr_select(ec, e->args[k], in, rest, rn, hit, &hn));
      if (!hn) continue;
      merge_rows(acc, an, hit, hn, tmp);
      an += hn;
      memcpy(acc, tmp, an * sizeof(uint32_t));
      /* rest -= hit (both ascending) */
      uint32_t m = 0, j = 0;
      for (uint32_t i = 0; i < rn; i++) {
        while (j < hn && hit[j] < rest[i]) j++;
        if (j < hn && hit[j] == rest[i]) continue;
        rest[m++] = rest[i];
      }
      rn = m;
    }
    memcpy(out_sel, acc, an * sizeof(uint32_t));
    *out_n = an;
    return LAGO_OK;
  }
  vec *v;
  TRY(expr_eval(ec, e, in, sel, n, &v));
  vec_view vw;
  vec_view_init(&vw, v);
  uint32_t m = 0;
  if (v->kind == VEC_CONST) {
    bool keep = VIEW_VALID(&vw, 0) && bool_at(&vw, 0);
    if (keep) EVAL_FOR(sel, n, r, out_sel[m++] = r;);
    *out_n = m;
    return LAGO_OK;
  }
  const uint8_t *d = vw.data;
  if (!vw.validity && !vw.codes) {
    EVAL_FOR(sel, n, r, out_sel[m] = r; m += d[r] != 0;);
  } else {
    EVAL_FOR(sel, n, r, if (VIEW_VALID(&vw, r) && d[VIEW_IDX(&vw, r)]) out_sel[m++] = r;);
  }
  *out_n = m;
  return LAGO_OK;
}

/* ---- analysis ----------------------------------------------------------------------- */

bool expr_is_constant(const expr *e) {
  if (e->kind == EXPR_COLUMN) return false;
  if (e->kind == EXPR_CALL && (e->u.call.flags & FN_VOLATILE)) return false;
  for (uint32_t i = 0; i < e->n_args; i++)
    if (!expr_is_constant(e->args[i])) return false;
  return true;
}

uint32_t expr_max_column(const expr *e) {
  uint32_t m = e->kind == EXPR_COLUMN ? e->u.col + 1 : 0;
  for (uint32_t i = 0; i < e->n_args; i++) {
    uint32_t c = expr_max_column(e->args[i]);
    if (c > m) m = c;
  }
  return m;
}

expr *expr_remap(arena *ar, const expr *e, const uint32_t *map, uint32_t n_map) {
  expr *c = arena_alloc(ar, sizeof *c);
  if (!c) return NULL;
  *c = *e;
  if (e->kind == EXPR_COLUMN && e->u.col < n_map) c->u.col = map[e->u.col];
  if (e->n_args) {
    c->args = arena_alloc(ar, e->n_args * sizeof(expr *));
    if (!c->args) return NULL;
    for (uint32_t i = 0; i < e->n_args; i++)
      if (!(c->args[i] = expr_remap(ar, e->args[i], map, n_map))) return NULL;
  }
  return c;
}

int expr_fold(arena *ar, eval_ctx *ec, expr *e, expr **out) {
  if (e->kind == EXPR_COLUMN || e->kind == EXPR_CONST) {
    *out = e;
    return LAGO_OK;
  }
  expr *c = e;
  bool changed = false;
  expr **nargs = NULL;
  if (e->n_args) {
    nargs = arena_alloc(ar, e->n_args * sizeof(expr *));
    if (!nargs) return LAGO_NOMEM_ERR(ec->err);
    for (uint32_t i = 0; i < e->n_args; i++) {
      TRY(expr_fold(ar, ec, e->args[i], &nargs[i]));
      changed |= nargs[i] != e->args[i];
    }
  }
  if (changed) {
    c = arena_alloc(ar, sizeof *c);
    if (!c) return LAGO_NOMEM_ERR(ec->err);
    *c = *e;
    c->args = nargs;
  }
  if (!expr_is_constant(c)) {
    *out = c;
    return LAGO_OK;
  }
  /* Evaluate once over a one-row batch without columns. */
  batch one;
  memset(&one, 0, sizeof one);
  one.n_rows = 1;
  lago_err *saved = ec->err, local;
  lago_err_clear(&local);
  ec->err = &local;
  vec *v = NULL;
  int rc = expr_eval(ec, c, &one, NULL, 1, &v);
  ec->err = saved;
  if (rc == LAGO_NOMEM) return LAGO_NOMEM_ERR(ec->err);
  if (rc != LAGO_OK) { /* leave it to run time: the row may never be reached */
    *out = c;
    return LAGO_OK;
  }
  expr *k = expr_const(ar, v, 0);
  if (!k) return LAGO_NOMEM_ERR(ec->err);
  k->name = c->name;
  *out = k;
  return LAGO_OK;
}

/* ---- EXPLAIN text ------------------------------------------------------------------ */

static bool is_operator_name(const char *s) {
  return s[0] && !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_');
}

static int const_text(const vec *v, buf *out) {
  if (!vec_is_valid(v, 0)) return buf_puts(out, "NULL");
  lago_type_id id = (lago_type_id)v->type.id;
  if (id == LT_STRING || id == LT_DATE || id == LT_TIMESTAMP || id == LT_TIMESTAMP_NTZ) {
    if (id == LT_DATE) TRY(buf_puts(out, "DATE "));
    if (id == LT_TIMESTAMP) TRY(buf_puts(out, "TIMESTAMP "));
    if (id == LT_TIMESTAMP_NTZ) TRY(buf_puts(out, "TIMESTAMP_NTZ "));
    TRY(buf_putc(out, '\''));
    buf tmp;
    buf_init(&tmp);
    int rc = cast_value_to_text(v, 0, &tmp);
    for (size_t i = 0; rc == LAGO_OK && i < tmp.len; i++) {
      if (tmp.data[i] == '\'') rc = buf_putc(out, '\'');
      if (rc == LAGO_OK) rc = buf_putc(out, tmp.data[i]);
    }
    buf_deinit(&tmp);
    TRY(rc);
    return buf_putc(out, '\'');
  }
  TRY(cast_value_to_text(v, 0, out));
  if (id == LT_BIGINT) TRY(buf_putc(out, 'L'));
  return LAGO_OK;
}

static int args_text(const expr *e, uint32_t from, buf *out) {
  for (uint32_t i = from; i < e->n_args; i++) {
    if (i > from) TRY(buf_puts(out, ", "));
    TRY(expr_to_text(e->args[i], out));
  }
  return LAGO_OK;
}

int expr_to_text(const expr *e, buf *out) {
  switch ((expr_kind)e->kind) {
    case EXPR_COLUMN:
      if (e->name) return buf_printf(out, "%s#%u", e->name, e->u.col);
      return buf_printf(out, "#%u", e->u.col);
    case EXPR_CONST: return const_text(e->u.value, out);
    case EXPR_CAST:
      TRY(buf_puts(out, e->u.try_cast ? "TRY_CAST(" : "CAST("));
      TRY(expr_to_text(e->args[0], out));
      TRY(buf_puts(out, " AS "));
      TRY(type_to_sql(e->type, out));
      return buf_putc(out, ')');
    case EXPR_CALL: {
      const char *nm = e->u.call.def->name;
      if (is_operator_name(nm) && e->n_args == 2) {
        TRY(buf_putc(out, '('));
        TRY(expr_to_text(e->args[0], out));
        TRY(buf_printf(out, " %s ", nm));
        TRY(expr_to_text(e->args[1], out));
        return buf_putc(out, ')');
      }
      if (!strcmp(nm, "negative") && e->n_args == 1) {
        TRY(buf_puts(out, "(- "));
        TRY(expr_to_text(e->args[0], out));
        return buf_putc(out, ')');
      }
      TRY(buf_printf(out, "%s(", nm));
      TRY(args_text(e, 0, out));
      return buf_putc(out, ')');
    }
    case EXPR_AND:
    case EXPR_OR:
      TRY(buf_putc(out, '('));
      for (uint32_t i = 0; i < e->n_args; i++) {
        if (i) TRY(buf_puts(out, e->kind == EXPR_AND ? " AND " : " OR "));
        TRY(expr_to_text(e->args[i], out));
      }
      return buf_putc(out, ')');
    case EXPR_NOT:
      TRY(buf_puts(out, "(NOT "));
      TRY(expr_to_text(e->args[0], out));
      return buf_putc(out, ')');
    case EXPR_IS_NULL:
      TRY(buf_putc(out, '('));
      TRY(expr_to_text(e->args[0], out));
      return buf_puts(out, e->negated ? " IS NOT NULL)" : " IS NULL)");
    case EXPR_CASE: {
      TRY(buf_puts(out, "CASE"));
      uint32_t nw = e->n_args / 2;
      for (uint32_t i = 0; i < nw; i++) {
        TRY(buf_puts(out, " WHEN "));
        TRY(expr_to_text(e->args[2 * i], out));
        TRY(buf_puts(out, " THEN "));
        TRY(expr_to_text(e->args[2 * i + 1], out));
      }
      if (e->u.has_else) {
        TRY(buf_puts(out, " ELSE "));
        TRY(expr_to_text(e->args[e->n_args - 1], out));
      }
      return buf_puts(out, " END");
    }
    case EXPR_COALESCE:
      TRY(buf_puts(out, "coalesce("));
      TRY(args_text(e, 0, out));
      return buf_putc(out, ')');
    case EXPR_IN:
      TRY(buf_putc(out, '('));
      TRY(expr_to_text(e->args[0], out));
      TRY(buf_puts(out, e->negated ? " NOT IN (" : " IN ("));
      TRY(args_text(e, 1, out));
      return buf_puts(out, "))");
    case EXPR_DISTINCT:
      TRY(buf_putc(out, '('));
      TRY(expr_to_text(e->args[0], out));
      TRY(buf_puts(out, e->negated ? " <=> " : " IS DISTINCT FROM "));
      TRY(expr_to_text(e->args[1], out));
      return buf_putc(out, ')');
    case EXPR_FIELD:
      TRY(expr_to_text(e->args[0], out));
      return buf_printf(out, ".%s", type_field_at(e->args[0]->type, e->u.field)->name);
  }
  return buf_puts(out, "?");
}
