/*
** exec/plan.c: plan node constructors (type checks, output schemas) and the
** EXPLAIN printer (see plan.h, exec.h).
*/
#include "exec/plan.h"

#include <string.h>
#include <strings.h>

#include "exec/exec.h"
#include "exec/func.h"

const char *plan_kind_name(plan_kind k) {
  switch (k) {
    case PLAN_VALUES: return "Values";
    case PLAN_SCAN: return "Scan";
    case PLAN_FILTER: return "Filter";
    case PLAN_PROJECT: return "Project";
    case PLAN_HASH_JOIN: return "HashJoin";
    case PLAN_NL_JOIN: return "NestedLoopJoin";
    case PLAN_HASH_AGG: return "HashAggregate";
    case PLAN_SORT: return "Sort";
    case PLAN_TOP_N: return "TopN";
    case PLAN_WINDOW: return "Window";
    case PLAN_DEDUPE: return "Dedupe";
    case PLAN_LIMIT: return "Limit";
    case PLAN_UNION_ALL: return "UnionAll";
    case PLAN_SETOP: return "SetOp";
    case PLAN_GENERATE: return "Generate";
    case PLAN__COUNT: break;
  }
  return "?";
}

const char *join_type_name(join_type t) {
  switch (t) {
    case JOIN_INNER: return "INNER";
    case JOIN_LEFT: return "LEFT";
    case JOIN_RIGHT: return "RIGHT";
    case JOIN_FULL: return "FULL";
    case JOIN_SEMI: return "SEMI";
    case JOIN_ANTI: return "ANTI";
    case JOIN_MARK: return "MARK";
    case JOIN_CROSS: return "CROSS";
  }
  return "?";
}

/* A node with n_cols output columns and the given children. */
static plan *node(arena *ar, plan_kind k, uint32_t n_cols, plan **children, uint32_t n_children) {
  plan *p = arena_zalloc(ar, sizeof *p);
  if (!p) return NULL;
  p->kind = (uint8_t)k;
  p->n_cols = n_cols;
  p->est_rows = -1;
  p->types = arena_zalloc(ar, (n_cols ? n_cols : 1) * sizeof(lago_type));
  p->names = arena_zalloc(ar, (n_cols ? n_cols : 1) * sizeof(char *));
  if (!p->types || !p->names) return NULL;
  if (n_children) {
    p->children = arena_alloc(ar, n_children * sizeof(plan *));
    if (!p->children) return NULL;
    memcpy(p->children, children, n_children * sizeof(plan *));
    p->n_children = n_children;
  }
  return p;
}

/* Copies the schema of c into p's columns [at, at + c->n_cols). */
static void copy_schema(plan *p, uint32_t at, const plan *c) {
  for (uint32_t i = 0; i < c->n_cols; i++) {
    p->types[at + i] = c->types[i];
    p->names[at + i] = c->names[i];
  }
}

static int check_cols(const expr *e, uint32_t n_cols, const char *what, lago_err *err) {
  uint32_t m = expr_max_column(e);
  if (m > n_cols)
    return LAGO_ERR(err, LAGO_BIND, "%s references column #%u but its input has %u columns", what, m - 1, n_cols);
  return LAGO_OK;
}

int plan_values(arena *ar, uint32_t n_cols, const vec *cols, uint32_t n_rows, const char *const *names, plan **out,
                lago_err *err) {
  plan *p = node(ar, PLAN_VALUES, n_cols, NULL, 0);
  if (!p) return LAGO_NOMEM_ERR(err);
  p->u.values.n_rows = n_rows;
  p->u.values.cols = arena_zalloc(ar, (n_cols ? n_cols : 1) * sizeof(vec));
  if (!p->u.values.cols) return LAGO_NOMEM_ERR(err);
  for (uint32_t i = 0; i < n_cols; i++) {
    if (cols[i].len < n_rows) return LAGO_ERR(err, LAGO_BIND, "VALUES column %u has %u rows, want %u", i, cols[i].len, n_rows);
    p->types[i] = cols[i].type;
    if (names && names[i] && !(p->names[i] = arena_strdup(ar, names[i]))) return LAGO_NOMEM_ERR(err);
    vec *v = &p->u.values.cols[i];
    if (vec_init(v, ar, cols[i].type, n_rows ? n_rows : 1) || (n_rows && vec_gather(v, 0, &cols[i], NULL, n_rows)))
      return LAGO_NOMEM_ERR(err);
    v->len = n_rows;
  }
  p->est_rows = n_rows;
  *out = p;
  return LAGO_OK;
}

int plan_scan(arena *ar, const exec_source *src, const uint32_t *cols, uint32_t n, const source_filter *filters,
              uint32_t n_filters, plan **out, lago_err *err) {
  if (!cols) n = src->n_cols;
  plan *p = node(ar, PLAN_SCAN, n, NULL, 0);
  if (!p) return LAGO_NOMEM_ERR(err);
  p->u.scan.src = src;
  p->u.scan.cols = arena_alloc(ar, (n ? n : 1) * sizeof(uint32_t));
  if (!p->u.scan.cols) return LAGO_NOMEM_ERR(err);
  for (uint32_t i = 0; i < n; i++) {
    uint32_t c = cols ? cols[i] : i;
    if (c >= src->n_cols) return LAGO_ERR(err, LAGO_BIND, "scan column %u out of range (%u columns)", c, src->n_cols);
    p->u.scan.cols[i] = c;
    p->types[i] = src->types[c];
    p->names[i] = src->names ? src->names[c] : NULL;
  }
  if (n_filters) {
    p->u.scan.filters = arena_alloc(ar, n_filters * sizeof(source_filter));
    if (!p->u.scan.filters) return LAGO_NOMEM_ERR(err);
    memcpy(p->u.scan.filters, filters, n_filters * sizeof(source_filter));
    for (uint32_t i = 0; i < n_filters; i++)
      if (filters[i].col >= n) return LAGO_ERR(err, LAGO_BIND, "scan filter on column %u of %u", filters[i].col, n);
  }
  p->u.scan.n_filters = n_filters;
  *out = p;
  return LAGO_OK;
}

int plan_filter(arena *ar, plan *child, expr *pred, plan **out, lago_err *err) {
  if (pred->type.id != LT_BOOLEAN && pred->type.id != LT_NULL)
    return LAGO_ERR(err, LAGO_BIND, "filter condition must be BOOLEAN");
  TRY(check_cols(pred, child->n_cols, "filter", err));
  plan *p = node(ar, PLAN_FILTER, child->n_cols, &child, 1);
  if (!p) return LAGO_NOMEM_ERR(err);
  copy_schema(p, 0, child);
  p->u.filter.pred = pred;
  *out = p;
  return LAGO_OK;
}

int plan_project(arena *ar, plan *child, expr **exprs, uint32_t n, const char *const *names, plan **out,
                 lago_err *err) {
  plan *p = node(ar, PLAN_PROJECT, n, &child, 1);
  if (!p) return LAGO_NOMEM_ERR(err);
  p->u.project.exprs = arena_alloc(ar, (n ? n : 1) * sizeof(expr *));
  if (!p->u.project.exprs) return LAGO_NOMEM_ERR(err);
  for (uint32_t i = 0; i < n; i++) {
    TRY(check_cols(exprs[i], child->n_cols, "projection", err));
    p->u.project.exprs[i] = exprs[i];
    p->types[i] = exprs[i]->type;
    const char *nm = names && names[i] ? names[i] : exprs[i]->kind == EXPR_COLUMN && exprs[i]->u.col < child->n_cols
                                                        ? child->names[exprs[i]->u.col]
                                                        : NULL;
    if (nm && !(p->names[i] = arena_strdup(ar, nm))) return LAGO_NOMEM_ERR(err);
  }
  *out = p;
  return LAGO_OK;
}

static uint32_t join_out_cols(join_type t, const plan *l, const plan *r) {
  switch (t) {
    case JOIN_SEMI:
    case JOIN_ANTI: return l->n_cols;
    case JOIN_MARK: return l->n_cols + 1;
    default: return l->n_cols + r->n_cols;
  }
}

static int join_node(arena *ar, plan_kind k, join_type type, plan *left, plan *right, plan **out, lago_err *err) {
  plan *ch[2] = {left, right};
  plan *p = node(ar, k, join_out_cols(type, left, right), ch, 2);
  if (!p) return LAGO_NOMEM_ERR(err);
  copy_schema(p, 0, left);
  if (type == JOIN_MARK) {
    p->types[left->n_cols] = type_make(LT_BOOLEAN);
    p->names[left->n_cols] = "mark";
  } else if (type != JOIN_SEMI && type != JOIN_ANTI) {
    copy_schema(p, left->n_cols, right);
  }
  p->u.join.type = (uint8_t)type;
  *out = p;
  return LAGO_OK;
}

int plan_hash_join(arena *ar, join_type type, plan *left, plan *right, expr **left_keys, expr **right_keys,
                   const bool *null_eq, uint32_t n_keys, expr *residual, bool null_aware, plan **out, lago_err *err) {
  if (type == JOIN_CROSS) return LAGO_ERR(err, LAGO_BIND, "hash join cannot be a cross join");
  if (n_keys == 0) return LAGO_ERR(err, LAGO_BIND, "hash join needs at least one equality key");
  plan *p;
  TRY(join_node(ar, PLAN_HASH_JOIN, type, left, right, &p, err));
  p->u.join.n_keys = n_keys;
  p->u.join.left_keys = arena_alloc(ar, n_keys * sizeof(expr *));
  p->u.join.right_keys = arena_alloc(ar, n_keys * sizeof(expr *));
  p->u.join.null_eq = arena_zalloc(ar, n_keys * sizeof(bool));
  if (!p->u.join.left_keys || !p->u.join.right_keys || !p->u.join.null_eq) return LAGO_NOMEM_ERR(err);
  for (uint32_t i = 0; i < n_keys; i++) {
    TRY(check_cols(left_keys[i], left->n_cols, "left join key", err));
    TRY(check_cols(right_keys[i], right->n_cols, "right join key", err));
    if (!type_equal(left_keys[i]->type, right_keys[i]->type))
      return LAGO_ERR(err, LAGO_BIND, "join key %u: left and right types differ (cast them to a common type first)", i);
    p->u.join.left_keys[i] = left_keys[i];
    p->u.join.right_keys[i] = right_keys[i];
    p->u.join.null_eq[i] = null_eq ? null_eq[i] : false;
  }
  if (residual) TRY(check_cols(residual, left->n_cols + right->n_cols, "join condition", err));
  p->u.join.residual = residual;
  p->u.join.null_aware = null_aware && (type == JOIN_ANTI || type == JOIN_MARK);
  *out = p;
  return LAGO_OK;
}

int plan_nl_join(arena *ar, join_type type, plan *left, plan *right, expr *cond, plan **out, lago_err *err) {
  if (type == JOIN_MARK) return LAGO_ERR(err, LAGO_BIND, "nested-loop MARK join is not supported (use a hash join)");
  plan *p;
  TRY(join_node(ar, PLAN_NL_JOIN, type, left, right, &p, err));
  if (cond) TRY(check_cols(cond, left->n_cols + right->n_cols, "join condition", err));
  p->u.join.residual = cond;
  *out = p;
  return LAGO_OK;
}

int plan_hash_agg(arena *ar, plan *child, expr **groups, uint32_t n_groups, agg_call **aggs, uint32_t n_aggs,
                  const char *const *names, plan **out, lago_err *err) {
  plan *p = node(ar, PLAN_HASH_AGG, n_groups + n_aggs, &child, 1);
  if (!p) return LAGO_NOMEM_ERR(err);
  p->u.agg.n_groups = n_groups;
  p->u.agg.n_aggs = n_aggs;
  p->u.agg.groups = arena_alloc(ar, (n_groups ? n_groups : 1) * sizeof(expr *));
  p->u.agg.aggs = arena_alloc(ar, (n_aggs ? n_aggs : 1) * sizeof(agg_call *));
  if (!p->u.agg.groups || !p->u.agg.aggs) return LAGO_NOMEM_ERR(err);
  for (uint32_t i = 0; i < n_groups; i++) {
    TRY(check_cols(groups[i], child->n_cols, "grouping key", err));
    p->u.agg.groups[i] = groups[i];
    p->types[i] = groups[i]->type;
    p->names[i] = groups[i]->kind == EXPR_COLUMN ? child->names[groups[i]->u.col] : NULL;
  }
  for (uint32_t i = 0; i < n_aggs; i++) {
    for (uint32_t k = 0; k < aggs[i]->b.n_args; k++) TRY(check_cols(aggs[i]->args[k], child->n_cols, "aggregate", err));
    if (aggs[i]->filter) TRY(check_cols(aggs[i]->filter, child->n_cols, "aggregate filter", err));
    p->u.agg.aggs[i] = aggs[i];
    p->types[n_groups + i] = aggs[i]->b.ret;
    p->names[n_groups + i] = aggs[i]->name;
  }
  if (names)
    for (uint32_t i = 0; i < n_groups + n_aggs; i++)
      if (names[i] && !(p->names[i] = arena_strdup(ar, names[i]))) return LAGO_NOMEM_ERR(err);
  *out = p;
  return LAGO_OK;
}

int plan_distinct(arena *ar, plan *child, plan **out, lago_err *err) {
  expr **g = arena_alloc(ar, (child->n_cols ? child->n_cols : 1) * sizeof(expr *));
  if (!g) return LAGO_NOMEM_ERR(err);
  for (uint32_t i = 0; i < child->n_cols; i++)
    if (!(g[i] = expr_column(ar, i, child->types[i], child->names[i]))) return LAGO_NOMEM_ERR(err);
  return plan_hash_agg(ar, child, g, child->n_cols, NULL, 0, NULL, out, err);
}

static int copy_keys(arena *ar, const sort_key *keys, uint32_t n, const plan *child, sort_key **out, lago_err *err) {
  *out = arena_alloc(ar, (n ? n : 1) * sizeof(sort_key));
  if (!*out) return LAGO_NOMEM_ERR(err);
  for (uint32_t i = 0; i < n; i++) {
    TRY(check_cols(keys[i].e, child->n_cols, "sort key", err));
    if (keys[i].e->type.id == LT_MAP) return LAGO_ERR(err, LAGO_BIND, "cannot sort by a MAP");
    (*out)[i] = keys[i];
  }
  return LAGO_OK;
}

int plan_sort(arena *ar, plan *child, const sort_key *keys, uint32_t n_keys, plan **out, lago_err *err) {
  plan *p = node(ar, PLAN_SORT, child->n_cols, &child, 1);
  if (!p) return LAGO_NOMEM_ERR(err);
  copy_schema(p, 0, child);
  TRY(copy_keys(ar, keys, n_keys, child, &p->u.sort.keys, err));
  p->u.sort.n_keys = n_keys;
  p->u.sort.limit = -1;
  *out = p;
  return LAGO_OK;
}

int plan_top_n(arena *ar, plan *child, const sort_key *keys, uint32_t n_keys, int64_t limit, int64_t offset,
               plan **out, lago_err *err) {
  if (limit < 0 || offset < 0) return LAGO_ERR(err, LAGO_BIND, "TopN needs limit >= 0 and offset >= 0");
  TRY(plan_sort(ar, child, keys, n_keys, out, err));
  (*out)->kind = PLAN_TOP_N;
  (*out)->u.sort.limit = limit;
  (*out)->u.sort.offset = offset;
  return LAGO_OK;
}

win_frame win_frame_default(bool has_order) {
  win_frame f;
  memset(&f, 0, sizeof f);
  f.unit = has_order ? FRAME_RANGE : FRAME_ROWS;
  f.start = BOUND_UNBOUNDED_PRECEDING;
  f.end = has_order ? BOUND_CURRENT_ROW : BOUND_UNBOUNDED_FOLLOWING;
  return f;
}

int win_call_make(arena *ar, const char *name, expr **args, uint32_t n_args, bool ignore_nulls, bool has_order,
                  win_call *out, lago_err *err) {
  memset(out, 0, sizeof *out);
  out->frame = win_frame_default(has_order);
  out->offset = 1;
  out->ignore_nulls = ignore_nulls;
  out->name = arena_strdup(ar, name);
  if (!out->name) return LAGO_NOMEM_ERR(err);
  static const struct {
    const char *name;
    win_kind k;
  } ranks[] = {{"row_number", WIN_ROW_NUMBER}, {"rank", WIN_RANK}, {"dense_rank", WIN_DENSE_RANK}};
  for (size_t i = 0; i < 3; i++)
    if (!strcasecmp(name, ranks[i].name)) {
      if (n_args) return LAGO_ERR(err, LAGO_BIND, "[WRONG_NUM_ARGS] `%s` takes no arguments", name);
      if (!has_order && ranks[i].k != WIN_ROW_NUMBER)
        return LAGO_ERR(err, LAGO_BIND, "[WINDOW_FUNCTION_WITHOUT_ORDER] `%s` requires an ORDER BY", name);
      out->kind = (uint8_t)ranks[i].k;
      out->type = ranks[i].k == WIN_ROW_NUMBER ? type_make(LT_INT) : type_make(LT_INT);
      return LAGO_OK;
    }
  if (!strcasecmp(name, "lag") || !strcasecmp(name, "lead")) {
    if (n_args < 1 || n_args > 3) return LAGO_ERR(err, LAGO_BIND, "[WRONG_NUM_ARGS] `%s` requires 1 to 3 arguments", name);
    out->kind = (uint8_t)(!strcasecmp(name, "lag") ? WIN_LAG : WIN_LEAD);
    out->type = args[0]->type;
    if (n_args >= 2) {
      const expr *o = args[1];
      while (o->kind == EXPR_CAST) o = o->args[0];
      if (o->kind != EXPR_CONST || !type_is_integer(o->type) || !vec_is_valid(o->u.value, 0))
        return LAGO_ERR(err, LAGO_BIND, "`%s`: the offset must be a constant integer", name);
      const void *d = o->u.value->data;
      switch ((lago_type_id)o->type.id) {
        case LT_TINYINT: out->offset = *(const int8_t *)d; break;
        case LT_SMALLINT: out->offset = *(const int16_t *)d; break;
        case LT_INT: out->offset = *(const int32_t *)d; break;
        default: out->offset = *(const int64_t *)d; break;
      }
    }
    if (n_args == 3) TRY(expr_cast(ar, args[2], out->type, false, &out->deflt, err));
    out->args = arena_alloc(ar, sizeof(expr *));
    if (!out->args) return LAGO_NOMEM_ERR(err);
    out->args[0] = args[0];
    out->n_args = 1;
    return LAGO_OK;
  }
  if (!strcasecmp(name, "first_value") || !strcasecmp(name, "last_value") || !strcasecmp(name, "first") ||
      !strcasecmp(name, "last")) {
    if (n_args != 1) return LAGO_ERR(err, LAGO_BIND, "[WRONG_NUM_ARGS] `%s` requires 1 argument", name);
    out->kind = (uint8_t)(strncasecmp(name, "first", 5) == 0 ? WIN_FIRST_VALUE : WIN_LAST_VALUE);
    out->type = args[0]->type;
    out->args = arena_alloc(ar, sizeof(expr *));
    if (!out->args) return LAGO_NOMEM_ERR(err);
    out->args[0] = args[0];
    out->n_args = 1;
    return LAGO_OK;
  }
  agg_call *ac;
  TRY(agg_call_make(ar, name, args, n_args, false, ignore_nulls, NULL, &ac, err));
  out->kind = WIN_AGG;
  out->agg = ac;
  out->type = ac->b.ret;
  out->args = ac->args;
  out->n_args = ac->b.n_args;
  return LAGO_OK;
}

int plan_window(arena *ar, plan *child, expr **part, uint32_t n_part, const sort_key *order, uint32_t n_order,
                const win_call *calls, uint32_t n_calls, plan **out, lago_err *err) {
  plan *p = node(ar, PLAN_WINDOW, child->n_cols + n_calls, &child, 1);
  if (!p) return LAGO_NOMEM_ERR(err);
  copy_schema(p, 0, child);
  p->u.window.n_part = n_part;
  p->u.window.part = arena_alloc(ar, (n_part ? n_part : 1) * sizeof(expr *));
  if (!p->u.window.part) return LAGO_NOMEM_ERR(err);
  for (uint32_t i = 0; i < n_part; i++) {
    TRY(check_cols(part[i], child->n_cols, "window partition", err));
    p->u.window.part[i] = part[i];
  }
  TRY(copy_keys(ar, order, n_order, child, &p->u.window.order, err));
  p->u.window.n_order = n_order;
  p->u.window.calls = arena_alloc(ar, (n_calls ? n_calls : 1) * sizeof(win_call));
  if (!p->u.window.calls) return LAGO_NOMEM_ERR(err);
  for (uint32_t i = 0; i < n_calls; i++) {
    const win_call *c = &calls[i];
    for (uint32_t k = 0; k < c->n_args; k++) TRY(check_cols(c->args[k], child->n_cols, "window function", err));
    if (c->frame.unit == FRAME_RANGE && (c->frame.start == BOUND_PRECEDING || c->frame.start == BOUND_FOLLOWING ||
                                         c->frame.end == BOUND_PRECEDING || c->frame.end == BOUND_FOLLOWING)) {
      if (n_order != 1)
        return LAGO_ERR(err, LAGO_BIND, "[DATATYPE_MISMATCH.RANGE_FRAME_MULTI_ORDER] a RANGE frame with an offset "
                                        "needs exactly one ORDER BY expression");
      lago_type ot = order[0].e->type;
      if (!type_is_numeric(ot) && ot.id != LT_DATE && ot.id != LT_TIMESTAMP && ot.id != LT_TIMESTAMP_NTZ)
        return LAGO_ERR(err, LAGO_BIND, "a RANGE frame with an offset needs a numeric or date ORDER BY key");
    }
    p->u.window.calls[i] = *c;
    p->types[child->n_cols + i] = c->type;
    p->names[child->n_cols + i] = c->name;
  }
  p->u.window.n_calls = n_calls;
  *out = p;
  return LAGO_OK;
}

int plan_dedupe(arena *ar, plan *child, expr **part, uint32_t n_part, const sort_key *order, uint32_t n_order,
                int64_t keep, bool emit_row_number, plan **out, lago_err *err) {
  if (keep < 1) return LAGO_ERR(err, LAGO_BIND, "dedupe keeps at least one row per partition");
  plan *p = node(ar, PLAN_DEDUPE, child->n_cols + (emit_row_number ? 1 : 0), &child, 1);
  if (!p) return LAGO_NOMEM_ERR(err);
  copy_schema(p, 0, child);
  if (emit_row_number) {
    p->types[child->n_cols] = type_make(LT_INT);
    p->names[child->n_cols] = "row_number";
  }
  p->u.dedupe.part = arena_alloc(ar, (n_part ? n_part : 1) * sizeof(expr *));
  if (!p->u.dedupe.part) return LAGO_NOMEM_ERR(err);
  for (uint32_t i = 0; i < n_part; i++) {
    TRY(check_cols(part[i], child->n_cols, "dedupe partition", err));
    p->u.dedupe.part[i] = part[i];
  }
  p->u.dedupe.n_part = n_part;
  TRY(copy_keys(ar, order, n_order, child, &p->u.dedupe.order, err));
  p->u.dedupe.n_order = n_order;
  p->u.dedupe.keep = keep;
  p->u.dedupe.emit_row_number = emit_row_number;
  *out = p;
  return LAGO_OK;
}

int plan_limit(arena *ar, plan *child, int64_t limit, int64_t offset, plan **out, lago_err *err) {
  if (offset < 0) return LAGO_ERR(err, LAGO_BIND, "OFFSET must not be negative");
  plan *p = node(ar, PLAN_LIMIT, child->n_cols, &child, 1);
  if (!p) return LAGO_NOMEM_ERR(err);
  copy_schema(p, 0, child);
  p->u.limit.limit = limit;
  p->u.limit.offset = offset;
  *out = p;
  return LAGO_OK;
}

static int same_types(const plan *a, const plan *b, const char *what, lago_err *err) {
  if (a->n_cols != b->n_cols)
    return LAGO_ERR(err, LAGO_BIND, "[NUM_COLUMNS_MISMATCH] %s inputs have %u and %u columns", what, a->n_cols, b->n_cols);
  for (uint32_t i = 0; i < a->n_cols; i++)
    if (!type_equal(a->types[i], b->types[i]))
      return LAGO_ERR(err, LAGO_BIND, "[INCOMPATIBLE_COLUMN_TYPE] %s column %u has different types (cast first)", what, i);
  return LAGO_OK;
}

int plan_union_all(arena *ar, plan **children, uint32_t n, plan **out, lago_err *err) {
  if (n == 0) return LAGO_ERR(err, LAGO_BIND, "UNION ALL without inputs");
  for (uint32_t i = 1; i < n; i++) TRY(same_types(children[0], children[i], "UNION ALL", err));
  plan *p = node(ar, PLAN_UNION_ALL, children[0]->n_cols, children, n);
  if (!p) return LAGO_NOMEM_ERR(err);
  copy_schema(p, 0, children[0]);
  *out = p;
  return LAGO_OK;
}

int plan_setop(arena *ar, plan *left, plan *right, bool intersect, bool all, plan **out, lago_err *err) {
  TRY(same_types(left, right, intersect ? "INTERSECT" : "EXCEPT", err));
  plan *ch[2] = {left, right};
  plan *p = node(ar, PLAN_SETOP, left->n_cols, ch, 2);
  if (!p) return LAGO_NOMEM_ERR(err);
  copy_schema(p, 0, left);
  p->u.setop.intersect = intersect;
  p->u.setop.all = all;
  *out = p;
  return LAGO_OK;
}

int plan_generate(arena *ar, plan *child, expr *gen, bool outer, bool with_pos, plan **out, lago_err *err) {
  if (gen->type.id != LT_ARRAY && gen->type.id != LT_MAP)
    return LAGO_ERR(err, LAGO_BIND, "[DATATYPE_MISMATCH] explode requires an ARRAY or a MAP");
  TRY(check_cols(gen, child->n_cols, "generator", err));
  uint32_t extra = (with_pos ? 1 : 0) + (gen->type.id == LT_MAP ? 2 : 1);
  plan *p = node(ar, PLAN_GENERATE, child->n_cols + extra, &child, 1);
  if (!p) return LAGO_NOMEM_ERR(err);
  copy_schema(p, 0, child);
  uint32_t at = child->n_cols;
  if (with_pos) {
    p->types[at] = type_make(LT_INT);
    p->names[at++] = "pos";
  }
  if (gen->type.id == LT_MAP) {
    p->types[at] = type_map_key(gen->type);
    p->names[at++] = "key";
    p->types[at] = type_map_value(gen->type);
    p->names[at] = "value";
  } else {
    p->types[at] = type_element(gen->type);
    p->names[at] = "col";
  }
  p->u.generate.gen = gen;
  p->u.generate.outer = outer;
  p->u.generate.with_pos = with_pos;
  *out = p;
  return LAGO_OK;
}

/* ---- EXPLAIN ------------------------------------------------------------------------------ */

static int exprs_text(expr **es, uint32_t n, buf *out) {
  TRY(buf_putc(out, '['));
  for (uint32_t i = 0; i < n; i++) {
    if (i) TRY(buf_puts(out, ", "));
    TRY(expr_to_text(es[i], out));
  }
  return buf_putc(out, ']');
}

static int keys_text(const sort_key *k, uint32_t n, buf *out) {
  TRY(buf_putc(out, '['));
  for (uint32_t i = 0; i < n; i++) {
    if (i) TRY(buf_puts(out, ", "));
    TRY(expr_to_text(k[i].e, out));
    TRY(buf_puts(out, k[i].desc ? " DESC" : " ASC"));
    TRY(buf_puts(out, k[i].nulls_first ? " NULLS FIRST" : " NULLS LAST"));
  }
  return buf_putc(out, ']');
}

static const char *bound_text(frame_bound b) {
  switch (b) {
    case BOUND_UNBOUNDED_PRECEDING: return "UNBOUNDED PRECEDING";
    case BOUND_PRECEDING: return "PRECEDING";
    case BOUND_CURRENT_ROW: return "CURRENT ROW";
    case BOUND_FOLLOWING: return "FOLLOWING";
    case BOUND_UNBOUNDED_FOLLOWING: return "UNBOUNDED FOLLOWING";
  }
  return "?";
}

static int frame_text(const win_frame *f, buf *out) {
  TRY(buf_puts(out, f->unit == FRAME_ROWS ? " ROWS BETWEEN " : " RANGE BETWEEN "));
  if (f->start_off) {
    TRY(expr_to_text(f->start_off, out));
    TRY(buf_putc(out, ' '));
  }
  TRY(buf_puts(out, bound_text((frame_bound)f->start)));
  TRY(buf_puts(out, " AND "));
  if (f->end_off) {
    TRY(expr_to_text(f->end_off, out));
    TRY(buf_putc(out, ' '));
  }
  return buf_puts(out, bound_text((frame_bound)f->end));
}

static int agg_text(const agg_call *a, buf *out) {
  TRY(buf_printf(out, "%s(", a->b.fn->name));
  if (a->b.distinct) TRY(buf_puts(out, "DISTINCT "));
  if (a->b.n_args == 0) TRY(buf_putc(out, '*'));
  for (uint32_t k = 0; k < a->b.n_args; k++) {
    if (k) TRY(buf_puts(out, ", "));
    TRY(expr_to_text(a->args[k], out));
  }
  TRY(buf_putc(out, ')'));
  if (a->filter) {
    TRY(buf_puts(out, " FILTER (WHERE "));
    TRY(expr_to_text(a->filter, out));
    TRY(buf_putc(out, ')'));
  }
  return LAGO_OK;
}

static int explain_node(const plan *p, int depth, buf *out) {
  for (int i = 0; i < depth; i++) TRY(buf_puts(out, "  "));
  TRY(buf_puts(out, plan_kind_name((plan_kind)p->kind)));
  switch ((plan_kind)p->kind) {
    case PLAN_VALUES: TRY(buf_printf(out, " rows=%u", p->u.values.n_rows)); break;
    case PLAN_SCAN: {
      const exec_source *s = p->u.scan.src;
      TRY(buf_printf(out, " %s", s->vt->name));
      if (s->label) TRY(buf_printf(out, " %s", s->label));
      TRY(buf_puts(out, " cols=["));
      for (uint32_t i = 0; i < p->n_cols; i++) {
        if (i) TRY(buf_puts(out, ", "));
        const char *nm = p->names[i];
        if (nm) TRY(buf_puts(out, nm));
        else TRY(buf_printf(out, "#%u", p->u.scan.cols[i]));
      }
      TRY(buf_putc(out, ']'));
      if (p->u.scan.n_filters) {
        static const char *const ops[] = {"", "=", "<>", "<", "<=", ">", ">=", "IS NULL", "IS NOT NULL", "IN"};
        TRY(buf_puts(out, " pushed=["));
        for (uint32_t i = 0; i < p->u.scan.n_filters; i++) {
          const source_filter *f = &p->u.scan.filters[i];
          if (i) TRY(buf_puts(out, ", "));
          TRY(buf_printf(out, "#%u %s", f->col, f->op < 10 ? ops[f->op] : "?"));
          if (f->values) {
            TRY(buf_putc(out, ' '));
            for (uint32_t k = 0; k < f->values->len; k++) {
              if (k) TRY(buf_putc(out, ','));
              TRY(cast_value_to_text(f->values, k, out));
            }
          }
        }
        TRY(buf_putc(out, ']'));
      }
      if (s->vt->explain) {
        TRY(buf_putc(out, ' '));
        TRY(s->vt->explain(s->config, NULL, out));
      }
      break;
    }
    case PLAN_FILTER:
      TRY(buf_putc(out, ' '));
      TRY(expr_to_text(p->u.filter.pred, out));
      break;
    case PLAN_PROJECT:
      TRY(buf_putc(out, ' '));
      TRY(exprs_text(p->u.project.exprs, p->n_cols, out));
      break;
    case PLAN_HASH_JOIN: {
      TRY(buf_printf(out, " %s keys=[", join_type_name((join_type)p->u.join.type)));
      for (uint32_t i = 0; i < p->u.join.n_keys; i++) {
        if (i) TRY(buf_puts(out, ", "));
        TRY(expr_to_text(p->u.join.left_keys[i], out));
        TRY(buf_puts(out, p->u.join.null_eq[i] ? " <=> " : " = "));
        TRY(expr_to_text(p->u.join.right_keys[i], out));
      }
      TRY(buf_putc(out, ']'));
      if (p->u.join.null_aware) TRY(buf_puts(out, " null_aware"));
      if (p->u.join.residual) {
        TRY(buf_puts(out, " residual="));
        TRY(expr_to_text(p->u.join.residual, out));
      }
      break;
    }
    case PLAN_NL_JOIN:
      TRY(buf_printf(out, " %s", join_type_name((join_type)p->u.join.type)));
      if (p->u.join.residual) {
        TRY(buf_puts(out, " cond="));
        TRY(expr_to_text(p->u.join.residual, out));
      }
      break;
    case PLAN_HASH_AGG:
      TRY(buf_puts(out, " keys="));
      TRY(exprs_text(p->u.agg.groups, p->u.agg.n_groups, out));
      TRY(buf_puts(out, " aggs=["));
      for (uint32_t i = 0; i < p->u.agg.n_aggs; i++) {
        if (i) TRY(buf_puts(out, ", "));
        TRY(agg_text(p->u.agg.aggs[i], out));
      }
      TRY(buf_putc(out, ']'));
      break;
    case PLAN_SORT:
      TRY(buf_putc(out, ' '));
      TRY(keys_text(p->u.sort.keys, p->u.sort.n_keys, out));
      break;
    case PLAN_TOP_N:
      TRY(buf_printf(out, " limit=%lld offset=%lld ", (long long)p->u.sort.limit, (long long)p->u.sort.offset));
      TRY(keys_text(p->u.sort.keys, p->u.sort.n_keys, out));
      break;
    case PLAN_WINDOW:
      TRY(buf_puts(out, " partition="));
      TRY(exprs_text(p->u.window.part, p->u.window.n_part, out));
      TRY(buf_puts(out, " order="));
      TRY(keys_text(p->u.window.order, p->u.window.n_order, out));
      TRY(buf_puts(out, " ["));
      for (uint32_t i = 0; i < p->u.window.n_calls; i++) {
        const win_call *c = &p->u.window.calls[i];
        if (i) TRY(buf_puts(out, ", "));
        if (c->kind == WIN_AGG) TRY(agg_text(c->agg, out));
        else {
          TRY(buf_printf(out, "%s(", c->name));
          for (uint32_t k = 0; k < c->n_args; k++) {
            if (k) TRY(buf_puts(out, ", "));
            TRY(expr_to_text(c->args[k], out));
          }
          TRY(buf_putc(out, ')'));
        }
        if (c->kind == WIN_AGG || c->kind == WIN_FIRST_VALUE || c->kind == WIN_LAST_VALUE)
          TRY(frame_text(&c->frame, out));
      }
      TRY(buf_putc(out, ']'));
      break;
    case PLAN_DEDUPE:
      TRY(buf_printf(out, " keep=%lld partition=", (long long)p->u.dedupe.keep));
      TRY(exprs_text(p->u.dedupe.part, p->u.dedupe.n_part, out));
      TRY(buf_puts(out, " order="));
      TRY(keys_text(p->u.dedupe.order, p->u.dedupe.n_order, out));
      break;
    case PLAN_LIMIT:
      if (p->u.limit.limit >= 0) TRY(buf_printf(out, " %lld", (long long)p->u.limit.limit));
      if (p->u.limit.offset) TRY(buf_printf(out, " offset %lld", (long long)p->u.limit.offset));
      break;
    case PLAN_UNION_ALL: break;
    case PLAN_SETOP:
      TRY(buf_printf(out, " %s%s", p->u.setop.intersect ? "INTERSECT" : "EXCEPT", p->u.setop.all ? " ALL" : ""));
      break;
    case PLAN_GENERATE:
      TRY(buf_puts(out, p->u.generate.with_pos ? " posexplode(" : " explode("));
      TRY(expr_to_text(p->u.generate.gen, out));
      TRY(buf_putc(out, ')'));
      if (p->u.generate.outer) TRY(buf_puts(out, " outer"));
      break;
    case PLAN__COUNT: break;
  }
  if (p->est_rows >= 0) TRY(buf_printf(out, " (est. %.0f rows)", p->est_rows));
  TRY(buf_putc(out, '\n'));
  for (uint32_t i = 0; i < p->n_children; i++) TRY(explain_node(p->children[i], depth + 1, out));
  return LAGO_OK;
}

int exec_explain(const plan *root, buf *out) { return explain_node(root, 0, out); }
