/*
** exec/exec_int.h: internals shared by the operators (not for other layers).
**
** Operators (STYLE.md §6): one file each, op_<name>.c, with a vtable and an
** explicit state enum. exec_op_build turns a plan node into an operator; a
** streaming operator (filter, project, join probe...) builds its child at
** build time, a pipeline breaker (aggregate, sort, join build side, window)
** does not: on its first next() (join: at open) it runs the child subtree as
** a *pipeline* with exec_pipeline_run, which builds one copy of the subtree
** per thread, hands morsels of the pipeline's scan to the copies and feeds
** each copy's batches into a per-thread sink. Breakers merge the per-thread
** sinks at the end (partial aggregates, sorted runs, build partitions).
**
** Threads: operator trees built for a pipeline are opened and closed on the
** coordinating thread; only next() runs on workers. An operator touches only
** its own state in next() (no query arena, no shared mutable state except
** through atomics or the shared-state mutex). Each operator owns a heap arena
** `ar` for its state (freed at close) and an output arena `out_ar` reset
** before each batch it produces.
*/
#ifndef LAGO_EXEC_EXEC_INT_H
#define LAGO_EXEC_EXEC_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "exec/exec.h"
#include "exec/expr.h"

/* ---- context --------------------------------------------------------------- */

typedef struct stable_dict {
  const vec *dict;
  uint64_t id;
} stable_dict;

typedef struct shared_slot {
  const void *key;          /* plan node */
  void *val;
  struct shared_slot *next;
} shared_slot;

struct exec_ctx {
  arena *qa;                   /* query arena (coordinator thread only) */
  size_t mem_limit;            /* 0 = unlimited */
  atomic_size_t mem_used;      /* bytes charged by operators */
  atomic_size_t mem_peak;      /* highest mem_used seen; copied into stats on read */
  int n_threads;
  int64_t now_us;
  char *tmp_dir;               /* heap copy */
  atomic_int *cancel;          /* external flag or NULL */
  atomic_int stop;             /* a worker failed: everyone stops at the next batch */
  atomic_uint spill_seq;       /* spill file names */
  pthread_mutex_t mu;          /* guards shared slots and stats */
  shared_slot *shared;
  stable_dict *dicts;          /* registered stable dictionaries (heap, under mu) */
  uint32_t n_dicts, cap_dicts;
  uint64_t next_dict_id;       /* ids are never reused (under mu) */
  exec_stats stats;
};

/* LAGO_CANCELLED if the query was cancelled or another worker failed. */
int exec_check_cancel(exec_ctx *cx, lago_err *err);

/* Memory accounting: charge/release bytes; returns true while under the limit. */
bool exec_mem_charge(exec_ctx *cx, ptrdiff_t delta);
/* True if the charged memory is over the limit. */
static inline bool exec_mem_over(exec_ctx *cx) {
  return cx->mem_limit && atomic_load_explicit(&cx->mem_used, memory_order_relaxed) > cx->mem_limit;
}
/* Charges the growth of an arena since *last (updates *last). Returns true while under the limit. */
bool exec_mem_track(exec_ctx *cx, arena *ar, size_t *last);

/* Asks the kernel to back the 2 MiB-aligned interior of [p, p + n) with huge pages (hash tables
** with random access: fewer TLB misses). A hint only; never fails. */
void exec_hint_huge(void *p, size_t n);

/* Shared per-plan-node state (e.g. a scan's morsel counter, a join's hash table):
** returns the value for key, calling make(ud, &val) under the lock if absent. */
int exec_shared(exec_ctx *cx, const void *key, int (*make)(void *ud, void **val), void *ud, void **out);
/* Drops the slot for key (after its owner freed the value). */
void exec_shared_drop(exec_ctx *cx, const void *key);

/*
** Stable dictionaries: vectors whose content stays fixed while registered (a hash join's build
** columns laid out by key, which its probes hand out as DICT vectors). Consumers may cache results
** per dictionary code for them, keyed by the registration id: ids are never reused, so a dictionary
** freed and another one registered later at the same address are told apart. Any thread.
*/
/* Registers dict; its id (> 0), or 0 if out of memory (then it is simply not stable). */
uint64_t exec_dict_register(exec_ctx *cx, const vec *dict);
/* Ends dict's registration (before its memory is freed). Unknown dicts are ignored. */
void exec_dict_unregister(exec_ctx *cx, const vec *dict);
/* The registration id of dict, 0 if it is not registered. */
uint64_t exec_dict_id(exec_ctx *cx, const vec *dict);

/* ---- operators ------------------------------------------------------------- */

typedef struct exec_op exec_op;

typedef struct exec_op_vtab {
  const char *name;
  int (*open)(exec_op *op);             /* build state (children are built, not opened) */
  int (*next)(exec_op *op, batch *out); /* LAGO_OK and out->n_rows == 0: exhausted */
  void (*close)(exec_op *op);           /* idempotent, safe after a failed open */
} exec_op_vtab;

struct exec_op {
  const exec_op_vtab *vt;
  const plan *pl;
  exec_ctx *cx;
  exec_op *child[2];        /* built children (streaming inputs) */
  uint32_t n_child;
  lago_err *err;            /* the running thread's error sink */
  int thread;               /* copy index in its pipeline (0 = coordinator) */
  arena *ar;                /* operator state (freed at close) */
  arena *out_ar;            /* output batches (reset before each produced batch) */
  eval_ctx ec;              /* evaluation context over out_ar */
  void *st;                 /* operator-specific state */
  bool opened;
};

/*
** Builds the operator tree for p (children of streaming operators included).
** thread: copy index (0 on the coordinator). err: the running thread's error
** sink, kept by every operator. Caller frees with exec_op_free.
*/
int exec_op_build(exec_ctx *cx, const plan *p, int thread, lago_err *err, exec_op **out);
/* Opens op and its built children (children first). */
int exec_op_open(exec_op *op);
/* Pulls the next batch (checks cancellation). */
int exec_op_next(exec_op *op, batch *out);
/* Closes and frees op and its children. NULL is a no-op. */
void exec_op_free(exec_op *op);

/* Allocates op->st (zeroed) of size n in op->ar. NULL on OOM. */
void *exec_op_state(exec_op *op, size_t n);
/* Resets op->out_ar (call at the start of next()). */
void exec_op_reset_out(exec_op *op);

/* Per-kind constructors: fill op->vt (and may build children). */
int op_values_init(exec_op *op);
int op_scan_init(exec_op *op);
int op_filter_init(exec_op *op);
int op_project_init(exec_op *op);
int op_hash_join_init(exec_op *op);
int op_nl_join_init(exec_op *op);
int op_hash_agg_init(exec_op *op);
int op_sort_init(exec_op *op);
int op_top_n_init(exec_op *op);
int op_window_init(exec_op *op);
int op_dedupe_init(exec_op *op);
int op_limit_init(exec_op *op);
int op_union_all_init(exec_op *op);
int op_setop_init(exec_op *op);
int op_generate_init(exec_op *op);

/* ---- pipelines --------------------------------------------------------------- */

/* Receives the batches of one pipeline copy; thread = copy index. */
typedef int (*pipe_sink_fn)(void *ud, int thread, batch *b, lago_err *err);

/*
** Runs the subtree p as a pipeline with up to max_threads copies (fewer when
** p cannot be split: see exec_plan_parallel), calling sink for every batch
** with the copy index. Called on the coordinating thread; blocks until every
** copy is done. *n_used (may be NULL) gets the number of copies, so callers
** can size per-thread sinks beforehand with exec_pipeline_threads.
*/
int exec_pipeline_run(exec_ctx *cx, const plan *p, int max_threads, pipe_sink_fn sink, void *ud, lago_err *err);
/* Copies exec_pipeline_run would use for p. */
int exec_pipeline_threads(exec_ctx *cx, const plan *p);
/* True if p is a chain of streaming operators over a SCAN whose morsels can be split between threads. */
bool exec_plan_parallel(const plan *p);

/* Runs fn(ud, i) for i in 0..n-1 on up to n threads (i = 0 on the caller). First error wins. */
int exec_parallel_for(exec_ctx *cx, int n, int (*fn)(void *ud, int i, lago_err *err), void *ud, lago_err *err);

/* ---- spill files (exec_spill.c) ----------------------------------------------- */

/*
** A spill file holds batches of known column types, written sequentially and
** read back sequentially. Record format (native endianness: the file never
** leaves this process):
**   u32 magic "LGSB" | u32 n_rows | u32 n_cols | u32 pad | u64 payload_len | payload
**   payload: for each column, a vector:
**     u8 has_validity, 7 pad bytes, [validity: ceil(n/64) u64 words]
**     fixed width:   n * width bytes
**     STRING/BINARY: u32 len[n], then the bytes of every string back to back (8-aligned)
**     STRUCT:        each field as a vector of n rows
**     ARRAY/MAP:     u32 len[n], then the child vector of sum(len) rows
** The file lives in the context's tmp_dir as lago-spill-<pid>-<seq> and is
** unlinked by spill_close.
*/
typedef struct spill_file spill_file;
int spill_open(exec_ctx *cx, uint32_t n_cols, const lago_type *types, spill_file **out, lago_err *err);
/* Appends the selected rows of b. */
int spill_write(spill_file *sf, const batch *b, lago_err *err);
/* Appends rows sel[0..n) of the vectors cols[0..n_cols). */
int spill_write_cols(spill_file *sf, vec *const *cols, const uint32_t *sel, uint32_t n, lago_err *err);
/* Ends writing and rewinds for reading. */
int spill_rewind(spill_file *sf, lago_err *err);
/* Reads the next batch into ar (n_rows == 0 at the end). */
int spill_read(spill_file *sf, arena *ar, batch **out, lago_err *err);
uint64_t spill_rows(const spill_file *sf);
/* Closes and unlinks. NULL is a no-op. */
void spill_close(spill_file *sf);

#endif /* LAGO_EXEC_EXEC_INT_H */
