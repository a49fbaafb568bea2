/*
** sql/parser.h: the SQL front end's API: parse Databricks/Spark SQL text into
** the AST of sql/ast.h, split scripts, and print an AST back to SQL.
**
** Grammar, keyword policy and error policy: src/sql/README.md. The parser is
** hand-written recursive descent with precedence climbing for expressions; it
** recurses at most SQL_MAX_DEPTH (256) levels of nesting and builds
** expressions at most SQL_MAX_HEIGHT (2000) deep, so hostile input gets an
** error, never a stack overflow.
**
** Errors: LAGO_PARSE with err->pos = byte offset of the offending token and a
** message "syntax error at line L, column C near 'TOKEN': expected X, Y or Z"
** (columns count characters, both start at 1); constructs that are recognised
** but deliberately not supported (CACHE TABLE, PIVOT, GRANT, ...) give
** LAGO_UNSUPPORTED with the same position format; LAGO_NOMEM when the arena
** cannot grow. Nothing is printed or aborted on bad input.
**
** Memory: every node is allocated in `ar` (the "query" arena); on error some
** garbage may remain in ar, freed with it. The only other memory is the
** lexer's growing token array, on the heap (mem_*) and copied into ar once at
** its final size, freed before the call returns. The text is not referenced
** after the call returns.
*/
#ifndef LAGO_SQL_PARSER_H
#define LAGO_SQL_PARSER_H

#include <stdint.h>

#include "sql/ast.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/status.h"

/*
** Parses exactly one statement (a trailing ';' is allowed). text is
** NUL-terminated. *out is allocated in ar. Errors as above; an empty text
** (only blanks/comments) is LAGO_PARSE "empty statement".
*/
int sql_parse(arena *ar, const char *text, sql_stmt **out, lago_err *err);

typedef struct sql_script {
  sql_stmt **stmts;           /* each stmt's pos/len give its byte range (without ';') */
  uint32_t n_stmts;
} sql_script;

/*
** Parses a ';'-separated script (empty statements are skipped). Stops at the
** first error (err->pos is an offset into the whole text). *out in ar.
*/
int sql_parse_script(arena *ar, const char *text, sql_script **out, lago_err *err);

typedef struct sql_span {
  uint32_t pos, len;          /* byte range of one statement, ';' excluded, trimmed */
} sql_span;

/*
** Splits a script into statements at top-level ';' (strings, quoted names
** and comments respected) without parsing them. Spans of empty statements are
** omitted. *spans allocated in ar. Errors: LAGO_PARSE for an unterminated
** string, quoted name or comment; LAGO_NOMEM.
*/
int sql_split_script(arena *ar, const char *text, sql_span **spans, uint32_t *n_spans, lago_err *err);

/* 1-based line and column (in characters) of byte offset pos in text. */
void sql_line_col(const char *text, uint32_t pos, int *line, int *col);

/* ---- printing (sql/ast_print.c) --------------------------------------------- */

/*
** Appends canonical SQL for a node to out: keywords upper case, identifiers
** backquoted when needed, operators spaced, parentheses only where precedence
** needs them (SQL_PRINT_PARENS: around every compound sub-expression, which
** makes precedence visible in tests). print(parse(print(parse(x)))) equals
** print(parse(x)). LAGO_NOMEM on OOM (out keeps what was appended).
*/
enum { SQL_PRINT_PARENS = 1 };
int sql_print_stmt(buf *out, const sql_stmt *s, unsigned flags);
int sql_print_query(buf *out, const sql_query *q, unsigned flags);
int sql_print_expr(buf *out, const sql_expr *e, unsigned flags);
int sql_print_table_ref(buf *out, const sql_table_ref *t, unsigned flags);
/* Appends an identifier, backquoted (with ` doubled) when it is not a plain
** word or is a reserved keyword. */
int sql_print_ident(buf *out, const char *name);

/* ---- S-expression dump (sql/ast_dump.c) ------------------------------------- */

/*
** Compact S-expression of a node for tests and debugging, e.g.
**   (+ (col a) (lit INT 1))   (select (items (col a)) (from (table t)))
** Literal kinds and decimal precision/scale are shown: (lit DECIMAL(3,2) 1.50).
*/
int sql_dump_expr(buf *out, const sql_expr *e);
int sql_dump_query(buf *out, const sql_query *q);
int sql_dump_stmt(buf *out, const sql_stmt *s);

#endif /* LAGO_SQL_PARSER_H */
