/*
** sql/bind_expr.c: SQL expressions (ast.h sql_expr) -> bound expressions
** (exec/expr.h) over column ids, with names resolved in scopes, literals
** typed as Spark types them, functions resolved through exec/func.h
** (implicit casts, ANSI semantics), aggregates collected for the AGG node
** and window functions collected for WINDOW nodes of the enclosing SELECT
** (bind_query.c builds those nodes).
**
** Name resolution (Spark's rule): a dotted name a.b.c.d is tried as
** qualifier + column + struct fields, longest qualifier first (3, 2, 1, 0
** parts); the first split that finds columns wins; two matches are
** ambiguous. Names not found in the FROM scope are looked up in enclosing
** queries' scopes (correlated references: the id of the outer column,
** unique in the statement, so decorrelation needs no renaming).
**
** Errors carry the line/column of the offending name (sql_err_at).
*/
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sql/sql_int.h"
#include "util/datetime.h"
#include "util/numfmt.h"
#include "util/tz.h"

/* ---- helpers ------------------------------------------------------------------ */

/* Re-raises an error recorded in tmp (from exec/ builders) at a position. */
static int rethrow(sql_ctx *q, int rc, const lago_err *tmp, int pos) {
  if (rc == LAGO_NOMEM) return LAGO_NOMEM_ERR(q->err);
  return sql_err_at(q, rc, pos, "%s", tmp->msg);
}

static int call_at(sql_ctx *q, const char *name, expr **args, uint32_t n, int pos, expr **out) {
  lago_err tmp;
  lago_err_clear(&tmp);
  int rc = expr_call(q->ar, name, args, n, out, &tmp);
  return rc ? rethrow(q, rc, &tmp, pos) : LAGO_OK;
}

static int cast_at(sql_ctx *q, expr *e, lago_type t, bool try_cast, int pos, expr **out) {
  lago_err tmp;
  lago_err_clear(&tmp);
  int rc = expr_cast(q->ar, e, t, try_cast, out, &tmp);
  return rc ? rethrow(q, rc, &tmp, pos) : LAGO_OK;
}

static char *lower_dup(sql_ctx *q, const char *s) {
  char *d = arena_strdup(q->ar, s);
  if (d)
    for (char *p = d; *p; p++)
      if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
  return d;
}

int bind_fold(sql_ctx *q, expr *e, expr **out) {
  lago_err tmp;
  lago_err_clear(&tmp);
  eval_ctx ec = q->ec;
  ec.err = &tmp;
  int rc = expr_fold(q->ar, &ec, e, out);
  if (rc == LAGO_NOMEM) return LAGO_NOMEM_ERR(q->err);
  if (rc) *out = e; /* errors happen at run time, if the row is reached (Spark) */
  return LAGO_OK;
}

/* ---- literals ----------------------------------------------------------------- */

static expr *typed_const(sql_ctx *q, lago_type t, const void *val) {
  vec *v = vec_new(q->ar, t, 1);
  if (!v) return NULL;
  memcpy(v->data, val, type_width(t));
  v->len = 1;
  return expr_const(q->ar, v, 0);
}

int bind_literal(sql_ctx *q, const sql_literal *l, int pos, expr **out) {
  expr *e = NULL;
  switch (l->kind) {
    case SQL_LIT_NULL: e = expr_null(q->ar, type_make(LT_NULL)); break;
    case SQL_LIT_BOOL: e = expr_bool(q->ar, l->b); break;
    case SQL_LIT_TINYINT: {
      int8_t v = (int8_t)l->i;
      e = typed_const(q, type_make(LT_TINYINT), &v);
      break;
    }
    case SQL_LIT_SMALLINT: {
      int16_t v = (int16_t)l->i;
      e = typed_const(q, type_make(LT_SMALLINT), &v);
      break;
    }
    case SQL_LIT_INT: e = expr_int(q->ar, (int32_t)l->i); break;
    case SQL_LIT_BIGINT: e = expr_bigint(q->ar, l->i); break;
    case SQL_LIT_DECIMAL: e = expr_decimal(q->ar, l->dec, l->precision, l->scale); break;
    case SQL_LIT_FLOAT: {
      float f = (float)l->d;
      e = typed_const(q, type_make(LT_FLOAT), &f);
      break;
    }
    case SQL_LIT_DOUBLE: e = expr_double(q->ar, l->d); break;
    case SQL_LIT_STRING: e = expr_string(q->ar, l->str, l->str_len); break;
    case SQL_LIT_BINARY: {
      vec *v = vec_new(q->ar, type_make(LT_BINARY), 1);
      if (!v || vec_set_str(v, 0, l->str, l->str_len)) return LAGO_NOMEM_ERR(q->err);
      v->len = 1;
      e = expr_const(q->ar, v, 0);
      break;
    }
    case SQL_LIT_DATE: {
      int32_t d;
      if (parse_date(l->str, strlen(l->str), &d))
        return sql_err_at(q, LAGO_BIND, pos, "[INVALID_TYPED_LITERAL] The value of the typed literal \"DATE\" is invalid: '%s'",
                          l->str);
      e = expr_date(q->ar, d);
      break;
    }
    case SQL_LIT_TIMESTAMP:
    case SQL_LIT_TIMESTAMP_NTZ: {
      int64_t us;
      bool zone = false;
      if (parse_timestamp(l->str, strlen(l->str), &us, &zone)) {
        int32_t d;
        if (parse_date(l->str, strlen(l->str), &d))
          return sql_err_at(q, LAGO_BIND, pos, "[INVALID_TYPED_LITERAL] The value of the typed literal \"%s\" is invalid: '%s'",
                            l->kind == SQL_LIT_TIMESTAMP ? "TIMESTAMP" : "TIMESTAMP_NTZ", l->str);
        us = (int64_t)d * 86400000000LL;
      }
      /* TIMESTAMP 'text' without a zone is wall-clock time of the session zone */
      if (l->kind == SQL_LIT_TIMESTAMP && !zone) us = tz_local_to_utc(q->ec.tz, us);
      if (l->kind == SQL_LIT_TIMESTAMP) e = expr_timestamp(q->ar, us);
      else e = typed_const(q, type_make(LT_TIMESTAMP_NTZ), &us);
      break;
    }
  }
  if (!e) return LAGO_NOMEM_ERR(q->err);
  *out = e;
  return LAGO_OK;
}

/* ---- scopes -------------------------------------------------------------------- */

int scope_add(sql_ctx *q, scope *sc, uint32_t id, lago_type t, const char *name, const char *const qual[3],
              bool hidden) {
  if (sc->n == sc->cap) {
    uint32_t nc = sc->cap ? sc->cap * 2 : 16;
    scope_col *na = arena_alloc(q->ar, nc * sizeof *na);
    if (!na) return LAGO_NOMEM_ERR(q->err);
    if (sc->n) memcpy(na, sc->cols, sc->n * sizeof *na);
    sc->cols = na;
    sc->cap = nc;
  }
  scope_col *c = &sc->cols[sc->n++];
  memset(c, 0, sizeof *c);
  c->id = id;
  c->type = t;
  c->name = name ? name : "";
  if (qual)
    for (int i = 0; i < 3; i++) c->qual[i] = qual[i];
  c->hidden = hidden;
  return LAGO_OK;
}

int scope_append(sql_ctx *q, scope *dst, const scope *src) {
  for (uint32_t i = 0; i < src->n; i++) {
    TRY(scope_add(q, dst, src->cols[i].id, src->cols[i].type, src->cols[i].name, src->cols[i].qual,
                  src->cols[i].hidden));
    dst->cols[dst->n - 1].qual_only = src->cols[i].qual_only;
  }
  return LAGO_OK;
}

/* Does entry c match qualifier parts[0..k)? (suffix match on catalog, schema, table) */
static bool qual_match(const scope_col *c, const sql_ident *parts, uint32_t k) {
  if (k == 0) return true;
  for (uint32_t i = 0; i < k; i++) {
    const char *qp = c->qual[3 - k + i];
    if (!qp || !sql_ident_eq(qp, parts[i].name)) return false;
  }
  return true;
}

/* Levenshtein distance (bounded inputs) for suggestions. */
static int edit_distance(const char *a, const char *b) {
  size_t na = strlen(a), nb = strlen(b);
  if (na > 63) na = 63;
  if (nb > 63) nb = 63;
  int d[64];
  for (size_t j = 0; j <= nb; j++) d[j] = (int)j;
  for (size_t i = 1; i <= na; i++) {
    int prev = d[0];
    d[0] = (int)i;
    for (size_t j = 1; j <= nb; j++) {
      int tmp = d[j];
      char ca = a[i - 1], cb = b[j - 1];
      if (ca >= 'A' && ca <= 'Z') ca = (char)(ca - 'A' + 'a');
      if (cb >= 'A' && cb <= 'Z') cb = (char)(cb - 'A' + 'a');
      int best = prev + (ca == cb ? 0 : 1);
      if (d[j] + 1 < best) best = d[j] + 1;
      if (d[j - 1] + 1 < best) best = d[j - 1] + 1;
      d[j] = best;
      prev = tmp;
    }
  }
  return d[nb];
}

static int unresolved(bind_ectx *b, const sql_name *name, int pos) {
  sql_ctx *q = b->q;
  char full[256];
  size_t fl = 0;
  full[0] = 0;
  for (uint32_t i = 0; i < name->n_parts && fl < sizeof full - 1; i++)
    fl += (size_t)snprintf(full + fl, sizeof full - fl, "%s%s", i ? "." : "", name->parts[i].name);
  /* suggestions: visible names ordered by edit distance, at most 5 */
  const char *cand[5];
  int dist[5], nc = 0;
  const char *last = name->parts[name->n_parts - 1].name;
  for (const scope *s = b->sc; s; s = s->outer) {
    for (uint32_t i = 0; i < s->n; i++) {
      const scope_col *c = &s->cols[i];
      if (c->hidden || c->qual_only || !c->name[0]) continue;
      bool dup = false;
      for (int k = 0; k < nc; k++) dup |= !strcmp(cand[k], c->name);
      if (dup) continue;
      int dd = edit_distance(last, c->name);
      int k;
      if (nc < 5) {
        k = nc++;
      } else {
        if (dd >= dist[4]) continue; /* not nearer than the 5 kept */
        k = 4;
      }
      cand[k] = c->name;
      dist[k] = dd;
      for (; k > 0 && dist[k] < dist[k - 1]; k--) {
        const char *tc = cand[k];
        int td = dist[k];
        cand[k] = cand[k - 1];
        dist[k] = dist[k - 1];
        cand[k - 1] = tc;
        dist[k - 1] = td;
      }
    }
    break; /* suggestions from the innermost scope only */
  }
  char sugg[256];
  size_t sl = 0;
  sugg[0] = 0;
  for (int k = 0; k < nc && sl < sizeof sugg - 1; k++)
    sl += (size_t)snprintf(sugg + sl, sizeof sugg - sl, "%s%s", k ? ", " : "", cand[k]);
  if (nc)
    return sql_err_at(q, LAGO_BIND, pos, "[UNRESOLVED_COLUMN] A column with name '%s' cannot be resolved. Did you mean one of: %s?",
                      full, sugg);
  return sql_err_at(q, LAGO_BIND, pos, "[UNRESOLVED_COLUMN] A column with name '%s' cannot be resolved.", full);
}

/* Applies struct field accesses parts[from..n) to e. */
static int apply_fields(sql_ctx *q, expr *e, const sql_ident *parts, uint32_t from, uint32_t n, int pos, expr **out) {
  for (uint32_t i = from; i < n; i++) {
    if (e->type.id != LT_STRUCT)
      return sql_err_at(q, LAGO_BIND, parts[i].pos, "[INVALID_EXTRACT_BASE_FIELD_TYPE] Can't extract a value from \"%s\": need a struct",
                        e->name ? e->name : i > 0 ? parts[i - 1].name : "the expression");
    int f = type_field_index(e->type, parts[i].name);
    if (f < 0)
      return sql_err_at(q, LAGO_BIND, parts[i].pos, "[FIELD_NOT_FOUND] No such struct field `%s`", parts[i].name);
    lago_err tmp;
    lago_err_clear(&tmp);
    int rc = expr_field(q->ar, e, (uint32_t)f, &e, &tmp);
    if (rc) return rethrow(q, rc, &tmp, pos);
    e->name = parts[i].name;
  }
  *out = e;
  return LAGO_OK;
}

/* Finds the column for name in one scope: *found = 0 none, 1 one (in *hit), 2 ambiguous. */
static void scope_lookup(const scope *s, const sql_ident *parts, uint32_t k, const char *col, const scope_col **hit,
                         int *found) {
  *found = 0;
  for (uint32_t i = 0; i < s->n; i++) {
    const scope_col *c = &s->cols[i];
    if (!sql_ident_eq(c->name, col)) continue;
    if (k == 0 && c->qual_only) continue;
    if (!qual_match(c, parts, k)) continue;
    if (*found && (*hit)->id == c->id) continue;
    if (*found) {
      *found = 2;
      return;
    }
    *hit = c;
    *found = 1;
  }
}

int bind_column(bind_ectx *b, const sql_name *name, int pos, expr **out) {
  sql_ctx *q = b->q;
  uint32_t np = name->n_parts;
  for (scope *s = b->sc; s; s = s->outer) {
    uint32_t kmax = np - 1 < 3 ? np - 1 : 3;
    for (int k = (int)kmax; k >= 0; k--) {
      const scope_col *hit = NULL;
      int found;
      scope_lookup(s, name->parts, (uint32_t)k, name->parts[k].name, &hit, &found);
      if (found == 2)
        return sql_err_at(q, LAGO_BIND, pos, "[AMBIGUOUS_REFERENCE] Reference `%s` is ambiguous", name->parts[k].name);
      if (found == 1) {
        if (s != b->sc && b->sc->outer_used) *b->sc->outer_used = true;
        expr *e = expr_column(q->ar, hit->id, hit->type, hit->name);
        if (!e) return LAGO_NOMEM_ERR(q->err);
        return apply_fields(q, e, name->parts, (uint32_t)k + 1, np, pos, out);
      }
    }
  }
  return unresolved(b, name, pos);
}

/* ---- group rewriting ------------------------------------------------------------- */

static bool in_from_scope(const bind_ectx *b, uint32_t id) {
  for (uint32_t i = 0; i < b->sc->n; i++)
    if (b->sc->cols[i].id == id) return true;
  return false;
}

static int group_rewrite(bind_ectx *b, expr *e, int pos, expr **out) {
  for (uint32_t g = 0; g < b->n_groups; g++)
    if (lpx_equal(e, b->groups[g])) {
      *out = expr_column(b->q->ar, b->group_ids[g], e->type, e->name);
      return *out ? LAGO_OK : LAGO_NOMEM_ERR(b->q->err);
    }
  if (e->kind == EXPR_COLUMN) {
    if (in_from_scope(b, e->u.col)) {
      const char *nm = e->name ? e->name : "?";
      return sql_err_at(b->q, LAGO_BIND, pos,
                        "[MISSING_AGGREGATION] The non-aggregating expression \"%s\" is based on columns which are not "
                        "participating in the GROUP BY clause. Add the columns or the expression to the GROUP BY, "
                        "aggregate the expression, or use \"any_value(%s)\"",
                        nm, nm);
    }
    *out = e;
    return LAGO_OK;
  }
  if (!e->n_args) {
    *out = e;
    return LAGO_OK;
  }
  expr **na = arena_alloc(b->q->ar, e->n_args * sizeof *na);
  expr *c = arena_alloc(b->q->ar, sizeof *c);
  if (!na || !c) return LAGO_NOMEM_ERR(b->q->err);
  for (uint32_t i = 0; i < e->n_args; i++) TRY(group_rewrite(b, e->args[i], pos, &na[i]));
  *c = *e;
  c->args = na;
  *out = c;
  return LAGO_OK;
}

int bind_group_rewrite(bind_ectx *b, expr *e, int pos, expr **out) {
  if (!b->grouped) {
    *out = e;
    return LAGO_OK;
  }
  return group_rewrite(b, e, pos, out);
}

/* ---- operators ----------------------------------------------------------------------- */

static const char *binop_name(sql_op op) {
  switch (op) {
    case SQL_OP_EQ: return "=";
    case SQL_OP_NE: return "<>";
    case SQL_OP_LT: return "<";
    case SQL_OP_LE: return "<=";
    case SQL_OP_GT: return ">";
    case SQL_OP_GE: return ">=";
    case SQL_OP_ADD: return "+";
    case SQL_OP_SUB: return "-";
    case SQL_OP_MUL: return "*";
    case SQL_OP_DIV: return "/";
    case SQL_OP_MOD: return "%";
    case SQL_OP_IDIV: return "div";
    case SQL_OP_CONCAT: return "||";
    case SQL_OP_BIT_OR: return "bit_or";
    case SQL_OP_BIT_XOR: return "bit_xor";
    case SQL_OP_BIT_AND: return "bit_and";
    case SQL_OP_SHL: return "shiftleft";
    case SQL_OP_SHR: return "shiftright";
    case SQL_OP_SHRU: return "shiftrightunsigned";
    default: return NULL;
  }
}

/* Interval literal -> (months, days, micros); LAGO_BIND for forms lago does not compute with. */
static int interval_value(sql_ctx *q, const sql_expr *e, int64_t *months, int64_t *days, int64_t *micros) {
  *months = *days = *micros = 0;
  for (uint32_t i = 0; i < e->interval.n_parts; i++) {
    const sql_interval_part *p = &e->interval.parts[i];
    const sql_expr *v = p->value;
    int64_t n;
    if (v->kind != SQL_E_LITERAL)
      return sql_err_at(q, LAGO_UNSUPPORTED, e->pos, "INTERVAL values must be literals");
    const sql_literal *l = &v->lit;
    if (l->kind == SQL_LIT_INT || l->kind == SQL_LIT_BIGINT || l->kind == SQL_LIT_SMALLINT || l->kind == SQL_LIT_TINYINT)
      n = l->i;
    else if (l->kind == SQL_LIT_STRING) {
      int64_t x;
      if (parse_i64(l->str, l->str_len, &x) || p->to_unit != SQL_IU_NONE || p->unit == SQL_IU_NONE)
        return sql_err_at(q, LAGO_UNSUPPORTED, e->pos, "INTERVAL '%s' is not supported (use INTERVAL n UNIT)", l->str);
      n = x;
    } else {
      return sql_err_at(q, LAGO_UNSUPPORTED, e->pos, "INTERVAL with a fractional value is not supported");
    }
    if (p->negated) n = -n;
    switch (p->unit) {
      case SQL_IU_YEAR: *months += n * 12; break;
      case SQL_IU_MONTH: *months += n; break;
      case SQL_IU_WEEK: *days += n * 7; break;
      case SQL_IU_DAY: *days += n; break;
      case SQL_IU_HOUR: *micros += n * 3600000000LL; break;
      case SQL_IU_MINUTE: *micros += n * 60000000LL; break;
      case SQL_IU_SECOND: *micros += n * 1000000LL; break;
      case SQL_IU_MILLISECOND: *micros += n * 1000LL; break;
      case SQL_IU_MICROSECOND: *micros += n; break;
      default: return sql_err_at(q, LAGO_UNSUPPORTED, e->pos, "this INTERVAL form is not supported");
    }
  }
  return LAGO_OK;
}

/* x + INTERVAL / x - INTERVAL for DATE and TIMESTAMP x, rewritten to date/time functions. */
static int bind_interval_arith(bind_ectx *b, const sql_expr *e, expr *x, const sql_expr *iv, bool sub, expr **out) {
  sql_ctx *q = b->q;
  int64_t mo, d, us;
  TRY(interval_value(q, iv, &mo, &d, &us));
  if (sub) {
    mo = -mo;
    d = -d;
    us = -us;
  }
  if (x->type.id == LT_STRING) TRY(cast_at(q, x, type_make(LT_TIMESTAMP), false, e->pos, &x));
  bool is_date = x->type.id == LT_DATE;
  if (!is_date && x->type.id != LT_TIMESTAMP && x->type.id != LT_TIMESTAMP_NTZ)
    return sql_err_at(q, LAGO_BIND, e->pos, "[DATATYPE_MISMATCH] cannot add an INTERVAL to %s", type_id_name((lago_type_id)x->type.id));
  if (is_date && us != 0) {
    TRY(cast_at(q, x, type_make(LT_TIMESTAMP), false, e->pos, &x));
    is_date = false;
  }
  lago_type orig = x->type;
  if (mo) {
    /* add_months works on dates: keep the time of day for timestamps */
    if (is_date) {
      expr *a[2] = {x, expr_int(q->ar, (int32_t)mo)};
      if (!a[1]) return LAGO_NOMEM_ERR(q->err);
      TRY(call_at(q, "add_months", a, 2, e->pos, &x));
    } else {
      expr *dt;
      TRY(cast_at(q, x, type_make(LT_DATE), false, e->pos, &dt));
      expr *a[2] = {dt, expr_int(q->ar, (int32_t)mo)};
      if (!a[1]) return LAGO_NOMEM_ERR(q->err);
      expr *nd, *tod, *base, *ts_nd, *sum, *um[1];
      TRY(call_at(q, "add_months", a, 2, e->pos, &nd));
      TRY(cast_at(q, nd, type_make(LT_TIMESTAMP), false, e->pos, &ts_nd));
      um[0] = x;
      TRY(call_at(q, "unix_micros", um, 1, e->pos, &tod));
      TRY(cast_at(q, dt, type_make(LT_TIMESTAMP), false, e->pos, &base));
      um[0] = base;
      expr *bm, *nm;
      TRY(call_at(q, "unix_micros", um, 1, e->pos, &bm));
      expr *s2[2] = {tod, bm};
      TRY(call_at(q, "-", s2, 2, e->pos, &tod)); /* time of day in micros */
      um[0] = ts_nd;
      TRY(call_at(q, "unix_micros", um, 1, e->pos, &nm));
      expr *s3[2] = {nm, tod};
      TRY(call_at(q, "+", s3, 2, e->pos, &sum));
      um[0] = sum;
      TRY(call_at(q, "timestamp_micros", um, 1, e->pos, &x));
    }
  }
  if (is_date) {
    if (d) {
      expr *a[2] = {x, expr_int(q->ar, (int32_t)d)};
      if (!a[1]) return LAGO_NOMEM_ERR(q->err);
      TRY(call_at(q, "date_add", a, 2, e->pos, &x));
    }
  } else if (d || us) {
    expr *um[1] = {x}, *m;
    TRY(call_at(q, "unix_micros", um, 1, e->pos, &m));
    expr *a[2] = {m, expr_bigint(q->ar, d * 86400000000LL + us)};
    if (!a[1]) return LAGO_NOMEM_ERR(q->err);
    TRY(call_at(q, "+", a, 2, e->pos, &m));
    um[0] = m;
    TRY(call_at(q, "timestamp_micros", um, 1, e->pos, &x));
  }
  if (!type_equal(x->type, orig)) TRY(cast_at(q, x, orig, false, e->pos, &x));
  *out = x;
  return LAGO_OK;
}

/* *x (an integer literal) becomes DECIMAL(its digits, 0) when `other` is a DECIMAL. */
static int literal_as_decimal(sql_ctx *q, const sql_expr *ast, expr **x, lago_type other) {
  if (!x || other.id != LT_DECIMAL || ast->kind != SQL_E_LITERAL) return LAGO_OK;
  sql_lit_kind k = ast->lit.kind;
  if (k != SQL_LIT_INT && k != SQL_LIT_BIGINT && k != SQL_LIT_SMALLINT && k != SQL_LIT_TINYINT) return LAGO_OK;
  int64_t v = ast->lit.i;
  uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  int digits = 1;
  while (m >= 10) {
    m /= 10;
    digits++;
  }
  *x = expr_decimal(q->ar, v, digits, 0);
  return *x ? LAGO_OK : LAGO_NOMEM_ERR(q->err);
}

/* ---- functions -------------------------------------------------------------------- */

static bool is_agg_name(const char *name) { return agg_lookup(name) != NULL; }

/* Binds the arguments of a call (named arguments are not allowed here). */
static int bind_args(bind_ectx *b, const sql_func *f, expr ***out) {
  expr **a = arena_alloc(b->q->ar, (f->n_args ? f->n_args : 1) * sizeof *a);
  if (!a) return LAGO_NOMEM_ERR(b->q->err);
  for (uint32_t i = 0; i < f->n_args; i++) {
    const sql_expr *x = f->args[i];
    if (x->kind == SQL_E_NAMED_ARG || x->kind == SQL_E_LAMBDA || x->kind == SQL_E_TABLE_ARG)
      return sql_err_at(b->q, LAGO_UNSUPPORTED, x->pos, "this kind of argument is not supported for `%s`",
                        f->name.parts[f->name.n_parts - 1].name);
    TRY(bind_expr(b, x, &a[i]));
  }
  *out = a;
  return LAGO_OK;
}

static int bind_agg_call(bind_ectx *b, const sql_expr *e, const char *name, expr **out) {
  sql_ctx *q = b->q;
  const sql_func *f = &e->func;
  if (!b->agg_ok || b->in_agg) {
    if (b->in_agg)
      return sql_err_at(q, LAGO_BIND, e->pos,
                        "[NESTED_AGGREGATE_FUNCTION] It is not allowed to use an aggregate function in the argument of "
                        "another aggregate function");
    return sql_err_at(q, LAGO_BIND, e->pos, "[INVALID_AGGREGATE_USE] aggregate function `%s` is not allowed in %s", name,
                      b->clause ? b->clause : "this clause");
  }
  bool saved_in = b->in_agg, saved_win = b->win_ok;
  b->in_agg = true;
  b->win_ok = false;
  expr **args = NULL;
  uint32_t n = f->star ? 0 : f->n_args;
  int rc = bind_args(b, f, &args);
  expr *filter = NULL;
  if (rc == LAGO_OK && f->filter) rc = bind_bool(b, f->filter, &filter);
  b->in_agg = saved_in;
  b->win_ok = saved_win;
  TRY(rc);
  if (f->star && strcmp(name, "count"))
    return sql_err_at(q, LAGO_BIND, e->pos, "`%s(*)` is not allowed (only count(*))", name);
  if (!strcmp(name, "count") && n == 1 && args[0]->kind == EXPR_CONST && vec_is_valid(args[0]->u.value, 0) && !f->distinct)
    n = 0; /* count(1) = count(*) */
  for (uint32_t i = 0; i < n; i++) TRY(bind_fold(q, args[i], &args[i]));
  agg_call *ac;
  lago_err tmp;
  lago_err_clear(&tmp);
  rc = agg_call_make(q->ar, name, args, n, f->distinct, f->nulls == SQL_NT_IGNORE_NULLS, filter, &ac, &tmp);
  if (rc) return rethrow(q, rc, &tmp, e->pos);
  /* the display name Spark gives: sum(x), count(1) */
  /* reuse an identical aggregate */
  for (uint32_t i = 0; i < b->n_aggs; i++) {
    agg_call *o = b->aggs[i];
    if (o->b.fn != ac->b.fn || o->b.n_args != ac->b.n_args || o->b.distinct != ac->b.distinct ||
        o->b.ignore_nulls != ac->b.ignore_nulls || !lpx_equal(o->filter, ac->filter))
      continue;
    bool same = true;
    for (uint32_t k = 0; k < ac->b.n_args && same; k++) same = lpx_equal(o->args[k], ac->args[k]);
    if (same) {
      *out = expr_column(q->ar, b->agg_ids[i], o->b.ret, o->name);
      return *out ? LAGO_OK : LAGO_NOMEM_ERR(q->err);
    }
  }
  uint32_t id = sql_new_id(q);
  uint32_t na = b->n_aggs, cap = b->cap_aggs;
  TRY(sql_push_ptr(q, (void ***)&b->aggs, &na, &cap, ac));
  na = b->n_aggs;
  cap = b->cap_aggs;
  TRY(sql_push_u32(q, &b->agg_ids, &na, &cap, id));
  b->n_aggs = na;
  b->cap_aggs = cap;
  *out = expr_column(q->ar, id, ac->b.ret, ac->name);
  return *out ? LAGO_OK : LAGO_NOMEM_ERR(q->err);
}

static int bind_frame_bound(bind_ectx *b, const sql_frame_bound *fb, bool is_end, uint8_t *kind, expr **off) {
  *off = NULL;
  switch (fb->kind) {
    case SQL_BOUND_NONE: *kind = BOUND_CURRENT_ROW; return LAGO_OK;
    case SQL_BOUND_UNBOUNDED_PRECEDING: *kind = BOUND_UNBOUNDED_PRECEDING; return LAGO_OK;
    case SQL_BOUND_UNBOUNDED_FOLLOWING: *kind = BOUND_UNBOUNDED_FOLLOWING; return LAGO_OK;
    case SQL_BOUND_CURRENT_ROW: *kind = BOUND_CURRENT_ROW; return LAGO_OK;
    case SQL_BOUND_PRECEDING:
    case SQL_BOUND_FOLLOWING: {
      *kind = fb->kind == SQL_BOUND_PRECEDING ? BOUND_PRECEDING : BOUND_FOLLOWING;
      expr *e;
      TRY(bind_expr(b, fb->offset, &e));
      TRY(bind_fold(b->q, e, &e));
      if (e->kind != EXPR_CONST)
        return sql_err_at(b->q, LAGO_BIND, fb->offset->pos, "window frame %s offset must be a constant",
                          is_end ? "end" : "start");
      *off = e;
      return LAGO_OK;
    }
  }
  return LAGO_OK;
}

static const sql_window *named_window(bind_ectx *b, const char *name, int pos, int depth, int *rc) {
  *rc = LAGO_OK;
  for (uint32_t i = 0; i < b->n_named_windows; i++)
    if (sql_ident_eq(b->named_windows[i].name.name, name)) {
      const sql_window *w = b->named_windows[i].spec;
      if (w->ref.name && depth < 8) return named_window(b, w->ref.name, pos, depth + 1, rc);
      return w;
    }
  *rc = sql_err_at(b->q, LAGO_BIND, pos, "[MISSING_WINDOW_SPECIFICATION] Window specification %s is not defined in the WINDOW clause", name);
  return NULL;
}

static int bind_order_items(bind_ectx *b, const sql_order_item *items, uint32_t n, sort_key **out) {
  sort_key *k = arena_zalloc(b->q->ar, (n ? n : 1) * sizeof *k);
  if (!k) return LAGO_NOMEM_ERR(b->q->err);
  for (uint32_t i = 0; i < n; i++) {
    if (!items[i].expr) return sql_err_at(b->q, LAGO_BIND, items[i].pos, "ORDER BY ALL is not allowed here");
    TRY(bind_expr(b, items[i].expr, &k[i].e));
    k[i].desc = items[i].dir == SQL_SORT_DESC;
    k[i].nulls_first = items[i].nulls == SQL_NULLS_DEFAULT ? !k[i].desc : items[i].nulls == SQL_NULLS_FIRST;
  }
  *out = k;
  return LAGO_OK;
}

static int bind_window_call(bind_ectx *b, const sql_expr *e, const char *name, expr **out) {
  sql_ctx *q = b->q;
  const sql_func *f = &e->func;
  if (!b->win_ok)
    return sql_err_at(q, LAGO_BIND, e->pos, "[INVALID_WINDOW_USE] window function `%s` is not allowed in %s", name,
                      b->clause ? b->clause : "this clause");
  const sql_window *w = f->over;
  sql_window merged;
  if (w->ref.name) {
    int rc;
    const sql_window *base = named_window(b, w->ref.name, w->pos, 0, &rc);
    if (!base) return rc;
    merged = *base;
    if (w->n_order_by) {
      merged.order_by = w->order_by;
      merged.n_order_by = w->n_order_by;
    }
    if (w->frame_unit != SQL_FRAME_NONE) {
      merged.frame_unit = w->frame_unit;
      merged.frame_start = w->frame_start;
      merged.frame_end = w->frame_end;
    }
    w = &merged;
  }
  bool saved = b->win_ok;
  b->win_ok = false;
  win_pending wp;
  memset(&wp, 0, sizeof wp);
  expr **args = NULL;
  int rc = bind_args(b, f, &args);
  if (rc == LAGO_OK) {
    wp.n_part = w->n_partition_by;
    wp.part = arena_alloc(q->ar, (wp.n_part ? wp.n_part : 1) * sizeof *wp.part);
    if (!wp.part) rc = LAGO_NOMEM_ERR(q->err);
    for (uint32_t i = 0; rc == LAGO_OK && i < wp.n_part; i++) rc = bind_expr(b, w->partition_by[i], &wp.part[i]);
  }
  if (rc == LAGO_OK) {
    wp.n_order = w->n_order_by;
    rc = bind_order_items(b, w->order_by, w->n_order_by, &wp.order);
  }
  b->win_ok = saved;
  TRY(rc);
  uint32_t n = f->star ? 0 : f->n_args;
  if (!strcmp(name, "count") && n == 1 && args[0]->kind == EXPR_CONST && vec_is_valid(args[0]->u.value, 0)) n = 0;
  lago_err tmp;
  lago_err_clear(&tmp);
  rc = win_call_make(q->ar, name, args, n, f->nulls == SQL_NT_IGNORE_NULLS, wp.n_order > 0, &wp.call, &tmp);
  if (rc) return rethrow(q, rc, &tmp, e->pos);
  if (w->frame_unit != SQL_FRAME_NONE) {
    win_frame fr;
    memset(&fr, 0, sizeof fr);
    fr.unit = w->frame_unit == SQL_FRAME_ROWS ? FRAME_ROWS : FRAME_RANGE;
    TRY(bind_frame_bound(b, &w->frame_start, false, &fr.start, &fr.start_off));
    if (w->frame_end.kind == SQL_BOUND_NONE) fr.end = BOUND_CURRENT_ROW;
    else TRY(bind_frame_bound(b, &w->frame_end, true, &fr.end, &fr.end_off));
    wp.call.frame = fr;
  }
  wp.id = sql_new_id(q);
  if (b->n_wins == b->cap_wins) {
    uint32_t nc = b->cap_wins ? b->cap_wins * 2 : 4;
    win_pending *na = arena_alloc(q->ar, nc * sizeof *na);
    if (!na) return LAGO_NOMEM_ERR(q->err);
    if (b->n_wins) memcpy(na, b->wins, b->n_wins * sizeof *na);
    b->wins = na;
    b->cap_wins = nc;
  }
  b->wins[b->n_wins++] = wp;
  *out = expr_column(q->ar, wp.id, wp.call.type, wp.call.name);
  return *out ? LAGO_OK : LAGO_NOMEM_ERR(q->err);
}

/* Spark's type-named cast functions: int(x), string(x), ... */
static bool cast_function(const char *name, lago_type *t) {
  static const struct {
    const char *n;
    lago_type_id id;
  } m[] = {{"boolean", LT_BOOLEAN}, {"tinyint", LT_TINYINT}, {"smallint", LT_SMALLINT}, {"int", LT_INT},
           {"bigint", LT_BIGINT},   {"float", LT_FLOAT},     {"double", LT_DOUBLE},     {"string", LT_STRING},
           {"binary", LT_BINARY},   {"date", LT_DATE},       {"timestamp", LT_TIMESTAMP}, {"timestamp_ntz", LT_TIMESTAMP_NTZ}};
  for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
    if (!strcmp(name, m[i].n)) {
      *t = type_make(m[i].id);
      return true;
    }
  if (!strcmp(name, "decimal")) {
    *t = type_decimal(10, 0);
    return true;
  }
  return false;
}

static int bind_func(bind_ectx *b, const sql_expr *e, expr **out) {
  sql_ctx *q = b->q;
  const sql_func *f = &e->func;
  if (f->name.n_parts != 1)
    return sql_err_at(q, LAGO_BIND, e->pos, "[UNRESOLVED_ROUTINE] Cannot resolve routine `%s`: qualified function names are not supported",
                      f->name.parts[f->name.n_parts - 1].name);
  const char *name = lower_dup(q, f->name.parts[0].name);
  if (!name) return LAGO_NOMEM_ERR(q->err);
  if (f->no_parens) {
    /* CURRENT_DATE etc.: a column of that name wins */
    sql_name nm = {(sql_ident *)&f->name.parts[0], 1, e->pos};
    lago_err save = *q->err;
    bool outer = false;
    bool *saved_used = b->sc->outer_used;
    b->sc->outer_used = &outer;
    int rc = bind_column(b, &nm, e->pos, out);
    b->sc->outer_used = saved_used;
    if (rc == LAGO_OK) return LAGO_OK;
    if (rc == LAGO_NOMEM) return rc;
    *q->err = save;
    if (!strcmp(name, "user") || !strcmp(name, "current_user") || !strcmp(name, "session_user")) {
      *out = expr_str(q->ar, "lago");
      return *out ? LAGO_OK : LAGO_NOMEM_ERR(q->err);
    }
  }
  if (!strcmp(name, "grouping") || !strcmp(name, "grouping_id")) return bind_grouping_call(b, e, name, out);
  if (f->over) return bind_window_call(b, e, name, out);
  if (is_agg_name(name) && strcmp(name, "any") && strcmp(name, "some")) return bind_agg_call(b, e, name, out);
  if ((!strcmp(name, "any") || !strcmp(name, "some")) && f->n_args == 1) return bind_agg_call(b, e, name, out);
  if (f->distinct || f->star || f->filter || f->n_within_group)
    return sql_err_at(q, LAGO_BIND, e->pos, "`%s` is not an aggregate function", name);

  /* special forms */
  if (!strcmp(name, "current_database") || !strcmp(name, "current_schema")) {
    *out = expr_str(q->ar, q->s->cur_schema);
    return *out ? LAGO_OK : LAGO_NOMEM_ERR(q->err);
  }
  if (!strcmp(name, "current_catalog")) {
    *out = expr_str(q->ar, q->s->cur_catalog);
    return *out ? LAGO_OK : LAGO_NOMEM_ERR(q->err);
  }
  if (bind_generator_lookup(name, NULL)) {
    /* A generator reaching here is not a whole select item (bind_query.c takes those). */
    const char *what = b->clause ? b->clause : "this clause";
    if (b->item && b->clause && !strcmp(b->clause, "SELECT")) {
      buf t;
      buf_init(&t);
      int prc = sql_print_expr(&t, b->item, 0);
      int rc = prc ? LAGO_NOMEM_ERR(q->err)
                   : sql_err_at(q, LAGO_BIND, e->pos,
                                "[UNSUPPORTED_GENERATOR.NESTED_IN_EXPRESSIONS] The generator is not supported: nested in "
                                "expressions \"%s\" (Generators are not supported when it's nested in expressions)",
                                buf_cstr(&t));
      buf_deinit(&t);
      return rc;
    }
    return sql_err_at(q, LAGO_BIND, e->pos,
                      "[UNSUPPORTED_GENERATOR.OUTSIDE_SELECT] The generator is not supported: outside the SELECT clause, "
                      "found: `%s` in %s",
                      name, what);
  }
  /* timestampdiff(HOUR, a, b), datediff(unit, a, b), timestampadd/dateadd(unit, n, ts): the unit is a
  ** keyword, passed to the function as a string (exec/func_zone.c) */
  bool diff = !strcmp(name, "timestampdiff") || !strcmp(name, "date_diff") || !strcmp(name, "timestamp_diff") ||
              !strcmp(name, "datediff");
  bool add = !strcmp(name, "timestampadd") || !strcmp(name, "dateadd") || !strcmp(name, "date_add") ||
             !strcmp(name, "timestamp_add");
  if ((diff || add) && f->n_args == 3 && f->args[0]->kind == SQL_E_COLUMN && f->args[0]->column.name.n_parts == 1) {
    expr *a3[3];
    if (!(a3[0] = expr_str(q->ar, f->args[0]->column.name.parts[0].name))) return LAGO_NOMEM_ERR(q->err);
    TRY(bind_expr(b, f->args[1], &a3[1]));
    TRY(bind_expr(b, f->args[2], &a3[2]));
    return call_at(q, diff ? "timestampdiff" : "timestampadd", a3, 3, e->pos, out);
  }
  expr **args;
  TRY(bind_args(b, f, &args));
  uint32_t n = f->n_args;
  lago_type ct;
  if (n == 1 && cast_function(name, &ct)) return cast_at(q, args[0], ct, false, e->pos, out);
  if (!strcmp(name, "coalesce") || ((!strcmp(name, "ifnull") || !strcmp(name, "nvl")) && n == 2)) {
    if (n < 1) return sql_err_at(q, LAGO_BIND, e->pos, "[WRONG_NUM_ARGS] `coalesce` requires at least 1 argument");
    lago_err tmp;
    lago_err_clear(&tmp);
    int rc = expr_coalesce(q->ar, args, n, out, &tmp);
    return rc ? rethrow(q, rc, &tmp, e->pos) : LAGO_OK;
  }
  if ((!strcmp(name, "if") || !strcmp(name, "iff")) && n == 3) {
    expr *c;
    TRY(cast_at(q, args[0], type_make(LT_BOOLEAN), false, e->pos, &c));
    lago_err tmp;
    lago_err_clear(&tmp);
    int rc = expr_case(q->ar, &c, &args[1], 1, args[2], out, &tmp);
    return rc ? rethrow(q, rc, &tmp, e->pos) : LAGO_OK;
  }
  if (!strcmp(name, "nullif") && n == 2) {
    expr *c, *nul;
    TRY(call_at(q, "=", args, 2, e->pos, &c));
    if (!(nul = expr_null(q->ar, args[0]->type))) return LAGO_NOMEM_ERR(q->err);
    lago_err tmp;
    lago_err_clear(&tmp);
    int rc = expr_case(q->ar, &c, &nul, 1, args[0], out, &tmp);
    return rc ? rethrow(q, rc, &tmp, e->pos) : LAGO_OK;
  }
  if (!strcmp(name, "nvl2") && n == 3) {
    expr *c = expr_is_null(q->ar, args[0], true);
    if (!c) return LAGO_NOMEM_ERR(q->err);
    lago_err tmp;
    lago_err_clear(&tmp);
    int rc = expr_case(q->ar, &c, &args[1], 1, args[2], out, &tmp);
    return rc ? rethrow(q, rc, &tmp, e->pos) : LAGO_OK;
  }
  if ((!strcmp(name, "isnull") || !strcmp(name, "isnotnull")) && n == 1) {
    *out = expr_is_null(q->ar, args[0], name[2] == 'n');
    return *out ? LAGO_OK : LAGO_NOMEM_ERR(q->err);
  }
  if (!strcmp(name, "trim") && f->trim != SQL_TRIM_NONE) {
    const char *fn = f->trim == SQL_TRIM_LEADING ? "ltrim" : f->trim == SQL_TRIM_TRAILING ? "rtrim" : "trim";
    return call_at(q, fn, args, n, e->pos, out);
  }
  return call_at(q, name, args, n, e->pos, out);
}

/* ---- expressions ------------------------------------------------------------------------- */

int bind_bool(bind_ectx *b, const sql_expr *e, expr **out) {
  expr *x;
  TRY(bind_expr(b, e, &x));
  if (x->type.id == LT_BOOLEAN) {
    *out = x;
    return LAGO_OK;
  }
  if (x->type.id == LT_NULL) return cast_at(b->q, x, type_make(LT_BOOLEAN), false, e->pos, out);
  return sql_err_at(b->q, LAGO_BIND, e->pos, "[DATATYPE_MISMATCH] the condition must be BOOLEAN, got %s",
                    type_sql_name(b->q->ar, x->type) ? type_sql_name(b->q->ar, x->type) : "?");
}

static int bind_like(bind_ectx *b, const sql_expr *e, expr **out) {
  sql_ctx *q = b->q;
  const char *fn = e->like.op == SQL_LIKE ? "like" : e->like.op == SQL_ILIKE ? "ilike" : "rlike";
  if (e->like.escape) {
    const sql_expr *es = e->like.escape;
    if (es->kind != SQL_E_LITERAL || es->lit.kind != SQL_LIT_STRING || es->lit.str_len != 1 || es->lit.str[0] != '\\')
      return sql_err_at(q, LAGO_UNSUPPORTED, es->pos, "LIKE ... ESCAPE supports only '\\'");
  }
  expr *x;
  TRY(bind_expr(b, e->like.arg, &x));
  expr *r;
  if (e->like.quant == SQL_QUANT_NONE) {
    expr *p;
    TRY(bind_expr(b, e->like.pattern, &p));
    TRY(bind_fold(q, p, &p));
    expr *a[2] = {x, p};
    TRY(call_at(q, fn, a, 2, e->pos, &r));
  } else {
    expr **parts = arena_alloc(q->ar, e->like.n_list * sizeof *parts);
    if (!parts) return LAGO_NOMEM_ERR(q->err);
    for (uint32_t i = 0; i < e->like.n_list; i++) {
      expr *p;
      TRY(bind_expr(b, e->like.list[i], &p));
      TRY(bind_fold(q, p, &p));
      expr *a[2] = {x, p};
      TRY(call_at(q, fn, a, 2, e->pos, &parts[i]));
    }
    if (e->like.n_list == 1) r = parts[0];
    else if (e->like.quant == SQL_QUANT_ANY) TRY(expr_or(q->ar, parts, e->like.n_list, &r, q->err));
    else TRY(expr_and(q->ar, parts, e->like.n_list, &r, q->err));
  }
  if (e->like.negated) TRY(expr_not(q->ar, r, &r, q->err));
  *out = r;
  return LAGO_OK;
}

static int bind_case(bind_ectx *b, const sql_expr *e, expr **out) {
  sql_ctx *q = b->q;
  uint32_t n = e->case_.n_whens;
  expr **w = arena_alloc(q->ar, n * sizeof *w), **t = arena_alloc(q->ar, n * sizeof *t);
  if (!w || !t) return LAGO_NOMEM_ERR(q->err);
  expr *op = NULL;
  if (e->case_.operand) TRY(bind_expr(b, e->case_.operand, &op));
  for (uint32_t i = 0; i < n; i++) {
    if (op) {
      expr *v;
      TRY(bind_expr(b, e->case_.whens[i].cond, &v));
      expr *a[2] = {op, v};
      TRY(call_at(q, "=", a, 2, e->case_.whens[i].cond->pos, &w[i]));
    } else {
      TRY(bind_bool(b, e->case_.whens[i].cond, &w[i]));
    }
    TRY(bind_expr(b, e->case_.whens[i].result, &t[i]));
  }
  expr *el = NULL;
  if (e->case_.else_result) TRY(bind_expr(b, e->case_.else_result, &el));
  lago_err tmp;
  lago_err_clear(&tmp);
  int rc = expr_case(q->ar, w, t, n, el, out, &tmp);
  return rc ? rethrow(q, rc, &tmp, e->pos) : LAGO_OK;
}

static const char *extract_func(const char *field) {
  static const struct {
    const char *f, *fn;
  } m[] = {{"YEAR", "year"},     {"YEARS", "year"},       {"Y", "year"},        {"YR", "year"},
           {"YRS", "year"},      {"QUARTER", "quarter"},  {"QTR", "quarter"},   {"MONTH", "month"},
           {"MONTHS", "month"},  {"MON", "month"},        {"MONS", "month"},    {"WEEK", "weekofyear"},
           {"WEEKS", "weekofyear"}, {"W", "weekofyear"},  {"DAY", "day"},       {"DAYS", "day"},
           {"D", "day"},         {"DAYOFWEEK", "dayofweek"}, {"DOW", "dayofweek"}, {"DOY", "dayofyear"},
           {"HOUR", "hour"},     {"HOURS", "hour"},       {"H", "hour"},        {"MINUTE", "minute"},
           {"MINUTES", "minute"}, {"MIN", "minute"},      {"M", "minute"},      {"SECOND", "second"},
           {"SECONDS", "second"}, {"S", "second"},        {"SEC", "second"}};
  for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
    if (!strcasecmp(field, m[i].f)) return m[i].fn;
  return NULL;
}

int bind_expr(bind_ectx *b, const sql_expr *e, expr **out) {
  sql_ctx *q = b->q;
  switch (e->kind) {
    case SQL_E_LITERAL: return bind_literal(q, &e->lit, e->pos, out);
    case SQL_E_COLUMN: return bind_column(b, &e->column.name, e->pos, out);
    case SQL_E_STAR: return sql_err_at(q, LAGO_BIND, e->pos, "[INVALID_USAGE_OF_STAR] `*` is not allowed here");
    case SQL_E_PARAM: return sql_err_at(q, LAGO_UNSUPPORTED, e->pos, "parameter markers are not supported");
    case SQL_E_UNARY: {
      expr *a;
      TRY(bind_expr(b, e->unary.arg, &a));
      switch (e->unary.op) {
        case SQL_OP_NOT: {
          if (a->type.id != LT_BOOLEAN) TRY(cast_at(q, a, type_make(LT_BOOLEAN), false, e->pos, &a));
          return expr_not(q->ar, a, out, q->err);
        }
        case SQL_OP_NEG: return call_at(q, "negative", &a, 1, e->pos, out);
        case SQL_OP_PLUS: return call_at(q, "positive", &a, 1, e->pos, out);
        default: return call_at(q, "bit_not", &a, 1, e->pos, out);
      }
    }
    case SQL_E_BINARY: {
      sql_op op = e->binary.op;
      if ((op == SQL_OP_ADD || op == SQL_OP_SUB) && e->binary.right->kind == SQL_E_INTERVAL) {
        expr *x;
        TRY(bind_expr(b, e->binary.left, &x));
        return bind_interval_arith(b, e, x, e->binary.right, op == SQL_OP_SUB, out);
      }
      if (op == SQL_OP_ADD && e->binary.left->kind == SQL_E_INTERVAL) {
        expr *x;
        TRY(bind_expr(b, e->binary.right, &x));
        return bind_interval_arith(b, e, x, e->binary.left, false, out);
      }
      expr *a, *c;
      if (op == SQL_OP_AND || op == SQL_OP_OR) {
        TRY(bind_bool(b, e->binary.left, &a));
        TRY(bind_bool(b, e->binary.right, &c));
        expr *args[2] = {a, c};
        return op == SQL_OP_AND ? expr_and(q->ar, args, 2, out, q->err) : expr_or(q->ar, args, 2, out, q->err);
      }
      TRY(bind_expr(b, e->binary.left, &a));
      TRY(bind_expr(b, e->binary.right, &c));
      if (op == SQL_OP_NSEQ) {
        /* an untyped NULL takes the other side's type (both NULL: BOOLEAN) */
        lago_type t = a->type.id == LT_NULL ? c->type : a->type;
        if (t.id == LT_NULL) t = type_make(LT_BOOLEAN);
        if (a->type.id == LT_NULL && !(a = expr_null(q->ar, t))) return LAGO_NOMEM_ERR(q->err);
        if (c->type.id == LT_NULL && !(c = expr_null(q->ar, t))) return LAGO_NOMEM_ERR(q->err);
        lago_err tmp;
        lago_err_clear(&tmp);
        int rc = expr_distinct(q->ar, a, c, true, out, &tmp);
        return rc ? rethrow(q, rc, &tmp, e->pos) : LAGO_OK;
      }
      const char *fn = binop_name(op);
      if (!fn) return sql_err_at(q, LAGO_UNSUPPORTED, e->pos, "operator %s is not supported", sql_op_name(op));
      if (op == SQL_OP_ADD || op == SQL_OP_SUB || op == SQL_OP_MUL || op == SQL_OP_DIV || op == SQL_OP_MOD) {
        /* Spark types an integer literal next to a DECIMAL as DECIMAL(digits, 0) (DecimalPrecision) */
        TRY(literal_as_decimal(q, e->binary.right, c->type.id == LT_DECIMAL ? NULL : &c, a->type));
        TRY(literal_as_decimal(q, e->binary.left, a->type.id == LT_DECIMAL ? NULL : &a, c->type));
      }
      expr *args[2] = {a, c};
      return call_at(q, fn, args, 2, e->pos, out);
    }
    case SQL_E_IS: {
      expr *a;
      TRY(bind_expr(b, e->is.arg, &a));
      expr *r;
      switch (e->is.what) {
        case SQL_IS_NULL:
        case SQL_IS_UNKNOWN: r = expr_is_null(q->ar, a, e->is.negated); break;
        case SQL_IS_TRUE:
        case SQL_IS_FALSE: {
          if (a->type.id != LT_BOOLEAN) TRY(cast_at(q, a, type_make(LT_BOOLEAN), false, e->pos, &a));
          expr *c = expr_bool(q->ar, e->is.what == SQL_IS_TRUE);
          if (!c) return LAGO_NOMEM_ERR(q->err);
          lago_err tmp;
          lago_err_clear(&tmp);
          int rc = expr_distinct(q->ar, a, c, !e->is.negated, &r, &tmp);
          if (rc) return rethrow(q, rc, &tmp, e->pos);
          break;
        }
        case SQL_IS_DISTINCT_FROM: {
          expr *c;
          TRY(bind_expr(b, e->is.right, &c));
          lago_type t = a->type.id == LT_NULL ? c->type : a->type;
          if (t.id == LT_NULL) t = type_make(LT_BOOLEAN);
          if (a->type.id == LT_NULL && !(a = expr_null(q->ar, t))) return LAGO_NOMEM_ERR(q->err);
          if (c->type.id == LT_NULL && !(c = expr_null(q->ar, t))) return LAGO_NOMEM_ERR(q->err);
          lago_err tmp;
          lago_err_clear(&tmp);
          int rc = expr_distinct(q->ar, a, c, e->is.negated, &r, &tmp);
          if (rc) return rethrow(q, rc, &tmp, e->pos);
          break;
        }
        default: r = NULL;
      }
      if (!r) return LAGO_NOMEM_ERR(q->err);
      *out = r;
      return LAGO_OK;
    }
    case SQL_E_BETWEEN: {
      expr *x, *lo, *hi, *c1, *c2;
      TRY(bind_expr(b, e->between.arg, &x));
      TRY(bind_expr(b, e->between.lo, &lo));
      TRY(bind_expr(b, e->between.hi, &hi));
      expr *a1[2] = {x, lo}, *a2[2] = {x, hi};
      TRY(call_at(q, ">=", a1, 2, e->pos, &c1));
      TRY(call_at(q, "<=", a2, 2, e->pos, &c2));
      expr *a[2] = {c1, c2};
      TRY(expr_and(q->ar, a, 2, out, q->err));
      if (e->between.negated) TRY(expr_not(q->ar, *out, out, q->err));
      return LAGO_OK;
    }
    case SQL_E_IN: {
      if (e->in.query) return bind_subquery_expr(b, e, out);
      expr *x;
      TRY(bind_expr(b, e->in.arg, &x));
      expr **list = arena_alloc(q->ar, e->in.n_list * sizeof *list);
      if (!list) return LAGO_NOMEM_ERR(q->err);
      for (uint32_t i = 0; i < e->in.n_list; i++) TRY(bind_expr(b, e->in.list[i], &list[i]));
      lago_err tmp;
      lago_err_clear(&tmp);
      int rc = expr_in(q->ar, x, list, e->in.n_list, e->in.negated, out, &tmp);
      return rc ? rethrow(q, rc, &tmp, e->pos) : LAGO_OK;
    }
    case SQL_E_LIKE: return bind_like(b, e, out);
    case SQL_E_CASE: return bind_case(b, e, out);
    case SQL_E_CAST: {
      expr *a;
      TRY(bind_expr(b, e->cast.arg, &a));
      return cast_at(q, a, e->cast.type, e->cast.is_try, e->pos, out);
    }
    case SQL_E_FUNC: return bind_func(b, e, out);
    case SQL_E_NAMED_ARG:
    case SQL_E_LAMBDA:
    case SQL_E_TABLE_ARG: return sql_err_at(q, LAGO_UNSUPPORTED, e->pos, "this argument form is not supported here");
    case SQL_E_FIELD: {
      expr *base;
      TRY(bind_expr(b, e->field.base, &base));
      return apply_fields(q, base, &e->field.name, 0, 1, e->pos, out);
    }
    case SQL_E_SUBSCRIPT: {
      expr *base, *idx;
      TRY(bind_expr(b, e->subscript.base, &base));
      TRY(bind_expr(b, e->subscript.index, &idx));
      if (base->type.id == LT_ARRAY) {
        expr *one = expr_int(q->ar, 1);
        if (!one) return LAGO_NOMEM_ERR(q->err);
        expr *a[2] = {idx, one};
        TRY(call_at(q, "+", a, 2, e->pos, &idx));
        expr *c[2] = {base, idx};
        return call_at(q, "try_element_at", c, 2, e->pos, out);
      }
      if (base->type.id == LT_MAP) {
        expr *c[2] = {base, idx};
        return call_at(q, "try_element_at", c, 2, e->pos, out);
      }
      if (base->type.id == LT_STRUCT && idx->kind == EXPR_CONST && idx->type.id == LT_STRING) {
        const lago_str *s = &VEC_DATA(idx->u.value, lago_str)[0];
        char *nm = arena_strndup(q->ar, str_data(s), s->len);
        if (!nm) return LAGO_NOMEM_ERR(q->err);
        sql_ident id = {nm, e->subscript.index->pos, false};
        return apply_fields(q, base, &id, 0, 1, e->pos, out);
      }
      return sql_err_at(q, LAGO_BIND, e->pos, "[DATATYPE_MISMATCH] subscript needs an ARRAY or MAP");
    }
    case SQL_E_JSON_PATH:
      return sql_err_at(q, LAGO_UNSUPPORTED, e->pos, "JSON path extraction (x:a.b) is not supported");
    case SQL_E_SUBQUERY:
    case SQL_E_EXISTS: return bind_subquery_expr(b, e, out);
    case SQL_E_EXTRACT: {
      const char *fn = extract_func(e->extract.field.name);
      if (!fn)
        return sql_err_at(q, LAGO_BIND, e->pos, "[INVALID_EXTRACT_FIELD] Cannot extract %s", e->extract.field.name);
      expr *a;
      TRY(bind_expr(b, e->extract.arg, &a));
      return call_at(q, fn, &a, 1, e->pos, out);
    }
    case SQL_E_INTERVAL:
      return sql_err_at(q, LAGO_UNSUPPORTED, e->pos, "INTERVAL values are only supported in date/timestamp + or -");
    case SQL_E_ROW:
      return sql_err_at(q, LAGO_UNSUPPORTED, e->pos, "row constructors are not supported");
  }
  return sql_err_at(q, LAGO_INTERNAL, e->pos, "unknown expression kind %d", (int)e->kind);
}

int bind_assign_cast(sql_ctx *q, expr *e, lago_type t, const char *col, int pos, expr **out) {
  if (type_equal(e->type, t)) {
    *out = e;
    return LAGO_OK;
  }
  if (e->type.id == LT_NULL) {
    *out = expr_null(q->ar, t);
    return *out ? LAGO_OK : LAGO_NOMEM_ERR(q->err);
  }
  if (!cast_allowed(e->type, t)) {
    const char *from = type_sql_name(q->ar, e->type), *to = type_sql_name(q->ar, t);
    return sql_err_at(q, LAGO_BIND, pos, "[INCOMPATIBLE_DATA_FOR_TABLE.CANNOT_SAFELY_CAST] Cannot write to column `%s`: cannot cast %s to %s",
                      col, from ? from : "?", to ? to : "?");
  }
  return cast_at(q, e, t, false, pos, out);
}
