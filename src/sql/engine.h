/*
** sql/engine.h: the SQL engine as api/ and cli/ use it: a session (the
** warehouse catalog, the current catalog and schema, SET values, temporary
** views) and statements run on it, each giving a streaming result.
**
**   sql_session *s;  sql_session_new("/warehouse", &s, &err);
**   sql_result *r;   sql_exec(s, "SELECT ...", &r, &err);
**   batch *b;        while (!(rc = sql_result_next(r, &b, &err)) && b->n_rows) use(b);
**   sql_result_free(r);  sql_session_free(s);
**
** A statement is parsed (sql/parser.h), bound into a logical plan
** (binder*.c), optimized (optimize.c) and turned into an exec/ plan
** (physical.c) that runs when the caller pulls rows. Statements with side
** effects (DDL, INSERT, MERGE, ...) do their work inside sql_exec and give a
** small result (metrics rows, or none). Results stream: sql_exec returns
** before the first row of a query is computed.
**
** Errors: LAGO_PARSE (syntax, err->pos = byte offset), LAGO_BIND (names,
** types; err->pos = the offending name), LAGO_RUNTIME (ANSI errors while
** running), LAGO_NOTFOUND / LAGO_EXISTS (catalog objects), LAGO_CONFLICT
** (concurrent commits), LAGO_UNSUPPORTED, LAGO_IO, LAGO_NOMEM.
**
** Threads: a session runs one statement at a time; results must be freed
** before the session. Queries use the session's thread count (2 by default,
** SET lago.threads = n).
*/
#ifndef LAGO_SQL_ENGINE_H
#define LAGO_SQL_ENGINE_H

#include <stdint.h>

#include "util/status.h"
#include "vec/vector.h"

typedef struct sql_session sql_session;
typedef struct sql_result sql_result;

/* Opens a session on the warehouse directory (created if missing). Caller frees with sql_session_free. */
int sql_session_new(const char *warehouse, sql_session **out, lago_err *err);
/* NULL is a no-op. Every result of the session must be freed first. */
void sql_session_free(sql_session *s);

/*
** Runs exactly one statement (a trailing ';' is allowed). On success *out is
** a result the caller frees with sql_result_free; on failure *out is NULL and
** err says why (err->pos is a byte offset into text, or -1).
*/
int sql_exec(sql_session *s, const char *text, sql_result **out, lago_err *err);

/*
** Hooks for the layers above sql/ (cdc/ uses them to run MERGE as one step of
** a larger, exactly-once operation). Not for end users.
**
** Commit hook: fn(ud, x, err) runs right before every Delta commit a
** statement makes (INSERT, MERGE, CTAS, ...), with the statement's open
** transaction, so the caller can add txn ids, domain metadata, operation
** parameters and metrics to the same atomic commit. A non-OK return aborts
** the statement. NULL clears it.
*/
struct delta_txn;
struct exec_source;
typedef int (*sql_commit_hook)(void *ud, struct delta_txn *x, lago_err *err);
void sql_session_set_commit_hook(sql_session *s, sql_commit_hook fn, void *ud);
/* The Delta version committed by the session's last committing statement, -1 if none yet. */
int64_t sql_session_last_commit(const sql_session *s);
/*
** Makes `src` readable as the one-part table name `name` in FROM / USING
** (it shadows temporary views and catalog tables of that name). src is
** borrowed until sql_session_unregister(s, name) or sql_session_free.
** Registering a name twice replaces the first.
*/
int sql_session_register(sql_session *s, const char *name, const struct exec_source *src, lago_err *err);
void sql_session_unregister(sql_session *s, const char *name);

/*
** foreachBatch with SQL (sql/stmt_stream.c): each micro-batch of a stream
** (stream/stream.h, opened on a Delta table) is registered in s as the
** one-part name `view` and the ';'-separated statements of `sql` run on it
** in order. The first commit they make to the stream's table carries
** txn(stream id, batch id) and the batch's file list (exactly-once; a
** second commit to that table in one batch fails the batch); without one,
** the batch's bookkeeping is committed alone. sql is parsed up front
** (LAGO_PARSE). sql_foreach_attach makes f the stream's sink (before
** stream_run); f must outlive the run. Free with sql_foreach_free.
*/
typedef struct sql_foreach sql_foreach;
struct stream;
int sql_foreach_new(sql_session *s, const char *view, const char *sql, sql_foreach **out, lago_err *err);
int sql_foreach_attach(sql_foreach *f, struct stream *st, lago_err *err);
/* Rows the statements inserted/updated/deleted, summed over the batches run. */
int64_t sql_foreach_rows_affected(const sql_foreach *f);
void sql_foreach_free(sql_foreach *f);

/* Columns of the result; names and types are borrowed for the life of r. */
uint32_t sql_result_n_cols(const sql_result *r);
const char *sql_result_col_name(const sql_result *r, uint32_t i);
lago_type sql_result_col_type(const sql_result *r, uint32_t i);
/*
** Next batch of rows; n_rows == 0 at the end (and on every later call).
** The batch is borrowed until the next call or sql_result_free.
*/
int sql_result_next(sql_result *r, batch **out, lago_err *err);
/* Rows inserted, updated or deleted by a DML statement; -1 for other statements. */
int64_t sql_result_rows_affected(const sql_result *r);
/* Frees the result, stopping a query that has not finished. NULL is a no-op. */
void sql_result_free(sql_result *r);

#endif /* LAGO_SQL_ENGINE_H */
