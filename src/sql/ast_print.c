/*
** sql/ast_print.c: prints an AST back to canonical SQL (parser.h,
** sql_print_*). Used by EXPLAIN and by the parse -> print -> parse -> print
** fixed-point tests and fuzzer.
**
** Canonical form: keywords upper case; identifiers bare when they are plain
** words that are not reserved (else `backquoted`); one space around binary
** operators; aliases always with AS; CAST/TRY_CAST/x::t all as CAST(x AS t);
** special function syntaxes in their normalised form (ast.h sql_func);
** strings single-quoted with backslash escapes; numbers as written.
** Parentheses are added exactly where the parser's precedence needs them
** (precedence table in parse_expr.c), or around every compound
** sub-expression with SQL_PRINT_PARENS.
**
** Recursion follows the tree, whose depth the parser bounds (SQL_MAX_DEPTH,
** SQL_MAX_HEIGHT). Out of memory is remembered and returned at the end.
*/
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sql/parser_int.h"

typedef struct printer {
  buf *out;
  unsigned flags;
  int rc;
  bool from_item; /* printing a FROM-clause name or table function: backquote `stream` */
} printer;

static void put(printer *w, const char *s) {
  if (!w->rc) w->rc = buf_puts(w->out, s);
}
static void putc_(printer *w, char c) {
  if (!w->rc) w->rc = buf_putc(w->out, c);
}
static void putf(printer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(printer *w, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  if (!w->rc) w->rc = buf_vprintf(w->out, fmt, ap);
  va_end(ap);
}

/* ---- names and literals ----------------------------------------------------------------- */

static bool plain_word(const char *s) {
  if (!s || !*s || !(isalpha((unsigned char)*s) || *s == '_')) return false;
  for (const char *c = s; *c; c++)
    if (!(isalnum((unsigned char)*c) || *c == '_')) return false;
  return true;
}

/* Must this identifier be backquoted to read back as the same name? */
static bool needs_quotes(const char *s) {
  if (!plain_word(s)) return true;
  sql_kw kw = sql_kw_lookup(s, strlen(s));
  return sql_kw_class(kw) == KW_RES || kw == KW_INTERVAL || kw == KW_VALUES;
}

static void ident_quoted(printer *w, const char *s) {
  putc_(w, '`');
  for (const char *c = s; *c; c++) {
    if (*c == '`') putc_(w, '`');
    putc_(w, *c);
  }
  putc_(w, '`');
}

static void ident(printer *w, const char *s) {
  if (needs_quotes(s)) ident_quoted(w, s);
  else put(w, s);
}

int sql_print_ident(buf *out, const char *name) {
  printer w = {out, 0, 0, false};
  ident(&w, name);
  return w.rc;
}

static void name(printer *w, const sql_name *n) {
  for (uint32_t k = 0; k < n->n_parts; k++) {
    if (k) putc_(w, '.');
    ident(w, n->parts[k].name);
  }
}

static void ident_list(printer *w, const sql_ident *v, uint32_t n) {
  putc_(w, '(');
  for (uint32_t k = 0; k < n; k++) {
    if (k) put(w, ", ");
    ident(w, v[k].name);
  }
  putc_(w, ')');
}

/* 'text' with the escapes the lexer decodes (so the bytes read back equal). */
static void string_lit(printer *w, const char *s, size_t n) {
  putc_(w, '\'');
  for (size_t k = 0; k < n; k++) {
    unsigned char c = (unsigned char)s[k];
    switch (c) {
      case '\'': put(w, "\\'"); break;
      case '\\': put(w, "\\\\"); break;
      case '\n': put(w, "\\n"); break;
      case '\t': put(w, "\\t"); break;
      case '\r': put(w, "\\r"); break;
      default:
        if (c < 0x20 || c == 0x7f) putf(w, "\\u%04x", c);
        else putc_(w, (char)c);
    }
  }
  putc_(w, '\'');
}

static void cstring(printer *w, const char *s) { string_lit(w, s, strlen(s)); }

/* ---- expressions ------------------------------------------------------------------------------ */

enum {
  PR_LAMBDA = 0, PR_OR, PR_AND, PR_NOT, PR_PRED, PR_CMP, PR_BITOR, PR_BITXOR, PR_BITAND, PR_SHIFT, PR_ADD,
  PR_MUL, PR_UNARY, PR_JSON, PR_POSTFIX, PR_ATOM
};

static int op_prec(sql_op op) {
  switch (op) {
    case SQL_OP_OR: return PR_OR;
    case SQL_OP_AND: return PR_AND;
    case SQL_OP_EQ: case SQL_OP_NE: case SQL_OP_LT: case SQL_OP_LE: case SQL_OP_GT: case SQL_OP_GE:
    case SQL_OP_NSEQ: return PR_CMP;
    case SQL_OP_BIT_OR: return PR_BITOR;
    case SQL_OP_BIT_XOR: return PR_BITXOR;
    case SQL_OP_BIT_AND: return PR_BITAND;
    case SQL_OP_SHL: case SQL_OP_SHR: case SQL_OP_SHRU: return PR_SHIFT;
    case SQL_OP_ADD: case SQL_OP_SUB: case SQL_OP_CONCAT: return PR_ADD;
    case SQL_OP_MUL: case SQL_OP_DIV: case SQL_OP_MOD: case SQL_OP_IDIV: return PR_MUL;
    case SQL_OP_NOT: return PR_NOT;
    default: return PR_UNARY;
  }
}

static bool is_number(const sql_expr *e) {
  return e->kind == SQL_E_LITERAL && e->lit.kind >= SQL_LIT_TINYINT && e->lit.kind <= SQL_LIT_DOUBLE;
}

static int expr_prec(const sql_expr *e) {
  switch (e->kind) {
    case SQL_E_BINARY: return op_prec(e->binary.op);
    case SQL_E_UNARY: return op_prec(e->unary.op);
    case SQL_E_IS: case SQL_E_BETWEEN: case SQL_E_IN: case SQL_E_LIKE: return PR_PRED;
    case SQL_E_LAMBDA: case SQL_E_NAMED_ARG: return PR_LAMBDA;
    case SQL_E_JSON_PATH: return PR_JSON;
    case SQL_E_FIELD: case SQL_E_SUBSCRIPT: return PR_POSTFIX;
    default: return PR_ATOM; /* including negative numbers: -2[0] reads back as (-2)[0] */
  }
}

/* Does the printed form of e start with '-'? (After a unary minus that would
** make a -- comment.) Postfix bases print without parentheses, so look
** through them. */
static bool starts_with_minus(const sql_expr *e) {
  for (;;) {
    switch (e->kind) {
      case SQL_E_LITERAL: return is_number(e) && e->lit.text[0] == '-';
      case SQL_E_UNARY: return e->unary.op == SQL_OP_NEG;
      case SQL_E_SUBSCRIPT: e = e->subscript.base; break;
      case SQL_E_JSON_PATH: e = e->json.base; break;
      case SQL_E_FIELD:
        if (is_number(e->field.base)) return false; /* printed (-2).x */
        e = e->field.base;
        break;
      default: return false;
    }
  }
}

const char *sql_op_name(sql_op op) {
  switch (op) {
    case SQL_OP_OR: return "OR";
    case SQL_OP_AND: return "AND";
    case SQL_OP_EQ: return "=";
    case SQL_OP_NE: return "<>";
    case SQL_OP_LT: return "<";
    case SQL_OP_LE: return "<=";
    case SQL_OP_GT: return ">";
    case SQL_OP_GE: return ">=";
    case SQL_OP_NSEQ: return "<=>";
    case SQL_OP_BIT_OR: return "|";
    case SQL_OP_BIT_XOR: return "^";
    case SQL_OP_BIT_AND: return "&";
    case SQL_OP_SHL: return "<<";
    case SQL_OP_SHR: return ">>";
    case SQL_OP_SHRU: return ">>>";
    case SQL_OP_ADD: return "+";
    case SQL_OP_SUB: return "-";
    case SQL_OP_CONCAT: return "||";
    case SQL_OP_MUL: return "*";
    case SQL_OP_DIV: return "/";
    case SQL_OP_MOD: return "%";
    case SQL_OP_IDIV: return "DIV";
    case SQL_OP_NOT: return "NOT";
    case SQL_OP_NEG: return "-";
    case SQL_OP_PLUS: return "+";
    case SQL_OP_BIT_NOT: return "~";
    default: return "?";
  }
}

const char *sql_interval_unit_name(sql_interval_unit u) {
  static const char *const n[] = {"", "YEAR", "MONTH", "WEEK", "DAY", "HOUR", "MINUTE", "SECOND", "MILLISECOND",
                                   "MICROSECOND"};
  return (unsigned)u < sizeof n / sizeof n[0] ? n[u] : "";
}

static void expr(printer *w, const sql_expr *e, int min_prec);
static void query(printer *w, const sql_query *q);
static void table_ref(printer *w, const sql_table_ref *t);
static void window(printer *w, const sql_window *win);

static void expr_list(printer *w, sql_expr *const *v, uint32_t n) {
  for (uint32_t k = 0; k < n; k++) {
    if (k) put(w, ", ");
    expr(w, v[k], PR_LAMBDA);
  }
}

static void literal(printer *w, const sql_literal *l) {
  switch (l->kind) {
    case SQL_LIT_NULL: put(w, "NULL"); break;
    case SQL_LIT_BOOL: put(w, l->b ? "TRUE" : "FALSE"); break;
    case SQL_LIT_STRING: string_lit(w, l->str, l->str_len); break;
    case SQL_LIT_BINARY:
      put(w, "X'");
      for (uint32_t k = 0; k < l->str_len; k++) putf(w, "%02X", (unsigned char)l->str[k]);
      putc_(w, '\'');
      break;
    case SQL_LIT_DATE: put(w, "DATE "); string_lit(w, l->str, l->str_len); break;
    case SQL_LIT_TIMESTAMP: put(w, "TIMESTAMP "); string_lit(w, l->str, l->str_len); break;
    case SQL_LIT_TIMESTAMP_NTZ: put(w, "TIMESTAMP_NTZ "); string_lit(w, l->str, l->str_len); break;
    default: put(w, l->text); break; /* numbers exactly as written */
  }
}

static void order_items(printer *w, const sql_order_item *v, uint32_t n) {
  for (uint32_t k = 0; k < n; k++) {
    if (k) put(w, ", ");
    if (v[k].expr) expr(w, v[k].expr, PR_LAMBDA);
    else put(w, "ALL");
    if (v[k].dir == SQL_SORT_ASC) put(w, " ASC");
    else if (v[k].dir == SQL_SORT_DESC) put(w, " DESC");
    if (v[k].nulls == SQL_NULLS_FIRST) put(w, " NULLS FIRST");
    else if (v[k].nulls == SQL_NULLS_LAST) put(w, " NULLS LAST");
  }
}

static void bound(printer *w, const sql_frame_bound *b) {
  switch (b->kind) {
    case SQL_BOUND_UNBOUNDED_PRECEDING: put(w, "UNBOUNDED PRECEDING"); break;
    case SQL_BOUND_UNBOUNDED_FOLLOWING: put(w, "UNBOUNDED FOLLOWING"); break;
    case SQL_BOUND_CURRENT_ROW: put(w, "CURRENT ROW"); break;
    case SQL_BOUND_PRECEDING: expr(w, b->offset, PR_CMP); put(w, " PRECEDING"); break;
    case SQL_BOUND_FOLLOWING: expr(w, b->offset, PR_CMP); put(w, " FOLLOWING"); break;
    default: break;
  }
}

static void window(printer *w, const sql_window *win) {
  if (win->ref.name) {
    ident(w, win->ref.name);
    return;
  }
  putc_(w, '(');
  const char *sep = "";
  if (win->n_partition_by) {
    put(w, "PARTITION BY ");
    expr_list(w, win->partition_by, win->n_partition_by);
    sep = " ";
  }
  if (win->n_order_by) {
    put(w, sep);
    put(w, "ORDER BY ");
    order_items(w, win->order_by, win->n_order_by);
    sep = " ";
  }
  if (win->frame_unit != SQL_FRAME_NONE) {
    put(w, sep);
    put(w, win->frame_unit == SQL_FRAME_ROWS ? "ROWS " : "RANGE ");
    if (win->frame_end.kind != SQL_BOUND_NONE) {
      put(w, "BETWEEN ");
      bound(w, &win->frame_start);
      put(w, " AND ");
      bound(w, &win->frame_end);
    } else {
      bound(w, &win->frame_start);
    }
  }
  putc_(w, ')');
}

/* Function name: keyword-named functions (left, current_date, ...) stay bare. */
static void func_name(printer *w, const sql_name *n) {
  if (w->from_item && sql_ident_eq(n->parts[0].name, "stream")) {
    /* FROM stream(x) would read back as STREAM(x) */
    ident_quoted(w, n->parts[0].name);
    for (uint32_t k = 1; k < n->n_parts; k++) {
      putc_(w, '.');
      ident(w, n->parts[k].name);
    }
    return;
  }
  if (n->n_parts == 1 && plain_word(n->parts[0].name)) {
    const char *s = n->parts[0].name;
    sql_kw kw = sql_kw_lookup(s, strlen(s));
    switch (kw) {
      case KW_LEFT: case KW_RIGHT: case KW_FILTER: case KW_ANY: case KW_SOME:
      case KW_CURRENT_DATE: case KW_CURRENT_TIME: case KW_CURRENT_TIMESTAMP:
      case KW_CURRENT_USER: case KW_USER: case KW_SESSION_USER: case KW_INTERVAL:
      case KW_PERCENTILE_CONT: case KW_PERCENTILE_DISC:
        put(w, s);
        return;
      case KW_CAST: case KW_TRY_CAST: case KW_CASE: case KW_EXISTS: case KW_VALUES: case KW_ROLLUP: case KW_CUBE:
        ident_quoted(w, s); /* these names are special syntax when bare ((VALUES(1)) is a query) */
        return;
      default:
        break;
    }
  }
  name(w, n);
}

static void lambda_params(printer *w, const sql_expr *e) {
  if (e->lambda.n_params == 1 && !needs_quotes(e->lambda.params[0].name)) ident(w, e->lambda.params[0].name);
  else ident_list(w, e->lambda.params, e->lambda.n_params);
}

static bool special_form_name(const sql_name *n) {
  if (n->n_parts != 1) return false;
  const char *s = n->parts[0].name;
  return sql_ident_eq(s, "position") || sql_ident_eq(s, "trim") || sql_ident_eq(s, "substring") ||
         sql_ident_eq(s, "substr") || sql_ident_eq(s, "extract");
}

static void func_args_and_suffixes(printer *w, const sql_func *f);

static void func(printer *w, const sql_func *f) {
  if (f->no_parens) {
    for (const char *c = f->name.parts[0].name; *c; c++) putc_(w, (char)toupper((unsigned char)*c));
    return;
  }
  if (f->trim != SQL_TRIM_NONE) {
    put(w, "TRIM(");
    put(w, f->trim == SQL_TRIM_LEADING ? "LEADING " : f->trim == SQL_TRIM_TRAILING ? "TRAILING " : "BOTH ");
    if (f->n_args > 1) {
      expr(w, f->args[1], PR_CMP);
      putc_(w, ' ');
    }
    put(w, "FROM ");
    if (f->n_args > 0) expr(w, f->args[0], PR_CMP);
    putc_(w, ')');
    return;
  }
  func_name(w, &f->name);
  func_args_and_suffixes(w, f);
}

/* ( args ) and WITHIN GROUP / FILTER / NULLS / OVER of a call whose name is printed */
static void func_args_and_suffixes(printer *w, const sql_func *f) {
  putc_(w, '(');
  {
    if (f->distinct) put(w, "DISTINCT ");
    if (f->star) putc_(w, '*');
    /* POSITION/TRIM/SUBSTRING/EXTRACT become special syntax when a top-level
    ** argument shows IN or FROM: keep such arguments in parentheses */
    bool guard = special_form_name(&f->name);
    for (uint32_t k = 0; k < f->n_args; k++) {
      if (k) put(w, ", ");
      const sql_expr *a = f->args[k];
      if (guard && a->kind == SQL_E_NAMED_ARG) { /* name => (pred) */
        ident(w, a->named_arg.name.name);
        put(w, " => ");
        expr(w, a->named_arg.value, PR_CMP);
      } else if (guard && a->kind == SQL_E_LAMBDA) { /* x -> (pred) */
        lambda_params(w, a);
        put(w, " -> ");
        expr(w, a->lambda.body, PR_CMP);
      } else {
        expr(w, a, guard ? PR_CMP : PR_LAMBDA);
      }
    }
  }
  putc_(w, ')');
  if (f->n_within_group) {
    put(w, " WITHIN GROUP (ORDER BY ");
    order_items(w, f->within_group, f->n_within_group);
    putc_(w, ')');
  }
  if (f->filter) {
    put(w, " FILTER (WHERE ");
    expr(w, f->filter, PR_LAMBDA);
    putc_(w, ')');
  }
  if (f->nulls == SQL_NT_IGNORE_NULLS) put(w, " IGNORE NULLS");
  else if (f->nulls == SQL_NT_RESPECT_NULLS) put(w, " RESPECT NULLS");
  if (f->over) {
    put(w, " OVER ");
    window(w, f->over);
  }
}

static void json_key_step(printer *w, const sql_json_step *s, bool first) {
  if (s->kind == SQL_JSON_INDEX) {
    putf(w, "[%lld]", (long long)s->index);
  } else if (s->kind == SQL_JSON_WILDCARD) {
    put(w, "[*]");
  } else if (s->bracket || !plain_word(s->key)) {
    putc_(w, '[');
    cstring(w, s->key);
    putc_(w, ']');
  } else {
    if (!first) putc_(w, '.');
    put(w, s->key);
  }
}

static void expr_body(printer *w, const sql_expr *e) {
  switch (e->kind) {
    case SQL_E_LITERAL:
      literal(w, &e->lit);
      break;
    case SQL_E_COLUMN:
      name(w, &e->column.name);
      break;
    case SQL_E_STAR:
      if (e->star.qualifier.n_parts) {
        name(w, &e->star.qualifier);
        putc_(w, '.');
      }
      putc_(w, '*');
      if (e->star.n_except) {
        put(w, " EXCEPT (");
        for (uint32_t k = 0; k < e->star.n_except; k++) {
          if (k) put(w, ", ");
          name(w, &e->star.except[k]);
        }
        putc_(w, ')');
      }
      break;
    case SQL_E_PARAM:
      if (e->param.name) {
        putc_(w, ':');
        ident(w, e->param.name);
      } else {
        putc_(w, '?');
      }
      break;
    case SQL_E_UNARY: {
      const sql_expr *a = e->unary.arg;
      if (e->unary.op == SQL_OP_NOT) {
        put(w, "NOT ");
        expr(w, a, PR_NOT);
      } else {
        put(w, sql_op_name(e->unary.op));
        /* -(2) is not the literal -2 (it would fold), and - -x must not
        ** print as a -- comment */
        bool guard = is_number(a) && a->lit.text[0] != '-' && e->unary.op == SQL_OP_NEG;
        if (guard) putc_(w, '(');
        else if (starts_with_minus(a)) putc_(w, ' ');
        expr(w, a, guard ? PR_LAMBDA : PR_UNARY);
        if (guard) putc_(w, ')');
      }
      break;
    }
    case SQL_E_BINARY: {
      int pr = op_prec(e->binary.op);
      expr(w, e->binary.left, pr);
      putc_(w, ' ');
      put(w, sql_op_name(e->binary.op));
      putc_(w, ' ');
      expr(w, e->binary.right, pr + 1);
      break;
    }
    case SQL_E_IS: {
      expr(w, e->is.arg, PR_CMP);
      put(w, e->is.negated ? " IS NOT " : " IS ");
      switch (e->is.what) {
        case SQL_IS_NULL: put(w, "NULL"); break;
        case SQL_IS_TRUE: put(w, "TRUE"); break;
        case SQL_IS_FALSE: put(w, "FALSE"); break;
        case SQL_IS_UNKNOWN: put(w, "UNKNOWN"); break;
        case SQL_IS_DISTINCT_FROM:
          put(w, "DISTINCT FROM ");
          expr(w, e->is.right, PR_CMP);
          break;
      }
      break;
    }
    case SQL_E_BETWEEN:
      expr(w, e->between.arg, PR_CMP);
      put(w, e->between.negated ? " NOT BETWEEN " : " BETWEEN ");
      expr(w, e->between.lo, PR_CMP);
      put(w, " AND ");
      expr(w, e->between.hi, PR_CMP);
      break;
    case SQL_E_IN:
      expr(w, e->in.arg, PR_CMP);
      put(w, e->in.negated ? " NOT IN (" : " IN (");
      if (e->in.query) query(w, e->in.query);
      else expr_list(w, e->in.list, e->in.n_list);
      putc_(w, ')');
      break;
    case SQL_E_LIKE:
      expr(w, e->like.arg, PR_CMP);
      if (e->like.negated) put(w, " NOT");
      put(w, e->like.op == SQL_LIKE ? " LIKE " : e->like.op == SQL_ILIKE ? " ILIKE " : " RLIKE ");
      if (e->like.quant != SQL_QUANT_NONE) {
        put(w, e->like.quant == SQL_QUANT_ALL ? "ALL (" : "ANY (");
        expr_list(w, e->like.list, e->like.n_list);
        putc_(w, ')');
      } else {
        expr(w, e->like.pattern, PR_CMP);
        if (e->like.escape) {
          put(w, " ESCAPE ");
          expr(w, e->like.escape, PR_ATOM);
        }
      }
      break;
    case SQL_E_CASE:
      put(w, "CASE");
      if (e->case_.operand) {
        putc_(w, ' ');
        expr(w, e->case_.operand, PR_LAMBDA);
      }
      for (uint32_t k = 0; k < e->case_.n_whens; k++) {
        put(w, " WHEN ");
        expr(w, e->case_.whens[k].cond, PR_LAMBDA);
        put(w, " THEN ");
        expr(w, e->case_.whens[k].result, PR_LAMBDA);
      }
      if (e->case_.else_result) {
        put(w, " ELSE ");
        expr(w, e->case_.else_result, PR_LAMBDA);
      }
      put(w, " END");
      break;
    case SQL_E_CAST:
      put(w, e->cast.is_try ? "TRY_CAST(" : "CAST(");
      expr(w, e->cast.arg, PR_LAMBDA);
      put(w, " AS ");
      if (!w->rc) w->rc = type_to_sql(e->cast.type, w->out);
      putc_(w, ')');
      break;
    case SQL_E_FUNC:
      func(w, &e->func);
      break;
    case SQL_E_NAMED_ARG:
      ident(w, e->named_arg.name.name);
      put(w, " => ");
      expr(w, e->named_arg.value, PR_LAMBDA);
      break;
    case SQL_E_LAMBDA:
      lambda_params(w, e);
      put(w, " -> ");
      expr(w, e->lambda.body, PR_LAMBDA);
      break;
    case SQL_E_FIELD: {
      const sql_expr *b = e->field.base;
      /* (a).b is a field of column a, but a.b would read back as one name */
      bool guard = b->kind == SQL_E_COLUMN || b->kind == SQL_E_STAR || is_number(b);
      if (guard) putc_(w, '(');
      expr(w, b, guard ? PR_LAMBDA : PR_POSTFIX);
      if (guard) putc_(w, ')');
      putc_(w, '.');
      ident(w, e->field.name.name);
      break;
    }
    case SQL_E_SUBSCRIPT:
      expr(w, e->subscript.base, PR_POSTFIX);
      putc_(w, '[');
      expr(w, e->subscript.index, PR_LAMBDA);
      putc_(w, ']');
      break;
    case SQL_E_JSON_PATH:
      expr(w, e->json.base, PR_JSON);
      putc_(w, ':');
      for (uint32_t k = 0; k < e->json.n_steps; k++) json_key_step(w, &e->json.steps[k], k == 0);
      break;
    case SQL_E_SUBQUERY:
      putc_(w, '(');
      query(w, e->subquery.query);
      putc_(w, ')');
      break;
    case SQL_E_EXISTS:
      put(w, "EXISTS (");
      query(w, e->subquery.query);
      putc_(w, ')');
      break;
    case SQL_E_EXTRACT:
      put(w, "EXTRACT(");
      ident(w, e->extract.field.name);
      put(w, " FROM ");
      expr(w, e->extract.arg, PR_CMP);
      putc_(w, ')');
      break;
    case SQL_E_INTERVAL:
      put(w, "INTERVAL");
      for (uint32_t k = 0; k < e->interval.n_parts; k++) {
        const sql_interval_part *ip = &e->interval.parts[k];
        putc_(w, ' ');
        if (ip->negated) putc_(w, '-');
        literal(w, &ip->value->lit);
        if (ip->unit != SQL_IU_NONE) {
          putc_(w, ' ');
          put(w, sql_interval_unit_name(ip->unit));
        }
        if (ip->to_unit != SQL_IU_NONE) {
          put(w, " TO ");
          put(w, sql_interval_unit_name(ip->to_unit));
        }
      }
      break;
    case SQL_E_TABLE_ARG:
      put(w, "TABLE(");
      if (e->table_arg.query) query(w, e->table_arg.query);
      else name(w, &e->table_arg.name);
      putc_(w, ')');
      break;
    case SQL_E_ROW:
      putc_(w, '(');
      expr_list(w, e->row.items, e->row.n_items);
      putc_(w, ')');
      break;
  }
}

static void expr(printer *w, const sql_expr *e, int min_prec) {
  int pr = expr_prec(e);
  bool paren = pr < min_prec || ((w->flags & SQL_PRINT_PARENS) && pr < PR_JSON && pr > PR_LAMBDA);
  if (paren) putc_(w, '(');
  expr_body(w, e);
  if (paren) putc_(w, ')');
}

int sql_print_expr(buf *out, const sql_expr *e, unsigned flags) {
  printer w = {out, flags, 0, false};
  expr(&w, e, PR_LAMBDA);
  return w.rc;
}

/* ---- queries ------------------------------------------------------------------------------------ */

static void select_items(printer *w, const sql_select_item *v, uint32_t n) {
  for (uint32_t k = 0; k < n; k++) {
    if (k) put(w, ", ");
    expr(w, v[k].expr, PR_LAMBDA);
    if (v[k].alias.name) {
      put(w, " AS ");
      ident(w, v[k].alias.name);
    } else if (v[k].n_aliases) {
      put(w, " AS ");
      ident_list(w, v[k].aliases, v[k].n_aliases);
    }
  }
}

static void grouping_set(printer *w, const sql_expr_list *s) {
  putc_(w, '(');
  expr_list(w, s->items, s->n_items);
  putc_(w, ')');
}

static void select_body(printer *w, const sql_select *s) {
  put(w, "SELECT ");
  if (s->distinct) put(w, "DISTINCT ");
  select_items(w, s->items, s->n_items);
  if (s->n_from) {
    put(w, " FROM ");
    for (uint32_t k = 0; k < s->n_from; k++) {
      if (k) put(w, ", ");
      table_ref(w, s->from[k]);
    }
  }
  for (uint32_t k = 0; k < s->n_laterals; k++) {
    const sql_lateral_view *lv = &s->laterals[k];
    put(w, lv->outer ? " LATERAL VIEW OUTER " : " LATERAL VIEW ");
    expr(w, lv->func, PR_ATOM);
    if (lv->table_alias.name) {
      putc_(w, ' ');
      ident(w, lv->table_alias.name);
    }
    if (lv->n_cols) {
      put(w, " AS ");
      for (uint32_t j = 0; j < lv->n_cols; j++) {
        if (j) put(w, ", ");
        ident(w, lv->cols[j].name);
      }
    }
  }
  if (s->where) {
    put(w, " WHERE ");
    expr(w, s->where, PR_LAMBDA);
  }
  if (s->group_by_all) put(w, " GROUP BY ALL");
  for (uint32_t k = 0; k < s->n_group_by; k++) {
    const sql_group_item *g = &s->group_by[k];
    put(w, k ? ", " : " GROUP BY ");
    if (g->kind == SQL_GROUP_EXPR) {
      expr(w, g->expr, PR_LAMBDA);
      continue;
    }
    put(w, g->kind == SQL_GROUP_ROLLUP ? "ROLLUP(" : g->kind == SQL_GROUP_CUBE ? "CUBE(" : "GROUPING SETS (");
    for (uint32_t j = 0; j < g->n_sets; j++) {
      if (j) put(w, ", ");
      grouping_set(w, &g->sets[j]);
    }
    putc_(w, ')');
  }
  if (s->having) {
    put(w, " HAVING ");
    expr(w, s->having, PR_LAMBDA);
  }
  for (uint32_t k = 0; k < s->n_windows; k++) {
    put(w, k ? ", " : " WINDOW ");
    ident(w, s->windows[k].name.name);
    put(w, " AS ");
    window(w, s->windows[k].spec);
  }
  if (s->qualify) {
    put(w, " QUALIFY ");
    expr(w, s->qualify, PR_LAMBDA);
  }
}

static bool has_org(const sql_query *q) {
  return q->with || q->n_order_by || q->limit || q->limit_all || q->offset;
}

static int setop_level(const sql_query *q) {
  if (q->kind != SQL_Q_SETOP) return 3;
  return q->setop.op == SQL_SETOP_INTERSECT ? 2 : 1;
}

static void setop_child(printer *w, const sql_query *c, int need) {
  bool paren = has_org(c) || setop_level(c) < need;
  if (paren) putc_(w, '(');
  query(w, c);
  if (paren) putc_(w, ')');
}

static void query(printer *w, const sql_query *q) {
  if (q->with) {
    put(w, "WITH ");
    if (q->with->recursive) put(w, "RECURSIVE ");
    for (uint32_t k = 0; k < q->with->n_ctes; k++) {
      const sql_cte *c = &q->with->ctes[k];
      if (k) put(w, ", ");
      ident(w, c->name.name);
      if (c->n_cols) {
        putc_(w, ' ');
        ident_list(w, c->cols, c->n_cols);
      }
      put(w, " AS (");
      query(w, c->query);
      putc_(w, ')');
    }
    putc_(w, ' ');
  }
  switch (q->kind) {
    case SQL_Q_SELECT:
      select_body(w, &q->select);
      break;
    case SQL_Q_SETOP: {
      int lvl = setop_level(q);
      setop_child(w, q->setop.left, lvl);
      put(w, q->setop.op == SQL_SETOP_UNION ? " UNION " : q->setop.op == SQL_SETOP_INTERSECT ? " INTERSECT " : " EXCEPT ");
      if (q->setop.all) put(w, "ALL ");
      setop_child(w, q->setop.right, lvl + 1);
      break;
    }
    case SQL_Q_VALUES:
      put(w, "VALUES ");
      for (uint32_t k = 0; k < q->values.n_rows; k++) {
        if (k) put(w, ", ");
        grouping_set(w, &q->values.rows[k]);
      }
      break;
    case SQL_Q_TABLE:
      put(w, "TABLE ");
      name(w, &q->table.name);
      break;
  }
  if (q->n_order_by) {
    put(w, " ORDER BY ");
    order_items(w, q->order_by, q->n_order_by);
  }
  if (q->limit_all) put(w, " LIMIT ALL");
  if (q->limit) {
    put(w, " LIMIT ");
    expr(w, q->limit, PR_LAMBDA);
  }
  if (q->offset) {
    put(w, " OFFSET ");
    expr(w, q->offset, PR_LAMBDA);
  }
}

int sql_print_query(buf *out, const sql_query *q, unsigned flags) {
  printer w = {out, flags, 0, false};
  query(&w, q);
  return w.rc;
}

/* ---- table references ----------------------------------------------------------------------------- */

static void alias(printer *w, const sql_table_ref *t) {
  if (!t->alias.name) return;
  put(w, " AS ");
  ident(w, t->alias.name);
  if (t->n_col_aliases) ident_list(w, t->col_aliases, t->n_col_aliases);
}

static void time_travel(printer *w, const sql_time_travel *tt) {
  if (tt->kind == SQL_TT_VERSION) {
    put(w, " VERSION AS OF ");
    expr(w, tt->value, PR_CMP);
  } else if (tt->kind == SQL_TT_TIMESTAMP) {
    put(w, " TIMESTAMP AS OF ");
    expr(w, tt->value, PR_CMP);
  }
}

static void table_name(printer *w, const sql_table_ref *t) {
  /* a format path's '/' or ':' makes the printer backquote it; a table named
  ** stream is backquoted so that FROM stream x does not read as STREAM x */
  if (sql_ident_eq(t->name.parts[0].name, "stream")) {
    ident_quoted(w, t->name.parts[0].name);
    for (uint32_t k = 1; k < t->name.n_parts; k++) {
      putc_(w, '.');
      ident(w, t->name.parts[k].name);
    }
    return;
  }
  name(w, &t->name);
}

static void table_ref(printer *w, const sql_table_ref *t) {
  switch (t->kind) {
    case SQL_T_NAME:
      if (t->stream) {
        put(w, "STREAM(");
        table_name(w, t);
        putc_(w, ')');
      } else {
        table_name(w, t);
      }
      time_travel(w, &t->tt);
      break;
    case SQL_T_FUNC:
      if (t->stream) put(w, "STREAM ");
      if (t->func->func.trim != SQL_TRIM_NONE) {
        expr(w, t->func, PR_ATOM); /* TRIM(.. FROM ..) */
      } else {
        w->from_item = true;
        func_name(w, &t->func->func.name);
        w->from_item = false;
        func_args_and_suffixes(w, &t->func->func);
      }
      break;
    case SQL_T_SUBQUERY:
      if (t->lateral) put(w, "LATERAL ");
      putc_(w, '(');
      query(w, t->query);
      putc_(w, ')');
      break;
    case SQL_T_JOIN: {
      bool paren = t->alias.name != NULL;
      if (paren) putc_(w, '(');
      table_ref(w, t->left); /* joins are left-deep: no parentheses needed on the left */
      putc_(w, ' ');
      if (t->natural) put(w, "NATURAL ");
      switch (t->join) {
        case SQL_JOIN_INNER: put(w, "JOIN "); break;
        case SQL_JOIN_LEFT: put(w, "LEFT JOIN "); break;
        case SQL_JOIN_RIGHT: put(w, "RIGHT JOIN "); break;
        case SQL_JOIN_FULL: put(w, "FULL JOIN "); break;
        case SQL_JOIN_CROSS: put(w, "CROSS JOIN "); break;
        case SQL_JOIN_SEMI: put(w, "LEFT SEMI JOIN "); break;
        case SQL_JOIN_ANTI: put(w, "LEFT ANTI JOIN "); break;
      }
      const sql_table_ref *r = t->right;
      bool rparen = r->kind == SQL_T_JOIN && !r->alias.name;
      if (rparen) putc_(w, '(');
      table_ref(w, r);
      if (rparen) putc_(w, ')');
      if (t->on) {
        put(w, " ON ");
        expr(w, t->on, PR_LAMBDA);
      } else if (t->n_using) {
        put(w, " USING ");
        ident_list(w, t->using_cols, t->n_using);
      }
      if (paren) putc_(w, ')');
      break;
    }
  }
  if (t->sample) {
    const sql_sample *s = t->sample;
    put(w, " TABLESAMPLE (");
    if (s->kind == SQL_SAMPLE_BUCKET) {
      put(w, "BUCKET ");
      expr(w, s->value, PR_CMP);
      put(w, " OUT OF ");
      expr(w, s->out_of, PR_CMP);
    } else {
      expr(w, s->value, PR_CMP);
      put(w, s->kind == SQL_SAMPLE_PERCENT ? " PERCENT" : " ROWS");
    }
    putc_(w, ')');
    if (s->seed) {
      put(w, " REPEATABLE (");
      expr(w, s->seed, PR_CMP);
      putc_(w, ')');
    }
  }
  alias(w, t);
}

int sql_print_table_ref(buf *out, const sql_table_ref *t, unsigned flags) {
  printer w = {out, flags, 0, false};
  table_ref(&w, t);
  return w.rc;
}

/* ---- statements ------------------------------------------------------------------------------------- */

static void props(printer *w, const sql_props *p, bool values) {
  putc_(w, '(');
  for (uint32_t k = 0; k < p->n_items; k++) {
    const sql_prop *pr = &p->items[k];
    if (k) put(w, ", ");
    cstring(w, pr->key);
    if (!values || pr->value_kind == SQL_PROP_NONE) continue;
    put(w, " = ");
    if (pr->value_kind == SQL_PROP_STRING) cstring(w, pr->value);
    else put(w, pr->value);
  }
  putc_(w, ')');
}

static void type(printer *w, lago_type t) {
  putc_(w, ' ');
  if (!w->rc) w->rc = type_to_sql(t, w->out);
}

static void column_def(printer *w, const sql_column_def *c) {
  name(w, &c->name);
  if (c->has_type) type(w, c->type);
  if (c->not_null) put(w, " NOT NULL");
  if (c->generated) {
    put(w, " GENERATED ALWAYS AS (");
    expr(w, c->generated, PR_LAMBDA);
    putc_(w, ')');
  }
  if (c->identity != SQL_IDENTITY_NONE) {
    put(w, c->identity == SQL_IDENTITY_ALWAYS ? " GENERATED ALWAYS AS IDENTITY" : " GENERATED BY DEFAULT AS IDENTITY");
    if (c->identity_start || c->identity_step) {
      put(w, " (");
      if (c->identity_start) {
        put(w, "START WITH ");
        expr(w, c->identity_start, PR_CMP);
      }
      if (c->identity_step) {
        if (c->identity_start) putc_(w, ' ');
        put(w, "INCREMENT BY ");
        expr(w, c->identity_step, PR_CMP);
      }
      putc_(w, ')');
    }
  }
  if (c->default_value) {
    put(w, " DEFAULT ");
    expr(w, c->default_value, PR_LAMBDA);
  }
  if (c->comment) {
    put(w, " COMMENT ");
    cstring(w, c->comment);
  }
  if (c->first) put(w, " FIRST");
  if (c->after.name) {
    put(w, " AFTER ");
    ident(w, c->after.name);
  }
}

static void constraint(printer *w, const sql_constraint *c) {
  put(w, "CONSTRAINT ");
  ident(w, c->name.name);
  put(w, c->kind == SQL_CONSTRAINT_CHECK ? " CHECK (" : " EXPECT (");
  expr(w, c->cond, PR_LAMBDA);
  putc_(w, ')');
  if (c->on_violation == SQL_VIOLATION_DROP_ROW) put(w, " ON VIOLATION DROP ROW");
  else if (c->on_violation == SQL_VIOLATION_FAIL_UPDATE) put(w, " ON VIOLATION FAIL UPDATE");
}

static void partition_cols(printer *w, const sql_partition_col *v, uint32_t n) {
  put(w, " PARTITIONED BY (");
  for (uint32_t k = 0; k < n; k++) {
    if (k) put(w, ", ");
    ident(w, v[k].name.name);
    if (v[k].has_type) type(w, v[k].type);
  }
  putc_(w, ')');
}

static void cluster(printer *w, sql_cluster_kind k, const sql_ident *v, uint32_t n) {
  if (k == SQL_CLUSTER_AUTO) put(w, " CLUSTER BY AUTO");
  else if (k == SQL_CLUSTER_NONE) put(w, " CLUSTER BY NONE");
  else if (k == SQL_CLUSTER_COLS) {
    put(w, " CLUSTER BY ");
    ident_list(w, v, n);
  }
}

static void if_not_exists(printer *w, bool b) {
  if (b) put(w, "IF NOT EXISTS ");
}

static void create_table(printer *w, const sql_create_table *c) {
  put(w, "CREATE ");
  if (c->or_replace) put(w, "OR REPLACE ");
  if (c->or_refresh) put(w, "OR REFRESH ");
  if (c->private_) put(w, "PRIVATE ");
  if (c->temporary && c->kind == SQL_TBL_PLAIN) put(w, "TEMPORARY ");
  if (c->external) put(w, "EXTERNAL ");
  switch (c->kind) {
    case SQL_TBL_PLAIN: put(w, "TABLE "); break;
    case SQL_TBL_STREAMING: put(w, c->live ? "STREAMING LIVE TABLE " : "STREAMING TABLE "); break;
    case SQL_TBL_MATERIALIZED_VIEW: put(w, "MATERIALIZED VIEW "); break;
    case SQL_TBL_LIVE: put(w, "LIVE TABLE "); break;
  }
  if_not_exists(w, c->if_not_exists);
  name(w, &c->name);
  if (c->n_cols || c->n_constraints) {
    put(w, " (");
    for (uint32_t k = 0; k < c->n_cols; k++) {
      if (k) put(w, ", ");
      column_def(w, &c->cols[k]);
    }
    for (uint32_t k = 0; k < c->n_constraints; k++) {
      if (k || c->n_cols) put(w, ", ");
      constraint(w, &c->constraints[k]);
    }
    putc_(w, ')');
  }
  if (c->using_format) {
    put(w, " USING ");
    ident(w, c->using_format);
  }
  if (c->clone) {
    put(w, c->clone == SQL_CLONE_SHALLOW ? " SHALLOW CLONE " : " DEEP CLONE ");
    table_ref(w, c->clone_source);
  }
  if (c->n_partition_by) partition_cols(w, c->partition_by, c->n_partition_by);
  cluster(w, c->cluster, c->cluster_by, c->n_cluster_by);
  if (c->location) {
    put(w, " LOCATION ");
    cstring(w, c->location);
  }
  if (c->comment) {
    put(w, " COMMENT ");
    cstring(w, c->comment);
  }
  if (c->tblproperties.n_items) {
    put(w, " TBLPROPERTIES ");
    props(w, &c->tblproperties, true);
  }
  if (c->options.n_items) {
    put(w, " OPTIONS ");
    props(w, &c->options, true);
  }
  if (c->as_query) {
    put(w, " AS ");
    query(w, c->as_query);
  }
}

static void col_selection(printer *w, const char *kw, const sql_col_selection *c) {
  if (!c->present) return;
  put(w, kw);
  if (c->star_except) put(w, "* EXCEPT ");
  ident_list(w, c->cols, c->n_cols);
}

static void cdc(printer *w, const sql_auto_cdc *c) {
  put(w, "INTO ");
  name(w, &c->target);
  put(w, " FROM ");
  table_ref(w, c->source);
  put(w, " KEYS ");
  ident_list(w, c->keys, c->n_keys);
  if (c->ignore_null_updates) put(w, " IGNORE NULL UPDATES");
  if (c->apply_as_delete) {
    put(w, " APPLY AS DELETE WHEN ");
    expr(w, c->apply_as_delete, PR_LAMBDA);
  }
  if (c->apply_as_truncate) {
    put(w, " APPLY AS TRUNCATE WHEN ");
    expr(w, c->apply_as_truncate, PR_LAMBDA);
  }
  put(w, " SEQUENCE BY ");
  expr(w, c->sequence_by, PR_LAMBDA);
  col_selection(w, " COLUMNS ", &c->columns);
  if (c->scd) putf(w, " STORED AS SCD TYPE %d", (int)c->scd);
  col_selection(w, " TRACK HISTORY ON ", &c->track_history);
}

static void assignments(printer *w, const sql_assignment *v, uint32_t n) {
  for (uint32_t k = 0; k < n; k++) {
    if (k) put(w, ", ");
    name(w, &v[k].col);
    put(w, " = ");
    expr(w, v[k].value, PR_LAMBDA);
  }
}

static void insert(printer *w, const sql_insert *in) {
  put(w, "INSERT ");
  if (in->schema_evolution) put(w, "WITH SCHEMA EVOLUTION ");
  put(w, in->overwrite ? "OVERWRITE " : "INTO ");
  name(w, &in->table);
  if (in->n_partition) {
    put(w, " PARTITION (");
    for (uint32_t k = 0; k < in->n_partition; k++) {
      if (k) put(w, ", ");
      ident(w, in->partition[k].col.name);
      if (in->partition[k].value) {
        put(w, " = ");
        expr(w, in->partition[k].value, PR_CMP);
      }
    }
    putc_(w, ')');
  }
  if (in->n_cols) {
    putc_(w, ' ');
    ident_list(w, in->cols, in->n_cols);
  }
  if (in->by_name) put(w, " BY NAME");
  if (in->replace_where) {
    put(w, " REPLACE WHERE ");
    expr(w, in->replace_where, PR_LAMBDA);
  }
  putc_(w, ' ');
  query(w, in->query);
}

static const char *object_name(sql_object_kind k) {
  switch (k) {
    case SQL_OBJ_TABLE: return "TABLE";
    case SQL_OBJ_VIEW: return "VIEW";
    case SQL_OBJ_SCHEMA: return "SCHEMA";
    case SQL_OBJ_CATALOG: return "CATALOG";
    case SQL_OBJ_VOLUME: return "VOLUME";
    case SQL_OBJ_MATERIALIZED_VIEW: return "MATERIALIZED VIEW";
    case SQL_OBJ_STREAMING_TABLE: return "STREAMING TABLE";
  }
  return "?";
}

static void table_or_path(printer *w, const sql_name *n, const char *path) {
  if (path) cstring(w, path);
  else name(w, n);
}

static void stmt(printer *w, const sql_stmt *s);

static void alter(printer *w, const sql_alter_table *a) {
  put(w, "ALTER TABLE ");
  name(w, &a->table);
  switch (a->kind) {
    case SQL_ALTER_ADD_COLUMNS:
      put(w, " ADD COLUMNS (");
      for (uint32_t k = 0; k < a->n_cols; k++) {
        if (k) put(w, ", ");
        column_def(w, &a->cols[k]);
      }
      putc_(w, ')');
      break;
    case SQL_ALTER_RENAME_TO:
      put(w, " RENAME TO ");
      name(w, &a->new_name);
      break;
    case SQL_ALTER_RENAME_COLUMN:
      put(w, " RENAME COLUMN ");
      name(w, &a->column);
      put(w, " TO ");
      ident(w, a->new_column.name);
      break;
    case SQL_ALTER_DROP_COLUMNS:
      put(w, a->if_exists ? " DROP COLUMNS IF EXISTS (" : " DROP COLUMNS (");
      for (uint32_t k = 0; k < a->n_names; k++) {
        if (k) put(w, ", ");
        name(w, &a->names[k]);
      }
      putc_(w, ')');
      break;
    case SQL_ALTER_ALTER_COLUMN:
      put(w, " ALTER COLUMN ");
      name(w, &a->column);
      switch (a->change) {
        case SQL_CHANGE_TYPE: put(w, " TYPE"); type(w, a->type); break;
        case SQL_CHANGE_SET_NOT_NULL: put(w, " SET NOT NULL"); break;
        case SQL_CHANGE_DROP_NOT_NULL: put(w, " DROP NOT NULL"); break;
        case SQL_CHANGE_COMMENT: put(w, " COMMENT "); cstring(w, a->comment); break;
        case SQL_CHANGE_FIRST: put(w, " FIRST"); break;
        case SQL_CHANGE_AFTER: put(w, " AFTER "); ident(w, a->after.name); break;
        case SQL_CHANGE_SET_DEFAULT: put(w, " SET DEFAULT "); expr(w, a->default_value, PR_LAMBDA); break;
        case SQL_CHANGE_DROP_DEFAULT: put(w, " DROP DEFAULT"); break;
      }
      break;
    case SQL_ALTER_SET_PROPS:
      put(w, " SET TBLPROPERTIES ");
      props(w, &a->props, true);
      break;
    case SQL_ALTER_UNSET_PROPS:
      put(w, a->if_exists ? " UNSET TBLPROPERTIES IF EXISTS " : " UNSET TBLPROPERTIES ");
      props(w, &a->props, false);
      break;
    case SQL_ALTER_ADD_CONSTRAINT:
      put(w, " ADD ");
      constraint(w, &a->constraint);
      break;
    case SQL_ALTER_DROP_CONSTRAINT:
      put(w, a->if_exists ? " DROP CONSTRAINT IF EXISTS " : " DROP CONSTRAINT ");
      ident(w, a->constraint_name.name);
      break;
    case SQL_ALTER_CLUSTER_BY:
      cluster(w, a->cluster, a->cluster_by, a->n_cluster_by);
      break;
  }
}

static void show(printer *w, const sql_show *sh) {
  static const char *const what[] = {"CATALOGS", "SCHEMAS", "TABLES", "VIEWS", "VOLUMES", "FUNCTIONS",
                                     "COLUMNS", "TBLPROPERTIES", "CREATE TABLE", "PARTITIONS"};
  put(w, "SHOW ");
  put(w, what[sh->what]);
  if (sh->what == SQL_SHOW_COLUMNS) {
    put(w, " IN ");
    name(w, &sh->target);
  } else if (sh->target.n_parts) {
    putc_(w, ' ');
    name(w, &sh->target);
  }
  if (sh->key) {
    put(w, " (");
    cstring(w, sh->key);
    putc_(w, ')');
  }
  if (sh->in.n_parts) {
    put(w, " IN ");
    name(w, &sh->in);
  }
  if (sh->like) {
    put(w, " LIKE ");
    cstring(w, sh->like);
  }
}

static void describe(printer *w, const sql_describe *d) {
  put(w, "DESCRIBE ");
  switch (d->what) {
    case SQL_DESC_TABLE:
      put(w, d->extended ? "TABLE EXTENDED " : "TABLE ");
      name(w, &d->target);
      if (d->column.n_parts) {
        putc_(w, ' ');
        name(w, &d->column);
      }
      break;
    case SQL_DESC_DETAIL: put(w, "DETAIL "); name(w, &d->target); break;
    case SQL_DESC_HISTORY:
      put(w, "HISTORY ");
      name(w, &d->target);
      if (d->limit) {
        put(w, " LIMIT ");
        expr(w, d->limit, PR_LAMBDA);
      }
      break;
    case SQL_DESC_SCHEMA: put(w, d->extended ? "SCHEMA EXTENDED " : "SCHEMA "); name(w, &d->target); break;
    case SQL_DESC_CATALOG: put(w, d->extended ? "CATALOG EXTENDED " : "CATALOG "); name(w, &d->target); break;
    case SQL_DESC_VOLUME: put(w, "VOLUME "); name(w, &d->target); break;
    case SQL_DESC_QUERY: put(w, "QUERY "); query(w, d->query); break;
  }
}

static void stmt(printer *w, const sql_stmt *s) {
  switch (s->kind) {
    case SQL_S_QUERY:
      query(w, s->query);
      break;
    case SQL_S_USE:
      put(w, "USE ");
      if (s->use.explicit_kind) put(w, s->use.kind == SQL_NS_CATALOG ? "CATALOG " : "SCHEMA ");
      name(w, &s->use.name);
      break;
    case SQL_S_CREATE_NS: {
      const sql_create_ns *c = &s->create_ns;
      put(w, c->kind == SQL_NS_CATALOG ? "CREATE CATALOG " : "CREATE SCHEMA ");
      if_not_exists(w, c->if_not_exists);
      name(w, &c->name);
      if (c->comment) {
        put(w, " COMMENT ");
        cstring(w, c->comment);
      }
      if (c->location) {
        put(w, c->managed_location ? " MANAGED LOCATION " : " LOCATION ");
        cstring(w, c->location);
      }
      if (c->properties.n_items) {
        put(w, " WITH DBPROPERTIES ");
        props(w, &c->properties, true);
      }
      break;
    }
    case SQL_S_CREATE_TABLE:
      create_table(w, &s->create_table);
      break;
    case SQL_S_CREATE_VIEW: {
      const sql_create_view *v = &s->create_view;
      put(w, "CREATE ");
      if (v->or_replace) put(w, "OR REPLACE ");
      if (v->global) put(w, "GLOBAL ");
      if (v->temporary) put(w, "TEMPORARY ");
      if (v->live) put(w, "LIVE ");
      put(w, "VIEW ");
      if_not_exists(w, v->if_not_exists);
      name(w, &v->name);
      if (v->n_cols) {
        put(w, " (");
        for (uint32_t k = 0; k < v->n_cols; k++) {
          if (k) put(w, ", ");
          column_def(w, &v->cols[k]);
        }
        putc_(w, ')');
      }
      if (v->comment) {
        put(w, " COMMENT ");
        cstring(w, v->comment);
      }
      if (v->tblproperties.n_items) {
        put(w, " TBLPROPERTIES ");
        props(w, &v->tblproperties, true);
      }
      put(w, " AS ");
      query(w, v->query);
      break;
    }
    case SQL_S_CREATE_VOLUME: {
      const sql_create_volume *v = &s->create_volume;
      put(w, v->external ? "CREATE EXTERNAL VOLUME " : "CREATE VOLUME ");
      if_not_exists(w, v->if_not_exists);
      name(w, &v->name);
      if (v->location) {
        put(w, " LOCATION ");
        cstring(w, v->location);
      }
      if (v->comment) {
        put(w, " COMMENT ");
        cstring(w, v->comment);
      }
      break;
    }
    case SQL_S_CREATE_FLOW: {
      const sql_create_flow *f = &s->create_flow;
      put(w, "CREATE FLOW ");
      ident(w, f->name.name);
      if (f->comment) {
        put(w, " COMMENT ");
        cstring(w, f->comment);
      }
      put(w, " AS ");
      if (f->insert) {
        stmt(w, f->insert);
      } else {
        put(w, "AUTO CDC ");
        cdc(w, f->cdc);
      }
      break;
    }
    case SQL_S_APPLY_CHANGES:
      put(w, "APPLY CHANGES ");
      cdc(w, &s->cdc);
      break;
    case SQL_S_DROP:
      put(w, "DROP ");
      put(w, object_name(s->drop.what));
      put(w, s->drop.if_exists ? " IF EXISTS " : " ");
      name(w, &s->drop.name);
      if (s->drop.cascade) put(w, " CASCADE");
      if (s->drop.restrict_) put(w, " RESTRICT");
      if (s->drop.purge) put(w, " PURGE");
      break;
    case SQL_S_ALTER_TABLE:
      alter(w, &s->alter);
      break;
    case SQL_S_SHOW:
      show(w, &s->show);
      break;
    case SQL_S_DESCRIBE:
      describe(w, &s->describe);
      break;
    case SQL_S_EXPLAIN: {
      static const char *const m[] = {"EXPLAIN ", "EXPLAIN EXTENDED ", "EXPLAIN FORMATTED ", "EXPLAIN CODEGEN ",
                                      "EXPLAIN COST "};
      put(w, m[s->explain.mode]);
      stmt(w, s->explain.stmt);
      break;
    }
    case SQL_S_INSERT:
      insert(w, &s->insert);
      break;
    case SQL_S_UPDATE:
      put(w, "UPDATE ");
      table_ref(w, s->update.table);
      put(w, " SET ");
      assignments(w, s->update.sets, s->update.n_sets);
      if (s->update.where) {
        put(w, " WHERE ");
        expr(w, s->update.where, PR_LAMBDA);
      }
      break;
    case SQL_S_DELETE:
      put(w, "DELETE FROM ");
      table_ref(w, s->del.table);
      if (s->del.where) {
        put(w, " WHERE ");
        expr(w, s->del.where, PR_LAMBDA);
      }
      break;
    case SQL_S_MERGE: {
      const sql_merge *m = &s->merge;
      put(w, m->schema_evolution ? "MERGE WITH SCHEMA EVOLUTION INTO " : "MERGE INTO ");
      table_ref(w, m->target);
      put(w, " USING ");
      table_ref(w, m->source);
      put(w, " ON ");
      expr(w, m->on, PR_LAMBDA);
      for (uint32_t k = 0; k < m->n_clauses; k++) {
        const sql_merge_clause *c = &m->clauses[k];
        put(w, c->match == SQL_MERGE_MATCHED       ? " WHEN MATCHED"
               : c->match == SQL_MERGE_NOT_MATCHED ? " WHEN NOT MATCHED"
                                                   : " WHEN NOT MATCHED BY SOURCE");
        if (c->cond) {
          put(w, " AND ");
          expr(w, c->cond, PR_LAMBDA);
        }
        put(w, " THEN ");
        switch (c->action) {
          case SQL_MERGE_UPDATE: put(w, "UPDATE SET "); assignments(w, c->sets, c->n_sets); break;
          case SQL_MERGE_UPDATE_STAR: put(w, "UPDATE SET *"); break;
          case SQL_MERGE_DELETE: put(w, "DELETE"); break;
          case SQL_MERGE_INSERT_STAR: put(w, "INSERT *"); break;
          case SQL_MERGE_INSERT:
            put(w, "INSERT (");
            for (uint32_t j = 0; j < c->n_insert_cols; j++) {
              if (j) put(w, ", ");
              name(w, &c->insert_cols[j]);
            }
            put(w, ") VALUES (");
            expr_list(w, c->insert_values, c->n_insert_values);
            putc_(w, ')');
            break;
        }
      }
      break;
    }
    case SQL_S_TRUNCATE:
      put(w, "TRUNCATE TABLE ");
      name(w, &s->truncate);
      break;
    case SQL_S_OPTIMIZE: {
      const sql_optimize *o = &s->optimize;
      put(w, "OPTIMIZE ");
      table_or_path(w, &o->table, o->path);
      if (o->where) {
        put(w, " WHERE ");
        expr(w, o->where, PR_LAMBDA);
      }
      if (o->n_zorder_by) {
        put(w, " ZORDER BY (");
        for (uint32_t k = 0; k < o->n_zorder_by; k++) {
          if (k) put(w, ", ");
          name(w, &o->zorder_by[k]);
        }
        putc_(w, ')');
      }
      if (o->full) put(w, " FULL");
      break;
    }
    case SQL_S_VACUUM: {
      const sql_vacuum *v = &s->vacuum;
      put(w, "VACUUM ");
      table_or_path(w, &v->table, v->path);
      if (v->mode == SQL_VACUUM_LITE) put(w, " LITE");
      else if (v->mode == SQL_VACUUM_FULL) put(w, " FULL");
      if (v->retain_hours) {
        put(w, " RETAIN ");
        expr(w, v->retain_hours, PR_ATOM);
        put(w, " HOURS");
      }
      if (v->dry_run) put(w, " DRY RUN");
      break;
    }
    case SQL_S_RESTORE:
      put(w, "RESTORE TABLE ");
      name(w, &s->restore.table);
      put(w, " TO");
      time_travel(w, &s->restore.to);
      break;
    case SQL_S_CONVERT:
      put(w, "CONVERT TO DELTA ");
      table_ref(w, s->convert.source);
      if (s->convert.no_statistics) put(w, " NO STATISTICS");
      if (s->convert.n_partition_by) partition_cols(w, s->convert.partition_by, s->convert.n_partition_by);
      break;
    case SQL_S_COPY_INTO: {
      const sql_copy_into *c = &s->copy;
      put(w, "COPY INTO ");
      name(w, &c->table);
      put(w, " FROM ");
      if (c->select) {
        put(w, "(SELECT ");
        select_items(w, c->select, c->n_select);
        put(w, " FROM ");
        cstring(w, c->from_path);
        putc_(w, ')');
      } else {
        cstring(w, c->from_path);
      }
      put(w, " FILEFORMAT = ");
      put(w, c->file_format);
      if (c->n_files) {
        put(w, " FILES = (");
        for (uint32_t k = 0; k < c->n_files; k++) {
          if (k) put(w, ", ");
          cstring(w, c->files[k]);
        }
        putc_(w, ')');
      }
      if (c->pattern) {
        put(w, " PATTERN = ");
        cstring(w, c->pattern);
      }
      if (c->format_options.n_items) {
        put(w, " FORMAT_OPTIONS ");
        props(w, &c->format_options, true);
      }
      if (c->copy_options.n_items) {
        put(w, " COPY_OPTIONS ");
        props(w, &c->copy_options, true);
      }
      break;
    }
    case SQL_S_SET:
      put(w, "SET");
      if (s->set.time_zone) {
        put(w, " TIME ZONE ");
        if (s->set.value) cstring(w, s->set.value);
        else put(w, "LOCAL");
        break;
      }
      if (s->set.verbose) put(w, " -v");
      if (s->set.key) {
        putc_(w, ' ');
        put(w, s->set.key);
      }
      if (s->set.value) {
        put(w, " = ");
        put(w, s->set.value);
      }
      break;
    case SQL_S_RESET:
      put(w, "RESET");
      if (s->reset_key) {
        putc_(w, ' ');
        put(w, s->reset_key);
      }
      break;
  }
}

int sql_print_stmt(buf *out, const sql_stmt *s, unsigned flags) {
  printer w = {out, flags, 0, false};
  stmt(&w, s);
  return w.rc;
}
