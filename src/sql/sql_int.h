/*
** sql/sql_int.h: internals of the SQL engine behind sql/engine.h, shared by
** the binder (bind_*.c), the logical plan helpers (lplan.c), the optimizer
** (optimize.c), the physical planner (physical.c), the scan sources
** (source_*.c) and the statement families (stmt_*.c). Not for other layers.
**
** Design (README.md "Binder, planner, statements"):
**
**   AST (ast.h) --binder--> logical plan (lp) --optimize--> lp --physical--> plan (exec/plan.h)
**
** Logical plans name columns by *ids*: every column a node produces has a
** number unique in the statement (sql_ctx.next_id), and expressions are
** exec/expr.h trees whose EXPR_COLUMN u.col holds an id, not a position.
** That makes rewrites (filter pushdown through joins and projections,
** projection pruning, decorrelation, join reordering) free of index
** bookkeeping; physical.c maps ids to positions once, at the end.
**
** Memory: everything of one statement (AST, lp, exec plan, source configs)
** lives in the statement arena, the exec_ctx's query arena. Resources that
** need a destructor (Delta snapshots, open Parquet files) are registered
** with sql_defer and released when the statement's result is freed.
*/
#ifndef LAGO_SQL_INT_H
#define LAGO_SQL_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "exec/agg.h"
#include "exec/exec.h"
#include "exec/expr.h"
#include "exec/func.h"
#include "exec/plan.h"
#include "exec/source.h"
#include "io/fs.h"
#include "sql/ast.h"
#include "sql/engine.h"
#include "sql/parser.h"
#include "table/catalog.h"
#include "table/delta/delta.h"
#include "table/handlers.h"

/* ======================================================================== */
/* Session and statement context                                             */
/* ======================================================================== */

typedef struct sql_kv {
  char *key;            /* heap */
  char *value;          /* heap */
  struct sql_kv *next;
} sql_kv;

struct sql_session {
  lago_fs *fs;                            /* fs_local(), borrowed */
  tbl_handlers h;
  catalog *cat;
  char *warehouse;                        /* heap */
  char cur_catalog[CATALOG_NAME_MAX + 1]; /* USE CATALOG (default "main") */
  char cur_schema[CATALOG_NAME_MAX + 1];  /* USE SCHEMA (default "default") */
  sql_kv *settings;                       /* SET key = value (heap list) */
  sql_kv *temp_views;                     /* CREATE TEMP VIEW: lower-case name -> SQL text */
  int n_threads;                          /* lago.threads (default 2) */
  size_t mem_limit;                       /* lago.memoryLimit bytes (0 = none) */
  /* hooks for layers above (cdc/): engine.h */
  sql_commit_hook commit_hook;            /* called before every Delta commit of a statement, or NULL */
  void *commit_hook_ud;
  int64_t last_commit;                    /* version committed by the last statement that committed, -1 */
  struct sql_reg *regs;                   /* sql_session_register: name -> source (heap list) */
};

/* A source registered under a one-part name (sql_session_register). */
typedef struct sql_reg {
  char *name;                             /* heap */
  const exec_source *src;                 /* borrowed from the registrant */
  struct sql_reg *next;
} sql_reg;

/* The source registered as `name` (case-insensitive), or NULL. */
const exec_source *sql_registered(const sql_session *s, const char *name);

typedef struct sql_cleanup {
  void (*fn)(void *p);
  void *p;
  struct sql_cleanup *next;
} sql_cleanup;

/* One statement: its arena, ids, errors, deferred cleanups. */
typedef struct sql_ctx {
  sql_session *s;
  exec_ctx *cx;          /* owns ar */
  arena *ar;             /* statement arena */
  const char *text;      /* statement text (positions in errors) */
  lago_err *err;
  uint32_t next_id;      /* next column id */
  sql_cleanup *cleanups; /* run in reverse order by sql_ctx_free */
  eval_ctx ec;           /* constant folding (results in ar) */
  int depth;             /* view / CTE nesting (bounded) */
  bool explain;          /* binding for EXPLAIN: do not run scalar subqueries eagerly */
} sql_ctx;

/* New statement context for s (text borrowed). Caller frees with sql_ctx_free. */
int sql_ctx_new(sql_session *s, const char *text, lago_err *err, sql_ctx **out);
void sql_ctx_free(sql_ctx *q);
/* Runs fn(p) when the statement ends. LAGO_NOMEM (then fn(p) runs at once). */
int sql_defer(sql_ctx *q, void (*fn)(void *), void *p);

/* A new column id. */
static inline uint32_t sql_new_id(sql_ctx *q) { return q->next_id++; }

/*
** LAGO_BIND (or rc) at byte offset pos of the statement, the message followed
** by " (line L, column C)". Returns rc.
*/
int sql_err_at(sql_ctx *q, int rc, int pos, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* A session setting (NULL when unset). Borrowed until the next SET/RESET. */
const char *sql_setting(const sql_session *s, const char *key);
bool sql_setting_bool(const sql_session *s, const char *key, bool dflt);

/* ======================================================================== */
/* Logical plans                                                              */
/* ======================================================================== */

typedef enum lp_kind {
  LP_GET = 1,   /* scan of an exec_source; out[i] = source column src_cols[i] */
  LP_VALUES,    /* constant rows: cols[i] is out[i] (FLAT, n_rows rows) */
  LP_FILTER,    /* out = child's */
  LP_PROJECT,   /* out[i] = exprs[i] over the child's ids */
  LP_JOIN,      /* out = left ++ right (SEMI/ANTI: left; MARK: left ++ mark) */
  LP_AGG,       /* out = groups ++ aggregates */
  LP_WINDOW,    /* out = child ++ one per call */
  LP_SORT,      /* out = child's */
  LP_LIMIT,     /* out = child's */
  LP_DISTINCT,  /* out = child's */
  LP_UNION,     /* UNION ALL: out ids are new; child i column j feeds out[j] */
  LP_SETOP,     /* INTERSECT/EXCEPT [ALL] of two children; out ids new */
  LP_GENERATE,  /* out = child ++ [pos] ++ element (ARRAY) | key, value (MAP) */
  LP_DEDUPE,    /* rows ranked 1..keep per partition; out = child [++ row number] */
} lp_kind;

typedef struct lp_col {
  uint32_t id;
  lago_type type;
  const char *name;      /* display / result name (may be NULL) */
} lp_col;

typedef struct lp lp;
struct lp {
  uint8_t kind;          /* lp_kind */
  uint32_t n_out;
  lp_col *out;
  uint32_t n_child;
  lp **child;
  double est_rows;       /* estimate, < 0 unknown */
  uint32_t **child_ids;  /* UNION/SETOP: child_ids[i][j] = id of child i's column feeding out[j] */
  union {
    struct {
      const exec_source *src;
      uint32_t *src_cols;    /* per out column: source column index */
      expr **filters;        /* pushed-down conjuncts over out ids (exact filter kept above too) */
      uint32_t n_filters;
      const char *label;     /* for EXPLAIN */
    } get;
    struct {
      vec *cols;             /* n_out FLAT vectors */
      uint32_t n_rows;
    } values;
    struct { expr *pred; } filter;
    struct { expr **exprs; } project;
    struct {
      uint8_t type;          /* join_type (exec/plan.h) */
      expr *cond;            /* over left ++ right ids; NULL = true */
      bool null_aware;       /* ANTI / MARK: NOT IN semantics */
    } join;
    struct {
      uint32_t n_groups;
      expr **groups;
      uint32_t n_aggs;
      agg_call **aggs;       /* arguments over the child's ids */
    } agg;
    struct {
      uint32_t n_part;
      expr **part;
      uint32_t n_order;
      sort_key *order;
      uint32_t n_calls;
      win_call *calls;
    } window;
    struct {
      uint32_t n_keys;
      sort_key *keys;
    } sort;
    struct { int64_t limit, offset; } limit;  /* limit < 0: none */
    struct { bool intersect, all; } setop;
    struct { expr *gen; bool outer, with_pos; } generate;
    struct {
      uint32_t n_part;
      expr **part;
      uint32_t n_order;
      sort_key *order;
      int64_t keep;
      bool emit_row_number;
    } dedupe;
  } u;
};

/* Constructors (allocate in q->ar; NULL / LAGO_NOMEM on OOM). */
lp *lp_new(sql_ctx *q, lp_kind k, uint32_t n_child, lp **children);
int lp_get(sql_ctx *q, const exec_source *src, const char *label, lp **out);      /* all source columns */
int lp_filter(sql_ctx *q, lp *child, expr *pred, lp **out);
/* exprs/names copied; new ids for each. */
int lp_project(sql_ctx *q, lp *child, expr **exprs, const char *const *names, uint32_t n, lp **out);
/* out = child's columns listed by id (a pure reordering / subset projection). */
int lp_project_ids(sql_ctx *q, lp *child, const uint32_t *ids, uint32_t n, lp **out);
int lp_join(sql_ctx *q, join_type type, lp *left, lp *right, expr *cond, lp **out);
/* Recomputes a JOIN's out list from its children (after they changed). */
int lp_join_refresh(sql_ctx *q, lp *j);
int lp_sort(sql_ctx *q, lp *child, const sort_key *keys, uint32_t n, lp **out);
int lp_limit(sql_ctx *q, lp *child, int64_t limit, int64_t offset, lp **out);
int lp_distinct(sql_ctx *q, lp *child, lp **out);
/* Column i of out (type and name of the first child). */
int lp_union(sql_ctx *q, lp **children, uint32_t n, lp **out);
int lp_setop(sql_ctx *q, lp *l, lp *r, bool intersect, bool all, lp **out);
/* A VALUES node of one row and no columns ("SELECT 1" without FROM). */
int lp_one_row(sql_ctx *q, lp **out);

/* Index of id in n's out list, -1 if absent. */
int lp_find(const lp *n, uint32_t id);
/* Column reference to n's output column i. */
expr *lp_colref(sql_ctx *q, const lp *n, uint32_t i);

/* ---- expressions over ids (lplan.c) ---------------------------------------- */

/* Structural equality (same function, same ids, equal constants). */
bool lpx_equal(const expr *a, const expr *b);
/* True if e references no id outside `ids` (n_ids ids, any order). */
bool lpx_only(const expr *e, const uint32_t *ids, uint32_t n_ids);
/* True if e references any id of n's output. */
bool lpx_uses_any(const expr *e, const lp *n);
/* True if every id e references is an output of n. */
bool lpx_within(const expr *e, const lp *n);
/* Appends the ids e references to *ids (growable array in ar; duplicates kept). */
int lpx_collect(sql_ctx *q, const expr *e, uint32_t **ids, uint32_t *n, uint32_t *cap);
/* Copy of e with column ids replaced by repl[k] where from[k] matches (other nodes shared). */
expr *lpx_subst(sql_ctx *q, expr *e, const uint32_t *from, expr *const *repl, uint32_t n);
/* Splits AND trees into conjuncts (appended to a growable array). */
int lpx_conjuncts(sql_ctx *q, expr *e, expr ***out, uint32_t *n, uint32_t *cap);
/* AND of n conjuncts (NULL for n == 0). */
int lpx_and(sql_ctx *q, expr **c, uint32_t n, expr **out);
/* True if e can raise no error and has no volatile call (safe to evaluate early / on more rows). */
bool lpx_volatile(const expr *e);

/* Growable pointer / id arrays in the statement arena. */
int sql_push_ptr(sql_ctx *q, void ***arr, uint32_t *n, uint32_t *cap, void *p);
int sql_push_u32(sql_ctx *q, uint32_t **arr, uint32_t *n, uint32_t *cap, uint32_t v);

/* ======================================================================== */
/* Binder                                                                     */
/* ======================================================================== */

/* A column visible by name in a FROM scope. */
typedef struct scope_col {
  uint32_t id;
  lago_type type;
  const char *name;
  const char *qual[3];   /* catalog, schema, table (or alias); NULL parts absent */
  bool hidden;           /* not part of * (e.g. _metadata) */
  bool qual_only;        /* only reachable qualified (USING/NATURAL duplicates) */
} scope_col;

typedef struct scope {
  scope_col *cols;
  uint32_t n, cap;
  struct scope *outer;   /* enclosing query's scope (correlated references) */
  bool *outer_used;      /* set when a name resolved in an outer scope */
} scope;

typedef struct cte_def {
  const sql_cte *cte;
  struct cte_def *next;
  bool binding;          /* being bound (a self reference is an error) */
} cte_def;

/* Bound query: a plan and the names of its output columns. */
typedef struct bound_query {
  lp *plan;
  uint32_t n_cols;       /* visible output columns = plan->out[0..n_cols) */
} bound_query;

/* Binds a query (SELECT, set operation, VALUES, TABLE) with outer scope `outer` (NULL at top level). */
int bind_query(sql_ctx *q, const sql_query *ast, scope *outer, cte_def *ctes, bound_query *out);
/* Binds a top-level query and adds the final projection: plan->out is exactly the result columns. */
int bind_top_query(sql_ctx *q, const sql_query *ast, lp **out);
/* Binds a table reference (FROM item) into a plan and appends its columns to sc. */
int bind_table_ref(sql_ctx *q, const sql_table_ref *t, scope *sc, cte_def *ctes, lp **out);

/* Expression binding context. */
typedef struct bind_ectx {
  sql_ctx *q;
  scope *sc;
  cte_def *ctes;
  lp **plan;             /* plan subqueries attach joins to (NULL: subqueries not allowed here) */
  /* aggregation */
  bool agg_ok;           /* aggregate calls allowed */
  bool in_agg;           /* inside an aggregate's arguments */
  uint32_t n_aggs, cap_aggs;
  agg_call **aggs;
  uint32_t *agg_ids;
  /* windows */
  bool win_ok;
  uint32_t n_wins, cap_wins;
  struct win_pending *wins;
  const sql_named_window *named_windows;
  uint32_t n_named_windows;
  /* select-list aliases (ORDER BY / HAVING / QUALIFY / GROUP BY) */
  const char *const *alias_names;
  expr *const *alias_exprs;
  uint32_t n_aliases;
  bool aliases_first;    /* ORDER BY: aliases win over FROM columns */
  /* group rewriting */
  uint32_t n_groups;
  expr **groups;         /* group expressions over FROM ids */
  uint32_t *group_ids;
  bool grouped;          /* aggregate query: FROM columns outside groups are errors */
  const char *clause;    /* "WHERE", "SELECT"... for messages */
  const sql_expr *item;  /* SELECT: the select item being bound (generator messages), else NULL */
  const struct gsets *gs; /* ROLLUP/CUBE/GROUPING SETS of this SELECT (grouping()), else NULL */
} bind_ectx;

/* A window function waiting for its WINDOW node. */
typedef struct win_pending {
  win_call call;
  uint32_t id;
  uint32_t n_part;
  expr **part;
  uint32_t n_order;
  sort_key *order;
} win_pending;

int bind_expr(bind_ectx *b, const sql_expr *e, expr **out);

/* Generator functions (bind_query.c): explode, posexplode, inline and their _outer forms. */
typedef struct gen_fn {
  bool with_pos;         /* posexplode: a 0-based INT `pos` column first */
  bool outer;            /* _outer: a NULL or empty collection gives one row of NULLs */
  bool is_inline;        /* inline: ARRAY<STRUCT> -> one column per struct field */
} gen_fn;
/* True if name (any case) is a generator; fills *k when k is not NULL. */
bool bind_generator_lookup(const char *name, gen_fn *k);
/* Binds e and casts it to BOOLEAN (LAGO_BIND when impossible). */
int bind_bool(bind_ectx *b, const sql_expr *e, expr **out);
/* Replaces FROM-level subexpressions by group ids (aggregate queries); LAGO_BIND MISSING_AGGREGATION. */
int bind_group_rewrite(bind_ectx *b, expr *e, int pos, expr **out);
/* Folds constants (errors are left for run time, as Spark). */
int bind_fold(sql_ctx *q, expr *e, expr **out);
/* Literal -> constant expression. */
int bind_literal(sql_ctx *q, const sql_literal *l, int pos, expr **out);
/* Casts e to t for an assignment (INSERT/UPDATE/MERGE): Spark's store assignment rules. */
int bind_assign_cast(sql_ctx *q, expr *e, lago_type t, const char *col, int pos, expr **out);
/* Resolves a column name in a scope chain (no outer lookup when sc->outer is NULL). */
int bind_column(bind_ectx *b, const sql_name *name, int pos, expr **out);

/* Grouping sets (bind_grouping.c). The keys are the distinct expressions of all sets, in
** order of first appearance; set i has gid[i] with bit (n_keys-1-k) set when key k is absent
** (Spark's spark_grouping_id: the first key is the most significant bit). */
#define GSETS_MAX_KEYS 63
#define GSETS_MAX_SETS 4096
typedef struct gsets {
  uint32_t n_keys, cap_keys;
  expr **keys;           /* over FROM ids */
  uint32_t n_sets;
  uint64_t *present;     /* per set: bit k set when key k is in the set (not NULLed) */
  /* filled by bind_gsets_expand: columns of the VALUES node joined to the input */
  expr *gid_col;         /* BIGINT: the set's gid */
  expr *pos_col;         /* INT: the set's index (keeps duplicate sets apart, as Spark) */
} gsets;
/* Index of key e in g (lpx_equal), adding it when absent; LAGO_BIND past GSETS_MAX_KEYS. */
int bind_gsets_key(sql_ctx *q, gsets *g, expr *e, int pos, uint32_t *idx);
/* Adds the sets of one GROUP BY item as a cross product with the sets so far. elems[j] is the
** key mask of the item's element j: the one expression of an EXPR item, or a listed set of
** ROLLUP(..) / CUBE(..) / GROUPING SETS(..). LAGO_BIND past GSETS_MAX_SETS sets. */
int bind_gsets_add(sql_ctx *q, gsets *g, sql_group_kind kind, const uint64_t *elems, uint32_t n_elems, int pos);
/* Joins *pl with a VALUES node of one row per set (Spark's Expand) and fills gid_col and
** pos_col. *rewrite and *agg_groups (n_keys + 2 each, in q->ar): the group expressions that
** select items are matched against (keys, gid, pos) and the ones the AGG computes (each key
** NULLed in the sets without it, gid, pos). */
int bind_gsets_expand(sql_ctx *q, gsets *g, lp **pl, expr ***rewrite, expr ***agg_groups);
/* grouping(col) / grouping_id([cols]) call e (name lower case). */
int bind_grouping_call(bind_ectx *b, const sql_expr *e, const char *name, expr **out);

/* Subqueries (bind_subquery.c). */
int bind_subquery_expr(bind_ectx *b, const sql_expr *e, expr **out);
/* WHERE/HAVING conjunct that is [NOT] EXISTS / [NOT] IN (query): joins *plan, *done = true. */
int bind_subquery_filter(bind_ectx *b, const sql_expr *e, bool *done);
/* Runs an uncorrelated plan and returns its single value (NULL for no row). */
int bind_eval_scalar(sql_ctx *q, lp *plan, int pos, expr **out);

/* Scope helpers. */
int scope_add(sql_ctx *q, scope *sc, uint32_t id, lago_type t, const char *name, const char *const qual[3],
              bool hidden);
/* Appends src's columns to dst. */
int scope_append(sql_ctx *q, scope *dst, const scope *src);

/* ---- tables and table functions (bind_from.c, bind_table.c) ------------------ */

/* A resolved catalog name. */
typedef struct sql_tname {
  catalog_name n;        /* lower-case parts */
} sql_tname;

/* Resolves a 1-3 part name against the session's current catalog/schema. */
int sql_resolve_name(sql_ctx *q, const sql_name *name, sql_tname *out);
/* "c.s.t" text of a resolved name (in q->ar). */
const char *sql_tname_text(sql_ctx *q, const sql_tname *t);

/* An opened Delta table for reading (snapshot reference released at statement end). */
typedef struct sql_table {
  sql_tname name;
  const char *root;      /* table directory */
  catalog_kind kind;
  delta_table *t;        /* released at statement end */
  delta_snapshot *snap;  /* released at statement end */
  const char *label;     /* for messages / EXPLAIN */
} sql_table;

/*
** Opens a table by name (view -> *view_sql set instead, table fields zero;
** missing -> LAGO_NOTFOUND "[TABLE_OR_VIEW_NOT_FOUND] ..."), at version
** `version` (< 0 latest) or at ts_ms (when >= 0 and version < 0... see
** sql_table_open_at).
*/
int sql_table_open(sql_ctx *q, const sql_name *name, int pos, sql_table *out, const char **view_sql);
int sql_table_open_path(sql_ctx *q, const char *path, int pos, sql_table *out);
/* Loads the snapshot: version >= 0, or ts_ms >= 0 (time travel), or the latest. */
int sql_table_load(sql_ctx *q, sql_table *t, int64_t version, int64_t ts_ms, int pos);

/* ---- scan sources (source_*.c) ------------------------------------------------ */

/* Delta table source over a loaded snapshot; meta adds _metadata.file_path (STRING) and
** _metadata.row_index (BIGINT) as the last two source columns. */
int source_delta_new(sql_ctx *q, delta_snapshot *s, const char *label, bool meta, exec_source **out);
/* Change data feed of t, versions [start, end] (end < 0: latest), one morsel. */
int source_cdf_new(sql_ctx *q, delta_table *t, int64_t start, int64_t end, const char *label, int pos,
                   exec_source **out);
/* Index of the first metadata column of a Delta source made with meta. */
uint32_t source_delta_meta_col(const exec_source *src);
/* Files read / pruned by the last scan of a Delta source (EXPLAIN ANALYZE-style numbers). */
void source_delta_counts(const exec_source *src, size_t *files, size_t *pruned);

typedef enum file_format { FF_PARQUET = 1, FF_CSV, FF_JSON } file_format;

/* Options of read_files / <format>.`path` (name = value pairs as written). */
typedef struct file_opts {
  file_format format;
  uint32_t n;
  const char **keys;
  const char **values;
  const char *schema;    /* user schema text (schema => '...'), or NULL */
} file_opts;

/* Expands a path or glob (* ? [..] in the last parts; a directory lists its files recursively,
** skipping names starting with '_' or '.') into sorted paths allocated in q->ar. */
int sql_glob(sql_ctx *q, const char *pattern, int pos, const char ***paths, uint32_t *n);
/* File source (Parquet / CSV / JSON) over paths; schema inferred or given; _metadata hidden column last. */
int source_files_new(sql_ctx *q, const char *const *paths, uint32_t n, const file_opts *o, int pos,
                     exec_source **out);
/* range(start, end, step): one BIGINT column "id". */
int source_range_new(sql_ctx *q, int64_t start, int64_t end, int64_t step, exec_source **out);
/* Rows already in memory (a memsource freed at statement end). */
int source_mem_new(sql_ctx *q, uint32_t n_cols, const lago_type *types, const char *const *names, memsource **out);

/* ======================================================================== */
/* Optimizer and physical planning                                            */
/* ======================================================================== */

/* Rewrites: constant folding, filter pushdown, decorrelated joins to keys, pruning, join order. */
int sql_plan_optimize(sql_ctx *q, lp *root, lp **out);
/* Physical plan whose output columns are root->out in order. */
int sql_physical(sql_ctx *q, lp *root, plan **out);
/* Logical plan text (EXPLAIN EXTENDED). */
int sql_explain_lp(sql_ctx *q, const lp *root, buf *out);

/* Estimated rows of one of the sql/ sources (< 0 unknown). */
double sql_source_rows(const exec_source *src);

/* Runs a physical plan to completion, calling fn for each batch (on up to the session's threads
** when the plan is a parallel pipeline; thread = 0..n-1). */
typedef int (*sql_sink_fn)(void *ud, int thread, batch *b, lago_err *err);
int sql_run_plan(sql_ctx *q, const plan *p, int max_threads, sql_sink_fn fn, void *ud);
/* Threads sql_run_plan will use for p. */
int sql_plan_threads(sql_ctx *q, const plan *p);

/* ======================================================================== */
/* Statements                                                                 */
/* ======================================================================== */

/* Runs p into x (columns = the transaction's schema, in order), in parallel; *rows gets the count. */
int sql_write_plan(sql_ctx *q, delta_txn *x, const plan *p, int64_t *rows);
/* The same on at most max_threads threads (1: one file per partition, as OPTIMIZE wants). */
int sql_write_plan_threads(sql_ctx *q, delta_txn *x, const plan *p, int max_threads, int64_t *rows);
/* Commits x (freed whatever happens); errors at pos. */
int sql_commit(sql_ctx *q, delta_txn *x, int pos, int64_t *version);
/* Casts p's columns to the table schema's types (store assignment); LAGO_BIND on arity/type mismatch. */
int sql_conform_plan(sql_ctx *q, lp **p, lago_type schema, int pos);

/* What a statement produced. */
typedef struct stmt_out {
  plan *rows;            /* rows to stream (NULL: no result set) */
  int64_t rows_affected; /* -1 if not DML */
} stmt_out;

int stmt_query(sql_ctx *q, const sql_stmt *st, stmt_out *out);
int stmt_explain(sql_ctx *q, const sql_stmt *st, stmt_out *out);
int stmt_ddl(sql_ctx *q, const sql_stmt *st, stmt_out *out);       /* CREATE/DROP/ALTER/USE */
int stmt_show(sql_ctx *q, const sql_stmt *st, stmt_out *out);      /* SHOW/DESCRIBE */
int stmt_insert(sql_ctx *q, const sql_stmt *st, stmt_out *out);
int stmt_update_delete(sql_ctx *q, const sql_stmt *st, stmt_out *out);
int stmt_merge(sql_ctx *q, const sql_stmt *st, stmt_out *out);
int stmt_maint(sql_ctx *q, const sql_stmt *st, stmt_out *out);     /* OPTIMIZE/VACUUM/RESTORE/TRUNCATE */
int stmt_set(sql_ctx *q, const sql_stmt *st, stmt_out *out);       /* SET/RESET */
int stmt_copy_into(sql_ctx *q, const sql_stmt *st, stmt_out *out); /* COPY INTO (stmt_copy.c, via stream/) */
/* CREATE STREAMING TABLE, INSERT ... FROM STREAM read_files(...) (stmt_stream.c, via stream/) */
bool sql_stmt_is_stream(const sql_stmt *st);
int stmt_stream(sql_ctx *q, const sql_stmt *st, stmt_out *out);

/* Result rows built from text columns: n_cols names, rows given as strings (NULL = SQL NULL). */
typedef struct rowset {
  uint32_t n_cols;
  const char **names;
  lago_type *types;
  vec *cols;             /* FLAT, growing */
  uint32_t n_rows;
} rowset;
int rowset_init(sql_ctx *q, rowset *rs, uint32_t n_cols, const char *const *names, const lago_type *types);
/* Appends a row; values[i] is the text of a STRING column or parsed for other types (NULL = null). */
int rowset_add(sql_ctx *q, rowset *rs, const char *const *values);
int rowset_plan(sql_ctx *q, rowset *rs, plan **out);
/* One row of metrics (BIGINT columns). */
int rowset_metrics(sql_ctx *q, uint32_t n, const char *const *names, const int64_t *values, plan **out);

#endif /* LAGO_SQL_INT_H */
