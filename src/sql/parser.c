/*
** sql/parser.c: the parser's entry points (sql_parse, sql_parse_script,
** sql_split_script) and the helpers every grammar file uses: token access,
** expectation tracking for "expected X, Y or Z" messages, identifiers,
** errors with line/column, arena lists. The grammar itself is in
** parse_expr.c (expressions), parse_query.c (queries, FROM) and
** parse_stmt.c (statements).
**
** Expected-token tracking: every failed check at the current token
** (p_is_kw, p_is_op, p_is_ident, ...) notes what it looked for; when the
** parser gives up at that same token, the notes are the alternatives it would
** have accepted there, which is what the message lists.
*/
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sql/parser_int.h"

/* ---- identifiers ------------------------------------------------------------- */

bool sql_ident_eq(const char *a, const char *b) {
  if (!a || !b) return a == b;
  for (;; a++, b++) {
    unsigned char x = (unsigned char)tolower((unsigned char)*a), y = (unsigned char)tolower((unsigned char)*b);
    if (x != y) return false;
    if (!x) return true;
  }
}

void sql_line_col(const char *text, uint32_t pos, int *line, int *col) {
  int l = 1, c = 1;
  for (uint32_t i = 0; i < pos && text[i]; i++) {
    unsigned char ch = (unsigned char)text[i];
    if (ch == '\n') {
      l++;
      c = 1;
    } else if ((ch & 0xC0) != 0x80) {
      c++;
    }
  }
  *line = l;
  *col = c;
}

/* ---- token helpers ------------------------------------------------------------- */

void p_advance(sql_parser *p) {
  sql_token *t = p_cur(p);
  if (t->kind == TK_EOF) return;
  p->prev_end = t->pos + t->len;
  p->i++;
}

void p_expect_note(sql_parser *p, const char *what) {
  if (p->exp_at != p->i) {
    p->exp_at = p->i;
    p->n_exp = 0;
  }
  /* the names are static strings: compare pointers, then text only when the
  ** first bytes agree (this runs for most tokens, so keep it cheap) */
  for (uint32_t k = 0; k < p->n_exp; k++)
    if (p->expected[k] == what || (p->expected[k][0] == what[0] && strcmp(p->expected[k], what) == 0)) return;
  if (p->n_exp < SQL_MAX_EXPECTED) p->expected[p->n_exp++] = what;
}

bool p_is_kw(sql_parser *p, sql_kw kw) {
  if (tok_is_kw(p_cur(p), kw)) return true;
  p_expect_note(p, sql_kw_name(kw));
  return false;
}

bool p_accept_kw(sql_parser *p, sql_kw kw) {
  if (!p_is_kw(p, kw)) return false;
  p_advance(p);
  return true;
}

int p_expect_kw(sql_parser *p, sql_kw kw) {
  if (p_accept_kw(p, kw)) return LAGO_OK;
  return p_error_expected(p);
}

bool p_skip_kw(sql_parser *p, sql_kw kw) {
  if (!tok_is_kw(p_cur(p), kw)) return false;
  p_advance(p);
  return true;
}

bool p_skip_op(sql_parser *p, sql_punct op) {
  if (!tok_is_op(p_cur(p), op)) return false;
  p_advance(p);
  return true;
}

static const char *punct_note(sql_punct op) {
  static char names[P__COUNT][8];
  /* "'('" etc. Built once; the table is constant after the first use and every
  ** writer writes the same bytes, so concurrent first use is harmless. */
  if (!names[op][0]) snprintf(names[op], sizeof names[op], "'%s'", sql_punct_name(op));
  return names[op];
}

bool p_is_op(sql_parser *p, sql_punct op) {
  if (tok_is_op(p_cur(p), op)) return true;
  p_expect_note(p, punct_note(op));
  return false;
}

bool p_accept_op(sql_parser *p, sql_punct op) {
  if (!p_is_op(p, op)) return false;
  p_advance(p);
  return true;
}

int p_expect_op(sql_parser *p, sql_punct op) {
  if (p_accept_op(p, op)) return LAGO_OK;
  return p_error_expected(p);
}

bool tok_is_word(const sql_parser *p, const sql_token *t, const char *w) {
  size_t n = strlen(w);
  return t->kind == TK_WORD && t->len == n && strncasecmp(p->text + t->pos, w, n) == 0;
}

bool tok_is_ident(const sql_token *t) {
  if (t->kind == TK_QIDENT) return true;
  return t->kind == TK_WORD && sql_kw_class((sql_kw)t->kw) != KW_RES;
}

bool tok_is_alias(const sql_token *t) {
  if (t->kind == TK_QIDENT) return true;
  return t->kind == TK_WORD && sql_kw_class((sql_kw)t->kw) == KW_FREE;
}

bool p_is_ident(sql_parser *p) {
  if (tok_is_ident(p_cur(p))) return true;
  p_expect_note(p, "identifier");
  return false;
}

int p_ident(sql_parser *p, sql_ident *out) {
  sql_token *t = p_cur(p);
  /* after a '.', any word is a name part (t.end, s.table): no keyword can follow a dot */
  bool after_dot = p->i > 0 && tok_is_op(&p->toks[p->i - 1], P_DOT) && t->kind == TK_WORD;
  if (!tok_is_ident(t) && !after_dot) {
    p_expect_note(p, "identifier");
    if (t->kind == TK_WORD)
      return p_error(p, "expected identifier ('%s' is a reserved keyword: write `%.*s` to use it as a name)",
                     sql_kw_name((sql_kw)t->kw), (int)t->len, p->text + t->pos);
    return p_error_expected(p);
  }
  out->pos = (int)t->pos;
  out->quoted = t->kind == TK_QIDENT;
  out->name = out->quoted ? t->str : arena_strndup(p->ar, p->text + t->pos, t->len);
  if (!out->name) return p_nomem(p);
  p_advance(p);
  return LAGO_OK;
}

int p_name(sql_parser *p, sql_name *out) {
  sql_ident *parts = NULL;
  uint32_t n = 0, cap = 0;
  sql_ident id;
  out->pos = (int)p_cur(p)->pos;
  for (;;) {
    TRY(p_ident(p, &id));
    TRY(P_PUSH(p, &parts, &n, &cap, &id));
    if (tok_is_op(p_cur(p), P_DOT) && (tok_is_ident(p_peek(p, 1)) || p_peek(p, 1)->kind == TK_WORD)) {
      p_advance(p);
      continue;
    }
    break;
  }
  out->parts = parts;
  out->n_parts = n;
  return LAGO_OK;
}

int p_ident_list(sql_parser *p, sql_ident **out, uint32_t *n_out) {
  sql_ident *v = NULL;
  uint32_t n = 0, cap = 0;
  TRY(p_expect_op(p, P_LPAREN));
  do {
    sql_ident id;
    TRY(p_ident(p, &id));
    TRY(P_PUSH(p, &v, &n, &cap, &id));
  } while (p_accept_op(p, P_COMMA));
  TRY(p_expect_op(p, P_RPAREN));
  *out = v;
  *n_out = n;
  return LAGO_OK;
}

int p_string(sql_parser *p, const char **out) {
  if (p_cur(p)->kind != TK_STRING) {
    p_expect_note(p, "string literal");
    return p_error_expected(p);
  }
  size_t total = 0;
  for (uint32_t j = p->i; p_at(p, j)->kind == TK_STRING; j++) total += p_at(p, j)->str_len;
  char *s = arena_alloc(p->ar, total + 1);
  if (!s) return p_nomem(p);
  size_t o = 0;
  while (p_cur(p)->kind == TK_STRING) {
    memcpy(s + o, p_cur(p)->str, p_cur(p)->str_len);
    o += p_cur(p)->str_len;
    p_advance(p);
  }
  s[o] = 0;
  *out = s;
  return LAGO_OK;
}

/* ---- errors ----------------------------------------------------------------------- */

/* "'text'" of token t (at most 40 bytes, one line) or "end of input". */
static void tok_desc(const sql_parser *p, const sql_token *t, char *out, size_t cap) {
  if (t->kind == TK_EOF) {
    snprintf(out, cap, "end of input");
    return;
  }
  uint32_t n = t->len;
  const char *s = p->text + t->pos;
  for (uint32_t k = 0; k < n; k++)
    if (s[k] == '\n') n = k;
  if (n > 40) n = 40;
  snprintf(out, cap, "'%.*s%s'", (int)n, s, n < t->len ? "..." : "");
}

static int report(sql_parser *p, const sql_token *t, int rc, const char *msg) {
  int line, col;
  sql_line_col(p->text, t->pos, &line, &col);
  if (t->kind == TK_ERROR)
    return LAGO_ERR_POS(p->err, LAGO_PARSE, (int)t->pos, "syntax error at line %d, column %d: %s", line, col, t->str);
  char near[64];
  tok_desc(p, t, near, sizeof near);
  return LAGO_ERR_POS(p->err, rc, (int)t->pos, "syntax error at line %d, column %d near %s: %s", line, col, near,
                      msg);
}

int p_error(sql_parser *p, const char *fmt, ...) {
  char msg[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return report(p, p_cur(p), LAGO_PARSE, msg);
}

int p_error_at(sql_parser *p, int pos, int rc, const char *fmt, ...) {
  char msg[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  int line, col;
  sql_line_col(p->text, (uint32_t)pos, &line, &col);
  const char *what = rc == LAGO_UNSUPPORTED ? "not supported" : "syntax error";
  return LAGO_ERR_POS(p->err, rc, pos, "%s at line %d, column %d: %s", what, line, col, msg);
}

int p_error_expected(sql_parser *p) {
  if (p->exp_at != p->i || p->n_exp == 0) return p_error(p, "unexpected token");
  char msg[400];
  size_t o = 0;
  o += (size_t)snprintf(msg, sizeof msg, "expected ");
  for (uint32_t k = 0; k < p->n_exp && o < sizeof msg; k++) {
    const char *sep = k == 0 ? "" : (k + 1 == p->n_exp ? " or " : ", ");
    o += (size_t)snprintf(msg + o, sizeof msg - o, "%s%s", sep, p->expected[k]);
  }
  return report(p, p_cur(p), LAGO_PARSE, msg);
}

int p_nomem(sql_parser *p) { return LAGO_NOMEM_ERR(p->err); }

int p_enter(sql_parser *p) {
  if (++p->depth > SQL_MAX_DEPTH) {
    p->depth--;
    return p_error(p, "statement nested too deeply (more than %d levels of parentheses, subqueries or operators)",
                   SQL_MAX_DEPTH);
  }
  return LAGO_OK;
}

/* ---- arena helpers ---------------------------------------------------------------- */

void *p_alloc(sql_parser *p, size_t n) {
  void *x = arena_zalloc(p->ar, n);
  if (!x) p_nomem(p);
  return x;
}

int p_push(sql_parser *p, void **v, uint32_t *n, uint32_t *cap, size_t elem, const void *x) {
  if (*n == *cap) {
    uint32_t ncap = *cap ? *cap * 2 : 4;
    void *nv = arena_realloc(p->ar, *v, (size_t)*cap * elem, (size_t)ncap * elem);
    if (!nv) return p_nomem(p);
    *v = nv;
    *cap = ncap;
  }
  memcpy((char *)*v + (size_t)*n * elem, x, elem);
  (*n)++;
  return LAGO_OK;
}

/* ---- entry points ------------------------------------------------------------------ */

static int parser_init(sql_parser *p, arena *ar, const char *text, lago_err *err) {
  memset(p, 0, sizeof *p);
  size_t len = strlen(text);
  if (len > (size_t)INT32_MAX - 16) return LAGO_ERR(err, LAGO_PARSE, "SQL text too long (%zu bytes)", len);
  p->ar = ar;
  p->text = text;
  p->text_len = (uint32_t)len;
  p->err = err;
  p->exp_at = UINT32_MAX;
  return sql_lex(ar, text, p->text_len, &p->toks, &p->n_toks, err);
}

/* One statement with its byte range. */
static int stmt_with_range(sql_parser *p, sql_stmt **out) {
  uint32_t start = p_cur(p)->pos;
  p->n_qmarks = 0; /* ? markers are numbered per statement */
  TRY(p_stmt(p, out));
  (*out)->pos = (int)start;
  (*out)->len = (int)(p->prev_end - start);
  return LAGO_OK;
}

int sql_parse(arena *ar, const char *text, sql_stmt **out, lago_err *err) {
  sql_parser p;
  TRY(parser_init(&p, ar, text, err));
  if (p_cur(&p)->kind == TK_EOF) return LAGO_ERR_POS(err, LAGO_PARSE, 0, "syntax error: empty statement");
  TRY(stmt_with_range(&p, out));
  bool semi = false;
  while (p_skip_op(&p, P_SEMI)) semi = true;
  if (p_cur(&p)->kind == TK_EOF) return LAGO_OK;
  if (semi) return p_error(&p, "expected end of input (use sql_parse_script for several statements)");
  p_expect_note(&p, "';'");
  p_expect_note(&p, "end of input");
  return p_error_expected(&p);
}

int sql_parse_script(arena *ar, const char *text, sql_script **out, lago_err *err) {
  sql_parser p;
  TRY(parser_init(&p, ar, text, err));
  sql_script *sc = p_alloc(&p, sizeof *sc);
  if (!sc) return LAGO_NOMEM;
  uint32_t cap = 0;
  for (;;) {
    while (p_accept_op(&p, P_SEMI)) {
    }
    if (p_cur(&p)->kind == TK_EOF) break;
    sql_stmt *s;
    TRY(stmt_with_range(&p, &s));
    TRY(P_PUSH(&p, &sc->stmts, &sc->n_stmts, &cap, &s));
    if (p_cur(&p)->kind == TK_EOF) break;
    if (!p_is_op(&p, P_SEMI)) {
      p_expect_note(&p, "end of input");
      return p_error_expected(&p);
    }
  }
  *out = sc;
  return LAGO_OK;
}

int sql_split_script(arena *ar, const char *text, sql_span **spans, uint32_t *n_spans, lago_err *err) {
  sql_parser p;
  TRY(parser_init(&p, ar, text, err));
  sql_span *v = NULL;
  uint32_t n = 0, cap = 0;
  uint32_t first = UINT32_MAX, last_end = 0;
  for (uint32_t k = 0; k < p.n_toks; k++) {
    sql_token *t = &p.toks[k];
    if (t->kind == TK_ERROR && t->str[0] == 'u' && strncmp(t->str, "unterminated", 12) == 0) {
      p.i = k;
      return p_error(&p, "%s", t->str);
    }
    if (t->kind == TK_EOF || tok_is_op(t, P_SEMI)) {
      if (first != UINT32_MAX) {
        sql_span sp = {first, last_end - first};
        TRY(P_PUSH(&p, &v, &n, &cap, &sp));
      }
      first = UINT32_MAX;
      continue;
    }
    if (first == UINT32_MAX) first = t->pos;
    last_end = t->pos + t->len;
  }
  *spans = v;
  *n_spans = n;
  return LAGO_OK;
}
