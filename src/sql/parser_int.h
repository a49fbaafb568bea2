/*
** sql/parser_int.h: private to src/sql/{lexer,parser,parse_*}.c: tokens,
** keywords and the parser state shared by the recursive-descent parser files.
** Other layers include sql/parser.h and sql/ast.h only.
*/
#ifndef LAGO_SQL_PARSER_INT_H
#define LAGO_SQL_PARSER_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "sql/ast.h"
#include "sql/parser.h"
#include "util/arena.h"
#include "util/status.h"

/* ---- keywords (keywords.def) ---------------------------------------------- */

typedef enum sql_kw {
  KW__NOT = 0,
#define X(name, cls) KW_##name,
#include "sql/keywords.def"
#undef X
  KW__COUNT
} sql_kw;

enum { KW_FREE = 0, KW_NOALIAS = 1, KW_RES = 2 };

/* Keyword id of word w[0..n) (case-insensitive), KW__NOT if not a keyword. */
sql_kw sql_kw_lookup(const char *w, size_t n);
/* Upper-case spelling of a keyword. */
const char *sql_kw_name(sql_kw kw);
/* KW_FREE, KW_NOALIAS or KW_RES. */
int sql_kw_class(sql_kw kw);

/* ---- tokens ------------------------------------------------------------------ */

typedef enum sql_tok_kind {
  TK_EOF,
  TK_WORD,     /* identifier or keyword (kw != KW__NOT) */
  TK_QIDENT,   /* `quoted identifier`: str holds the name */
  TK_STRING,   /* '..' "..": str/str_len hold the decoded bytes */
  TK_NUMBER,   /* numeric literal: see num_* flags */
  TK_OP,       /* punctuation / operator: op */
  TK_ERROR,    /* lexical error: str holds the message */
} sql_tok_kind;

typedef enum sql_punct {
  P_NONE,
  P_LPAREN, P_RPAREN, P_LBRACKET, P_RBRACKET, P_COMMA, P_SEMI, P_DOT,
  P_COLON, P_DCOLON, P_ARROW, P_FATARROW, P_EQ, P_EQEQ, P_LT, P_LE, P_LTGT,
  P_NEQ, P_GT, P_GE, P_NSEQ, P_PLUS, P_MINUS, P_STAR, P_SLASH, P_PERCENT,
  P_TILDE, P_BANG, P_AMP, P_PIPE, P_CARET, P_CONCAT, P_SHL, P_SHR, P_SHRU,
  P_QMARK, P_AT,
  P__COUNT
} sql_punct;

/* Spelling of a punctuation token ("(", "<=>"). */
const char *sql_punct_name(sql_punct p);

/* Numeric token suffixes */
enum { NUM_SUF_NONE, NUM_SUF_L, NUM_SUF_S, NUM_SUF_Y, NUM_SUF_D, NUM_SUF_F, NUM_SUF_BD };

typedef struct sql_token {
  uint8_t kind;        /* sql_tok_kind */
  uint8_t op;          /* TK_OP: sql_punct */
  uint8_t num_dot;     /* TK_NUMBER: has a '.' */
  uint8_t num_exp;     /* TK_NUMBER: has an exponent */
  uint8_t num_suffix;  /* TK_NUMBER: NUM_SUF_* */
  uint8_t raw;         /* TK_STRING: r'raw' */
  uint16_t kw;         /* TK_WORD: sql_kw */
  uint32_t pos, len;   /* byte range in the text */
  int32_t match;       /* P_LPAREN: index of the matching ')' token, -1 if none */
  uint32_t str_len;
  const char *str;     /* TK_QIDENT/TK_STRING value, TK_ERROR message (in the arena) */
} sql_token;

/*
** Splits text[0..len) into tokens, allocated in ar, ending with one TK_EOF.
** Lexical errors become TK_ERROR tokens (the parser reports them where it
** meets them), so only LAGO_NOMEM is returned.
*/
int sql_lex(arena *ar, const char *text, uint32_t len, sql_token **out, uint32_t *n_out, lago_err *err);

/* ---- parser state -------------------------------------------------------------- */

#define SQL_MAX_DEPTH 256     /* nesting of parentheses, subqueries, unary operators */
#define SQL_MAX_HEIGHT 2000   /* expression tree height (long a + b + ... chains) */
#define SQL_MAX_EXPECTED 24

typedef struct sql_parser {
  arena *ar;
  const char *text;
  uint32_t text_len;
  sql_token *toks;
  uint32_t n_toks;
  uint32_t i;          /* current token */
  uint32_t prev_end;   /* byte offset just past the last consumed token */
  lago_err *err;
  int depth;
  int n_qmarks;        /* ? parameter markers seen */
  uint32_t exp_at;     /* token index the expected[] list describes */
  uint32_t n_exp;
  const char *expected[SQL_MAX_EXPECTED];
} sql_parser;

/* token access */
static inline sql_token *p_cur(sql_parser *p) { return &p->toks[p->i]; }
static inline sql_token *p_peek(sql_parser *p, uint32_t k) {
  uint32_t j = p->i + k;
  return &p->toks[j < p->n_toks ? j : p->n_toks - 1];
}
static inline sql_token *p_at(sql_parser *p, uint32_t j) {
  return &p->toks[j < p->n_toks ? j : p->n_toks - 1];
}
void p_advance(sql_parser *p);

/* expectation-recording checks (for "expected X, Y or Z" messages) */
void p_expect_note(sql_parser *p, const char *what);
bool p_is_kw(sql_parser *p, sql_kw kw);
bool p_accept_kw(sql_parser *p, sql_kw kw);
int p_expect_kw(sql_parser *p, sql_kw kw);
/* quiet variants for optional suffixes: do not add to the expected list */
bool p_skip_kw(sql_parser *p, sql_kw kw);
bool p_skip_op(sql_parser *p, sql_punct op);
bool p_is_op(sql_parser *p, sql_punct op);
bool p_accept_op(sql_parser *p, sql_punct op);
int p_expect_op(sql_parser *p, sql_punct op);
/* Is token t a keyword kw (no recording)? */
static inline bool tok_is_kw(const sql_token *t, sql_kw kw) { return t->kind == TK_WORD && t->kw == kw; }
static inline bool tok_is_op(const sql_token *t, sql_punct op) { return t->kind == TK_OP && t->op == op; }
/* Word whose text equals w case-insensitively (for words that are not keywords). */
bool tok_is_word(const sql_parser *p, const sql_token *t, const char *w);

/* identifiers */
bool tok_is_ident(const sql_token *t);            /* non-reserved word or `quoted` */
bool tok_is_alias(const sql_token *t);            /* usable as an alias without AS */
bool p_is_ident(sql_parser *p);                   /* records "identifier" */
int p_ident(sql_parser *p, sql_ident *out);
int p_name(sql_parser *p, sql_name *out);         /* a.b.c */
int p_ident_list(sql_parser *p, sql_ident **out, uint32_t *n);  /* ( a, b ) */
int p_string(sql_parser *p, const char **out);    /* one or more adjacent string literals */

/* errors */
int p_error(sql_parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int p_error_at(sql_parser *p, int pos, int rc, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int p_error_expected(sql_parser *p);
int p_nomem(sql_parser *p);
int p_enter(sql_parser *p);
static inline void p_leave(sql_parser *p) { p->depth--; }

/* arena helpers */
void *p_alloc(sql_parser *p, size_t n);  /* zeroed; NULL (and error recorded) on OOM */
/* Growable arrays in the arena: *v has *n elements and capacity *cap. */
int p_push(sql_parser *p, void **v, uint32_t *n, uint32_t *cap, size_t elem, const void *x);
#define P_PUSH(p, v, n, cap, x) p_push((p), (void **)(v), (n), (cap), sizeof **(v), (x))

/* grammar entry points shared between files */
int p_expr(sql_parser *p, sql_expr **out);           /* full expression (OR level) */
int p_value_expr(sql_parser *p, sql_expr **out);     /* no AND/OR/NOT/predicates */
int p_expr_list_paren(sql_parser *p, sql_expr ***items, uint32_t *n); /* ( e, e ) */
int p_query(sql_parser *p, sql_query **out);
int p_order_items(sql_parser *p, sql_order_item **items, uint32_t *n); /* after ORDER BY */
int p_window_spec(sql_parser *p, sql_window **out);  /* after OVER / AS in WINDOW */
int p_table_primary(sql_parser *p, bool allow_alias, sql_table_ref **out);
int p_table_alias(sql_parser *p, sql_table_ref *t, bool allow_cols);
int p_type(sql_parser *p, lago_type *out);
int p_literal_number(sql_parser *p, bool negative, int pos, sql_expr **out);
bool p_query_paren(sql_parser *p, uint32_t i, int budget); /* does '(' at i open a query? */
bool p_starts_query(sql_parser *p, uint32_t i);
int p_select_items(sql_parser *p, sql_select_item **items, uint32_t *n);
int p_stmt(sql_parser *p, sql_stmt **out);
sql_expr *p_new_expr(sql_parser *p, sql_expr_kind kind, int pos);
void p_finish_expr(sql_parser *p, sql_expr *e); /* sets len */
int p_set_height(sql_parser *p, sql_expr *e, int h); /* checks SQL_MAX_HEIGHT */

#endif /* LAGO_SQL_PARSER_INT_H */
