/*
** exec/agg.h: aggregate functions (SUM, COUNT, AVG, MIN, MAX, ...).
**
** An aggregate is a fixed-size state per group plus five operations:
**   init      fresh state
**   update    fold rows into their groups' states (vectorized: states[i] is
**             the state block of logical row i's group, so one call updates
**             many groups; the aggregate's state sits at states[i] + off)
**   combine   merge states into other states (parallel partial aggregates,
**             spilled partitions, window segment trees)
**   finalize  write one result per state into a vector
** State blocks are owned by a hash table (exec/aggtab.h), a window segment
** tree or a simple aggregate. Variable-size parts (string bytes of MIN/MAX,
** COLLECT_LIST arrays, HyperLogLog registers) are allocated in rt->ar, the
** arena of whoever owns the states; combine copies what it keeps into the
** destination's arena, so a source table can be freed right after.
**
** NULL arguments are skipped by every aggregate except COUNT(*) and
** FIRST/LAST without IGNORE NULLS. Aggregates with several arguments (e.g.
** COUNT(a, b)) skip a row when any argument is NULL.
**
** Result types follow Spark: SUM of integers is BIGINT (ANSI overflow error
** "[ARITHMETIC_OVERFLOW] long overflow in sum"), of DECIMAL(p,s) is
** DECIMAL(min(38,p+10), s), of FLOAT/DOUBLE is DOUBLE; AVG of DECIMAL(p,s) is
** DECIMAL(min(38,p+4), min(38,s+4)) (HALF_UP), else DOUBLE; COUNT is BIGINT;
** STDDEV/VARIANCE are DOUBLE (sample versions NULL for one row);
** APPROX_COUNT_DISTINCT is BIGINT (HyperLogLog++ with linear counting, default
** relative error 0.05 like Spark); COLLECT_LIST/SET are ARRAY<t> (never NULL:
** empty array for no rows).
*/
#ifndef LAGO_EXEC_AGG_H
#define LAGO_EXEC_AGG_H

#include "exec/expr.h"

/* Runtime of an update/combine/finalize call. */
typedef struct agg_rt {
  arena *ar;      /* owner arena of the states' variable-size data */
  lago_err *err;  /* ANSI errors (sum overflow) */
} agg_rt;

struct agg_bind;

typedef struct agg_ops {
  void (*init)(const struct agg_bind *b, uint8_t *state);
  /* args: the evaluated arguments (aligned with the batch); rows sel[0..n). */
  int (*update)(const struct agg_bind *b, agg_rt *rt, vec **args, const uint32_t *sel, uint32_t n,
                uint8_t *const *states, size_t off);
  /* dst[i] += src[i] for i < n. */
  int (*combine)(const struct agg_bind *b, agg_rt *rt, uint8_t *const *src, uint8_t *const *dst, uint32_t n, size_t off);
  /* out rows out_off .. out_off+n-1 get the results of states[0..n). */
  int (*finalize)(const struct agg_bind *b, agg_rt *rt, uint8_t *const *states, uint32_t n, size_t off, vec *out,
                  uint32_t out_off);
} agg_ops;

typedef struct agg_func {
  const char *name;         /* lower case */
  int8_t min_args, max_args;
  int (*bind)(struct agg_bind *b, lago_err *err);
  const void *info;         /* per-definition constant (e.g. which variance) */
} agg_func;

typedef struct agg_bind {
  const agg_func *fn;
  uint32_t n_args;
  const lago_type *arg_types; /* as given */
  expr *const *args;          /* argument expressions (constants such as the HLL error), may be NULL */
  lago_type *casts;           /* out: type each argument must be cast to (initialised to arg_types) */
  bool distinct;              /* COUNT(DISTINCT x): the operator feeds each (group, value) once */
  bool ignore_nulls;          /* FIRST/LAST(x) IGNORE NULLS, or the second argument true */
  lago_type ret;              /* out */
  uint32_t state_size;        /* out: bytes, multiple of 8 */
  const agg_ops *ops;         /* out */
  const void *data;           /* out: bind data in the plan arena */
  uint32_t data_u32;          /* out: small bind parameter (HLL precision, variance kind) */
} agg_bind;

/* One aggregate of a plan: resolved function and its (already cast) arguments. */
typedef struct agg_call {
  agg_bind b;
  expr **args;      /* b.n_args argument expressions over the operator's input */
  expr *filter;     /* FILTER (WHERE ...) or NULL */
  const char *name; /* display name for EXPLAIN ("sum(amount)") */
} agg_call;

const agg_func *agg_lookup(const char *name);
/*
** Builds an aggregate call: resolves name over the arguments' types (COUNT(*)
** is "count" with no arguments), wraps arguments in casts, allocates in ar.
** LAGO_BIND on unknown names or bad types.
*/
int agg_call_make(arena *ar, const char *name, expr **args, uint32_t n_args, bool distinct, bool ignore_nulls,
                  expr *filter, agg_call **out, lago_err *err);

/*
** State alignment every aggregate respects (states are packed in one block per
** group): 8, so a state must not hold a 16-aligned type (lago_i128) directly.
*/
#define AGG_STATE_ALIGN 8u
static inline uint32_t agg_align(uint32_t n) { return (n + AGG_STATE_ALIGN - 1) & ~(AGG_STATE_ALIGN - 1); }

#endif /* LAGO_EXEC_AGG_H */
