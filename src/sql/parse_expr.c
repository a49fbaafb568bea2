/*
** sql/parse_expr.c: expressions, by precedence climbing (Spark
** SqlBaseParser.g4 booleanExpression / predicate / valueExpression /
** primaryExpression). Lowest to highest precedence:
**   OR
**   AND
**   NOT, !                                   (prefix)
**   predicates: [NOT] BETWEEN, [NOT] IN, [NOT] LIKE/ILIKE/RLIKE/REGEXP,
**               IS [NOT] NULL/TRUE/FALSE/UNKNOWN/DISTINCT FROM
**               (at most one, applied to a whole value expression)
**   = == <> != < <= > >= <=>                 (left-associative, like all below)
**   |
**   ^
**   &
**   << >> >>>
**   + - ||
**   * / % DIV
**   unary - + ~                              (-<number> is a negative literal)
**   postfix: [index], .field, :json.path, ::type
**   primary: literals, names, calls, CASE, CAST, (subquery), EXISTS, ...
** So `a || b + c` is (a || b) + c, `NOT a = b` is NOT (a = b), `-2 * 3` is
** (-2) * 3 and `x BETWEEN 1 AND 2 AND y` is (x BETWEEN 1 AND 2) AND y.
*/
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sql/parser_int.h"
#include "util/numfmt.h"
#include "util/hex.h"

/* ---- node helpers -------------------------------------------------------------- */

sql_expr *p_new_expr(sql_parser *p, sql_expr_kind kind, int pos) {
  sql_expr *e = p_alloc(p, sizeof *e);
  if (!e) return NULL;
  e->kind = kind;
  e->pos = pos;
  e->height = 1;
  return e;
}

void p_finish_expr(sql_parser *p, sql_expr *e) { e->len = (int)(p->prev_end - (uint32_t)e->pos); }

int p_set_height(sql_parser *p, sql_expr *e, int h) {
  if (h > SQL_MAX_HEIGHT)
    return p_error_at(p, e->pos, LAGO_PARSE, "expression too deeply nested (more than %d levels)", SQL_MAX_HEIGHT);
  e->height = (uint16_t)h;
  return LAGO_OK;
}

static int hmax(const sql_expr *a, const sql_expr *b) {
  int x = a ? a->height : 0, y = b ? b->height : 0;
  return (x > y ? x : y) + 1;
}

static int mk_binary(sql_parser *p, sql_op op, sql_expr *l, sql_expr *r, sql_expr **out) {
  sql_expr *e = p_new_expr(p, SQL_E_BINARY, l->pos);
  if (!e) return LAGO_NOMEM;
  e->binary.op = op;
  e->binary.left = l;
  e->binary.right = r;
  p_finish_expr(p, e);
  TRY(p_set_height(p, e, hmax(l, r)));
  *out = e;
  return LAGO_OK;
}

/* Raw source text of tokens [pos, prev_end) as an arena string. */
static const char *src_text(sql_parser *p, uint32_t pos) {
  const char *s = arena_strndup(p->ar, p->text + pos, p->prev_end - pos);
  if (!s) p_nomem(p);
  return s;
}

/* ---- literals ---------------------------------------------------------------------- */

static int lit_error(sql_parser *p, int pos, const char *text, const char *why) {
  return p_error_at(p, pos, LAGO_PARSE, "numeric literal %s %s", text, why);
}

/*
** Numeric literal at the current TK_NUMBER token, typed as Spark does (see
** ast.h sql_literal). negative: a '-' preceded it (pos is the '-').
*/
int p_literal_number(sql_parser *p, bool negative, int pos, sql_expr **out) {
  sql_token *t = p_cur(p);
  const char *s = p->text + t->pos;
  uint32_t n = t->len;
  int suffix = t->num_suffix;
  uint32_t body = n - (suffix == NUM_SUF_BD ? 2 : suffix != NUM_SUF_NONE ? 1 : 0);
  char *text = negative ? arena_printf(p->ar, "-%.*s", (int)n, s) : arena_strndup(p->ar, s, n);
  if (!text) return p_nomem(p);
  sql_expr *e = p_new_expr(p, SQL_E_LITERAL, pos);
  if (!e) return LAGO_NOMEM;
  sql_literal *l = &e->lit;
  l->text = text;
  p_advance(p);
  p_finish_expr(p, e);
  *out = e;

  bool integral = !t->num_dot && !t->num_exp;
  if (suffix == NUM_SUF_D || suffix == NUM_SUF_F || (t->num_exp && suffix != NUM_SUF_BD)) {
    char *num = arena_strndup(p->ar, s, body);
    if (!num) return p_nomem(p);
    errno = 0;
    double d = strtod(num, NULL);
    if (negative) d = -d;
    if (isinf(d)) return lit_error(p, pos, text, "is out of range for DOUBLE");
    if (suffix == NUM_SUF_F) {
      if (fabs(d) > 3.4028234663852886e38) return lit_error(p, pos, text, "is out of range for FLOAT");
      l->kind = SQL_LIT_FLOAT;
      l->d = (double)(float)d;
    } else {
      l->kind = SQL_LIT_DOUBLE;
      l->d = d;
    }
    return LAGO_OK;
  }
  /* exact: digits [. digits] [e exp]; unscaled value and scale */
  lago_i128 v = 0;
  int digits = 0, scale = 0;
  uint32_t k = 0;
  bool frac = false;
  for (; k < body; k++) {
    char c = s[k];
    if (c == '.') {
      frac = true;
      continue;
    }
    if (c == 'e' || c == 'E') break;
    if (digits || c != '0') digits++;
    if (digits > 38) return lit_error(p, pos, text, "has more than 38 digits");
    v = v * 10 + (c - '0');
    if (frac) scale++;
  }
  if (k < body) { /* exponent (BD only here) */
    k++;
    bool eneg = false;
    if (s[k] == '+' || s[k] == '-') eneg = s[k++] == '-';
    long ex = 0;
    for (; k < body; k++) {
      ex = ex * 10 + (s[k] - '0');
      if (ex > 1000) return lit_error(p, pos, text, "exponent is out of range");
    }
    scale -= (int)(eneg ? -ex : ex);
  }
  if (negative) v = -v;
  if (integral && suffix != NUM_SUF_BD) {
    switch (suffix) {
      case NUM_SUF_Y:
        if (v < -128 || v > 127) return lit_error(p, pos, text, "is out of range for TINYINT");
        l->kind = SQL_LIT_TINYINT;
        break;
      case NUM_SUF_S:
        if (v < -32768 || v > 32767) return lit_error(p, pos, text, "is out of range for SMALLINT");
        l->kind = SQL_LIT_SMALLINT;
        break;
      case NUM_SUF_L:
        if (v < INT64_MIN || v > INT64_MAX) return lit_error(p, pos, text, "is out of range for BIGINT");
        l->kind = SQL_LIT_BIGINT;
        break;
      default:
        if (v >= INT32_MIN && v <= INT32_MAX) {
          l->kind = SQL_LIT_INT;
        } else if (v >= INT64_MIN && v <= INT64_MAX) {
          l->kind = SQL_LIT_BIGINT;
        } else {
          l->kind = SQL_LIT_DECIMAL;
          l->dec = v;
          l->precision = (uint8_t)digits;
          l->scale = 0;
          return LAGO_OK;
        }
        break;
    }
    l->i = (int64_t)v;
    return LAGO_OK;
  }
  /* DECIMAL: Spark's DecimalType(max(precision, scale), scale) of the BigDecimal */
  if (scale < 0) {
    if (digits - scale > 38) return lit_error(p, pos, text, "is out of range for DECIMAL(38)");
    if (v != 0) digits -= scale;
    v *= pow10_i128(-scale);
    scale = 0;
  }
  if (scale > 38) return lit_error(p, pos, text, "has more than 38 digits");
  int prec = digits ? digits : 1;
  if (prec < scale) prec = scale;
  l->kind = SQL_LIT_DECIMAL;
  l->dec = v;
  l->precision = (uint8_t)prec;
  l->scale = (uint8_t)scale;
  return LAGO_OK;
}

/* One or more adjacent string tokens as a STRING literal. */
static int literal_string(sql_parser *p, sql_expr **out) {
  uint32_t pos = p_cur(p)->pos;
  sql_expr *e = p_new_expr(p, SQL_E_LITERAL, (int)pos);
  if (!e) return LAGO_NOMEM;
  size_t total = 0;
  for (uint32_t j = p->i; p_at(p, j)->kind == TK_STRING; j++) total += p_at(p, j)->str_len;
  if (total > UINT32_MAX / 2) return p_error(p, "string literal too long");
  TRY(p_string(p, &e->lit.str));
  e->lit.kind = SQL_LIT_STRING;
  e->lit.str_len = (uint32_t)total;
  e->lit.text = src_text(p, pos);
  if (!e->lit.text) return LAGO_NOMEM;
  p_finish_expr(p, e);
  *out = e;
  return LAGO_OK;
}


/* DATE '...', TIMESTAMP '...', TIMESTAMP_NTZ '...', TIMESTAMP_LTZ '...', X'..' */
static int typed_literal(sql_parser *p, sql_lit_kind kind, sql_expr **out) {
  uint32_t pos = p_cur(p)->pos;
  p_advance(p); /* the type word */
  sql_expr *e = p_new_expr(p, SQL_E_LITERAL, (int)pos);
  if (!e) return LAGO_NOMEM;
  uint32_t spos = p_cur(p)->pos;
  size_t total = 0;
  for (uint32_t j = p->i; p_at(p, j)->kind == TK_STRING; j++) total += p_at(p, j)->str_len;
  const char *str;
  TRY(p_string(p, &str));
  e->lit.kind = kind;
  if (kind == SQL_LIT_BINARY) {
    /* X'ABC' = X'0ABC': an odd count gets a leading zero digit */
    size_t nd = total, odd = nd & 1, nb = (nd + 1) / 2;
    char *b = arena_zalloc(p->ar, nb + 1);
    if (!b) return p_nomem(p);
    for (size_t k = 0; k < nd; k++) {
      int h = hex_value(str[k]);
      if (h < 0) return p_error_at(p, (int)spos, LAGO_PARSE, "invalid hexadecimal digit in binary literal X'%s'", str);
      size_t d = k + odd;
      b[d / 2] = (char)(b[d / 2] | (d % 2 == 0 ? h << 4 : h));
    }
    e->lit.str = b;
    e->lit.str_len = (uint32_t)nb;
  } else {
    e->lit.str = str;
    e->lit.str_len = (uint32_t)total;
  }
  e->lit.text = src_text(p, pos);
  if (!e->lit.text) return LAGO_NOMEM;
  p_finish_expr(p, e);
  *out = e;
  return LAGO_OK;
}

/* ---- types ------------------------------------------------------------------------- */

int p_type(sql_parser *p, lago_type *out) {
  sql_token *t = p_cur(p);
  if (t->kind != TK_WORD) {
    p_expect_note(p, "type");
    return p_error_expected(p);
  }
  lago_err te;
  lago_err_clear(&te);
  const char *start = p->text + t->pos, *end = NULL;
  int rc = type_parse_prefix(p->ar, start, &end, out, &te);
  if (rc == LAGO_NOMEM) return p_nomem(p);
  if (rc) {
    /* the type parser says "type: <what> at position N near '...'": keep <what>
    ** and report it at the token it points into */
    uint32_t at = t->pos + (uint32_t)(te.pos > 0 ? te.pos : 0);
    const char *what = strncmp(te.msg, "type: ", 6) == 0 ? te.msg + 6 : te.msg;
    const char *cut = strstr(what, " at position ");
    if (!cut) cut = strstr(what, " at end of ");
    int n = cut ? (int)(cut - what) : (int)strlen(what);
    while (p_cur(p)->kind != TK_EOF && p_cur(p)->pos + p_cur(p)->len <= at) p_advance(p);
    return p_error(p, "invalid type: %.*s", n, what);
  }
  uint32_t stop = (uint32_t)(end - p->text);
  while (p_cur(p)->kind != TK_EOF && p_cur(p)->pos < stop) {
    if (p_cur(p)->pos + p_cur(p)->len > stop) return p_error(p, "unexpected text after the type");
    p_advance(p);
  }
  return LAGO_OK;
}

/* ---- helpers for parenthesised forms ---------------------------------------------------- */

bool p_starts_query(sql_parser *p, uint32_t i) {
  sql_token *t = p_at(p, i);
  return tok_is_kw(t, KW_SELECT) || tok_is_kw(t, KW_WITH) || tok_is_kw(t, KW_VALUES) ||
         (tok_is_kw(t, KW_TABLE) && !tok_is_op(p_at(p, i + 1), P_LPAREN));
}

/* Is the '(' at token i the start of a parenthesised query (as opposed to an
** expression or a join)? Looks through nested '(' using the matched pairs. */
bool p_query_paren(sql_parser *p, uint32_t i, int budget) {
  sql_token *t = p_at(p, i);
  if (!tok_is_op(t, P_LPAREN)) return false;
  if (p_starts_query(p, i + 1)) return true;
  if (budget <= 0) return false; /* the parser reports the depth when it gets there */
  sql_token *n = p_at(p, i + 1);
  if (!tok_is_op(n, P_LPAREN) || n->match < 0 || !p_query_paren(p, i + 1, budget - 1)) return false;
  sql_token *after = p_at(p, (uint32_t)n->match + 1);
  return tok_is_op(after, P_RPAREN) || tok_is_kw(after, KW_UNION) || tok_is_kw(after, KW_INTERSECT) ||
         tok_is_kw(after, KW_EXCEPT) || tok_is_kw(after, KW_MINUS) || tok_is_kw(after, KW_ORDER) ||
         tok_is_kw(after, KW_LIMIT) || tok_is_kw(after, KW_OFFSET);
}

/*
** Does the parenthesis opened at token i hold a special-syntax argument list
** (POSITION(a IN b), TRIM(.. FROM s), ...): keyword kw at its top level, no
** top-level comma (then it is an ordinary call), and for FROM not the one of
** IS DISTINCT FROM?
*/
static bool paren_has_kw(sql_parser *p, uint32_t i, sql_kw kw) {
  sql_token *t = p_at(p, i);
  if (t->match < 0) return false;
  bool found = false;
  for (uint32_t k = i + 1; k < (uint32_t)t->match; k++) {
    sql_token *u = p_at(p, k);
    if (tok_is_op(u, P_LPAREN) && u->match > 0) k = (uint32_t)u->match;
    else if (tok_is_op(u, P_COMMA)) return false;
    else if (tok_is_kw(u, kw) && !(kw == KW_FROM && tok_is_kw(p_at(p, k - 1), KW_DISTINCT))) found = true;
  }
  return found;
}

/* '(' a, b, ... ')' → lambda parameter list followed by '->'? */
static bool lambda_paren(sql_parser *p) {
  sql_token *t = p_cur(p);
  if (t->match < 0) return false;
  uint32_t end = (uint32_t)t->match;
  if (!tok_is_op(p_at(p, end + 1), P_ARROW) || end == p->i + 1) return false;
  for (uint32_t k = p->i + 1; k < end; k++) {
    bool want_ident = (k - p->i - 1) % 2 == 0;
    if (want_ident ? !tok_is_ident(p_at(p, k)) : !tok_is_op(p_at(p, k), P_COMMA)) return false;
  }
  return (end - p->i - 1) % 2 == 1;
}

int p_expr_list_paren(sql_parser *p, sql_expr ***items, uint32_t *n) {
  uint32_t cap = 0;
  *items = NULL;
  *n = 0;
  TRY(p_expect_op(p, P_LPAREN));
  do {
    sql_expr *e;
    TRY(p_expr(p, &e));
    TRY(P_PUSH(p, items, n, &cap, &e));
  } while (p_accept_op(p, P_COMMA));
  return p_expect_op(p, P_RPAREN);
}

/* ---- function calls --------------------------------------------------------------------- */

static int parse_lambda(sql_parser *p, sql_expr **out);

/* One argument: name => value, TABLE(t) / TABLE(query) / TABLE t, or an expression. */
static int parse_arg(sql_parser *p, sql_expr **out) {
  sql_token *t = p_cur(p);
  if (tok_is_ident(t) && tok_is_op(p_peek(p, 1), P_FATARROW)) {
    sql_expr *e = p_new_expr(p, SQL_E_NAMED_ARG, (int)t->pos);
    if (!e) return LAGO_NOMEM;
    TRY(p_ident(p, &e->named_arg.name));
    p_advance(p); /* => */
    TRY(p_expr(p, &e->named_arg.value));
    p_finish_expr(p, e);
    TRY(p_set_height(p, e, e->named_arg.value->height + 1));
    *out = e;
    return LAGO_OK;
  }
  if (tok_is_kw(t, KW_TABLE)) {
    sql_expr *e = p_new_expr(p, SQL_E_TABLE_ARG, (int)t->pos);
    if (!e) return LAGO_NOMEM;
    p_advance(p);
    if (p_accept_op(p, P_LPAREN)) {
      if (p_starts_query(p, p->i) || p_query_paren(p, p->i, SQL_MAX_DEPTH - p->depth)) {
        TRY(p_query(p, &e->table_arg.query));
      } else {
        TRY(p_name(p, &e->table_arg.name));
      }
      TRY(p_expect_op(p, P_RPAREN));
    } else {
      TRY(p_name(p, &e->table_arg.name));
    }
    p_finish_expr(p, e);
    *out = e;
    return LAGO_OK;
  }
  return p_expr(p, out);
}

static bool accept_null_treatment(sql_parser *p, sql_null_treatment *nt) {
  sql_token *t = p_cur(p), *n = p_peek(p, 1);
  if ((tok_is_kw(t, KW_IGNORE) || tok_is_kw(t, KW_RESPECT)) && tok_is_kw(n, KW_NULLS)) {
    *nt = tok_is_kw(t, KW_IGNORE) ? SQL_NT_IGNORE_NULLS : SQL_NT_RESPECT_NULLS;
    p_advance(p);
    p_advance(p);
    return true;
  }
  return false;
}

/* Arguments after '(' up to and including ')'. Returns the max argument height. */
static int parse_call_args(sql_parser *p, sql_func *f, int *height) {
  *height = 0;
  if (p_accept_op(p, P_RPAREN)) return LAGO_OK;
  if (tok_is_op(p_cur(p), P_STAR) && tok_is_op(p_peek(p, 1), P_RPAREN)) {
    f->star = true;
    p_advance(p);
    p_advance(p);
    return LAGO_OK;
  }
  if (p_accept_kw(p, KW_DISTINCT)) f->distinct = true;
  else p_accept_kw(p, KW_ALL);
  uint32_t cap = 0;
  do {
    sql_expr *a;
    TRY(parse_arg(p, &a));
    TRY(P_PUSH(p, &f->args, &f->n_args, &cap, &a));
    if (a->height > *height) *height = a->height;
  } while (p_accept_op(p, P_COMMA));
  accept_null_treatment(p, &f->nulls);
  return p_expect_op(p, P_RPAREN);
}

static int parse_frame_bound(sql_parser *p, sql_frame_bound *b) {
  if (p_accept_kw(p, KW_UNBOUNDED)) {
    if (p_accept_kw(p, KW_PRECEDING)) b->kind = SQL_BOUND_UNBOUNDED_PRECEDING;
    else if (p_accept_kw(p, KW_FOLLOWING)) b->kind = SQL_BOUND_UNBOUNDED_FOLLOWING;
    else return p_error_expected(p);
    return LAGO_OK;
  }
  if (p_accept_kw(p, KW_CURRENT)) {
    b->kind = SQL_BOUND_CURRENT_ROW;
    return p_expect_kw(p, KW_ROW);
  }
  TRY(p_value_expr(p, &b->offset));
  if (p_accept_kw(p, KW_PRECEDING)) b->kind = SQL_BOUND_PRECEDING;
  else if (p_accept_kw(p, KW_FOLLOWING)) b->kind = SQL_BOUND_FOLLOWING;
  else return p_error_expected(p);
  return LAGO_OK;
}

/* After OVER (or `name AS` in a WINDOW clause): w | (w) | ( [PARTITION BY ..] [ORDER BY ..] [frame] ) */
int p_window_spec(sql_parser *p, sql_window **out) {
  sql_window *w = p_alloc(p, sizeof *w);
  if (!w) return LAGO_NOMEM;
  w->pos = (int)p_cur(p)->pos;
  *out = w;
  if (p_is_ident(p)) return p_ident(p, &w->ref);
  TRY(p_expect_op(p, P_LPAREN));
  if (tok_is_ident(p_cur(p)) && tok_is_op(p_peek(p, 1), P_RPAREN)) {
    TRY(p_ident(p, &w->ref));
    return p_expect_op(p, P_RPAREN);
  }
  TRY(p_enter(p));
  if (p_accept_kw(p, KW_PARTITION) || p_accept_kw(p, KW_DISTRIBUTE)) {
    TRY(p_expect_kw(p, KW_BY));
    uint32_t cap = 0;
    do {
      sql_expr *e;
      TRY(p_expr(p, &e));
      TRY(P_PUSH(p, &w->partition_by, &w->n_partition_by, &cap, &e));
    } while (p_accept_op(p, P_COMMA));
  }
  if (p_accept_kw(p, KW_ORDER) || p_accept_kw(p, KW_SORT)) {
    TRY(p_expect_kw(p, KW_BY));
    TRY(p_order_items(p, &w->order_by, &w->n_order_by));
  }
  if (p_is_kw(p, KW_ROWS) || p_is_kw(p, KW_RANGE)) {
    w->frame_unit = tok_is_kw(p_cur(p), KW_ROWS) ? SQL_FRAME_ROWS : SQL_FRAME_RANGE;
    p_advance(p);
    if (p_accept_kw(p, KW_BETWEEN)) {
      TRY(parse_frame_bound(p, &w->frame_start));
      TRY(p_expect_kw(p, KW_AND));
      TRY(parse_frame_bound(p, &w->frame_end));
    } else {
      TRY(parse_frame_bound(p, &w->frame_start));
    }
  }
  p_leave(p);
  return p_expect_op(p, P_RPAREN);
}

/* name '(' already seen at the current token: parses a call with its suffixes. */
static int parse_call(sql_parser *p, sql_name name, int pos, sql_expr **out) {
  sql_expr *e = p_new_expr(p, SQL_E_FUNC, pos);
  if (!e) return LAGO_NOMEM;
  sql_func *f = &e->func;
  f->name = name;
  TRY(p_expect_op(p, P_LPAREN));
  TRY(p_enter(p));
  int h = 0;
  TRY(parse_call_args(p, f, &h));
  p_leave(p);
  if (tok_is_kw(p_cur(p), KW_WITHIN) && tok_is_kw(p_peek(p, 1), KW_GROUP)) {
    p_advance(p);
    p_advance(p);
    TRY(p_expect_op(p, P_LPAREN));
    TRY(p_expect_kw(p, KW_ORDER));
    TRY(p_expect_kw(p, KW_BY));
    TRY(p_order_items(p, &f->within_group, &f->n_within_group));
    TRY(p_expect_op(p, P_RPAREN));
  }
  if (p_skip_kw(p, KW_FILTER)) {
    TRY(p_expect_op(p, P_LPAREN));
    TRY(p_expect_kw(p, KW_WHERE));
    TRY(p_expr(p, &f->filter));
    if (f->filter->height > h) h = f->filter->height;
    TRY(p_expect_op(p, P_RPAREN));
  }
  if (f->nulls == SQL_NT_DEFAULT) accept_null_treatment(p, &f->nulls);
  if (p_skip_kw(p, KW_OVER)) TRY(p_window_spec(p, &f->over));
  p_finish_expr(p, e);
  TRY(p_set_height(p, e, h + 1));
  *out = e;
  return LAGO_OK;
}

/* A one-part name from the keyword token at the current position (for
** CURRENT_DATE, LEFT(..) and other keyword-named functions). */
static int kw_name(sql_parser *p, sql_name *out) {
  sql_token *t = p_cur(p);
  sql_ident *id = p_alloc(p, sizeof *id);
  if (!id) return LAGO_NOMEM;
  id->pos = (int)t->pos;
  id->name = arena_strndup(p->ar, p->text + t->pos, t->len);
  if (!id->name) return p_nomem(p);
  out->parts = id;
  out->n_parts = 1;
  out->pos = (int)t->pos;
  p_advance(p);
  return LAGO_OK;
}

/* Reserved keywords that may still name a function when followed by '('. */
static bool kw_function_ok(sql_kw kw) {
  switch (kw) {
    case KW_LEFT: case KW_RIGHT: case KW_FILTER: case KW_ANY: case KW_SOME:
    case KW_CURRENT_DATE: case KW_CURRENT_TIME: case KW_CURRENT_TIMESTAMP:
    case KW_CURRENT_USER: case KW_USER: case KW_SESSION_USER:
    case KW_PERCENTILE_CONT: case KW_PERCENTILE_DISC:
      return true;
    default:
      return false;
  }
}

static bool kw_no_parens_func(sql_kw kw) {
  return kw == KW_CURRENT_DATE || kw == KW_CURRENT_TIME || kw == KW_CURRENT_TIMESTAMP || kw == KW_CURRENT_USER ||
         kw == KW_USER || kw == KW_SESSION_USER;
}

/* ---- special forms ------------------------------------------------------------------------ */

static int one_part_name(sql_parser *p, const char *name, int pos, sql_name *out) {
  sql_ident *id = p_alloc(p, sizeof *id);
  if (!id) return LAGO_NOMEM;
  id->name = name;
  id->pos = pos;
  out->parts = id;
  out->n_parts = 1;
  out->pos = pos;
  return LAGO_OK;
}

static int push_arg(sql_parser *p, sql_func *f, uint32_t *cap, sql_expr *a, int *h) {
  if (a->height > *h) *h = a->height;
  return P_PUSH(p, &f->args, &f->n_args, cap, &a);
}

/* POSITION(a IN b), SUBSTRING(s FROM a [FOR b]), TRIM([mode] [c] FROM s), EXTRACT(f FROM x) */
static int special_form(sql_parser *p, sql_kw kw, sql_expr **out) {
  sql_token *t = p_cur(p);
  int pos = (int)t->pos;
  char *name = arena_strndup(p->ar, p->text + t->pos, t->len);
  if (!name) return p_nomem(p);
  for (char *c = name; *c; c++) *c = (char)tolower((unsigned char)*c);
  p_advance(p);
  TRY(p_expect_op(p, P_LPAREN));
  TRY(p_enter(p));
  int h = 0;
  uint32_t cap = 0;
  sql_expr *e;
  if (kw == KW_EXTRACT) {
    e = p_new_expr(p, SQL_E_EXTRACT, pos);
    if (!e) return LAGO_NOMEM;
    TRY(p_ident(p, &e->extract.field));
    TRY(p_expect_kw(p, KW_FROM));
    TRY(p_value_expr(p, &e->extract.arg));
    h = e->extract.arg->height;
  } else {
    e = p_new_expr(p, SQL_E_FUNC, pos);
    if (!e) return LAGO_NOMEM;
    sql_func *f = &e->func;
    TRY(one_part_name(p, name, pos, &f->name));
    sql_expr *a, *b;
    if (kw == KW_POSITION) {
      TRY(p_value_expr(p, &a));
      TRY(p_expect_kw(p, KW_IN));
      TRY(p_value_expr(p, &b));
      TRY(push_arg(p, f, &cap, a, &h));
      TRY(push_arg(p, f, &cap, b, &h));
    } else if (kw == KW_SUBSTRING || kw == KW_SUBSTR) {
      TRY(p_value_expr(p, &a));
      TRY(push_arg(p, f, &cap, a, &h));
      TRY(p_expect_kw(p, KW_FROM));
      TRY(p_value_expr(p, &b));
      TRY(push_arg(p, f, &cap, b, &h));
      if (p_accept_kw(p, KW_FOR)) {
        TRY(p_value_expr(p, &b));
        TRY(push_arg(p, f, &cap, b, &h));
      }
    } else { /* TRIM */
      f->trim = SQL_TRIM_BOTH;
      if (p_accept_kw(p, KW_BOTH)) f->trim = SQL_TRIM_BOTH;
      else if (p_accept_kw(p, KW_LEADING)) f->trim = SQL_TRIM_LEADING;
      else if (p_accept_kw(p, KW_TRAILING)) f->trim = SQL_TRIM_TRAILING;
      sql_expr *chars = NULL;
      if (!p_is_kw(p, KW_FROM)) TRY(p_value_expr(p, &chars));
      TRY(p_expect_kw(p, KW_FROM));
      TRY(p_value_expr(p, &a));
      TRY(push_arg(p, f, &cap, a, &h));
      if (chars) TRY(push_arg(p, f, &cap, chars, &h));
    }
  }
  p_leave(p);
  TRY(p_expect_op(p, P_RPAREN));
  p_finish_expr(p, e);
  TRY(p_set_height(p, e, h + 1));
  *out = e;
  return LAGO_OK;
}

static int parse_case(sql_parser *p, sql_expr **out) {
  sql_expr *e = p_new_expr(p, SQL_E_CASE, (int)p_cur(p)->pos);
  if (!e) return LAGO_NOMEM;
  p_advance(p);
  TRY(p_enter(p));
  int h = 0;
  if (!p_is_kw(p, KW_WHEN)) {
    TRY(p_expr(p, &e->case_.operand));
    h = e->case_.operand->height;
  }
  uint32_t cap = 0;
  while (p_accept_kw(p, KW_WHEN)) {
    sql_when w;
    TRY(p_expr(p, &w.cond));
    TRY(p_expect_kw(p, KW_THEN));
    TRY(p_expr(p, &w.result));
    if (w.cond->height > h) h = w.cond->height;
    if (w.result->height > h) h = w.result->height;
    TRY(P_PUSH(p, &e->case_.whens, &e->case_.n_whens, &cap, &w));
  }
  if (e->case_.n_whens == 0) return p_error_expected(p);
  if (p_accept_kw(p, KW_ELSE)) {
    TRY(p_expr(p, &e->case_.else_result));
    if (e->case_.else_result->height > h) h = e->case_.else_result->height;
  }
  TRY(p_expect_kw(p, KW_END));
  p_leave(p);
  p_finish_expr(p, e);
  TRY(p_set_height(p, e, h + 1));
  *out = e;
  return LAGO_OK;
}

static int parse_cast(sql_parser *p, bool is_try, sql_expr **out) {
  sql_expr *e = p_new_expr(p, SQL_E_CAST, (int)p_cur(p)->pos);
  if (!e) return LAGO_NOMEM;
  e->cast.is_try = is_try;
  p_advance(p);
  TRY(p_expect_op(p, P_LPAREN));
  TRY(p_enter(p));
  TRY(p_expr(p, &e->cast.arg));
  TRY(p_expect_kw(p, KW_AS));
  TRY(p_type(p, &e->cast.type));
  p_leave(p);
  TRY(p_expect_op(p, P_RPAREN));
  p_finish_expr(p, e);
  TRY(p_set_height(p, e, e->cast.arg->height + 1));
  *out = e;
  return LAGO_OK;
}

static const struct {
  const char *name;
  sql_interval_unit unit;
} k_units[] = {
    {"YEAR", SQL_IU_YEAR},       {"YEARS", SQL_IU_YEAR},     {"MONTH", SQL_IU_MONTH},
    {"MONTHS", SQL_IU_MONTH},    {"WEEK", SQL_IU_WEEK},      {"WEEKS", SQL_IU_WEEK},
    {"DAY", SQL_IU_DAY},         {"DAYS", SQL_IU_DAY},       {"HOUR", SQL_IU_HOUR},
    {"HOURS", SQL_IU_HOUR},      {"MINUTE", SQL_IU_MINUTE},  {"MINUTES", SQL_IU_MINUTE},
    {"SECOND", SQL_IU_SECOND},   {"SECONDS", SQL_IU_SECOND}, {"MILLISECOND", SQL_IU_MILLISECOND},
    {"MILLISECONDS", SQL_IU_MILLISECOND}, {"MICROSECOND", SQL_IU_MICROSECOND},
    {"MICROSECONDS", SQL_IU_MICROSECOND},
};

static sql_interval_unit unit_of(const sql_parser *p, const sql_token *t) {
  if (t->kind != TK_WORD) return SQL_IU_NONE;
  for (size_t k = 0; k < sizeof k_units / sizeof k_units[0]; k++)
    if (tok_is_word(p, t, k_units[k].name)) return k_units[k].unit;
  return SQL_IU_NONE;
}

/* Number of tokens of an interval value at token i (string, number, -number,
** -'string'), 0 if none. */
static uint32_t interval_value_len(sql_parser *p, uint32_t i) {
  sql_token *t = p_at(p, i);
  uint32_t k = 0;
  if (tok_is_op(t, P_MINUS) || tok_is_op(t, P_PLUS)) t = p_at(p, i + ++k);
  if (t->kind == TK_NUMBER) return k + 1;
  if (t->kind == TK_STRING) {
    while (p_at(p, i + k)->kind == TK_STRING) k++;
    return k;
  }
  return 0;
}

static int parse_interval(sql_parser *p, sql_expr **out) {
  sql_expr *e = p_new_expr(p, SQL_E_INTERVAL, (int)p_cur(p)->pos);
  if (!e) return LAGO_NOMEM;
  p_advance(p); /* INTERVAL */
  uint32_t cap = 0;
  for (;;) {
    uint32_t vl = interval_value_len(p, p->i);
    if (!vl) break;
    if (e->interval.n_parts > 0 && unit_of(p, p_at(p, p->i + vl)) == SQL_IU_NONE) break;
    sql_interval_part part = {0};
    int vpos = (int)p_cur(p)->pos;
    bool neg = false;
    if (tok_is_op(p_cur(p), P_MINUS) || tok_is_op(p_cur(p), P_PLUS)) {
      neg = tok_is_op(p_cur(p), P_MINUS);
      p_advance(p);
    }
    if (p_cur(p)->kind == TK_NUMBER) {
      TRY(p_literal_number(p, neg, vpos, &part.value));
      sql_lit_kind k = part.value->lit.kind;
      if (k != SQL_LIT_INT && k != SQL_LIT_BIGINT && k != SQL_LIT_DECIMAL)
        return p_error_at(p, vpos, LAGO_PARSE, "interval value %s must be an integer or decimal number",
                          part.value->lit.text);
    } else {
      TRY(literal_string(p, &part.value));
      part.negated = neg;
    }
    part.unit = unit_of(p, p_cur(p));
    if (part.unit != SQL_IU_NONE) {
      p_advance(p);
      if (e->interval.n_parts == 0 && p_accept_kw(p, KW_TO)) {
        part.to_unit = unit_of(p, p_cur(p));
        if (part.to_unit == SQL_IU_NONE) {
          p_expect_note(p, "interval unit");
          return p_error_expected(p);
        }
        p_advance(p);
        TRY(P_PUSH(p, &e->interval.parts, &e->interval.n_parts, &cap, &part));
        break;
      }
    } else if (part.value->lit.kind != SQL_LIT_STRING || e->interval.n_parts > 0) {
      p_expect_note(p, "interval unit (YEAR, MONTH, WEEK, DAY, HOUR, MINUTE, SECOND, ...)");
      return p_error_expected(p);
    }
    TRY(P_PUSH(p, &e->interval.parts, &e->interval.n_parts, &cap, &part));
    if (part.unit == SQL_IU_NONE) break;
  }
  if (!e->interval.n_parts) {
    p_expect_note(p, "interval value");
    return p_error_expected(p);
  }
  p_finish_expr(p, e);
  TRY(p_set_height(p, e, 2));
  *out = e;
  return LAGO_OK;
}

/* x -> body or (x, y) -> body at the current token */
static int parse_lambda(sql_parser *p, sql_expr **out) {
  sql_expr *e = p_new_expr(p, SQL_E_LAMBDA, (int)p_cur(p)->pos);
  if (!e) return LAGO_NOMEM;
  uint32_t cap = 0;
  sql_ident id;
  if (p_accept_op(p, P_LPAREN)) {
    do {
      TRY(p_ident(p, &id));
      TRY(P_PUSH(p, &e->lambda.params, &e->lambda.n_params, &cap, &id));
    } while (p_accept_op(p, P_COMMA));
    TRY(p_expect_op(p, P_RPAREN));
  } else {
    TRY(p_ident(p, &id));
    TRY(P_PUSH(p, &e->lambda.params, &e->lambda.n_params, &cap, &id));
  }
  TRY(p_expect_op(p, P_ARROW));
  TRY(p_enter(p));
  TRY(p_expr(p, &e->lambda.body));
  p_leave(p);
  p_finish_expr(p, e);
  TRY(p_set_height(p, e, e->lambda.body->height + 1));
  *out = e;
  return LAGO_OK;
}

static int star_except(sql_parser *p, sql_expr *e);

/* Name-led primary: column a.b.c, t.*, call f(..), lambda x -> .. */
static int parse_name_primary(sql_parser *p, sql_expr **out) {
  sql_token *t = p_cur(p);
  int pos = (int)t->pos;
  if (t->kind != TK_QIDENT && tok_is_op(p_peek(p, 1), P_ARROW)) return parse_lambda(p, out);
  sql_name name;
  name.pos = pos;
  sql_ident *parts = NULL;
  uint32_t n = 0, cap = 0;
  bool star = false;
  for (;;) {
    sql_ident id;
    TRY(p_ident(p, &id)); /* after a '.', p_ident takes any word */
    TRY(P_PUSH(p, &parts, &n, &cap, &id));
    if (!tok_is_op(p_cur(p), P_DOT)) break;
    sql_token *nx = p_peek(p, 1);
    if (nx->kind == TK_WORD || nx->kind == TK_QIDENT) {
      p_advance(p);
      continue;
    }
    if (tok_is_op(nx, P_STAR)) {
      p_advance(p);
      p_advance(p);
      star = true;
    }
    break;
  }
  name.parts = parts;
  name.n_parts = n;
  if (star) {
    sql_expr *e = p_new_expr(p, SQL_E_STAR, pos);
    if (!e) return LAGO_NOMEM;
    e->star.qualifier = name;
    *out = e;
    return star_except(p, e);
  }
  if (tok_is_op(p_cur(p), P_LPAREN)) return parse_call(p, name, pos, out);
  sql_expr *e = p_new_expr(p, SQL_E_COLUMN, pos);
  if (!e) return LAGO_NOMEM;
  e->column.name = name;
  p_finish_expr(p, e);
  *out = e;
  return LAGO_OK;
}

/* [EXCEPT (a, b.c)] after a * or t.* */
static int star_except(sql_parser *p, sql_expr *e) {
  if (tok_is_kw(p_cur(p), KW_EXCEPT) && tok_is_op(p_peek(p, 1), P_LPAREN) &&
      !p_query_paren(p, p->i + 1, SQL_MAX_DEPTH - p->depth)) {
    p_advance(p);
    p_advance(p);
    uint32_t cap = 0;
    do {
      sql_name nm;
      TRY(p_name(p, &nm));
      TRY(P_PUSH(p, &e->star.except, &e->star.n_except, &cap, &nm));
    } while (p_accept_op(p, P_COMMA));
    TRY(p_expect_op(p, P_RPAREN));
  }
  p_finish_expr(p, e);
  return LAGO_OK;
}

/* `* [EXCEPT (a, b.c)]` */
static int parse_star(sql_parser *p, sql_expr **out) {
  sql_expr *e = p_new_expr(p, SQL_E_STAR, (int)p_cur(p)->pos);
  if (!e) return LAGO_NOMEM;
  p_advance(p);
  *out = e;
  return star_except(p, e);
}

static int parse_paren(sql_parser *p, sql_expr **out) {
  int pos = (int)p_cur(p)->pos;
  if (lambda_paren(p)) return parse_lambda(p, out);
  if (p_query_paren(p, p->i, SQL_MAX_DEPTH - p->depth)) {
    sql_expr *e = p_new_expr(p, SQL_E_SUBQUERY, pos);
    if (!e) return LAGO_NOMEM;
    p_advance(p);
    TRY(p_query(p, &e->subquery.query));
    TRY(p_expect_op(p, P_RPAREN));
    p_finish_expr(p, e);
    TRY(p_set_height(p, e, 2));
    *out = e;
    return LAGO_OK;
  }
  p_advance(p); /* parse_primary counted this level */
  sql_expr *first;
  TRY(p_expr(p, &first));
  if (p_is_op(p, P_COMMA)) {
    sql_expr *e = p_new_expr(p, SQL_E_ROW, pos);
    if (!e) return LAGO_NOMEM;
    uint32_t cap = 0;
    int h = first->height;
    TRY(P_PUSH(p, &e->row.items, &e->row.n_items, &cap, &first));
    while (p_accept_op(p, P_COMMA)) {
      sql_expr *x;
      TRY(p_expr(p, &x));
      if (x->height > h) h = x->height;
      TRY(P_PUSH(p, &e->row.items, &e->row.n_items, &cap, &x));
    }
    TRY(p_expect_op(p, P_RPAREN));
    p_finish_expr(p, e);
    TRY(p_set_height(p, e, h + 1));
    first = e;
  } else {
    TRY(p_expect_op(p, P_RPAREN));
  }
  *out = first;
  return LAGO_OK;
}

static int parse_primary(sql_parser *p, sql_expr **out) {
  sql_token *t = p_cur(p);
  int pos = (int)t->pos;
  switch (t->kind) {
    case TK_NUMBER:
      return p_literal_number(p, false, pos, out);
    case TK_STRING:
      return literal_string(p, out);
    case TK_QIDENT:
      return parse_name_primary(p, out);
    case TK_OP:
      switch (t->op) {
        case P_LPAREN: {
          TRY(p_enter(p));
          int rc = parse_paren(p, out);
          p_leave(p);
          return rc;
        }
        case P_QMARK: {
          sql_expr *e = p_new_expr(p, SQL_E_PARAM, pos);
          if (!e) return LAGO_NOMEM;
          e->param.index = ++p->n_qmarks;
          p_advance(p);
          p_finish_expr(p, e);
          *out = e;
          return LAGO_OK;
        }
        case P_COLON: {
          sql_token *n = p_peek(p, 1);
          if ((n->kind == TK_WORD || n->kind == TK_QIDENT) && n->pos == t->pos + 1) {
            sql_expr *e = p_new_expr(p, SQL_E_PARAM, pos);
            if (!e) return LAGO_NOMEM;
            p_advance(p);
            e->param.name = n->kind == TK_QIDENT ? n->str : arena_strndup(p->ar, p->text + n->pos, n->len);
            if (!e->param.name) return p_nomem(p);
            p_advance(p);
            p_finish_expr(p, e);
            *out = e;
            return LAGO_OK;
          }
          break;
        }
        case P_STAR:
          return parse_star(p, out);
        default:
          break;
      }
      break;
    case TK_WORD: {
      sql_kw kw = (sql_kw)t->kw;
      sql_token *n = p_peek(p, 1);
      bool lparen = tok_is_op(n, P_LPAREN);
      switch (kw) {
        case KW_NULL:
        case KW_TRUE:
        case KW_FALSE: {
          sql_expr *e = p_new_expr(p, SQL_E_LITERAL, pos);
          if (!e) return LAGO_NOMEM;
          e->lit.kind = kw == KW_NULL ? SQL_LIT_NULL : SQL_LIT_BOOL;
          e->lit.b = kw == KW_TRUE;
          e->lit.text = kw == KW_NULL ? "NULL" : kw == KW_TRUE ? "TRUE" : "FALSE";
          p_advance(p);
          p_finish_expr(p, e);
          *out = e;
          return LAGO_OK;
        }
        case KW_CASE:
          return parse_case(p, out);
        case KW_CAST:
          if (lparen) return parse_cast(p, false, out);
          break;
        case KW_TRY_CAST:
          if (lparen) return parse_cast(p, true, out);
          break;
        case KW_EXISTS:
          if (lparen && p_query_paren(p, p->i + 1, SQL_MAX_DEPTH - p->depth)) {
            sql_expr *e = p_new_expr(p, SQL_E_EXISTS, pos);
            if (!e) return LAGO_NOMEM;
            p_advance(p);
            p_advance(p);
            TRY(p_enter(p));
            TRY(p_query(p, &e->subquery.query));
            p_leave(p);
            TRY(p_expect_op(p, P_RPAREN));
            p_finish_expr(p, e);
            TRY(p_set_height(p, e, 2));
            *out = e;
            return LAGO_OK;
          }
          break;
        case KW_INTERVAL:
          if (interval_value_len(p, p->i + 1)) return parse_interval(p, out);
          break;
        case KW_TIMESTAMP:
          if (n->kind == TK_STRING) return typed_literal(p, SQL_LIT_TIMESTAMP, out);
          break;
        case KW_EXTRACT:
          if (lparen && paren_has_kw(p, p->i + 1, KW_FROM)) return special_form(p, kw, out);
          break;
        case KW_POSITION:
          if (lparen && paren_has_kw(p, p->i + 1, KW_IN)) return special_form(p, kw, out);
          break;
        case KW_SUBSTRING:
        case KW_SUBSTR:
        case KW_TRIM:
          if (lparen && paren_has_kw(p, p->i + 1, KW_FROM)) return special_form(p, kw, out);
          break;
        default:
          break;
      }
      if (kw == KW__NOT && n->kind == TK_STRING) {
        if (tok_is_word(p, t, "DATE")) return typed_literal(p, SQL_LIT_DATE, out);
        if (tok_is_word(p, t, "TIMESTAMP_LTZ")) return typed_literal(p, SQL_LIT_TIMESTAMP, out);
        if (tok_is_word(p, t, "TIMESTAMP_NTZ")) return typed_literal(p, SQL_LIT_TIMESTAMP_NTZ, out);
        if (tok_is_word(p, t, "X")) return typed_literal(p, SQL_LIT_BINARY, out);
      }
      if (sql_kw_class(kw) == KW_RES) {
        if (lparen && kw_function_ok(kw)) {
          sql_name nm;
          TRY(kw_name(p, &nm));
          return parse_call(p, nm, pos, out);
        }
        if (kw_no_parens_func(kw)) {
          sql_expr *e = p_new_expr(p, SQL_E_FUNC, pos);
          if (!e) return LAGO_NOMEM;
          TRY(kw_name(p, &e->func.name));
          for (char *c = (char *)e->func.name.parts[0].name; *c; c++) *c = (char)tolower((unsigned char)*c);
          e->func.no_parens = true;
          p_finish_expr(p, e);
          *out = e;
          return LAGO_OK;
        }
        break;
      }
      return parse_name_primary(p, out);
    }
    default:
      break;
  }
  p_expect_note(p, "expression");
  return p_error_expected(p);
}

/* ---- postfix ----------------------------------------------------------------------------- */

static int json_path(sql_parser *p, sql_expr *base, sql_expr **out) {
  sql_expr *e = p_new_expr(p, SQL_E_JSON_PATH, base->pos);
  if (!e) return LAGO_NOMEM;
  e->json.base = base;
  uint32_t cap = 0;
  bool first = true;
  for (;;) {
    sql_json_step st = {0};
    sql_token *t = p_cur(p);
    if (p_accept_op(p, P_LBRACKET)) {
      t = p_cur(p);
      if (t->kind == TK_STRING) {
        st.kind = SQL_JSON_KEY;
        st.bracket = true;
        TRY(p_string(p, &st.key));
      } else if (t->kind == TK_NUMBER && !t->num_dot && !t->num_exp && t->num_suffix == NUM_SUF_NONE) {
        sql_expr *num;
        TRY(p_literal_number(p, false, (int)t->pos, &num));
        if (num->lit.kind != SQL_LIT_INT && num->lit.kind != SQL_LIT_BIGINT)
          return p_error_at(p, num->pos, LAGO_PARSE, "JSON path index %s is too large", num->lit.text);
        st.kind = SQL_JSON_INDEX;
        st.index = num->lit.i;
      } else if (p_accept_op(p, P_STAR)) {
        st.kind = SQL_JSON_WILDCARD;
      } else {
        p_expect_note(p, "JSON path key, index or *");
        return p_error_expected(p);
      }
      TRY(p_expect_op(p, P_RBRACKET));
    } else if (first || p_accept_op(p, P_DOT)) {
      t = p_cur(p);
      if (t->kind == TK_WORD) {
        st.key = arena_strndup(p->ar, p->text + t->pos, t->len);
        if (!st.key) return p_nomem(p);
      } else if (t->kind == TK_QIDENT) {
        st.key = t->str;
      } else {
        p_expect_note(p, "JSON path key");
        return p_error_expected(p);
      }
      st.kind = SQL_JSON_KEY;
      p_advance(p);
    } else {
      break;
    }
    first = false;
    TRY(P_PUSH(p, &e->json.steps, &e->json.n_steps, &cap, &st));
    if (!tok_is_op(p_cur(p), P_DOT) && !tok_is_op(p_cur(p), P_LBRACKET)) break;
  }
  p_finish_expr(p, e);
  TRY(p_set_height(p, e, base->height + 1));
  *out = e;
  return LAGO_OK;
}

/* Applies [index], .field, ::type and :json.path to e. */
static int postfix_loop(sql_parser *p, sql_expr *e, sql_expr **out) {
  for (;;) {
    if (p_skip_op(p, P_LBRACKET)) {
      sql_expr *s = p_new_expr(p, SQL_E_SUBSCRIPT, e->pos);
      if (!s) return LAGO_NOMEM;
      s->subscript.base = e;
      TRY(p_enter(p));
      TRY(p_expr(p, &s->subscript.index));
      p_leave(p);
      TRY(p_expect_op(p, P_RBRACKET));
      p_finish_expr(p, s);
      TRY(p_set_height(p, s, hmax(e, s->subscript.index)));
      e = s;
    } else if (tok_is_op(p_cur(p), P_DOT) && (tok_is_ident(p_peek(p, 1)) || p_peek(p, 1)->kind == TK_WORD)) {
      p_advance(p);
      sql_expr *f = p_new_expr(p, SQL_E_FIELD, e->pos);
      if (!f) return LAGO_NOMEM;
      f->field.base = e;
      sql_token *t = p_cur(p);
      f->field.name.pos = (int)t->pos;
      f->field.name.quoted = t->kind == TK_QIDENT;
      f->field.name.name = t->kind == TK_QIDENT ? t->str : arena_strndup(p->ar, p->text + t->pos, t->len);
      if (!f->field.name.name) return p_nomem(p);
      p_advance(p);
      p_finish_expr(p, f);
      TRY(p_set_height(p, f, e->height + 1));
      e = f;
    } else if (p_skip_op(p, P_DCOLON)) {
      sql_expr *c = p_new_expr(p, SQL_E_CAST, e->pos);
      if (!c) return LAGO_NOMEM;
      c->cast.arg = e;
      c->cast.colons = true;
      TRY(p_type(p, &c->cast.type));
      p_finish_expr(p, c);
      TRY(p_set_height(p, c, e->height + 1));
      e = c;
    } else if (tok_is_op(p_cur(p), P_COLON)) {
      p_advance(p);
      TRY(json_path(p, e, &e));
    } else {
      break;
    }
  }
  *out = e;
  return LAGO_OK;
}

static int parse_postfix(sql_parser *p, sql_expr **out) {
  sql_expr *e;
  TRY(parse_primary(p, &e));
  return postfix_loop(p, e, out);
}

/* ---- operators ----------------------------------------------------------------------------- */

static int parse_unary(sql_parser *p, sql_expr **out) {
  sql_token *t = p_cur(p);
  if (t->kind == TK_OP && (t->op == P_MINUS || t->op == P_PLUS || t->op == P_TILDE)) {
    int pos = (int)t->pos;
    if (t->op == P_MINUS && p_peek(p, 1)->kind == TK_NUMBER) {
      /* Spark's `number: MINUS? INTEGER_VALUE ...`: a negative literal, then postfix */
      p_advance(p);
      sql_expr *lit;
      TRY(p_literal_number(p, true, pos, &lit));
      return postfix_loop(p, lit, out);
    }
    sql_op op = t->op == P_MINUS ? SQL_OP_NEG : t->op == P_PLUS ? SQL_OP_PLUS : SQL_OP_BIT_NOT;
    p_advance(p);
    TRY(p_enter(p));
    sql_expr *arg;
    TRY(parse_unary(p, &arg));
    p_leave(p);
    sql_expr *e = p_new_expr(p, SQL_E_UNARY, pos);
    if (!e) return LAGO_NOMEM;
    e->unary.op = op;
    e->unary.arg = arg;
    p_finish_expr(p, e);
    TRY(p_set_height(p, e, arg->height + 1));
    *out = e;
    return LAGO_OK;
  }
  return parse_postfix(p, out);
}

enum { PREC_CMP = 1, PREC_BITOR, PREC_BITXOR, PREC_BITAND, PREC_SHIFT, PREC_ADD, PREC_MUL };

/* Binary value operator at the current token and its precedence (0 if none). */
static int binop(sql_parser *p, sql_op *op) {
  sql_token *t = p_cur(p);
  if (t->kind == TK_WORD) {
    if (t->kw == KW_DIV) {
      *op = SQL_OP_IDIV;
      return PREC_MUL;
    }
    return 0;
  }
  if (t->kind != TK_OP) return 0;
  switch (t->op) {
    case P_EQ: case P_EQEQ: *op = SQL_OP_EQ; return PREC_CMP;
    case P_LTGT: case P_NEQ: *op = SQL_OP_NE; return PREC_CMP;
    case P_LT: *op = SQL_OP_LT; return PREC_CMP;
    case P_LE: *op = SQL_OP_LE; return PREC_CMP;
    case P_GT: *op = SQL_OP_GT; return PREC_CMP;
    case P_GE: *op = SQL_OP_GE; return PREC_CMP;
    case P_NSEQ: *op = SQL_OP_NSEQ; return PREC_CMP;
    case P_PIPE: *op = SQL_OP_BIT_OR; return PREC_BITOR;
    case P_CARET: *op = SQL_OP_BIT_XOR; return PREC_BITXOR;
    case P_AMP: *op = SQL_OP_BIT_AND; return PREC_BITAND;
    case P_SHL: *op = SQL_OP_SHL; return PREC_SHIFT;
    case P_SHR: *op = SQL_OP_SHR; return PREC_SHIFT;
    case P_SHRU: *op = SQL_OP_SHRU; return PREC_SHIFT;
    case P_PLUS: *op = SQL_OP_ADD; return PREC_ADD;
    case P_MINUS: *op = SQL_OP_SUB; return PREC_ADD;
    case P_CONCAT: *op = SQL_OP_CONCAT; return PREC_ADD;
    case P_STAR: *op = SQL_OP_MUL; return PREC_MUL;
    case P_SLASH: *op = SQL_OP_DIV; return PREC_MUL;
    case P_PERCENT: *op = SQL_OP_MOD; return PREC_MUL;
    default: return 0;
  }
}

static int parse_binary(sql_parser *p, int min_prec, sql_expr **out) {
  sql_expr *lhs;
  TRY(parse_unary(p, &lhs));
  for (;;) {
    sql_op op = SQL_OP_NONE;
    int prec = binop(p, &op);
    if (!prec || prec < min_prec) break;
    p_advance(p);
    sql_expr *rhs;
    TRY(parse_binary(p, prec + 1, &rhs));
    TRY(mk_binary(p, op, lhs, rhs, &lhs));
  }
  *out = lhs;
  return LAGO_OK;
}

int p_value_expr(sql_parser *p, sql_expr **out) { return parse_binary(p, PREC_CMP, out); }

static int parse_predicate(sql_parser *p, sql_expr **out) {
  sql_expr *lhs;
  TRY(p_value_expr(p, &lhs));
  sql_token *t = p_cur(p);
  bool negated = false;
  if (tok_is_kw(t, KW_NOT)) {
    sql_token *n = p_peek(p, 1);
    if (tok_is_kw(n, KW_BETWEEN) || tok_is_kw(n, KW_IN) || tok_is_kw(n, KW_LIKE) || tok_is_kw(n, KW_ILIKE) ||
        tok_is_kw(n, KW_RLIKE) || tok_is_kw(n, KW_REGEXP)) {
      negated = true;
      p_advance(p);
    }
  }
  sql_expr *e = NULL;
  int h = lhs->height;
  if (p_skip_kw(p, KW_BETWEEN)) {
    e = p_new_expr(p, SQL_E_BETWEEN, lhs->pos);
    if (!e) return LAGO_NOMEM;
    e->between.negated = negated;
    e->between.arg = lhs;
    TRY(p_value_expr(p, &e->between.lo));
    TRY(p_expect_kw(p, KW_AND));
    TRY(p_value_expr(p, &e->between.hi));
    h = hmax(lhs, e->between.lo);
    if (e->between.hi->height + 1 > h) h = e->between.hi->height + 1;
  } else if (p_skip_kw(p, KW_IN)) {
    e = p_new_expr(p, SQL_E_IN, lhs->pos);
    if (!e) return LAGO_NOMEM;
    e->in.negated = negated;
    e->in.arg = lhs;
    if (!p_is_op(p, P_LPAREN)) return p_error_expected(p);
    TRY(p_enter(p));
    if (p_query_paren(p, p->i, SQL_MAX_DEPTH - p->depth)) {
      p_advance(p);
      TRY(p_query(p, &e->in.query));
      TRY(p_expect_op(p, P_RPAREN));
      h = lhs->height + 1;
    } else {
      TRY(p_expr_list_paren(p, &e->in.list, &e->in.n_list));
      h = lhs->height;
      for (uint32_t k = 0; k < e->in.n_list; k++)
        if (e->in.list[k]->height > h) h = e->in.list[k]->height;
      h++;
    }
    p_leave(p);
  } else if (tok_is_kw(t = p_cur(p), KW_LIKE) || tok_is_kw(t, KW_ILIKE) || tok_is_kw(t, KW_RLIKE) ||
             tok_is_kw(t, KW_REGEXP)) {
    sql_kw kw = (sql_kw)p_cur(p)->kw;
    p_advance(p);
    e = p_new_expr(p, SQL_E_LIKE, lhs->pos);
    if (!e) return LAGO_NOMEM;
    e->like.op = kw == KW_LIKE ? SQL_LIKE : kw == KW_ILIKE ? SQL_ILIKE : SQL_RLIKE;
    e->like.negated = negated;
    e->like.arg = lhs;
    h = lhs->height;
    if (e->like.op != SQL_RLIKE && (p_is_kw(p, KW_ANY) || p_is_kw(p, KW_SOME) || p_is_kw(p, KW_ALL))) {
      e->like.quant = tok_is_kw(p_cur(p), KW_ALL) ? SQL_QUANT_ALL : SQL_QUANT_ANY;
      p_advance(p);
      if (tok_is_op(p_cur(p), P_LPAREN) && tok_is_op(p_peek(p, 1), P_RPAREN))
        return p_error(p, "LIKE %s needs at least one pattern", e->like.quant == SQL_QUANT_ALL ? "ALL" : "ANY");
      TRY(p_enter(p));
      TRY(p_expr_list_paren(p, &e->like.list, &e->like.n_list));
      p_leave(p);
      for (uint32_t k = 0; k < e->like.n_list; k++)
        if (e->like.list[k]->height > h) h = e->like.list[k]->height;
    } else {
      TRY(p_value_expr(p, &e->like.pattern));
      if (e->like.pattern->height > h) h = e->like.pattern->height;
      if (e->like.op != SQL_RLIKE && p_accept_kw(p, KW_ESCAPE)) {
        if (p_cur(p)->kind != TK_STRING) {
          p_expect_note(p, "string literal");
          return p_error_expected(p);
        }
        TRY(literal_string(p, &e->like.escape));
      }
    }
    h++;
  } else if (negated) {
    return p_error_expected(p);
  } else if (p_skip_kw(p, KW_IS)) {
    e = p_new_expr(p, SQL_E_IS, lhs->pos);
    if (!e) return LAGO_NOMEM;
    e->is.arg = lhs;
    e->is.negated = p_accept_kw(p, KW_NOT);
    h = lhs->height + 1;
    if (p_accept_kw(p, KW_NULL)) e->is.what = SQL_IS_NULL;
    else if (p_accept_kw(p, KW_TRUE)) e->is.what = SQL_IS_TRUE;
    else if (p_accept_kw(p, KW_FALSE)) e->is.what = SQL_IS_FALSE;
    else if (p_accept_kw(p, KW_UNKNOWN)) e->is.what = SQL_IS_UNKNOWN;
    else if (p_accept_kw(p, KW_DISTINCT)) {
      TRY(p_expect_kw(p, KW_FROM));
      e->is.what = SQL_IS_DISTINCT_FROM;
      TRY(p_value_expr(p, &e->is.right));
      h = hmax(lhs, e->is.right);
    } else {
      return p_error_expected(p);
    }
  } else {
    *out = lhs;
    return LAGO_OK;
  }
  p_finish_expr(p, e);
  TRY(p_set_height(p, e, h));
  *out = e;
  return LAGO_OK;
}

static int parse_not(sql_parser *p, sql_expr **out) {
  sql_token *t = p_cur(p);
  if (tok_is_kw(t, KW_NOT) || tok_is_op(t, P_BANG)) {
    int pos = (int)t->pos;
    p_advance(p);
    TRY(p_enter(p));
    sql_expr *arg;
    TRY(parse_not(p, &arg));
    p_leave(p);
    sql_expr *e = p_new_expr(p, SQL_E_UNARY, pos);
    if (!e) return LAGO_NOMEM;
    e->unary.op = SQL_OP_NOT;
    e->unary.arg = arg;
    p_finish_expr(p, e);
    TRY(p_set_height(p, e, arg->height + 1));
    *out = e;
    return LAGO_OK;
  }
  return parse_predicate(p, out);
}

static int parse_and(sql_parser *p, sql_expr **out) {
  sql_expr *lhs;
  TRY(parse_not(p, &lhs));
  while (p_accept_kw(p, KW_AND)) {
    sql_expr *rhs;
    TRY(parse_not(p, &rhs));
    TRY(mk_binary(p, SQL_OP_AND, lhs, rhs, &lhs));
  }
  *out = lhs;
  return LAGO_OK;
}

int p_expr(sql_parser *p, sql_expr **out) {
  sql_expr *lhs;
  TRY(parse_and(p, &lhs));
  while (p_accept_kw(p, KW_OR)) {
    sql_expr *rhs;
    TRY(parse_and(p, &rhs));
    TRY(mk_binary(p, SQL_OP_OR, lhs, rhs, &lhs));
  }
  *out = lhs;
  return LAGO_OK;
}
