/*
** exec/exec.c: query context, operator dispatch, pipelines and threads
** (see exec.h and exec_int.h).
**
** A pipeline run builds one operator tree per thread from the same plan
** subtree, opens them all on the coordinating thread (shared state such as a
** scan's morsel counter or a join's hash table is created by the first open),
** runs copy 0 on the caller and copies 1.. on fresh threads, then closes them
** all on the caller. Threads are created per pipeline (pthread_create costs
** microseconds; pipelines last milliseconds or more).
*/
#include "exec/exec_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "util/alloc.h"

/* ---- context ------------------------------------------------------------------------ */

int exec_ctx_new(const exec_config *cfg, exec_ctx **out) {
  *out = NULL;
  exec_ctx *cx = mem_calloc(1, sizeof *cx);
  if (!cx) return LAGO_NOMEM;
  cx->qa = arena_new("query", 64 * 1024);
  if (!cx->qa) {
    mem_free(cx);
    return LAGO_NOMEM;
  }
  exec_config def;
  memset(&def, 0, sizeof def);
  if (!cfg) cfg = &def;
  cx->mem_limit = cfg->mem_limit;
  cx->n_threads = cfg->n_threads > 0 ? cfg->n_threads : 2;
  if (cx->n_threads > 64) cx->n_threads = 64;
  cx->now_us = cfg->now_us;
  if (!cx->now_us) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    cx->now_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
  }
  const char *td = cfg->tmp_dir;
  if (!td || !*td) td = getenv("TMPDIR");
  if (!td || !*td) td = "/tmp";
  cx->tmp_dir = mem_strdup(td);
  if (!cx->tmp_dir) {
    arena_free(cx->qa);
    mem_free(cx);
    return LAGO_NOMEM;
  }
  cx->cancel = cfg->cancel;
  atomic_init(&cx->mem_used, 0);
  atomic_init(&cx->mem_peak, 0);
  atomic_init(&cx->stop, 0);
  atomic_init(&cx->spill_seq, 0);
  pthread_mutex_init(&cx->mu, NULL);
  *out = cx;
  return LAGO_OK;
}

void exec_ctx_free(exec_ctx *cx) {
  if (!cx) return;
  shared_slot *s = cx->shared;
  while (s) {
    shared_slot *n = s->next;
    mem_free(s);
    s = n;
  }
  pthread_mutex_destroy(&cx->mu);
  mem_free(cx->dicts);
  mem_free(cx->tmp_dir);
  arena_free(cx->qa);
  mem_free(cx);
}

arena *exec_ctx_arena(exec_ctx *cx) { return cx->qa; }
const exec_stats *exec_ctx_stats(const exec_ctx *cx) {
  exec_ctx *m = (exec_ctx *)cx;
  pthread_mutex_lock(&m->mu);
  m->stats.mem_peak = atomic_load_explicit(&m->mem_peak, memory_order_relaxed);
  pthread_mutex_unlock(&m->mu);
  return &cx->stats;
}
int64_t exec_ctx_now(const exec_ctx *cx) { return cx->now_us; }

int exec_check_cancel(exec_ctx *cx, lago_err *err) {
  if (atomic_load_explicit(&cx->stop, memory_order_relaxed))
    return LAGO_ERR(err, LAGO_CANCELLED, "stopped: another worker of the query failed");
  if (cx->cancel && atomic_load_explicit(cx->cancel, memory_order_relaxed))
    return LAGO_ERR(err, LAGO_CANCELLED, "query cancelled");
  return LAGO_OK;
}

bool exec_mem_charge(exec_ctx *cx, ptrdiff_t delta) {
  size_t now;
  if (delta >= 0) now = atomic_fetch_add_explicit(&cx->mem_used, (size_t)delta, memory_order_relaxed) + (size_t)delta;
  else now = atomic_fetch_sub_explicit(&cx->mem_used, (size_t)-delta, memory_order_relaxed) - (size_t)-delta;
  if (delta > 0) {
    size_t peak = atomic_load_explicit(&cx->mem_peak, memory_order_relaxed);
    while (now > peak &&
           !atomic_compare_exchange_weak_explicit(&cx->mem_peak, &peak, now, memory_order_relaxed, memory_order_relaxed)) {
    }
  }
  return !cx->mem_limit || now <= cx->mem_limit;
}

void exec_hint_huge(void *p, size_t n) {
#ifdef MADV_HUGEPAGE
  const uintptr_t huge = (uintptr_t)2 << 20;
  uintptr_t a = ((uintptr_t)p + huge - 1) & ~(huge - 1), b = ((uintptr_t)p + n) & ~(huge - 1);
  if (b > a) madvise((void *)a, b - a, MADV_HUGEPAGE);
#else
  (void)p;
  (void)n;
#endif
}

bool exec_mem_track(exec_ctx *cx, arena *ar, size_t *last) {
  size_t cur = arena_reserved(ar);
  ptrdiff_t d = (ptrdiff_t)cur - (ptrdiff_t)*last;
  *last = cur;
  if (d == 0) return !exec_mem_over(cx);
  return exec_mem_charge(cx, d);
}

int exec_shared(exec_ctx *cx, const void *key, int (*make)(void *ud, void **val), void *ud, void **out) {
  pthread_mutex_lock(&cx->mu);
  for (shared_slot *s = cx->shared; s; s = s->next)
    if (s->key == key) {
      *out = s->val;
      pthread_mutex_unlock(&cx->mu);
      return LAGO_OK;
    }
  shared_slot *s = mem_calloc(1, sizeof *s);
  if (!s) {
    pthread_mutex_unlock(&cx->mu);
    return LAGO_NOMEM;
  }
  int rc = make(ud, &s->val);
  if (rc) {
    mem_free(s);
    pthread_mutex_unlock(&cx->mu);
    return rc;
  }
  s->key = key;
  s->next = cx->shared;
  cx->shared = s;
  *out = s->val;
  pthread_mutex_unlock(&cx->mu);
  return LAGO_OK;
}

void exec_shared_drop(exec_ctx *cx, const void *key) {
  pthread_mutex_lock(&cx->mu);
  for (shared_slot **p = &cx->shared; *p; p = &(*p)->next)
    if ((*p)->key == key) {
      shared_slot *s = *p;
      *p = s->next;
      mem_free(s);
      break;
    }
  pthread_mutex_unlock(&cx->mu);
}

uint64_t exec_dict_register(exec_ctx *cx, const vec *dict) {
  uint64_t id = 0;
  pthread_mutex_lock(&cx->mu);
  if (cx->n_dicts == cx->cap_dicts) {
    uint32_t nc = cx->cap_dicts ? cx->cap_dicts * 2 : 8;
    stable_dict *nd = mem_realloc(cx->dicts, nc * sizeof *nd);
    if (!nd) goto done;
    cx->dicts = nd;
    cx->cap_dicts = nc;
  }
  id = ++cx->next_dict_id;
  cx->dicts[cx->n_dicts++] = (stable_dict){dict, id};
done:
  pthread_mutex_unlock(&cx->mu);
  return id;
}

void exec_dict_unregister(exec_ctx *cx, const vec *dict) {
  pthread_mutex_lock(&cx->mu);
  for (uint32_t i = 0; i < cx->n_dicts; i++)
    if (cx->dicts[i].dict == dict) {
      cx->dicts[i] = cx->dicts[--cx->n_dicts];
      break;
    }
  pthread_mutex_unlock(&cx->mu);
}

uint64_t exec_dict_id(exec_ctx *cx, const vec *dict) {
  uint64_t id = 0;
  pthread_mutex_lock(&cx->mu);
  for (uint32_t i = 0; i < cx->n_dicts; i++)
    if (cx->dicts[i].dict == dict) {
      id = cx->dicts[i].id;
      break;
    }
  pthread_mutex_unlock(&cx->mu);
  return id;
}

/* ---- operators ------------------------------------------------------------------------ */

typedef int (*op_init_fn)(exec_op *op);
static op_init_fn init_for(plan_kind k) {
  switch (k) {
    case PLAN_VALUES: return op_values_init;
    case PLAN_SCAN: return op_scan_init;
    case PLAN_FILTER: return op_filter_init;
    case PLAN_PROJECT: return op_project_init;
    case PLAN_HASH_JOIN: return op_hash_join_init;
    case PLAN_NL_JOIN: return op_nl_join_init;
    case PLAN_HASH_AGG: return op_hash_agg_init;
    case PLAN_SORT: return op_sort_init;
    case PLAN_TOP_N: return op_top_n_init;
    case PLAN_WINDOW: return op_window_init;
    case PLAN_DEDUPE: return op_dedupe_init;
    case PLAN_LIMIT: return op_limit_init;
    case PLAN_UNION_ALL: return op_union_all_init;
    case PLAN_SETOP: return op_setop_init;
    case PLAN_GENERATE: return op_generate_init;
    case PLAN__COUNT: break;
  }
  return NULL;
}

int exec_op_build(exec_ctx *cx, const plan *p, int thread, lago_err *err, exec_op **out) {
  *out = NULL;
  op_init_fn init = init_for((plan_kind)p->kind);
  if (!init) return LAGO_ERR(err, LAGO_INTERNAL, "no operator for plan kind %d", p->kind);
  exec_op *op = mem_calloc(1, sizeof *op);
  if (!op) return LAGO_NOMEM_ERR(err);
  op->pl = p;
  op->cx = cx;
  op->err = err;
  op->thread = thread;
  op->ar = arena_new("op", 4096);
  op->out_ar = arena_new("batch", 16384);
  if (!op->ar || !op->out_ar) {
    exec_op_free(op);
    return LAGO_NOMEM_ERR(err);
  }
  op->ec.ar = op->out_ar;
  op->ec.err = err;
  op->ec.now_us = cx->now_us;
  int rc = init(op);
  if (rc) {
    exec_op_free(op);
    return rc;
  }
  *out = op;
  return LAGO_OK;
}

int exec_op_open(exec_op *op) {
  for (uint32_t i = 0; i < op->n_child; i++) TRY(exec_op_open(op->child[i]));
  op->opened = true;
  return op->vt->open ? op->vt->open(op) : LAGO_OK;
}

int exec_op_next(exec_op *op, batch *out) {
  TRY(exec_check_cancel(op->cx, op->err));
  memset(out, 0, sizeof *out);
  return op->vt->next(op, out);
}

void exec_op_free(exec_op *op) {
  if (!op) return;
  if (op->vt && op->vt->close) op->vt->close(op);
  for (uint32_t i = 0; i < op->n_child; i++) exec_op_free(op->child[i]);
  arena_free(op->ar);
  arena_free(op->out_ar);
  mem_free(op);
}

void *exec_op_state(exec_op *op, size_t n) {
  op->st = arena_zalloc(op->ar, n);
  return op->st;
}

void exec_op_reset_out(exec_op *op) { arena_reset(op->out_ar); }

/* ---- threads ---------------------------------------------------------------------------- */

typedef struct pf_task {
  int (*fn)(void *ud, int i, lago_err *err);
  void *ud;
  int i;
  int rc;
  lago_err err;
  exec_ctx *cx;
} pf_task;

static void *pf_main(void *arg) {
  pf_task *t = arg;
  t->rc = t->fn(t->ud, t->i, &t->err);
  if (t->rc) atomic_store(&t->cx->stop, 1);
  return NULL;
}

/* Picks the root cause: a real error wins over LAGO_CANCELLED caused by another worker's failure. */
static int collect(pf_task *ts, int n, lago_err *err) {
  int best = -1;
  for (int i = 0; i < n; i++) {
    if (!ts[i].rc) continue;
    if (best < 0 || (ts[best].rc == LAGO_CANCELLED && ts[i].rc != LAGO_CANCELLED)) best = i;
  }
  if (best < 0) return LAGO_OK;
  if (err && err->rc == LAGO_OK) lago_err_copy(err, &ts[best].err);
  return ts[best].rc;
}

int exec_parallel_for(exec_ctx *cx, int n, int (*fn)(void *ud, int i, lago_err *err), void *ud, lago_err *err) {
  if (n <= 0) return LAGO_OK;
  pf_task *ts = mem_calloc((size_t)n, sizeof *ts);
  pthread_t *th = mem_calloc((size_t)n, sizeof *th);
  bool *started = mem_calloc((size_t)n, sizeof *started);
  if (!ts || !th || !started) {
    mem_free(ts);
    mem_free(th);
    mem_free(started);
    return LAGO_NOMEM_ERR(err);
  }
  for (int i = 0; i < n; i++) {
    ts[i].fn = fn;
    ts[i].ud = ud;
    ts[i].i = i;
    ts[i].cx = cx;
    lago_err_clear(&ts[i].err);
  }
  for (int i = 1; i < n; i++) started[i] = pthread_create(&th[i], NULL, pf_main, &ts[i]) == 0;
  pf_main(&ts[0]);
  for (int i = 1; i < n; i++) {
    if (started[i]) pthread_join(th[i], NULL);
    else pf_main(&ts[i]); /* no thread available: run it here */
  }
  int rc = collect(ts, n, err);
  mem_free(ts);
  mem_free(th);
  mem_free(started);
  return rc;
}

/* ---- pipelines ---------------------------------------------------------------------------- */

bool exec_plan_parallel(const plan *p) {
  switch ((plan_kind)p->kind) {
    case PLAN_SCAN: return true;
    case PLAN_FILTER:
    case PLAN_PROJECT:
    case PLAN_GENERATE: return exec_plan_parallel(p->children[0]);
    case PLAN_HASH_JOIN:
    case PLAN_NL_JOIN: return exec_plan_parallel(p->children[0]);
    default: return false;
  }
}

int exec_pipeline_threads(exec_ctx *cx, const plan *p) {
  return exec_plan_parallel(p) ? cx->n_threads : 1;
}

typedef struct pipe_run {
  exec_op **ops;
  pipe_sink_fn sink;
  void *ud;
} pipe_run;

static int pipe_worker(void *ud, int i, lago_err *err) {
  pipe_run *pr = ud;
  exec_op *op = pr->ops[i];
  (void)err;
  for (;;) {
    batch b;
    int rc = exec_op_next(op, &b);
    if (rc) return rc;
    if (b.n_rows == 0) return LAGO_OK; /* exhausted */
    rc = pr->sink(pr->ud, i, &b, op->err);
    if (rc) return rc;
  }
}

int exec_pipeline_run(exec_ctx *cx, const plan *p, int max_threads, pipe_sink_fn sink, void *ud, lago_err *err) {
  int n = exec_pipeline_threads(cx, p);
  if (n > max_threads) n = max_threads;
  if (n < 1) n = 1;
  exec_op **ops = mem_calloc((size_t)n, sizeof *ops);
  lago_err *errs = mem_calloc((size_t)n, sizeof *errs);
  if (!ops || !errs) {
    mem_free(ops);
    mem_free(errs);
    return LAGO_NOMEM_ERR(err);
  }
  int rc = LAGO_OK;
  for (int i = 0; i < n && rc == LAGO_OK; i++) {
    lago_err_clear(&errs[i]);
    rc = exec_op_build(cx, p, i, &errs[i], &ops[i]);
  }
  for (int i = 0; i < n && rc == LAGO_OK; i++) rc = exec_op_open(ops[i]);
  if (rc) {
    for (int i = 0; i < n; i++)
      if (errs[i].rc) {
        lago_err_copy(err, &errs[i]);
        break;
      }
  } else {
    if (n > 1) {
      pthread_mutex_lock(&cx->mu);
      cx->stats.pipelines_parallel++;
      pthread_mutex_unlock(&cx->mu);
    }
    pipe_run pr = {ops, sink, ud};
    lago_err perr;
    lago_err_clear(&perr);
    rc = exec_parallel_for(cx, n, pipe_worker, &pr, &perr);
    if (rc) {
      /* the worker's own error sink has the message of operator failures */
      int best = -1;
      for (int i = 0; i < n; i++)
        if (errs[i].rc && (best < 0 || (errs[best].rc == LAGO_CANCELLED && errs[i].rc != LAGO_CANCELLED))) best = i;
      if (best >= 0 && (perr.rc == LAGO_OK || perr.rc == LAGO_CANCELLED || errs[best].rc == rc))
        lago_err_copy(err, &errs[best]);
      else lago_err_copy(err, &perr);
      if (err->rc == LAGO_OK) LAGO_ERR(err, rc, "pipeline failed");
      rc = err->rc;
    }
  }
  for (int i = 0; i < n; i++) exec_op_free(ops[i]);
  mem_free(ops);
  mem_free(errs);
  return rc;
}

int exec_run(exec_ctx *cx, const plan *root, int max_threads, exec_sink_fn sink, void *ud, lago_err *err) {
  atomic_store(&cx->stop, 0);
  return exec_pipeline_run(cx, root, max_threads, sink, ud, err);
}

int exec_run_threads(exec_ctx *cx, const plan *root) { return exec_pipeline_threads(cx, root); }

/* ---- queries ------------------------------------------------------------------------------ */

struct exec_query {
  exec_ctx *cx;
  exec_op *root;
  lago_err err;
  batch out;
  bool done;
};

int exec_open(exec_ctx *cx, const plan *root, exec_query **out, lago_err *err) {
  *out = NULL;
  exec_query *q = mem_calloc(1, sizeof *q);
  if (!q) return LAGO_NOMEM_ERR(err);
  q->cx = cx;
  lago_err_clear(&q->err);
  atomic_store(&cx->stop, 0);
  int rc = exec_op_build(cx, root, 0, &q->err, &q->root);
  if (rc == LAGO_OK) rc = exec_op_open(q->root);
  if (rc) {
    lago_err_copy(err, &q->err);
    if (err && err->rc == LAGO_OK) LAGO_ERR(err, rc, "opening the plan failed");
    exec_close(q);
    return rc;
  }
  *out = q;
  return LAGO_OK;
}

int exec_next(exec_query *q, batch **out, lago_err *err) {
  *out = &q->out;
  if (q->done) {
    memset(&q->out, 0, sizeof q->out);
    return LAGO_OK;
  }
  for (;;) {
    int rc = exec_op_next(q->root, &q->out);
    if (rc) {
      lago_err_copy(err, &q->err);
      if (err && err->rc == LAGO_OK) LAGO_ERR(err, rc, "query failed");
      return rc;
    }
    if (q->out.n_rows == 0) {
      q->done = true;
      return LAGO_OK;
    }
    return LAGO_OK;
  }
}

void exec_close(exec_query *q) {
  if (!q) return;
  exec_op_free(q->root);
  mem_free(q);
}
