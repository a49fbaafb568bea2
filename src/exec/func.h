/*
** exec/func.h: the scalar function registry, Spark's type coercion, casts.
**
** A function is one row in a table of func_def (func_arith.c, func_string.c,
** func_datetime.c, func_hash.c, func_misc.c, func_cmp.c); operators are
** functions named by their symbol ("+", "=", "<=>" is EXPR_DISTINCT, not here).
** func_resolve(name, argument types) finds the definition and runs its bind
** step, which decides (a) the implicit casts to apply to the arguments,
** (b) the return type, (c) the kernel, and (d) optional bind data (a compiled
** LIKE pattern, a constant format). expr_call (expr.h) wraps it all.
**
** Adding a function is a kernel plus one line, e.g.
**   {"lower", 1, 1, 0, func_bind_sig, k_lower, SIG(LT_STRING, LT_STRING)},
** where SIG(ret, arg1, ...) declares the types (the last argument type
** repeats for variadic functions) and func_bind_sig casts arguments to them
** with Spark's implicit-cast rules. Functions whose types depend on their
** inputs (arithmetic, greatest, element_at...) have their own bind.
**
** Kernels: out is a FLAT vector of the return type sized for the rows, with
** no validity. For strict functions (no FN_NULLS flag) the caller has already
** set out's validity to "all arguments non-null" (bitmap allocated only if some
** argument has nulls); kernels skip rows whose out bit is 0 (FN_ROW_VALID) and
** may clear more bits (vec_set_null). FN_NULLS kernels see raw arguments and
** set validity themselves. String results are allocated in c->ec->ar.
**
** Type coercion follows Spark ANSI mode (docs/sql-ref-ansi-compliance.md,
** AnsiTypeCoercion): precedence lists Byte < Short < Int < Long < Decimal <
** Float < Double, Date < Timestamp; integers as decimals are DECIMAL(3,0),
** (5,0), (10,0), (20,0); FLOAT with an INT/BIGINT/DECIMAL partner becomes
** DOUBLE; STRING meets an integer as BIGINT, a FLOAT/DOUBLE/DECIMAL as DOUBLE,
** any other atomic type as that type (so '1' + 1 is BIGINT 2 and
** date_col = '2024-01-01' compares dates); NULL meets anything.
*/
#ifndef LAGO_EXEC_FUNC_H
#define LAGO_EXEC_FUNC_H

#include "exec/expr.h"

/* Runtime context handed to kernels. */
typedef struct fn_call {
  eval_ctx *ec;       /* arena for results, error sink, query time */
  const expr *e;      /* the EXPR_CALL node: e->type, e->args[i]->type, e->u.call.bind */
} fn_call;

typedef int (*scalar_kernel)(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out);

/* Flags of a function definition. */
enum {
  FN_NULLS = 1u << 0,    /* not strict: the kernel handles NULL arguments itself */
  FN_VOLATILE = 1u << 1, /* never folded (rand()); current_timestamp is NOT volatile */
};

#define SIG_MAX 6
/* Signature type codes beyond lago_type_id. */
enum {
  SIG_ANY = 200,    /* argument kept as it is */
  SIG_NUMERIC,      /* any numeric type kept; strings become DOUBLE */
  SIG_INTEGRAL,     /* integral type kept; other numbers rejected */
};
#define SIG(...) {__VA_ARGS__}

struct func_bind;
typedef struct func_def {
  const char *name;        /* lower case; matched case-insensitively */
  int8_t min_args;
  int8_t max_args;         /* -1: variadic */
  uint32_t flags;          /* FN_* */
  int (*bind)(struct func_bind *b, lago_err *err);
  scalar_kernel kernel;    /* default kernel (bind may pick another) */
  uint8_t sig[SIG_MAX];    /* for func_bind_sig: return type id, then argument type ids */
  const void *info;        /* per-definition constant for shared binds/kernels */
} func_def;

typedef struct func_bind {
  arena *ar;                   /* for bind data */
  const func_def *def;
  uint32_t n_args;
  const lago_type *arg_types;  /* argument types as given */
  expr *const *args;           /* argument expressions (to inspect constants); may be NULL */
  lago_type *casts;            /* out: type each argument must have (initialised to arg_types) */
  lago_type ret;               /* out: return type */
  scalar_kernel kernel;        /* out: initialised to def->kernel */
  const void *data;            /* out: bind data, allocated in ar */
  uint32_t flags;              /* out: initialised to def->flags */
} func_bind;

/* Definition by name (case-insensitive), NULL if unknown. */
const func_def *func_lookup(const char *name);
/*
** Resolves name(arg_types) into *b (casts array allocated in ar). args may be
** NULL (then constant-dependent functions bind generically). LAGO_BIND with a
** Spark-like message on failure:
**   "[UNRESOLVED_ROUTINE] cannot resolve function `nope`"
**   "[WRONG_NUM_ARGS] `substring` requires 2 or 3 arguments, got 1"
**   "[DATATYPE_MISMATCH] `lower`: argument 1 requires STRING, got ARRAY<INT>"
*/
int func_resolve(arena *ar, const char *name, const lago_type *arg_types, expr *const *args, uint32_t n_args,
                 func_bind *b, lago_err *err);
/* Calls fn(ud, def) for every registered function (for SHOW FUNCTIONS and tests). */
void func_foreach(void (*fn)(void *ud, const func_def *def), void *ud);

/* Generic bind: casts arguments to def->sig and returns sig[0] (see SIG codes). */
int func_bind_sig(func_bind *b, lago_err *err);

/* ---- type coercion ---------------------------------------------------------- */

/* Least common type of a and b (Spark ANSI, header comment); false if none. */
bool func_common_type(lago_type a, lago_type b, lago_type *out);
/* Least common type of n types (for CASE, COALESCE, IN, UNION); false if none. */
bool func_common_type_n(const lago_type *ts, uint32_t n, lago_type *out);
/* True if `from` may be cast implicitly to `to` (function arguments). */
bool func_implicit_cast_ok(lago_type from, lago_type to);
/* Decimal type an integral/decimal type widens to: INT -> DECIMAL(10,0), etc.; false for others. */
bool func_decimal_of(lago_type t, lago_type *out);
/* DECIMAL(p, s) bounded to precision 38 with Spark's precision-loss adjustment
** (DecimalPrecision.adjustPrecisionScale: keep at least min(s, 6) fractional digits). */
lago_type func_decimal_adjust(int p, int s);

/* ---- casts (func_cast.c) ------------------------------------------------------ */

/* True if CAST(from AS to) is allowed by Spark's ANSI cast table (nested casts recursively). */
bool cast_allowed(lago_type from, lago_type to);
/*
** Casts rows sel[0..n) of src to `to` into out (a FLAT vector of type `to`,
** aligned with src rows, allocated by the caller with eval_vec_new). try_cast:
** failures give NULL; otherwise an error such as
**   [CAST_INVALID_INPUT] The value 'abc' of the type "STRING" cannot be cast to "INT" ...
**   [CAST_OVERFLOW] The value 2147483648L of the type "BIGINT" cannot be cast to "INT" due to an overflow.
**   [NUMERIC_VALUE_OUT_OF_RANGE] 123.45 cannot be represented as Decimal(4, 2).
*/
int cast_vec(eval_ctx *ec, const vec *src, const uint32_t *sel, uint32_t n, lago_type to, bool try_cast, vec *out);
/* Spark's text of a value (CAST(x AS STRING)): appends to out. */
int cast_value_to_text(const vec *v, uint32_t row, buf *out);
/* Java Double.toString / Float.toString spelling ("1.0E10", "0.001", "NaN", "-Infinity"). */
int cast_double_text(double d, bool is_float, char *out);

/* ---- shared kernel helpers ---------------------------------------------------- */

/* Row r of a strict kernel's output is to be computed. */
#define FN_ROW_VALID(out, r) (!(out)->validity || bitmap_get((out)->validity, (r)))

/* Records an ANSI runtime error (LAGO_RUNTIME) with printf-style text. */
#define FN_ERR(c, ...) LAGO_ERR((c)->ec->err, LAGO_RUNTIME, __VA_ARGS__)

/* Reads a decimal (either width) at view index idx. */
static inline lago_i128 dec_load(const void *data, uint32_t idx, bool wide) {
  if (wide) {
    lago_i128 v;
    memcpy(&v, (const char *)data + (size_t)idx * sizeof v, sizeof v);
    return v;
  }
  return ((const int64_t *)data)[idx];
}
static inline void dec_store(void *data, uint32_t idx, bool wide, lago_i128 v) {
  if (wide) memcpy((char *)data + (size_t)idx * sizeof v, &v, sizeof v);
  else ((int64_t *)data)[idx] = (int64_t)v;
}

/* Function tables, one per family (terminated by a {NULL} row). */
extern const func_def func_defs_arith[];
extern const func_def func_defs_cmp[];
extern const func_def func_defs_string[];
extern const func_def func_defs_datetime[];
extern const func_def func_defs_hash[];
extern const func_def func_defs_misc[];
extern const func_def func_defs_zone[];     /* func_zone.c */
extern const func_def func_defs_extra[];    /* func_extra.c */

#endif /* LAGO_EXEC_FUNC_H */
