/*
** format/json/jsonl_lex.c: the JSON lexer of the data file reader: strings,
** numbers, keys, whitespace and comments, and a validating skip/copy of whole
** values. RFC 8259 plus the relaxations Spark's Jackson options allow
** (comments, single quotes, unquoted field names, leading zeros, NaN and
** Infinity, backslash before any character, raw control characters).
**
** Everything works on a bounded span [p, end) of the reader's buffer (one
** record) and never reads at or past `end`. The string scan looks at 16 bytes
** at a time (SSE2) or 8 (SWAR) for the bytes that need attention: the quote,
** '\\', control bytes and non-ASCII (validated as UTF-8 sequence by sequence:
** no overlong forms, no surrogates, nothing above U+10FFFF).
*/
#include "format/json/jsonl_int.h"

#include "util/json.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

void jl_lex_init(jl_lex *lx, const jsonl_options *o, buf *sbuf) {
  memset(lx, 0, sizeof *lx);
  lx->comments = o->allow_comments;
  lx->unquoted_names = o->allow_unquoted_field_names;
  lx->single_quotes = o->allow_single_quotes;
  lx->leading_zeros = o->allow_numeric_leading_zeros;
  lx->nonnum = o->allow_non_numeric_numbers;
  lx->any_escape = o->allow_backslash_escaping_any;
  lx->ctrl_chars = o->allow_unquoted_control_chars;
  lx->sbuf = sbuf;
}

/* Kind of value by its first byte ('\'', '+', 'N', 'I' depend on options: checked at use). */
const uint8_t jl_first[256] = {
    ['{'] = JV_OBJ, ['['] = JV_ARR, ['"'] = JV_STR, ['\''] = JV_STR, ['-'] = JV_NUM, ['+'] = JV_NUM,
    ['0'] = JV_NUM, ['1'] = JV_NUM, ['2'] = JV_NUM, ['3'] = JV_NUM, ['4'] = JV_NUM, ['5'] = JV_NUM,
    ['6'] = JV_NUM, ['7'] = JV_NUM, ['8'] = JV_NUM, ['9'] = JV_NUM, ['N'] = JV_NUM, ['I'] = JV_NUM,
    ['t'] = JV_TRUE, ['f'] = JV_FALSE, ['n'] = JV_NULL,
};

/* ---- whitespace and comments ------------------------------------------------------ */

int jl_ws_slow(jl_lex *lx, const char **pp, const char *end) {
  const char *p = *pp;
  for (;;) {
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) p++;
    if (p + 1 >= end || *p != '/' || !lx->comments) break;
    if (p[1] == '*') {
      const char *q = p + 2;
      while (q + 1 < end && !(q[0] == '*' && q[1] == '/')) q++;
      if (q + 1 >= end) return jl_bad(lx, p, "unterminated comment");
      p = q + 2;
    } else if (p[1] == '/') {
      p += 2;
      while (p < end && *p != '\n' && *p != '\r') p++;
    } else {
      break;
    }
  }
  *pp = p;
  return 0;
}

/* ---- strings ---------------------------------------------------------------------------- */

static int put_utf8(buf *b, uint32_t cp) {
  char u[4];
  size_t n;
  if (cp < 0x80) {
    u[0] = (char)cp;
    n = 1;
  } else if (cp < 0x800) {
    u[0] = (char)(0xC0 | (cp >> 6));
    u[1] = (char)(0x80 | (cp & 0x3F));
    n = 2;
  } else if (cp < 0x10000) {
    u[0] = (char)(0xE0 | (cp >> 12));
    u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[2] = (char)(0x80 | (cp & 0x3F));
    n = 3;
  } else {
    u[0] = (char)(0xF0 | (cp >> 18));
    u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[3] = (char)(0x80 | (cp & 0x3F));
    n = 4;
  }
  return buf_append(b, u, n);
}

/* ---- strings ------------------------------------------------------------------------ */

/* First byte at or after p that is q, '\\', < 0x20 or >= 0x80; end if none. */
static inline const char *scan_plain(const char *p, const char *end, char q) {
#if defined(__SSE2__)
  const __m128i vq = _mm_set1_epi8(q), vb = _mm_set1_epi8('\\'), vc = _mm_set1_epi8(0x20);
  while (end - p >= 16) {
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
    /* Signed compare: bytes >= 0x80 are negative, so "< 0x20" flags them too. */
    __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, vq), _mm_cmpeq_epi8(x, vb)), _mm_cmplt_epi8(x, vc));
    int mask = _mm_movemask_epi8(m);
    if (mask) return p + __builtin_ctz((unsigned)mask);
    p += 16;
  }
#else
  const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
  while (end - p >= 8) {
    uint64_t x, a, b;
    memcpy(&x, p, 8);
    a = x ^ (ones * (unsigned char)q);
    b = x ^ (ones * '\\');
    /* Lowest flagged byte is exact (borrows only move upward). */
    uint64_t m = (((x - ones * 0x20) & ~x) | ((a - ones) & ~a) | ((b - ones) & ~b) | x) & highs;
    if (m) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
      return p + (__builtin_ctzll(m) >> 3);
#else
      break;
#endif
    }
    p += 8;
  }
#endif
  while (p < end) {
    unsigned char c = (unsigned char)*p;
    if (c == (unsigned char)q || c == '\\' || c < 0x20 || c >= 0x80) return p;
    p++;
  }
  return p;
}

static int hex4(const char *p, const char *end, uint32_t *out) {
  if (end - p < 4) return -1;
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) {
    unsigned c = (unsigned char)p[i], d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else return -1;
    v = v * 16 + d;
  }
  *out = v;
  return 0;
}

/* The slow half of jl_string: p is at the first '\\'; [start, p) is plain. */
static int string_escaped(jl_lex *lx, const char *start, const char *p, const char *end, char q, const char **pp,
                          jl_sv *out) {
  buf *b = lx->sbuf;
  buf_clear(b);
  TRY(buf_append(b, start, (size_t)(p - start)));
  for (;;) {
    const char *run = p;
    p = scan_plain(p, end, q);
    TRY(buf_append(b, run, (size_t)(p - run)));
    if (p >= end) return jl_bad(lx, start - 1, "unterminated string");
    unsigned char c = (unsigned char)*p;
    if (c == (unsigned char)q) {
      *pp = p + 1;
      out->p = b->data ? b->data : "";
      out->n = (uint32_t)b->len;
      out->escaped = true;
      out->raw = start;
      out->raw_n = (uint32_t)(p - start);
      return 0;
    }
    if (c >= 0x80) {
      int k = txt_utf8_len((const unsigned char *)p, (const unsigned char *)end);
      if (!k) return jl_bad(lx, p, "invalid UTF-8 in a string");
      TRY(buf_append(b, p, (size_t)k));
      p += k;
      continue;
    }
    if (c < 0x20) {
      if (!lx->ctrl_chars) return jl_bad(lx, p, "unescaped control character in a string");
      TRY(buf_putc(b, (char)c));
      p++;
      continue;
    }
    /* Backslash. */
    if (p + 1 >= end) return jl_bad(lx, start - 1, "unterminated string");
    char e = p[1];
    char ch;
    switch (e) {
      case '"': ch = '"'; break;
      case '\\': ch = '\\'; break;
      case '/': ch = '/'; break;
      case 'b': ch = '\b'; break;
      case 'f': ch = '\f'; break;
      case 'n': ch = '\n'; break;
      case 'r': ch = '\r'; break;
      case 't': ch = '\t'; break;
      case 'u': {
        uint32_t cp, lo;
        if (hex4(p + 2, end, &cp)) return jl_bad(lx, p, "bad \\u escape");
        p += 6;
        if (cp >= 0xD800 && cp < 0xDC00) {
          if (end - p >= 6 && p[0] == '\\' && p[1] == 'u' && !hex4(p + 2, end, &lo) && lo >= 0xDC00 && lo < 0xE000) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            p += 6;
          } else {
            cp = 0xFFFD; /* a lone surrogate (Jackson accepts it; not representable in UTF-8) */
          }
        } else if (cp >= 0xDC00 && cp < 0xE000) {
          cp = 0xFFFD;
        }
        TRY(put_utf8(b, cp));
        continue;
      }
      default:
        if (e == '\'' && lx->single_quotes) {
          ch = '\'';
          break;
        }
        if (!lx->any_escape) return jl_bad(lx, p, "invalid escape in a string");
        if ((unsigned char)e >= 0x80) {
          int k = txt_utf8_len((const unsigned char *)p + 1, (const unsigned char *)end);
          if (!k) return jl_bad(lx, p + 1, "invalid UTF-8 in a string");
          TRY(buf_append(b, p + 1, (size_t)k));
          p += 1 + k;
          continue;
        }
        if ((unsigned char)e < 0x20 && !lx->ctrl_chars) return jl_bad(lx, p + 1, "unescaped control character in a string");
        ch = e;
        break;
    }
    TRY(buf_putc(b, ch));
    p += 2;
  }
}

int jl_string(jl_lex *lx, const char **pp, const char *end, char q, jl_sv *out) {
  const char *start = *pp, *p = start;
  for (;;) {
    p = scan_plain(p, end, q);
    if (p >= end) return jl_bad(lx, start - 1, "unterminated string");
    unsigned char c = (unsigned char)*p;
    if (c == (unsigned char)q) {
      out->p = start;
      out->n = (uint32_t)(p - start);
      out->escaped = false;
      out->raw = start;
      out->raw_n = out->n;
      *pp = p + 1;
      return 0;
    }
    if (c == '\\') return string_escaped(lx, start, p, end, q, pp, out);
    if (c >= 0x80) {
      int k = txt_utf8_len((const unsigned char *)p, (const unsigned char *)end);
      if (!k) return jl_bad(lx, p, "invalid UTF-8 in a string");
      p += k;
      continue;
    }
    if (!lx->ctrl_chars) return jl_bad(lx, p, "unescaped control character in a string");
    p++;
  }
}

static inline bool name_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$' ||
         c >= 0x80;
}

int jl_key(jl_lex *lx, const char **pp, const char *end, jl_sv *out) {
  const char *p = *pp;
  if (p < end && (*p == '"' || (*p == '\'' && lx->single_quotes))) {
    char q = *p++;
    int rc = jl_string(lx, &p, end, q, out);
    if (rc) return rc;
  } else if (p < end && lx->unquoted_names && name_byte((unsigned char)*p)) {
    const char *s = p;
    while (p < end && name_byte((unsigned char)*p)) {
      if ((unsigned char)*p >= 0x80) {
        int k = txt_utf8_len((const unsigned char *)p, (const unsigned char *)end);
        if (!k) return jl_bad(lx, p, "invalid UTF-8 in a field name");
        p += k;
      } else {
        p++;
      }
    }
    out->p = s;
    out->n = (uint32_t)(p - s);
    out->escaped = false;
    out->raw = s;
    out->raw_n = out->n;
  } else {
    return jl_bad(lx, p, p < end && *p == '\'' ? "single quotes are not allowed (allowSingleQuotes)"
                                               : "expected a field name in double quotes");
  }
  if (p < end && *p == ':') {
    p++;
  } else {
    int rc = jl_ws(lx, &p, end);
    if (rc) return rc;
    if (p >= end || *p != ':') return jl_bad(lx, p, "expected ':' after a field name");
    p++;
  }
  int rc = jl_ws(lx, &p, end);
  if (rc) return rc;
  *pp = p;
  return 0;
}

/* ---- numbers ------------------------------------------------------------------------ */

static bool word_at(const char *p, const char *end, const char *w) {
  size_t n = strlen(w);
  return (size_t)(end - p) >= n && memcmp(p, w, n) == 0;
}

int jl_number(jl_lex *lx, const char **pp, const char *end, txt_num *x) {
  const char *p = *pp, *s = p;
  memset(x, 0, sizeof *x);
  x->s = s;
  bool plus = false;
  if (*p == '-') {
    x->neg = true;
    p++;
  } else if (*p == '+') {
    plus = true;
    p++;
  }
  if (p < end && (*p == 'N' || *p == 'I')) {
    size_t k = 0;
    if (!x->neg && !plus && word_at(p, end, "NaN")) {
      x->special = TXT_NUM_NAN;
      k = 3;
    } else if (word_at(p, end, "Infinity")) {
      k = 8;
    } else if ((x->neg || plus) && word_at(p, end, "INF")) {
      k = 3;
    }
    if (!k) return jl_bad(lx, s, "expected a value");
    if (!lx->nonnum) return jl_bad(lx, s, "NaN and Infinity are not allowed (allowNonNumericNumbers)");
    if (!x->special) x->special = x->neg ? TXT_NUM_NINF : TXT_NUM_PINF;
    p += k;
    x->n = (uint32_t)(p - s);
    *pp = p;
    return 0;
  }
  if (plus) return jl_bad(lx, s, "a number cannot start with '+'");
  if (p >= end || (unsigned)(*p - '0') > 9) return jl_bad(lx, s, "expected a digit");
  if (*p == '0' && p + 1 < end && (unsigned)(p[1] - '0') <= 9 && !lx->leading_zeros)
    return jl_bad(lx, s, "leading zeros are not allowed (allowNumericLeadingZeros)");
  uint64_t mant = 0;
  uint32_t sig = 0, kept = 0;
  int32_t e10 = 0;
  /* Integer part. */
  while (p < end) {
    unsigned d = (unsigned)(unsigned char)*p - '0';
    if (d > 9) break;
    p++;
    if (!sig && !d) continue;
    sig++;
    if (kept < 19) {
      mant = mant * 10 + d;
      kept++;
    } else {
      e10++;
    }
  }
  x->is_int = true;
  if (p < end && *p == '.') {
    x->is_int = false;
    p++;
    if (p >= end || (unsigned)(*p - '0') > 9) return jl_bad(lx, p, "expected a digit after the decimal point");
    while (p < end) {
      unsigned d = (unsigned)(unsigned char)*p - '0';
      if (d > 9) break;
      p++;
      x->frac++;
      if (!sig && !d) {
        e10--;
        continue;
      }
      sig++;
      if (kept < 19) {
        mant = mant * 10 + d;
        kept++;
        e10--;
      }
    }
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    x->is_int = false;
    p++;
    bool eneg = false;
    if (p < end && (*p == '+' || *p == '-')) eneg = *p++ == '-';
    if (p >= end || (unsigned)(*p - '0') > 9) return jl_bad(lx, p, "expected a digit in the exponent");
    int32_t ev = 0;
    while (p < end && (unsigned)(*p - '0') <= 9) {
      if (ev < 100000000) ev = ev * 10 + (*p - '0');
      p++;
    }
    x->exp = eneg ? -ev : ev;
    e10 += x->exp;
  }
  x->mant = mant;
  x->sig = sig;
  x->exp10 = e10;
  x->n = (uint32_t)(p - s);
  *pp = p;
  return 0;
}

/* ---- skipping and copying values --------------------------------------------------- */

int jl_json_str(buf *out, const char *s, size_t n) { return json_escape(out, s, n); }

/* Canonical text of a number token (leading zeros dropped, NaN/Infinity as strings). */
static int put_number(buf *out, const txt_num *x) {
  if (x->special == TXT_NUM_NAN) return buf_puts(out, "\"NaN\"");
  if (x->special == TXT_NUM_PINF) return buf_puts(out, "\"Infinity\"");
  if (x->special == TXT_NUM_NINF) return buf_puts(out, "\"-Infinity\"");
  const char *p = x->s, *e = x->s + x->n;
  if (*p == '-') {
    TRY(buf_putc(out, '-'));
    p++;
  }
  while (p + 1 < e && *p == '0' && (unsigned)(p[1] - '0') <= 9) p++;
  return buf_append(out, p, (size_t)(e - p));
}

#define PUT(expr)                        \
  do {                                   \
    if (out && (expr)) return LAGO_NOMEM; \
  } while (0)

int jl_skip(jl_lex *lx, const char **pp, const char *end, buf *out) {
  uint64_t stack[JL_MAX_DEPTH / 64]; /* bit set = object, clear = array */
  int depth = 0, rc;
  const char *p = *pp;
  jl_sv sv;
  txt_num num;
value:
  if (p >= end) return jl_bad(lx, p, "unexpected end of record, expected a value");
  switch (jl_first[(unsigned char)*p]) {
    case JV_OBJ:
    case JV_ARR: {
      bool obj = *p == '{';
      if (depth >= JL_MAX_DEPTH) return jl_bad(lx, p, "nesting too deep");
      if (obj) stack[depth >> 6] |= (uint64_t)1 << (depth & 63);
      else stack[depth >> 6] &= ~((uint64_t)1 << (depth & 63));
      depth++;
      PUT(buf_putc(out, *p));
      p++;
      if ((rc = jl_ws(lx, &p, end))) return rc;
      if (p < end && *p == (obj ? '}' : ']')) {
        PUT(buf_putc(out, *p));
        p++;
        depth--;
        goto after;
      }
      if (obj) goto key;
      goto value;
    }
    case JV_STR:
      if (*p == '\'' && !lx->single_quotes) return jl_bad(lx, p, "single quotes are not allowed (allowSingleQuotes)");
      {
        char q = *p++;
        if ((rc = jl_string(lx, &p, end, q, &sv))) return rc;
        PUT(jl_json_str(out, sv.p, sv.n));
      }
      goto after;
    case JV_NUM:
      if ((rc = jl_number(lx, &p, end, &num))) return rc;
      PUT(put_number(out, &num));
      goto after;
    case JV_TRUE:
      if (!word_at(p, end, "true")) return jl_bad(lx, p, "expected a value");
      PUT(buf_append(out, "true", 4));
      p += 4;
      goto after;
    case JV_FALSE:
      if (!word_at(p, end, "false")) return jl_bad(lx, p, "expected a value");
      PUT(buf_append(out, "false", 5));
      p += 5;
      goto after;
    case JV_NULL:
      if (!word_at(p, end, "null")) return jl_bad(lx, p, "expected a value");
      PUT(buf_append(out, "null", 4));
      p += 4;
      goto after;
    default:
      return jl_bad(lx, p, "expected a value");
  }
key:
  if ((rc = jl_key(lx, &p, end, &sv))) return rc;
  PUT(jl_json_str(out, sv.p, sv.n));
  PUT(buf_putc(out, ':'));
  goto value;
after:
  if (depth == 0) {
    *pp = p;
    return 0;
  }
  if ((rc = jl_ws(lx, &p, end))) return rc;
  {
    bool obj = (stack[(depth - 1) >> 6] >> ((depth - 1) & 63)) & 1;
    if (p < end && *p == ',') {
      PUT(buf_putc(out, ','));
      p++;
      if ((rc = jl_ws(lx, &p, end))) return rc;
      if (obj) goto key;
      goto value;
    }
    if (p < end && *p == (obj ? '}' : ']')) {
      PUT(buf_putc(out, *p));
      p++;
      depth--;
      goto after;
    }
    if (p >= end) return jl_bad(lx, p, obj ? "unexpected end of record inside an object" : "unexpected end of record inside an array");
    return jl_bad(lx, p, obj ? "expected ',' or '}' in an object" : "expected ',' or ']' in an array");
  }
}
