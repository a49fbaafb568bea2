/* sql/stmt_stub.c: placeholder for statement families not written yet (removed as they land). */
#include "sql/sql_int.h"
#define STUB(f) int f(sql_ctx *q, const sql_stmt *st, stmt_out *out) { (void)out; return sql_err_at(q, LAGO_UNSUPPORTED, st->pos, "%s is not supported yet", sql_stmt_kind_name(st->kind)); }
STUB(stmt_merge)
STUB(stmt_maint)
