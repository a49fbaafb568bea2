/*
** exec/exec.h: running a physical plan.
**
** One exec_ctx per query: it owns the query arena (the planner may allocate
** the plan in it), the memory budget that hash tables and sorts charge, the
** thread count, the query's current timestamp, a cancellation flag and the
** spill directory.
**
**   exec_ctx *cx;  exec_ctx_new(&cfg, &cx);
**   plan *p = ...built in exec_ctx_arena(cx) or any arena that outlives the query...
**   exec_query *q; exec_open(cx, p, &q, &err);
**   batch *b; while ((rc = exec_next(q, &b, &err)) == LAGO_OK && b->n_rows) use(b);
**   exec_close(q); exec_ctx_free(cx);
**
** Batches from exec_next are borrowed until the next exec_next/exec_close.
** Results come in no particular order unless the plan sorts. Errors:
** LAGO_RUNTIME (ANSI errors), LAGO_NOMEM, LAGO_IO (spill files),
** LAGO_CANCELLED, and whatever sources return.
**
** Memory: when a hash aggregate, hash join build, sort, window or set
** operation would take the total charged memory past mem_limit, it writes
** partitions or sorted runs to files under tmp_dir and merges them later;
** results do not depend on the limit. The files are removed when the
** operator closes (also after errors).
*/
#ifndef LAGO_EXEC_EXEC_H
#define LAGO_EXEC_EXEC_H

#include <stdatomic.h>

#include "exec/plan.h"
#include "util/buf.h"

typedef struct exec_config {
  size_t mem_limit;       /* bytes charged by operators before they spill; 0 = unlimited */
  int n_threads;          /* worker threads per pipeline; <= 0 means 2 */
  int64_t now_us;         /* current_timestamp(), microseconds UTC; 0 = the clock now */
  const char *tmp_dir;    /* spill directory; NULL = $TMPDIR or /tmp (copied) */
  atomic_int *cancel;     /* optional: nonzero cancels at the next batch boundary */
} exec_config;

typedef struct exec_stats {
  uint64_t spill_files;     /* spill files created */
  uint64_t spill_bytes;     /* bytes written to them */
  uint64_t mem_peak;        /* highest charged memory, bytes */
  uint64_t pipelines_parallel; /* pipelines that ran on more than one thread */
} exec_stats;

typedef struct exec_ctx exec_ctx;
typedef struct exec_query exec_query;

/* New query context (cfg may be NULL for defaults). Caller frees with exec_ctx_free. */
int exec_ctx_new(const exec_config *cfg, exec_ctx **out);
/* Frees the context and its arena; every query opened on it must be closed. NULL is a no-op. */
void exec_ctx_free(exec_ctx *cx);
/* The query arena (freed with the context). */
arena *exec_ctx_arena(exec_ctx *cx);
/* Counters (read after the query). Borrowed for the life of cx. */
const exec_stats *exec_ctx_stats(const exec_ctx *cx);
/* The evaluation constants of the query (arena NULL: callers set their own). */
int64_t exec_ctx_now(const exec_ctx *cx);
/* The session time zone of the query (util/tz.h; NULL = UTC, the default). */
const struct tz_zone *exec_ctx_tz(const exec_ctx *cx);
/* Sets the session time zone (borrowed: it must outlive cx, e.g. a zone loaded into its arena). */
void exec_ctx_set_tz(exec_ctx *cx, const struct tz_zone *tz);

/* Builds and opens the operator tree for root. *out is freed by exec_close. */
int exec_open(exec_ctx *cx, const plan *root, exec_query **out, lago_err *err);
/* Next batch of results; n_rows == 0 at the end. */
int exec_next(exec_query *q, batch **out, lago_err *err);
/* Closes every operator, removes spill files, frees the query. NULL is a no-op. */
void exec_close(exec_query *q);

/*
** Runs root to completion as one pipeline, handing every batch to
** sink(ud, thread, batch, err): on up to max_threads threads when root is a
** chain of streaming operators over a scan (exec_run_threads tells how many;
** thread = 0..n-1, so callers can keep per-thread state), else on the
** caller. The batch is borrowed for the call. Used by statements that
** consume a query themselves (CTAS, INSERT, MERGE) so that the consumer runs
** in parallel too. Errors as exec_next, or the sink's.
*/
typedef int (*exec_sink_fn)(void *ud, int thread, batch *b, lago_err *err);
int exec_run(exec_ctx *cx, const plan *root, int max_threads, exec_sink_fn sink, void *ud, lago_err *err);
int exec_run_threads(exec_ctx *cx, const plan *root);

/*
** EXPLAIN text of a plan: one node per line, children indented by two spaces,
** with expressions, e.g.
**   HashAggregate keys=[#0] aggs=[sum(#1)]
**     Filter (#1 > 10)
**       Scan memory t cols=[a, b]
*/
int exec_explain(const plan *root, buf *out);

#endif /* LAGO_EXEC_EXEC_H */
