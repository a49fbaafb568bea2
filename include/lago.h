/*
** lago.h: the public C API of liblago, a lakehouse engine (Delta Lake tables,
** Parquet, SQL, ingestion, CDC) in one library.
**
** Conventions (see docs/ARCHITECTURE.md):
**  - Every call returns an int status: LAGO_OK (0) or one of the LAGO_* codes
**    below. The numbers are fixed forever; new codes are only appended.
**  - Handles are opaque. Each has exactly one destroy call (lago_db_close,
**    lago_result_free); destroying NULL is a no-op.
**  - Strings returned by the library are borrowed: they stay valid until the
**    next call on the same handle unless the function says otherwise.
**  - lago_errmsg(db) is the message of the last failed call on db.
*/
#ifndef LAGO_H
#define LAGO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(LAGO_BUILDING) && defined(__GNUC__)
#define LAGO_API __attribute__((visibility("default")))
#else
#define LAGO_API
#endif

#define LAGO_VERSION "0.1.0"

/* Status codes: X(name, number, meaning). Fixed numbers; append only. */
#define LAGO_RC_TABLE(X)                                                      \
  X(OK, 0, "ok")                                                             \
  X(NOMEM, 1, "out of memory")                                               \
  X(IO, 2, "I/O error")                                                      \
  X(CORRUPT, 3, "corrupt or malformed data")                                 \
  X(PARSE, 4, "syntax error")                                                \
  X(BIND, 5, "name or type error")                                           \
  X(CONFLICT, 6, "concurrent modification conflict")                        \
  X(UNSUPPORTED, 7, "unsupported feature")                                   \
  X(CANCELLED, 8, "cancelled")                                               \
  X(INTERNAL, 9, "internal error")                                           \
  X(NOTFOUND, 10, "not found")                                               \
  X(EXISTS, 11, "already exists")                                            \
  X(MISUSE, 12, "API misuse")                                                \
  X(RUNTIME, 13, "runtime error (overflow, bad cast, constraint)")          \
  X(FULL, 14, "disk full or quota exceeded")

enum {
#define LAGO_RC_ENUM(name, num, doc) LAGO_##name = num,
  LAGO_RC_TABLE(LAGO_RC_ENUM)
#undef LAGO_RC_ENUM
};

/* Name of a status code ("LAGO_CORRUPT"); never NULL. */
LAGO_API const char *lago_rc_name(int rc);
/* Library version string, LAGO_VERSION. */
LAGO_API const char *lago_version(void);

/*
** Memory. Every heap allocation in liblago goes through these three
** functions. Replace them before any other call (libuv uv_replace_allocator).
** Returns LAGO_MISUSE if any pointer is NULL.
*/
typedef void *(*lago_malloc_fn)(size_t size);
typedef void *(*lago_realloc_fn)(void *ptr, size_t size);
typedef void (*lago_free_fn)(void *ptr);
LAGO_API int lago_set_allocator(lago_malloc_fn m, lago_realloc_fn r, lago_free_fn f);

/* ---- Warehouse (database) handle ---------------------------------------- */

typedef struct lago_db lago_db;

/*
** Opens the warehouse rooted at directory `warehouse` (created if missing).
** NULL means the default: $LAGO_WAREHOUSE, else "./lakehouse".
** On failure *out may still be set so lago_errmsg(*out) explains; the caller
** always calls lago_db_close(*out).
*/
LAGO_API int lago_db_open(const char *warehouse, lago_db **out);
LAGO_API void lago_db_close(lago_db *db);
/* Message of the last failed call on db, "" if none. Borrowed until the next call on db. */
LAGO_API const char *lago_errmsg(lago_db *db);
/*
** Byte offset into the SQL text of the last failed lago_exec where the error
** was found (the offending token or name), -1 when the error has no
** position. The message itself also says "line L, column C".
*/
LAGO_API int lago_erroffset(lago_db *db);
/* The warehouse directory; borrowed for the life of db. */
LAGO_API const char *lago_db_warehouse(lago_db *db);

/* ---- Statements and results -------------------------------------------- */

typedef struct lago_result lago_result;

/*
** Runs one SQL statement (Databricks / Spark SQL, ANSI mode; a trailing ';'
** is allowed). On success *out is a result the caller frees with
** lago_result_free (statements without rows give a result with 0 columns).
** Query results stream: lago_exec returns before the first row is computed
** and rows are produced as lago_result_next asks for them. Statements with
** side effects (DDL, INSERT, UPDATE, DELETE, MERGE, ...) are complete when
** lago_exec returns. Results must be freed before lago_db_close.
*/
LAGO_API int lago_exec(lago_db *db, const char *sql, lago_result **out);

/* Result shape. Column names are borrowed for the life of the result. */
LAGO_API int lago_result_column_count(lago_result *r);
LAGO_API const char *lago_result_column_name(lago_result *r, int col);
/* Spark SQL type name of a column ("DECIMAL(12,2)"); borrowed for the life of r. */
LAGO_API const char *lago_result_column_type(lago_result *r, int col);

/*
** Row iteration: lago_result_next returns LAGO_OK and sets *has_row to 1 for
** each row, then 0 at the end; an error while computing rows is returned by
** it (message in lago_errmsg). lago_result_text gives a value as text: the
** canonical text of docs/FORMATS.md (vec/value_text.h: 1.50, 2024-01-01
** 10:00:00, true, [1,2], {"a":1}) except that a STRING value is its raw
** bytes, unquoted; NULL (a NULL pointer) for SQL NULL. The text is borrowed
** until the next lago_result_next or lago_result_free.
*/
LAGO_API int lago_result_next(lago_result *r, int *has_row);
LAGO_API const char *lago_result_text(lago_result *r, int col);

/*
** The result as an Arrow C stream (include/lago_arrow.h): the rows not yet
** fetched with lago_result_next (batches already started are not repeated).
** The stream takes over those rows; r must still be freed, after the stream
** is released. Values are copied into the arrays the stream produces.
*/
struct ArrowArrayStream;
LAGO_API int lago_result_arrow(lago_result *r, struct ArrowArrayStream *out);

/* Rows affected by a DML statement, -1 when not applicable. */
LAGO_API int64_t lago_result_rows_affected(lago_result *r);
LAGO_API void lago_result_free(lago_result *r);

#ifdef __cplusplus
}
#endif
#endif /* LAGO_H */
