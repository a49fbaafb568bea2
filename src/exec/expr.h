/*
** exec/expr.h: bound expressions and their vectorized evaluation.
**
** The binder turns SQL AST expressions into this typed tree; operators
** (op_filter.c, op_project.c, joins, aggregates...) evaluate it over batches.
** Every node has a result type fixed at bind time; implicit casts are explicit
** EXPR_CAST nodes inserted by expr_call (func.h decides which).
**
** Evaluation model (DuckDB ExpressionExecutor, written our way):
**   expr_eval(ec, e, in, sel, n, &out) evaluates e for the n physical rows
**   sel[0..n) of the batch `in` (sel NULL: rows 0..n-1). The result vector
**   `out` is aligned with the input: row r's value is at physical row r (for
**   every r in sel); other rows are undefined. So a projection keeps the input's
**   selection vector and nothing is compacted. `out` is either an input column
**   (borrowed, for EXPR_COLUMN) or a vector allocated in ec->ar; it may be FLAT,
**   CONST (all inputs constant) or DICT (a borrowed input column). Read it
**   through vec_view.
**   expr_select(...) evaluates a predicate and writes the rows where it is TRUE
**   (not FALSE, not NULL) into out_sel: filters narrow selection vectors.
**   AND/OR short-circuit by narrowing the selection for later operands, so
**   `x <> 0 AND 10 / x > 1` never divides by zero.
**
** Three-valued logic: AND is FALSE if any operand is FALSE, else NULL if any
** is NULL; OR is TRUE if any is TRUE, else NULL if any is NULL; NOT NULL is
** NULL. IN: TRUE if some element equals, else NULL if the probe or any element
** is NULL, else FALSE. IS [NOT] DISTINCT FROM treats NULLs as equal values.
**
** Errors (ANSI overflow, bad casts...) are recorded in ec->err with the
** operation and the value, e.g. "[ARITHMETIC_OVERFLOW] integer overflow in
** 2147483647 + 1", and the call returns LAGO_RUNTIME.
**
** Memory: expression trees live in the plan's arena and are read-only after
** binding (several threads evaluate the same tree). Builders allocate in the
** arena they are given and return NULL / LAGO_NOMEM on OOM.
*/
#ifndef LAGO_EXEC_EXPR_H
#define LAGO_EXEC_EXPR_H

#include <stdbool.h>
#include <stdint.h>

#include "util/arena.h"
#include "util/buf.h"
#include "util/status.h"
#include "vec/vector.h"

struct func_def;
struct fn_call;

typedef enum expr_kind {
  EXPR_COLUMN = 1, /* input column u.col */
  EXPR_CONST,      /* u.value: a 1-row vector (row 0) of e->type */
  EXPR_CAST,       /* args[0] cast to e->type; u.try_cast: NULL instead of an error */
  EXPR_CALL,       /* scalar function u.call over args */
  EXPR_AND,        /* n-ary, n >= 2, BOOLEAN args */
  EXPR_OR,         /* n-ary, n >= 2 */
  EXPR_NOT,        /* args[0] */
  EXPR_IS_NULL,    /* args[0] IS NULL; negated: IS NOT NULL */
  EXPR_CASE,       /* args: when1, then1, ..., whenk, thenk [, else]; u.has_else */
  EXPR_COALESCE,   /* first non-null of args, evaluated lazily */
  EXPR_IN,         /* args[0] IN (args[1..]); negated: NOT IN; args already coerced */
  EXPR_DISTINCT,   /* args[0] IS DISTINCT FROM args[1]; negated: IS NOT DISTINCT FROM */
  EXPR_FIELD,      /* STRUCT field u.field of args[0] */
} expr_kind;

typedef struct expr {
  uint8_t kind;          /* expr_kind */
  lago_type type;        /* result type */
  uint32_t n_args;
  struct expr **args;    /* n_args children (same arena) */
  bool negated;          /* EXPR_IS_NULL: IS NOT NULL; EXPR_IN: NOT IN; EXPR_DISTINCT: IS NOT DISTINCT FROM */
  const char *name;      /* optional display name (column names for EXPLAIN) */
  union {
    uint32_t col;        /* EXPR_COLUMN */
    vec *value;          /* EXPR_CONST: CONST vector, 1 row */
    bool try_cast;       /* EXPR_CAST */
    bool has_else;       /* EXPR_CASE */
    uint32_t field;      /* EXPR_FIELD */
    struct {             /* EXPR_CALL; EXPR_IN and EXPR_DISTINCT: the "=" of their operand type */
      const struct func_def *def; /* resolved function */
      const void *bind;           /* data its bind step prepared (compiled pattern...) */
      int (*kernel)(struct fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out);
      uint32_t flags;             /* FN_* of the definition (func.h) */
    } call;
  } u;
} expr;

/* ---- evaluation ----------------------------------------------------------- */

typedef struct eval_ctx {
  arena *ar;        /* result vectors and string bytes (a batch arena, reset by the owner) */
  lago_err *err;    /* runtime errors */
  int64_t now_us;   /* current_timestamp() of the query, microseconds since the epoch (UTC) */
  const struct tz_zone *tz; /* session time zone (util/tz.h), borrowed for the query; NULL = UTC */
} eval_ctx;

/*
** Evaluates e for rows sel[0..n) (NULL sel: 0..n-1) of `in`. *out is borrowed
** from `in` or allocated in ec->ar (see the header comment). Returns LAGO_OK,
** LAGO_RUNTIME (ANSI error, message in ec->err) or LAGO_NOMEM.
*/
int expr_eval(eval_ctx *ec, const expr *e, const batch *in, const uint32_t *sel, uint32_t n, vec **out);
/*
** Rows of sel[0..n) where the BOOLEAN predicate e is TRUE, in order, into
** out_sel (room for n entries; may alias sel), count in *out_n.
*/
int expr_select(eval_ctx *ec, const expr *e, const batch *in, const uint32_t *sel, uint32_t n,
                uint32_t *out_sel, uint32_t *out_n);
/* Evaluates e over the whole batch (its own selection). */
static inline int expr_eval_batch(eval_ctx *ec, const expr *e, const batch *in, vec **out) {
  return expr_eval(ec, e, in, in->sel, in->n_rows, out);
}

/* ---- builders (allocate in ar) -------------------------------------------- */

expr *expr_column(arena *ar, uint32_t col, lago_type t, const char *name);
/* Constant from row `row` of v (any kind; copied). */
expr *expr_const(arena *ar, const vec *v, uint32_t row);
expr *expr_null(arena *ar, lago_type t);
expr *expr_bool(arena *ar, bool v);
expr *expr_int(arena *ar, int32_t v);
expr *expr_bigint(arena *ar, int64_t v);
expr *expr_double(arena *ar, double v);
/* DECIMAL(p,s) constant with unscaled value v. */
expr *expr_decimal(arena *ar, lago_i128 v, int p, int s);
expr *expr_string(arena *ar, const char *s, uint32_t len);
expr *expr_str(arena *ar, const char *s); /* NUL-terminated */
expr *expr_date(arena *ar, int32_t days);
expr *expr_timestamp(arena *ar, int64_t micros);
/* A node of kind k with the given children (copied array), type t. */
expr *expr_node(arena *ar, expr_kind k, lago_type t, expr **args, uint32_t n_args);

/*
** CAST(a AS to) / TRY_CAST. LAGO_BIND if Spark's ANSI cast table does not
** allow from -> to ("cannot cast DATE to INT"). Identity casts return a.
*/
int expr_cast(arena *ar, expr *a, lago_type to, bool try_cast, expr **out, lago_err *err);
/*
** Function or operator call by name ("+", "=", "lower", "substring"...):
** resolves it with func_resolve, wraps arguments in the implicit casts it asks
** for, and builds the node. LAGO_BIND with a message for an unknown function,
** a wrong argument count or types that do not coerce.
*/
int expr_call(arena *ar, const char *name, expr **args, uint32_t n_args, expr **out, lago_err *err);
/* Logical operators; operands are cast to BOOLEAN when they are not (LAGO_BIND if impossible). */
int expr_and(arena *ar, expr **args, uint32_t n, expr **out, lago_err *err);
int expr_or(arena *ar, expr **args, uint32_t n, expr **out, lago_err *err);
int expr_not(arena *ar, expr *a, expr **out, lago_err *err);
expr *expr_is_null(arena *ar, expr *a, bool negated);
/* CASE WHEN w[i] THEN t[i] ... [ELSE else_] END; result type is the least common type. */
int expr_case(arena *ar, expr **whens, expr **thens, uint32_t n, expr *else_, expr **out, lago_err *err);
/* COALESCE(args): least common type. */
int expr_coalesce(arena *ar, expr **args, uint32_t n, expr **out, lago_err *err);
/* a [NOT] IN (list): coerced to the least common type. */
int expr_in(arena *ar, expr *a, expr **list, uint32_t n, bool negated, expr **out, lago_err *err);
/* a IS [NOT] DISTINCT FROM b (negated = IS NOT DISTINCT FROM, i.e. <=>). */
int expr_distinct(arena *ar, expr *a, expr *b, bool negated, expr **out, lago_err *err);
/* Struct field by index; LAGO_BIND if a is not a STRUCT or the index is out of range. */
int expr_field(arena *ar, expr *a, uint32_t field, expr **out, lago_err *err);

/* ---- analysis --------------------------------------------------------------- */

/* True if e has no column references and no volatile calls (current_timestamp is fixed per query, so foldable). */
bool expr_is_constant(const expr *e);
/*
** Constant folding: evaluates every constant subtree once and replaces it by
** an EXPR_CONST node (new nodes in ar; e itself is not modified). A constant
** subtree that raises an error is left as it is (the error happens at run time,
** only if the row is reached, as in Spark). ec->now_us is used for
** current_timestamp.
*/
int expr_fold(arena *ar, eval_ctx *ec, expr *e, expr **out);
/* Copy of e with column indexes remapped: column i becomes map[i] (for planners moving expressions). */
expr *expr_remap(arena *ar, const expr *e, const uint32_t *map, uint32_t n_map);
/* Highest column index referenced + 1 (0 if none). */
uint32_t expr_max_column(const expr *e);

/* Appends e as SQL-like text for EXPLAIN: `(#0 + 1)`, `lower(name#2)`, `CAST(#1 AS BIGINT)`. */
int expr_to_text(const expr *e, buf *out);

/* ---- helpers for kernels and operators -------------------------------------- */

/* A FLAT vector of type t with room for len rows, allocated in ec->ar (len set). NULL on OOM. */
vec *eval_vec_new(eval_ctx *ec, lago_type t, uint32_t len);
/* Physical length for rows sel[0..n): sel ? sel[n-1]+1 : n. */
static inline uint32_t eval_len(const uint32_t *sel, uint32_t n) {
  return n == 0 ? 0 : sel ? sel[n - 1] + 1 : n;
}

/* Iterates r over the physical rows: for (i in 0..n) r = sel ? sel[i] : i. */
#define EVAL_FOR(sel, n, r, ...)                                            \
  do {                                                                      \
    if (sel) {                                                              \
      for (uint32_t i_ = 0; i_ < (n); i_++) {                               \
        uint32_t r = (sel)[i_];                                             \
        __VA_ARGS__                                                         \
      }                                                                     \
    } else {                                                                \
      for (uint32_t r = 0; r < (n); r++) {                                  \
        __VA_ARGS__                                                         \
      }                                                                     \
    }                                                                       \
  } while (0)

#endif /* LAGO_EXEC_EXPR_H */
