/*
** sql/lplan.c: logical plan nodes and helpers over id-based expressions
** (sql_int.h "Logical plans"), plus small growable arrays and result row
** sets used by the statement files.
**
** Everything is allocated in the statement arena; nothing is freed
** individually.
*/
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "exec/vecops.h"
#include "sql/sql_int.h"
#include "util/datetime.h"
#include "util/numfmt.h"

/* ---- growable arrays -------------------------------------------------------- */

int sql_push_ptr(sql_ctx *q, void ***arr, uint32_t *n, uint32_t *cap, void *p) {
  if (*n == *cap) {
    uint32_t nc = *cap ? *cap * 2 : 8;
    void **na = arena_alloc(q->ar, nc * sizeof *na);
    if (!na) return LAGO_NOMEM_ERR(q->err);
    if (*n) memcpy(na, *arr, *n * sizeof *na);
    *arr = na;
    *cap = nc;
  }
  (*arr)[(*n)++] = p;
  return LAGO_OK;
}

int sql_push_u32(sql_ctx *q, uint32_t **arr, uint32_t *n, uint32_t *cap, uint32_t v) {
  if (*n == *cap) {
    uint32_t nc = *cap ? *cap * 2 : 8;
    uint32_t *na = arena_alloc(q->ar, nc * sizeof *na);
    if (!na) return LAGO_NOMEM_ERR(q->err);
    if (*n) memcpy(na, *arr, *n * sizeof *na);
    *arr = na;
    *cap = nc;
  }
  (*arr)[(*n)++] = v;
  return LAGO_OK;
}

/* ---- nodes ----------------------------------------------------------------- */

lp *lp_new(sql_ctx *q, lp_kind k, uint32_t n_child, lp **children) {
  lp *n = arena_zalloc(q->ar, sizeof *n);
  if (!n) return NULL;
  n->kind = (uint8_t)k;
  n->est_rows = -1;
  n->n_child = n_child;
  if (n_child) {
    n->child = arena_alloc(q->ar, n_child * sizeof *n->child);
    if (!n->child) return NULL;
    memcpy(n->child, children, n_child * sizeof *n->child);
  }
  return n;
}

static int copy_out(sql_ctx *q, lp *n, const lp_col *cols, uint32_t cnt) {
  n->n_out = cnt;
  n->out = arena_alloc(q->ar, (cnt ? cnt : 1) * sizeof *n->out);
  if (!n->out) return LAGO_NOMEM_ERR(q->err);
  if (cnt) memcpy(n->out, cols, cnt * sizeof *cols);
  return LAGO_OK;
}

int lp_get(sql_ctx *q, const exec_source *src, const char *label, lp **out) {
  lp *n = lp_new(q, LP_GET, 0, NULL);
  if (!n) return LAGO_NOMEM_ERR(q->err);
  n->n_out = src->n_cols;
  n->out = arena_alloc(q->ar, (src->n_cols ? src->n_cols : 1) * sizeof *n->out);
  n->u.get.src_cols = arena_alloc(q->ar, (src->n_cols ? src->n_cols : 1) * sizeof(uint32_t));
  if (!n->out || !n->u.get.src_cols) return LAGO_NOMEM_ERR(q->err);
  for (uint32_t i = 0; i < src->n_cols; i++) {
    n->out[i].id = sql_new_id(q);
    n->out[i].type = src->types[i];
    n->out[i].name = src->names ? src->names[i] : NULL;
    n->u.get.src_cols[i] = i;
  }
  n->u.get.src = src;
  n->u.get.label = label ? label : src->label;
  n->est_rows = sql_source_rows(src);
  *out = n;
  return LAGO_OK;
}

int lp_filter(sql_ctx *q, lp *child, expr *pred, lp **out) {
  lp *n = lp_new(q, LP_FILTER, 1, &child);
  if (!n) return LAGO_NOMEM_ERR(q->err);
  TRY(copy_out(q, n, child->out, child->n_out));
  n->u.filter.pred = pred;
  *out = n;
  return LAGO_OK;
}

int lp_project(sql_ctx *q, lp *child, expr **exprs, const char *const *names, uint32_t cnt, lp **out) {
  lp *n = lp_new(q, LP_PROJECT, 1, &child);
  if (!n) return LAGO_NOMEM_ERR(q->err);
  n->n_out = cnt;
  n->out = arena_alloc(q->ar, (cnt ? cnt : 1) * sizeof *n->out);
  n->u.project.exprs = arena_alloc(q->ar, (cnt ? cnt : 1) * sizeof(expr *));
  if (!n->out || !n->u.project.exprs) return LAGO_NOMEM_ERR(q->err);
  for (uint32_t i = 0; i < cnt; i++) {
    n->out[i].id = sql_new_id(q);
    n->out[i].type = exprs[i]->type;
    n->out[i].name = names ? names[i] : NULL;
    n->u.project.exprs[i] = exprs[i];
  }
  *out = n;
  return LAGO_OK;
}

int lp_find(const lp *n, uint32_t id) {
  for (uint32_t i = 0; i < n->n_out; i++)
    if (n->out[i].id == id) return (int)i;
  return -1;
}

expr *lp_colref(sql_ctx *q, const lp *n, uint32_t i) {
  return expr_column(q->ar, n->out[i].id, n->out[i].type, n->out[i].name);
}

int lp_project_ids(sql_ctx *q, lp *child, const uint32_t *ids, uint32_t cnt, lp **out) {
  lp *n = lp_new(q, LP_PROJECT, 1, &child);
  if (!n) return LAGO_NOMEM_ERR(q->err);
  n->n_out = cnt;
  n->out = arena_alloc(q->ar, (cnt ? cnt : 1) * sizeof *n->out);
  n->u.project.exprs = arena_alloc(q->ar, (cnt ? cnt : 1) * sizeof(expr *));
  if (!n->out || !n->u.project.exprs) return LAGO_NOMEM_ERR(q->err);
  for (uint32_t i = 0; i < cnt; i++) {
    int k = lp_find(child, ids[i]);
    if (k < 0) return LAGO_ERR(q->err, LAGO_INTERNAL, "projection of column #%u missing from its input", ids[i]);
    n->out[i] = child->out[k];
    if (!(n->u.project.exprs[i] = lp_colref(q, child, (uint32_t)k))) return LAGO_NOMEM_ERR(q->err);
  }
  *out = n;
  return LAGO_OK;
}

int lp_join_refresh(sql_ctx *q, lp *j) {
  lp *l = j->child[0], *r = j->child[1];
  join_type t = (join_type)j->u.join.type;
  bool keep_right = t != JOIN_SEMI && t != JOIN_ANTI && t != JOIN_MARK;
  uint32_t mark_id = 0;
  lago_type mark_type = type_make(LT_BOOLEAN);
  const char *mark_name = NULL;
  if (t == JOIN_MARK && j->n_out > 0) {
    mark_id = j->out[j->n_out - 1].id;
    mark_name = j->out[j->n_out - 1].name;
  } else if (t == JOIN_MARK) {
    mark_id = sql_new_id(q);
  }
  uint32_t cnt = l->n_out + (keep_right ? r->n_out : 0) + (t == JOIN_MARK ? 1 : 0);
  lp_col *o = arena_alloc(q->ar, (cnt ? cnt : 1) * sizeof *o);
  if (!o) return LAGO_NOMEM_ERR(q->err);
  uint32_t k = 0;
  for (uint32_t i = 0; i < l->n_out; i++) o[k++] = l->out[i];
  if (keep_right)
    for (uint32_t i = 0; i < r->n_out; i++) o[k++] = r->out[i];
  if (t == JOIN_MARK) o[k++] = (lp_col){mark_id, mark_type, mark_name};
  j->out = o;
  j->n_out = cnt;
  return LAGO_OK;
}

int lp_join(sql_ctx *q, join_type type, lp *left, lp *right, expr *cond, lp **out) {
  lp *ch[2] = {left, right};
  lp *n = lp_new(q, LP_JOIN, 2, ch);
  if (!n) return LAGO_NOMEM_ERR(q->err);
  n->u.join.type = (uint8_t)type;
  n->u.join.cond = cond;
  TRY(lp_join_refresh(q, n));
  *out = n;
  return LAGO_OK;
}

int lp_sort(sql_ctx *q, lp *child, const sort_key *keys, uint32_t cnt, lp **out) {
  lp *n = lp_new(q, LP_SORT, 1, &child);
  if (!n) return LAGO_NOMEM_ERR(q->err);
  TRY(copy_out(q, n, child->out, child->n_out));
  n->u.sort.n_keys = cnt;
  n->u.sort.keys = arena_memdup(q->ar, keys, (cnt ? cnt : 1) * sizeof *keys);
  if (!n->u.sort.keys) return LAGO_NOMEM_ERR(q->err);
  *out = n;
  return LAGO_OK;
}

int lp_limit(sql_ctx *q, lp *child, int64_t limit, int64_t offset, lp **out) {
  lp *n = lp_new(q, LP_LIMIT, 1, &child);
  if (!n) return LAGO_NOMEM_ERR(q->err);
  TRY(copy_out(q, n, child->out, child->n_out));
  n->u.limit.limit = limit;
  n->u.limit.offset = offset;
  *out = n;
  return LAGO_OK;
}

int lp_distinct(sql_ctx *q, lp *child, lp **out) {
  lp *n = lp_new(q, LP_DISTINCT, 1, &child);
  if (!n) return LAGO_NOMEM_ERR(q->err);
  TRY(copy_out(q, n, child->out, child->n_out));
  *out = n;
  return LAGO_OK;
}

static int set_child_ids(sql_ctx *q, lp *n) {
  n->child_ids = arena_alloc(q->ar, n->n_child * sizeof *n->child_ids);
  if (!n->child_ids) return LAGO_NOMEM_ERR(q->err);
  for (uint32_t i = 0; i < n->n_child; i++) {
    n->child_ids[i] = arena_alloc(q->ar, (n->n_out ? n->n_out : 1) * sizeof(uint32_t));
    if (!n->child_ids[i]) return LAGO_NOMEM_ERR(q->err);
    for (uint32_t j = 0; j < n->n_out; j++) n->child_ids[i][j] = n->child[i]->out[j].id;
  }
  return LAGO_OK;
}

int lp_union(sql_ctx *q, lp **children, uint32_t cnt, lp **out) {
  lp *n = lp_new(q, LP_UNION, cnt, children);
  if (!n) return LAGO_NOMEM_ERR(q->err);
  TRY(copy_out(q, n, children[0]->out, children[0]->n_out));
  for (uint32_t i = 0; i < n->n_out; i++) n->out[i].id = sql_new_id(q);
  TRY(set_child_ids(q, n));
  double est = 0;
  for (uint32_t i = 0; i < cnt && est >= 0; i++) est = children[i]->est_rows < 0 ? -1 : est + children[i]->est_rows;
  n->est_rows = est;
  *out = n;
  return LAGO_OK;
}

int lp_setop(sql_ctx *q, lp *l, lp *r, bool intersect, bool all, lp **out) {
  lp *ch[2] = {l, r};
  lp *n = lp_new(q, LP_SETOP, 2, ch);
  if (!n) return LAGO_NOMEM_ERR(q->err);
  TRY(copy_out(q, n, l->out, l->n_out));
  for (uint32_t i = 0; i < n->n_out; i++) n->out[i].id = sql_new_id(q);
  TRY(set_child_ids(q, n));
  n->u.setop.intersect = intersect;
  n->u.setop.all = all;
  *out = n;
  return LAGO_OK;
}

int lp_one_row(sql_ctx *q, lp **out) {
  lp *n = lp_new(q, LP_VALUES, 0, NULL);
  if (!n) return LAGO_NOMEM_ERR(q->err);
  n->out = arena_alloc(q->ar, sizeof *n->out);
  n->u.values.cols = arena_alloc(q->ar, sizeof(vec));
  if (!n->out || !n->u.values.cols) return LAGO_NOMEM_ERR(q->err);
  n->n_out = 0;
  n->u.values.n_rows = 1;
  n->est_rows = 1;
  *out = n;
  return LAGO_OK;
}

/* ---- expressions over ids -------------------------------------------------- */

static bool const_equal(const vec *a, const vec *b) {
  if (!type_equal(a->type, b->type)) return false;
  bool an = !vec_is_valid(a, 0), bn = !vec_is_valid(b, 0);
  if (an || bn) return an && bn;
  return vecops_compare_nulls(a, 0, b, 0) == 0;
}

bool lpx_equal(const expr *a, const expr *b) {
  if (a == b) return true;
  if (!a || !b) return false;
  if (a->kind != b->kind || a->n_args != b->n_args || a->negated != b->negated || !type_equal(a->type, b->type))
    return false;
  switch ((expr_kind)a->kind) {
    case EXPR_COLUMN:
      if (a->u.col != b->u.col) return false;
      break;
    case EXPR_CONST:
      if (!const_equal(a->u.value, b->u.value)) return false;
      break;
    case EXPR_CAST:
      if (a->u.try_cast != b->u.try_cast) return false;
      break;
    case EXPR_CASE:
      if (a->u.has_else != b->u.has_else) return false;
      break;
    case EXPR_FIELD:
      if (a->u.field != b->u.field) return false;
      break;
    case EXPR_CALL:
    case EXPR_IN:
    case EXPR_DISTINCT:
      if (a->u.call.def != b->u.call.def || a->u.call.kernel != b->u.call.kernel) return false;
      if (a->u.call.flags & FN_VOLATILE) return false;
      break;
    default:
      break;
  }
  for (uint32_t i = 0; i < a->n_args; i++)
    if (!lpx_equal(a->args[i], b->args[i])) return false;
  return true;
}

bool lpx_only(const expr *e, const uint32_t *ids, uint32_t n_ids) {
  if (e->kind == EXPR_COLUMN) {
    for (uint32_t i = 0; i < n_ids; i++)
      if (ids[i] == e->u.col) return true;
    return false;
  }
  for (uint32_t i = 0; i < e->n_args; i++)
    if (!lpx_only(e->args[i], ids, n_ids)) return false;
  return true;
}

bool lpx_uses_any(const expr *e, const lp *n) {
  if (e->kind == EXPR_COLUMN) return lp_find(n, e->u.col) >= 0;
  for (uint32_t i = 0; i < e->n_args; i++)
    if (lpx_uses_any(e->args[i], n)) return true;
  return false;
}

bool lpx_within(const expr *e, const lp *n) {
  if (e->kind == EXPR_COLUMN) return lp_find(n, e->u.col) >= 0;
  for (uint32_t i = 0; i < e->n_args; i++)
    if (!lpx_within(e->args[i], n)) return false;
  return true;
}

int lpx_collect(sql_ctx *q, const expr *e, uint32_t **ids, uint32_t *n, uint32_t *cap) {
  if (e->kind == EXPR_COLUMN) return sql_push_u32(q, ids, n, cap, e->u.col);
  for (uint32_t i = 0; i < e->n_args; i++) TRY(lpx_collect(q, e->args[i], ids, n, cap));
  return LAGO_OK;
}

expr *lpx_subst(sql_ctx *q, expr *e, const uint32_t *from, expr *const *repl, uint32_t n) {
  if (e->kind == EXPR_COLUMN) {
    for (uint32_t i = 0; i < n; i++)
      if (from[i] == e->u.col) return repl[i];
    return e;
  }
  if (!e->n_args) return e;
  expr **na = NULL;
  for (uint32_t i = 0; i < e->n_args; i++) {
    expr *c = lpx_subst(q, e->args[i], from, repl, n);
    if (!c) return NULL;
    if (c != e->args[i] && !na) {
      na = arena_alloc(q->ar, e->n_args * sizeof *na);
      if (!na) return NULL;
      memcpy(na, e->args, e->n_args * sizeof *na);
    }
    if (na) na[i] = c;
  }
  if (!na) return e;
  expr *c = arena_alloc(q->ar, sizeof *c);
  if (!c) return NULL;
  *c = *e;
  c->args = na;
  return c;
}

int lpx_conjuncts(sql_ctx *q, expr *e, expr ***out, uint32_t *n, uint32_t *cap) {
  if (e->kind == EXPR_AND) {
    for (uint32_t i = 0; i < e->n_args; i++) TRY(lpx_conjuncts(q, e->args[i], out, n, cap));
    return LAGO_OK;
  }
  return sql_push_ptr(q, (void ***)out, n, cap, e);
}

int lpx_and(sql_ctx *q, expr **c, uint32_t n, expr **out) {
  if (n == 0) {
    *out = NULL;
    return LAGO_OK;
  }
  if (n == 1) {
    *out = c[0];
    return LAGO_OK;
  }
  return expr_and(q->ar, c, n, out, q->err);
}

bool lpx_volatile(const expr *e) {
  if (e->kind == EXPR_CALL && (e->u.call.flags & FN_VOLATILE)) return true;
  for (uint32_t i = 0; i < e->n_args; i++)
    if (lpx_volatile(e->args[i])) return true;
  return false;
}

/* ---- result row sets ------------------------------------------------------- */

int rowset_init(sql_ctx *q, rowset *rs, uint32_t n_cols, const char *const *names, const lago_type *types) {
  memset(rs, 0, sizeof *rs);
  rs->n_cols = n_cols;
  rs->names = arena_alloc(q->ar, n_cols * sizeof *rs->names);
  rs->types = arena_alloc(q->ar, n_cols * sizeof *rs->types);
  rs->cols = arena_alloc(q->ar, n_cols * sizeof *rs->cols);
  if (!rs->names || !rs->types || !rs->cols) return LAGO_NOMEM_ERR(q->err);
  for (uint32_t i = 0; i < n_cols; i++) {
    rs->names[i] = names[i];
    rs->types[i] = types ? types[i] : type_make(LT_STRING);
    if (vec_init(&rs->cols[i], q->ar, rs->types[i], 16)) return LAGO_NOMEM_ERR(q->err);
  }
  return LAGO_OK;
}

int rowset_add(sql_ctx *q, rowset *rs, const char *const *values) {
  uint32_t r = rs->n_rows;
  for (uint32_t i = 0; i < rs->n_cols; i++) {
    vec *v = &rs->cols[i];
    if (r >= v->cap && vec_reserve(v, v->cap * 2 > r + 1 ? v->cap * 2 : r + 1)) return LAGO_NOMEM_ERR(q->err);
    v->len = r + 1;
    const char *t = values[i];
    if (!t) {
      if (vec_set_null(v, r)) return LAGO_NOMEM_ERR(q->err);
      continue;
    }
    vec_set_valid(v, r);
    size_t n = strlen(t);
    switch (v->type.id) {
      case LT_STRING:
        if (vec_set_str(v, r, t, (uint32_t)n)) return LAGO_NOMEM_ERR(q->err);
        break;
      case LT_BIGINT: {
        int64_t x = 0;
        if (parse_i64(t, n, &x)) return LAGO_ERR(q->err, LAGO_INTERNAL, "bad BIGINT '%s' in a result row", t);
        VEC_DATA(v, int64_t)[r] = x;
        break;
      }
      case LT_INT: {
        int64_t x = 0;
        if (parse_i64(t, n, &x)) return LAGO_ERR(q->err, LAGO_INTERNAL, "bad INT '%s' in a result row", t);
        VEC_DATA(v, int32_t)[r] = (int32_t)x;
        break;
      }
      case LT_BOOLEAN: VEC_DATA(v, uint8_t)[r] = !strcmp(t, "true"); break;
      case LT_TIMESTAMP: {
        int64_t us = 0;
        bool z = false;
        if (parse_timestamp(t, n, &us, &z)) return LAGO_ERR(q->err, LAGO_INTERNAL, "bad TIMESTAMP '%s'", t);
        VEC_DATA(v, int64_t)[r] = us;
        break;
      }
      case LT_DOUBLE: {
        double d = 0;
        if (parse_double(t, n, &d)) return LAGO_ERR(q->err, LAGO_INTERNAL, "bad DOUBLE '%s'", t);
        VEC_DATA(v, double)[r] = d;
        break;
      }
      default: return LAGO_ERR(q->err, LAGO_INTERNAL, "rowset: unsupported column type");
    }
  }
  rs->n_rows = r + 1;
  return LAGO_OK;
}

int rowset_plan(sql_ctx *q, rowset *rs, plan **out) {
  for (uint32_t i = 0; i < rs->n_cols; i++) rs->cols[i].len = rs->n_rows;
  return plan_values(q->ar, rs->n_cols, rs->cols, rs->n_rows, rs->names, out, q->err);
}

int rowset_metrics(sql_ctx *q, uint32_t n, const char *const *names, const int64_t *values, plan **out) {
  rowset rs;
  lago_type *ts = arena_alloc(q->ar, n * sizeof *ts);
  const char **txt = arena_alloc(q->ar, n * sizeof *txt);
  if (!ts || !txt) return LAGO_NOMEM_ERR(q->err);
  for (uint32_t i = 0; i < n; i++) {
    ts[i] = type_make(LT_BIGINT);
    if (!(txt[i] = arena_printf(q->ar, "%lld", (long long)values[i]))) return LAGO_NOMEM_ERR(q->err);
  }
  TRY(rowset_init(q, &rs, n, names, ts));
  TRY(rowset_add(q, &rs, txt));
  return rowset_plan(q, &rs, out);
}
