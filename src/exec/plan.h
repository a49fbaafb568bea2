/*
** exec/plan.h: physical plan nodes, built by the planner (sql/), read-only
** after construction (STYLE.md §4: plans are read-only, run state lives in
** operators). Several threads run operators built from the same nodes.
**
** Every node has an output schema (n_cols, types, optional names). Column
** references inside a node's expressions index its input: the child's output
** for one-input nodes; for joins, key expressions index their own side and
** residual conditions index left columns ++ right columns.
**
** Constructors allocate in the given arena, check what can be checked
** (types, arities) and return LAGO_BIND / LAGO_NOMEM with a message.
**
** Node            output columns
** VALUES          the given vectors
** SCAN            projected source columns
** FILTER          child's
** PROJECT         one per expression
** HASH_JOIN       INNER/LEFT/RIGHT/FULL: left ++ right; SEMI/ANTI: left;
**                 MARK: left ++ mark (BOOLEAN, NULL when undecided for NOT IN)
** NL_JOIN         as HASH_JOIN (CROSS: left ++ right)
** HASH_AGG        group keys ++ aggregates (no keys: exactly one row)
** SORT, TOP_N     child's
** WINDOW          child's ++ one per window function
** DEDUPE          child's [++ row_number BIGINT]: the rows ranked 1..keep
**                 within each partition (QUALIFY ROW_NUMBER() ... <= keep)
** LIMIT           child's
** UNION_ALL       first child's (all children have equal types)
** SETOP           left's (INTERSECT/EXCEPT [ALL], NULLs compare equal)
** GENERATE        child's ++ [pos INT] ++ element (ARRAY) | key, value (MAP)
*/
#ifndef LAGO_EXEC_PLAN_H
#define LAGO_EXEC_PLAN_H

#include "exec/agg.h"
#include "exec/expr.h"
#include "exec/source.h"

typedef enum plan_kind {
  PLAN_VALUES = 1,
  PLAN_SCAN,
  PLAN_FILTER,
  PLAN_PROJECT,
  PLAN_HASH_JOIN,
  PLAN_NL_JOIN,
  PLAN_HASH_AGG,
  PLAN_SORT,
  PLAN_TOP_N,
  PLAN_WINDOW,
  PLAN_DEDUPE,
  PLAN_LIMIT,
  PLAN_UNION_ALL,
  PLAN_SETOP,
  PLAN_GENERATE,
  PLAN__COUNT
} plan_kind;

typedef enum join_type {
  JOIN_INNER = 1,
  JOIN_LEFT,   /* left rows without a match are kept, right side NULL */
  JOIN_RIGHT,  /* right rows without a match are kept, left side NULL */
  JOIN_FULL,
  JOIN_SEMI,   /* left rows with at least one match, once */
  JOIN_ANTI,   /* left rows without a match (null_aware: NOT IN semantics) */
  JOIN_MARK,   /* every left row once plus a BOOLEAN: matched (IN / EXISTS) */
  JOIN_CROSS,  /* NL_JOIN only: every pair */
} join_type;

typedef struct sort_key {
  expr *e;
  bool desc;
  bool nulls_first; /* Spark default: ASC NULLS FIRST, DESC NULLS LAST */
} sort_key;

/* Window frames. Offsets are constant expressions (non-negative); for ROWS
** integral, for RANGE of the ORDER BY key's type (numbers; days for DATE). */
typedef enum { FRAME_ROWS = 1, FRAME_RANGE } frame_unit;
typedef enum {
  BOUND_UNBOUNDED_PRECEDING = 1,
  BOUND_PRECEDING,
  BOUND_CURRENT_ROW,
  BOUND_FOLLOWING,
  BOUND_UNBOUNDED_FOLLOWING,
} frame_bound;
typedef struct win_frame {
  uint8_t unit;                 /* frame_unit */
  uint8_t start, end;           /* frame_bound */
  expr *start_off, *end_off;    /* for PRECEDING/FOLLOWING, else NULL */
} win_frame;

typedef enum win_kind {
  WIN_ROW_NUMBER = 1,
  WIN_RANK,
  WIN_DENSE_RANK,
  WIN_LAG,          /* args: value [, offset const, default] */
  WIN_LEAD,
  WIN_FIRST_VALUE,  /* over the frame; ignore_nulls */
  WIN_LAST_VALUE,
  WIN_AGG,          /* an aggregate (agg.h) over the frame */
} win_kind;

typedef struct win_call {
  uint8_t kind;        /* win_kind */
  lago_type type;      /* result type */
  expr **args;         /* over the window's input */
  uint32_t n_args;
  int64_t offset;      /* LAG/LEAD offset (default 1) */
  expr *deflt;         /* LAG/LEAD default (NULL: NULL); cast to type */
  bool ignore_nulls;   /* FIRST_VALUE/LAST_VALUE */
  agg_call *agg;       /* WIN_AGG */
  win_frame frame;     /* aggregates and FIRST/LAST_VALUE */
  const char *name;
} win_call;

typedef struct plan plan;
struct plan {
  uint8_t kind;              /* plan_kind */
  uint32_t n_cols;
  lago_type *types;          /* output types */
  const char **names;        /* output names (may hold NULLs) */
  uint32_t n_children;
  plan **children;
  double est_rows;           /* planner's estimate, < 0 unknown (EXPLAIN only) */
  union {
    struct { vec *cols; uint32_t n_rows; } values;                            /* VALUES: n_cols FLAT vectors */
    struct {
      const exec_source *src;
      uint32_t *cols;                 /* projected source columns */
      source_filter *filters;
      uint32_t n_filters;
    } scan;
    struct { expr *pred; } filter;
    struct { expr **exprs; } project;  /* n_cols expressions */
    struct {
      uint8_t type;                   /* join_type */
      uint32_t n_keys;
      expr **left_keys, **right_keys; /* equi keys, same types pairwise */
      bool *null_eq;                  /* per key: <=> (NULLs match); NULL array = all plain = */
      expr *residual;                 /* extra condition over left ++ right, or NULL */
      bool null_aware;                /* ANTI/MARK: NOT IN semantics (a NULL key makes "no match" unknown) */
    } join;                           /* HASH_JOIN and NL_JOIN (NL: n_keys 0, condition in residual) */
    struct {
      uint32_t n_groups;
      expr **groups;
      uint32_t n_aggs;
      agg_call **aggs;
    } agg;
    struct {
      uint32_t n_keys;
      sort_key *keys;
      int64_t limit;                  /* TOP_N: rows to keep (after offset) */
      int64_t offset;                 /* TOP_N */
    } sort;                           /* SORT and TOP_N */
    struct {
      uint32_t n_part;
      expr **part;
      uint32_t n_order;
      sort_key *order;
      uint32_t n_calls;
      win_call *calls;
    } window;
    struct {
      uint32_t n_part;
      expr **part;
      uint32_t n_order;
      sort_key *order;
      int64_t keep;                   /* rows kept per partition (>= 1) */
      bool emit_row_number;
    } dedupe;
    struct { int64_t limit; int64_t offset; } limit;    /* limit < 0: none */
    struct { bool intersect; bool all; } setop;         /* intersect false: EXCEPT */
    struct { expr *gen; bool outer; bool with_pos; } generate;
  } u;
};

/* ---- constructors (allocate in ar) ---------------------------------------- */

/* n_cols vectors of n_rows rows each (copied into ar). */
int plan_values(arena *ar, uint32_t n_cols, const vec *cols, uint32_t n_rows, const char *const *names, plan **out,
                lago_err *err);
/* Scan of src producing source columns cols[0..n) (NULL = all); filters are copied. */
int plan_scan(arena *ar, const exec_source *src, const uint32_t *cols, uint32_t n, const source_filter *filters,
              uint32_t n_filters, plan **out, lago_err *err);
int plan_filter(arena *ar, plan *child, expr *pred, plan **out, lago_err *err);
int plan_project(arena *ar, plan *child, expr **exprs, uint32_t n, const char *const *names, plan **out,
                 lago_err *err);
/* Hash join, build side = right. null_eq may be NULL. */
int plan_hash_join(arena *ar, join_type type, plan *left, plan *right, expr **left_keys, expr **right_keys,
                   const bool *null_eq, uint32_t n_keys, expr *residual, bool null_aware, plan **out, lago_err *err);
/* Nested-loop join with an arbitrary condition (NULL = true); all join types but MARK. */
int plan_nl_join(arena *ar, join_type type, plan *left, plan *right, expr *cond, plan **out, lago_err *err);
int plan_hash_agg(arena *ar, plan *child, expr **groups, uint32_t n_groups, agg_call **aggs, uint32_t n_aggs,
                  const char *const *names, plan **out, lago_err *err);
/* SELECT DISTINCT: a HASH_AGG grouping on every column. */
int plan_distinct(arena *ar, plan *child, plan **out, lago_err *err);
int plan_sort(arena *ar, plan *child, const sort_key *keys, uint32_t n_keys, plan **out, lago_err *err);
int plan_top_n(arena *ar, plan *child, const sort_key *keys, uint32_t n_keys, int64_t limit, int64_t offset,
               plan **out, lago_err *err);
int plan_window(arena *ar, plan *child, expr **part, uint32_t n_part, const sort_key *order, uint32_t n_order,
                const win_call *calls, uint32_t n_calls, plan **out, lago_err *err);
int plan_dedupe(arena *ar, plan *child, expr **part, uint32_t n_part, const sort_key *order, uint32_t n_order,
                int64_t keep, bool emit_row_number, plan **out, lago_err *err);
int plan_limit(arena *ar, plan *child, int64_t limit, int64_t offset, plan **out, lago_err *err);
int plan_union_all(arena *ar, plan **children, uint32_t n, plan **out, lago_err *err);
int plan_setop(arena *ar, plan *left, plan *right, bool intersect, bool all, plan **out, lago_err *err);
int plan_generate(arena *ar, plan *child, expr *gen, bool outer, bool with_pos, plan **out, lago_err *err);

/* Default frame (Spark): RANGE UNBOUNDED PRECEDING..CURRENT ROW with ORDER BY, else the whole partition. */
win_frame win_frame_default(bool has_order);
/* Window function by name (row_number, rank, dense_rank, lag, lead, first_value, last_value,
** or any aggregate) over args; fills *out (result type, frame = default for has_order). */
int win_call_make(arena *ar, const char *name, expr **args, uint32_t n_args, bool ignore_nulls, bool has_order,
                  win_call *out, lago_err *err);

const char *plan_kind_name(plan_kind k);
const char *join_type_name(join_type t);

#endif /* LAGO_EXEC_PLAN_H */
