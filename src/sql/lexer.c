/*
** sql/lexer.c: splits SQL text into tokens for the parser (parser_int.h).
**
** Lexical rules follow Spark's SqlBaseLexer.g4:
**   - blanks; `-- ...` to end of line; C-style block comments, which nest.
**   - words [A-Za-z0-9_]+ (bytes >= 0x80 too, so UTF-8 names work) that do
**     not consist of digits only: identifiers or keywords (keywords.def).
**     Like Spark, a word may start with digits (`1a` is an identifier).
**   - `quoted identifiers` with `` for a backquote.
**   - strings '...' and "..." with Spark's backslash escapes (\n \t \r \b \0
**     \Z \' \" \\, \uXXXX, \UXXXXXXXX, \ooo octal with the first digit 0-1;
**     \% and \_ keep their backslash for LIKE; any other \c is c), and raw
**     strings r'...' / R"..." without escapes. Adjacent strings are joined
**     by the parser.
**   - numbers: 12, 12L/S/Y/D/F/BD, 1.5, .5, 1., 1e10, 1.5E-3 (+ D/F/BD);
**     a number directly followed by word characters is an identifier when it
**     is an integer (Spark), else an error.
**   - operators, longest match first: <=> <> <= << >= >>> >> != == => -> ::
**     || and single characters ( ) [ ] , ; . : = < > + - * / % ~ ! & | ^ ? @.
** Lexical errors do not stop the lexer: they become TK_ERROR tokens carrying
** the message, reported by the parser when it reaches them.
*/
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "sql/parser_int.h"
#include "util/alloc.h"
#include "util/hex.h"

/* ---- keywords ----------------------------------------------------------------- */

static const struct {
  const char *name;
  uint8_t cls;
} k_kw[] = {
#define X(name, cls) {#name, cls},
#include "sql/keywords.def"
#undef X
};

#define N_KW (sizeof k_kw / sizeof k_kw[0])

/*
** Keyword lookup: an open-addressing hash table (FNV-1a of the upper-cased
** word) built once with pthread_once; every word of the input goes through
** it, so it must be cheap. 1024 slots for ~270 keywords keeps probes short.
*/
#define KW_SLOTS 1024
static uint16_t g_kw_slots[KW_SLOTS]; /* keyword id, 0 = empty */
static pthread_once_t g_kw_once = PTHREAD_ONCE_INIT;

static uint32_t kw_hash(const char *s, size_t n) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
  return h;
}

static void kw_build(void) {
  for (size_t k = 0; k < N_KW; k++) {
    uint32_t h = kw_hash(k_kw[k].name, strlen(k_kw[k].name)) & (KW_SLOTS - 1);
    while (g_kw_slots[h]) h = (h + 1) & (KW_SLOTS - 1);
    g_kw_slots[h] = (uint16_t)(k + 1);
  }
}

sql_kw sql_kw_lookup(const char *w, size_t n) {
  char up[24]; /* the longest keyword has 17 bytes */
  if (n == 0 || n >= sizeof up) return KW__NOT;
  for (size_t i = 0; i < n; i++) {
    char c = w[i];
    if (c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
    else if (!((c >= 'A' && c <= 'Z') || c == '_')) return KW__NOT; /* digits, UTF-8: no keyword */
    up[i] = c;
  }
  up[n] = 0;
  pthread_once(&g_kw_once, kw_build);
  for (uint32_t h = kw_hash(up, n) & (KW_SLOTS - 1);; h = (h + 1) & (KW_SLOTS - 1)) {
    uint16_t id = g_kw_slots[h];
    if (!id) return KW__NOT;
    if (strcmp(k_kw[id - 1].name, up) == 0) return (sql_kw)id;
  }
}

const char *sql_kw_name(sql_kw kw) { return kw > KW__NOT && kw < KW__COUNT ? k_kw[kw - 1].name : "?"; }

int sql_kw_class(sql_kw kw) { return kw > KW__NOT && kw < KW__COUNT ? k_kw[kw - 1].cls : KW_FREE; }

const char *sql_punct_name(sql_punct p) {
  static const char *const names[P__COUNT] = {
      "?",  "(",  ")",  "[",  "]",  ",",   ";",  ".",  ":",  "::", "->", "=>", "=",
      "==", "<",  "<=", "<>", "!=", ">",   ">=", "<=>", "+", "-",  "*",  "/",  "%",
      "~",  "!",  "&",  "|",  "^",  "||",  "<<", ">>", ">>>", "?", "@"};
  return p < P__COUNT ? names[p] : "?";
}

/* ---- scanner ------------------------------------------------------------------- */

typedef struct lexer {
  arena *ar;
  const char *s;
  uint32_t len;
  uint32_t i;
  sql_token *toks;
  uint32_t n, cap;
  lago_err *err;
} lexer;

static bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static bool is_word_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' || c >= 0x80;
}
static bool is_blank(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
static char at(const lexer *lx, uint32_t i) { return i < lx->len ? lx->s[i] : 0; }

/* Tokens grow in a heap array (mem_realloc, usually in place); sql_lex copies
** the final array into the arena once, so the arena holds no dead copies. */
static sql_token *push(lexer *lx, sql_tok_kind kind, uint32_t pos, uint32_t len) {
  if (lx->n == lx->cap) {
    uint32_t ncap = lx->cap ? lx->cap * 2 : 64;
    if (ncap < lx->cap) return NULL;
    sql_token *nt = mem_realloc(lx->toks, (size_t)ncap * sizeof *nt);
    if (!nt) return NULL;
    lx->toks = nt;
    lx->cap = ncap;
  }
  sql_token *t = &lx->toks[lx->n++];
  memset(t, 0, sizeof *t);
  t->kind = (uint8_t)kind;
  t->pos = pos;
  t->len = len;
  t->match = -1;
  return t;
}

/* A TK_ERROR token spanning [pos, end) with a message. */
static int push_error(lexer *lx, uint32_t pos, uint32_t end, const char *msg) {
  sql_token *t = push(lx, TK_ERROR, pos, end - pos);
  if (!t) return LAGO_NOMEM;
  t->str = arena_strdup(lx->ar, msg);
  if (!t->str) return LAGO_NOMEM;
  t->str_len = (uint32_t)strlen(t->str);
  return LAGO_OK;
}


static size_t put_utf8(char *o, uint32_t cp) {
  if (cp < 0x80) {
    o[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (char)(0xC0 | (cp >> 6));
    o[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (char)(0xE0 | (cp >> 12));
    o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (char)(0xF0 | (cp >> 18));
  o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  o[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* Reads n hex digits at s[i..]; -1 if they are not all hex. */
static long read_hex(const char *s, uint32_t i, uint32_t end, int n) {
  if (i + (uint32_t)n > end) return -1;
  long v = 0;
  for (int k = 0; k < n; k++) {
    int h = hex_value(s[i + (uint32_t)k]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

/*
** String literal starting at lx->i (the quote, or the r of r'..'). Decodes
** into the arena; on a lexical error pushes a TK_ERROR instead.
*/
static int lex_string(lexer *lx, bool raw) {
  uint32_t start = lx->i;
  uint32_t q = raw ? start + 1 : start;
  char quote = lx->s[q];
  uint32_t j = q + 1;
  /* find the closing quote */
  for (;;) {
    if (j >= lx->len) {
      lx->i = lx->len;
      return push_error(lx, start, lx->len, "unterminated string literal");
    }
    char c = lx->s[j];
    if (c == quote) break;
    if (c == '\\' && !raw) j++;
    j++;
  }
  uint32_t body = q + 1, end = j; /* content is s[body..end) */
  lx->i = j + 1;
  char *out = arena_alloc(lx->ar, (size_t)(end - body) + 1);
  if (!out) return LAGO_NOMEM;
  size_t o = 0;
  const char *s = lx->s;
  for (uint32_t k = body; k < end; k++) {
    char c = s[k];
    if (c != '\\' || raw || k + 1 >= end) {
      out[o++] = c;
      continue;
    }
    char n = s[k + 1];
    if (n == 'u' || n == 'U') {
      int nd = n == 'u' ? 4 : 8;
      long cp = read_hex(s, k + 2, end, nd);
      if (cp < 0) {
        out[o++] = n; /* Spark: not an escape; keeps the letter */
        k++;
        continue;
      }
      uint32_t adv = (uint32_t)nd + 1;
      if (cp >= 0xD800 && cp <= 0xDBFF && n == 'u' && k + 2 + 4 + 6 <= end && s[k + 6] == '\\' &&
          s[k + 7] == 'u') {
        long lo = read_hex(s, k + 8, end, 4);
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          adv += 6;
        }
      }
      if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
        return push_error(lx, start, lx->i, "invalid unicode escape in string literal (lone surrogate or beyond U+10FFFF)");
      o += put_utf8(out + o, (uint32_t)cp);
      k += adv;
      continue;
    }
    if (k + 3 < end && n >= '0' && n <= '1' && s[k + 2] >= '0' && s[k + 2] <= '7' && s[k + 3] >= '0' &&
        s[k + 3] <= '7') {
      out[o++] = (char)(((n - '0') << 6) | ((s[k + 2] - '0') << 3) | (s[k + 3] - '0'));
      k += 3;
      continue;
    }
    k++;
    switch (n) {
      case '0': out[o++] = 0; break;
      case 'b': out[o++] = '\b'; break;
      case 'n': out[o++] = '\n'; break;
      case 'r': out[o++] = '\r'; break;
      case 't': out[o++] = '\t'; break;
      case 'Z': out[o++] = 0x1A; break;
      case '%': out[o++] = '\\'; out[o++] = '%'; break;
      case '_': out[o++] = '\\'; out[o++] = '_'; break;
      default: out[o++] = n; break; /* \' \" \\ and unknown escapes */
    }
  }
  out[o] = 0;
  sql_token *t = push(lx, TK_STRING, start, lx->i - start);
  if (!t) return LAGO_NOMEM;
  t->raw = raw;
  t->str = out;
  t->str_len = (uint32_t)o;
  return LAGO_OK;
}

static int lex_qident(lexer *lx) {
  uint32_t start = lx->i, j = start + 1;
  size_t n = 0;
  for (;;) {
    if (j >= lx->len) {
      lx->i = lx->len;
      return push_error(lx, start, lx->len, "unterminated `quoted identifier`");
    }
    if (lx->s[j] == '`') {
      if (at(lx, j + 1) == '`') {
        j += 2;
        n++;
        continue;
      }
      break;
    }
    j++;
    n++;
  }
  lx->i = j + 1;
  if (n == 0) return push_error(lx, start, lx->i, "empty `quoted identifier`");
  char *out = arena_alloc(lx->ar, n + 1);
  if (!out) return LAGO_NOMEM;
  size_t o = 0;
  for (uint32_t k = start + 1; k < j; k++) {
    out[o++] = lx->s[k];
    if (lx->s[k] == '`') k++;
  }
  out[o] = 0;
  sql_token *t = push(lx, TK_QIDENT, start, lx->i - start);
  if (!t) return LAGO_NOMEM;
  t->str = out;
  t->str_len = (uint32_t)o;
  return LAGO_OK;
}

static int lex_word(lexer *lx) {
  uint32_t start = lx->i, j = start;
  while (j < lx->len && is_word_char((unsigned char)lx->s[j])) j++;
  lx->i = j;
  sql_token *t = push(lx, TK_WORD, start, j - start);
  if (!t) return LAGO_NOMEM;
  t->kw = (uint16_t)sql_kw_lookup(lx->s + start, j - start);
  return LAGO_OK;
}

static bool exp_at(const lexer *lx, uint32_t j) {
  char c = at(lx, j);
  if (c != 'e' && c != 'E') return false;
  char d = at(lx, j + 1);
  if (is_digit((unsigned char)d)) return true;
  return (d == '+' || d == '-') && is_digit((unsigned char)at(lx, j + 2));
}

static int lex_number(lexer *lx) {
  uint32_t start = lx->i, j = start;
  bool dot = false, ex = false;
  while (is_digit((unsigned char)at(lx, j))) j++;
  bool int_digits = j > start;
  if (at(lx, j) == '.') {
    char n = at(lx, j + 1);
    /* "1.x": an integer and a field access, unless x starts an exponent */
    if (is_digit((unsigned char)n) || !is_word_char((unsigned char)n) || exp_at(lx, j + 1) || !int_digits) {
      dot = true;
      j++;
      while (is_digit((unsigned char)at(lx, j))) j++;
    }
  }
  if (exp_at(lx, j)) {
    ex = true;
    j++;
    if (at(lx, j) == '+' || at(lx, j) == '-') j++;
    while (is_digit((unsigned char)at(lx, j))) j++;
  }
  int suffix = NUM_SUF_NONE;
  char c = at(lx, j), c2 = at(lx, j + 1);
  if ((c == 'b' || c == 'B') && (c2 == 'd' || c2 == 'D') && !is_word_char((unsigned char)at(lx, j + 2))) {
    suffix = NUM_SUF_BD;
    j += 2;
  } else if (c && !is_word_char((unsigned char)c2)) {
    switch (toupper((unsigned char)c)) {
      case 'L': suffix = NUM_SUF_L; break;
      case 'S': suffix = NUM_SUF_S; break;
      case 'Y': suffix = NUM_SUF_Y; break;
      case 'D': suffix = NUM_SUF_D; break;
      case 'F': suffix = NUM_SUF_F; break;
      default: break;
    }
    if (suffix != NUM_SUF_NONE) j++;
  }
  if ((suffix == NUM_SUF_L || suffix == NUM_SUF_S || suffix == NUM_SUF_Y) && (dot || ex)) {
    lx->i = j;
    return push_error(lx, start, j, "invalid numeric literal: the L, S and Y suffixes need an integer");
  }
  if (is_word_char((unsigned char)at(lx, j))) {
    if (!dot && !ex && suffix == NUM_SUF_NONE) return lex_word(lx); /* Spark: 1a is an identifier */
    uint32_t e = j;
    while (is_word_char((unsigned char)at(lx, e))) e++;
    lx->i = e;
    return push_error(lx, start, e, "invalid numeric literal");
  }
  lx->i = j;
  sql_token *t = push(lx, TK_NUMBER, start, j - start);
  if (!t) return LAGO_NOMEM;
  t->num_dot = dot;
  t->num_exp = ex;
  t->num_suffix = (uint8_t)suffix;
  return LAGO_OK;
}

static int op(lexer *lx, sql_punct p, uint32_t n) {
  sql_token *t = push(lx, TK_OP, lx->i, n);
  if (!t) return LAGO_NOMEM;
  t->op = (uint8_t)p;
  lx->i += n;
  return LAGO_OK;
}

static int lex_op(lexer *lx) {
  char c = lx->s[lx->i], n = at(lx, lx->i + 1), n2 = at(lx, lx->i + 2);
  switch (c) {
    case '(': return op(lx, P_LPAREN, 1);
    case ')': return op(lx, P_RPAREN, 1);
    case '[': return op(lx, P_LBRACKET, 1);
    case ']': return op(lx, P_RBRACKET, 1);
    case ',': return op(lx, P_COMMA, 1);
    case ';': return op(lx, P_SEMI, 1);
    case '.': return op(lx, P_DOT, 1);
    case ':': return n == ':' ? op(lx, P_DCOLON, 2) : op(lx, P_COLON, 1);
    case '=':
      if (n == '=') return op(lx, P_EQEQ, 2);
      if (n == '>') return op(lx, P_FATARROW, 2);
      return op(lx, P_EQ, 1);
    case '<':
      if (n == '=' && n2 == '>') return op(lx, P_NSEQ, 3);
      if (n == '=') return op(lx, P_LE, 2);
      if (n == '>') return op(lx, P_LTGT, 2);
      if (n == '<') return op(lx, P_SHL, 2);
      return op(lx, P_LT, 1);
    case '>':
      if (n == '=') return op(lx, P_GE, 2);
      if (n == '>' && n2 == '>') return op(lx, P_SHRU, 3);
      if (n == '>') return op(lx, P_SHR, 2);
      return op(lx, P_GT, 1);
    case '!': return n == '=' ? op(lx, P_NEQ, 2) : op(lx, P_BANG, 1);
    case '+': return op(lx, P_PLUS, 1);
    case '-': return n == '>' ? op(lx, P_ARROW, 2) : op(lx, P_MINUS, 1);
    case '*': return op(lx, P_STAR, 1);
    case '/': return op(lx, P_SLASH, 1);
    case '%': return op(lx, P_PERCENT, 1);
    case '~': return op(lx, P_TILDE, 1);
    case '&': return op(lx, P_AMP, 1);
    case '|': return n == '|' ? op(lx, P_CONCAT, 2) : op(lx, P_PIPE, 1);
    case '^': return op(lx, P_CARET, 1);
    case '?': return op(lx, P_QMARK, 1);
    case '@': return op(lx, P_AT, 1);
    default: break;
  }
  char msg[64];
  if (isprint((unsigned char)c))
    snprintf(msg, sizeof msg, "unexpected character '%c'", c);
  else
    snprintf(msg, sizeof msg, "unexpected byte 0x%02x", (unsigned char)c);
  uint32_t at0 = lx->i;
  lx->i++;
  return push_error(lx, at0, lx->i, msg);
}

/* Skips blanks and comments. A bad comment becomes a TK_ERROR token. */
static int skip_space(lexer *lx) {
  for (;;) {
    while (lx->i < lx->len && is_blank((unsigned char)lx->s[lx->i])) lx->i++;
    if (lx->i + 1 < lx->len && lx->s[lx->i] == '-' && lx->s[lx->i + 1] == '-') {
      while (lx->i < lx->len && lx->s[lx->i] != '\n') lx->i++;
      continue;
    }
    if (lx->i + 1 < lx->len && lx->s[lx->i] == '/' && lx->s[lx->i + 1] == '*') {
      uint32_t start = lx->i;
      int level = 0;
      while (lx->i < lx->len) {
        if (lx->s[lx->i] == '/' && at(lx, lx->i + 1) == '*') {
          level++;
          lx->i += 2;
        } else if (lx->s[lx->i] == '*' && at(lx, lx->i + 1) == '/') {
          lx->i += 2;
          if (--level == 0) break;
        } else {
          lx->i++;
        }
      }
      if (level) return push_error(lx, start, lx->len, "unterminated /* comment");
      continue;
    }
    return LAGO_OK;
  }
}

/* Pairs each '(' with its ')' (token indices), so lookahead is O(1). */
static int match_parens(lexer *lx) {
  uint32_t *stack = mem_alloc((size_t)lx->n * sizeof *stack);
  if (!stack) return LAGO_NOMEM;
  uint32_t sp = 0;
  for (uint32_t k = 0; k < lx->n; k++) {
    sql_token *t = &lx->toks[k];
    if (t->kind != TK_OP) continue;
    if (t->op == P_LPAREN) {
      stack[sp++] = k;
    } else if (t->op == P_RPAREN && sp) {
      uint32_t o = stack[--sp];
      lx->toks[o].match = (int32_t)k;
      t->match = (int32_t)o;
    }
  }
  mem_free(stack);
  return LAGO_OK;
}

int sql_lex(arena *ar, const char *text, uint32_t len, sql_token **out, uint32_t *n_out, lago_err *err) {
  lexer lx = {ar, text, len, 0, NULL, 0, 0, err};
  int rc = LAGO_OK;
  for (;;) {
    rc = skip_space(&lx);
    if (rc) break;
    if (lx.i >= lx.len) break;
    unsigned char c = (unsigned char)text[lx.i];
    if (c == '\'' || c == '"') {
      rc = lex_string(&lx, false);
    } else if ((c == 'r' || c == 'R') && (at(&lx, lx.i + 1) == '\'' || at(&lx, lx.i + 1) == '"')) {
      rc = lex_string(&lx, true);
    } else if (c == '`') {
      rc = lex_qident(&lx);
    } else if (is_digit(c)) {
      rc = lex_number(&lx);
    } else if (c == '.' && is_digit((unsigned char)at(&lx, lx.i + 1))) {
      /* ".5" is a number, but "t.5" / "f(x).5" / "a[0].5" is a field access */
      const sql_token *prev = lx.n ? &lx.toks[lx.n - 1] : NULL;
      bool field = prev && prev->pos + prev->len == lx.i &&
                   (prev->kind == TK_WORD || prev->kind == TK_QIDENT ||
                    (prev->kind == TK_OP && (prev->op == P_RPAREN || prev->op == P_RBRACKET)));
      rc = field ? op(&lx, P_DOT, 1) : lex_number(&lx);
    } else if (is_word_char(c)) {
      rc = lex_word(&lx);
    } else {
      rc = lex_op(&lx);
    }
    if (rc) break;
  }
  if (!rc && !push(&lx, TK_EOF, lx.len, 0)) rc = LAGO_NOMEM;
  if (!rc) rc = match_parens(&lx);
  sql_token *final = rc ? NULL : arena_memdup(ar, lx.toks, (size_t)lx.n * sizeof *lx.toks);
  mem_free(lx.toks);
  if (!final) return LAGO_NOMEM_ERR(err);
  *out = final;
  *n_out = lx.n;
  return LAGO_OK;
}
