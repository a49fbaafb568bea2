/*
** util/json.c: JSON DOM parser, accessors and writer (see json.h).
**
** Parser design (speed matters: Delta log replay parses millions of small
** objects):
**   - One pass, iterative, over a mutable copy of the text (json_parse copies
**     the input into the arena once; json_parse_mut and json_lines_init_mut
**     use the caller's buffer). Strings are NUL-terminated in place by
**     overwriting their closing quote; escaped strings are decoded in place
**     (decoded bytes are never longer than their escapes, so the write
**     position never passes the read position). Numbers point at their text.
**   - Values of open containers wait on one scratch stack of json_member
**     (an on-stack array, grown on the heap only for big documents, and kept
**     across lines by json_lines); when a container closes, its items are
**     copied into one exact-size arena array. So the arena receives only the
**     final tree, and there is no per-value heap allocation.
**   - Nesting is tracked in a fixed array of JSON_MAX_DEPTH frames, not by
**     recursion.
**   - String scanning tests 8 bytes at a time (SWAR) for the bytes that need
**     attention: '"', '\\', control bytes and non-ASCII (which is validated
**     as UTF-8 sequence by sequence).
**   - Line numbers for error messages are counted only where a newline may
**     legally appear (whitespace), so reporting needs no rescan.
*/
#include "util/json.h"

#include <limits.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/numfmt.h"
#include "util/hex.h"

/* ---- small helpers ---------------------------------------------------------- */

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

static inline uint64_t load64(const unsigned char *p) {
  uint64_t x;
  memcpy(&x, p, 8);
  return x;
}

/*
** High bit set in each byte of x that is '"', '\\', < 0x20 or >= 0x80 (the
** bytes a string scan must stop at). The classic has-zero-byte trick can
** flag false positives, but only in bytes more significant than a true one
** (a borrow moves upward), so on a little-endian machine the lowest flag is
** exactly the first such byte in memory.
*/
static inline uint64_t swar_mask(uint64_t x) {
  uint64_t q = x ^ (ONES * '"');
  uint64_t b = x ^ (ONES * '\\');
  return (((x - ONES * 0x20) & ~x) | ((q - ONES) & ~q) | ((b - ONES) & ~b) | x) & HIGHS;
}

static inline bool plain_byte(unsigned c) { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\'; }

/* Index of the first byte flagged in mask m (non-zero) of the chunk at p. */
static inline size_t swar_first(uint64_t m, const unsigned char *p) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  (void)p;
  return (size_t)__builtin_ctzll(m) >> 3;
#else
  (void)m;
  size_t k = 0;
  while (plain_byte(p[k])) k++;
  return k;
#endif
}

/* Length of the valid UTF-8 sequence at q (a byte >= 0x80), or 0 if invalid
** (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF). */
static inline int utf8_seq_len(const unsigned char *q, const unsigned char *end) {
  unsigned c = q[0];
  size_t avail = (size_t)(end - q);
  if (c < 0xC2) return 0; /* continuation byte or overlong C0/C1 */
  if (c < 0xE0) return avail >= 2 && (q[1] & 0xC0) == 0x80 ? 2 : 0;
  if (c < 0xF0) {
    if (avail < 3 || (q[1] & 0xC0) != 0x80 || (q[2] & 0xC0) != 0x80) return 0;
    if (c == 0xE0 && q[1] < 0xA0) return 0;  /* overlong */
    if (c == 0xED && q[1] >= 0xA0) return 0; /* U+D800..U+DFFF */
    return 3;
  }
  if (c < 0xF5) {
    if (avail < 4 || (q[1] & 0xC0) != 0x80 || (q[2] & 0xC0) != 0x80 || (q[3] & 0xC0) != 0x80) return 0;
    if (c == 0xF0 && q[1] < 0x90) return 0;  /* overlong */
    if (c == 0xF4 && q[1] >= 0x90) return 0; /* > U+10FFFF */
    return 4;
  }
  return 0;
}

static inline unsigned char *utf8_put(unsigned char *d, uint32_t cp) {
  if (cp < 0x80) {
    *d++ = (unsigned char)cp;
  } else if (cp < 0x800) {
    *d++ = (unsigned char)(0xC0 | (cp >> 6));
    *d++ = (unsigned char)(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *d++ = (unsigned char)(0xE0 | (cp >> 12));
    *d++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    *d++ = (unsigned char)(0x80 | (cp & 0x3F));
  } else {
    *d++ = (unsigned char)(0xF0 | (cp >> 18));
    *d++ = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    *d++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    *d++ = (unsigned char)(0x80 | (cp & 0x3F));
  }
  return d;
}


static inline bool is_digit(unsigned c) { return c - '0' < 10; }

/* ---- parser state ------------------------------------------------------------ */

typedef struct jp {
  unsigned char *p;           /* read position */
  unsigned char *start;       /* start of the document (err->pos base) */
  unsigned char *end;
  unsigned char *line_start;  /* first byte of the current line */
  size_t line;                /* 1-based */
  size_t base_off;            /* offset of `start` in the caller's text */
  arena *ar;
  json_member *stk;           /* scratch stack of pending items */
  size_t cap, top;
  bool stk_heap;              /* stk is heap memory (else the caller's array) */
  lago_err *err;
} jp;

/* Records a parse error at `at`: "line L, column C: what". */
__attribute__((format(printf, 3, 4))) static int perr(jp *P, const unsigned char *at, const char *fmt, ...) {
  char what[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  size_t off = P->base_off + (size_t)(at - P->start);
  size_t col = (size_t)(at - P->line_start) + 1;
  int pos = off <= (size_t)INT_MAX ? (int)off : -1;
  return LAGO_ERR_POS(P->err, LAGO_PARSE, pos, "line %zu, column %zu: %s", P->line, col, what);
}

/* Describes the byte at p for messages: 'x', or byte 0xNN, or end of input. */
static const char *describe(jp *P, const unsigned char *p, char tmp[16]) {
  if (p >= P->end) return "end of input";
  if (*p >= 0x21 && *p < 0x7F) snprintf(tmp, 16, "'%c'", *p);
  else snprintf(tmp, 16, "byte 0x%02X", *p);
  return tmp;
}

static inline void skip_ws(jp *P) {
  unsigned char *p = P->p, *end = P->end;
  while (p < end) {
    unsigned c = *p;
    if (c == ' ' || c == '\t' || c == '\r') {
      p++;
    } else if (c == '\n') {
      p++;
      P->line++;
      P->line_start = p;
    } else {
      break;
    }
  }
  P->p = p;
}

static int stk_grow(jp *P) {
  size_t ncap = P->cap ? P->cap * 2 : 64;
  json_member *n;
  if (P->stk_heap) {
    n = mem_realloc(P->stk, ncap * sizeof *n);
  } else {
    n = mem_alloc(ncap * sizeof *n);
    if (n && P->top) memcpy(n, P->stk, P->top * sizeof *n);
  }
  if (!n) return LAGO_NOMEM_ERR(P->err);
  P->stk = n;
  P->cap = ncap;
  P->stk_heap = true;
  return LAGO_OK;
}

static inline int stk_push(jp *P) {
  if (P->top == P->cap) TRY(stk_grow(P));
  json_member *m = &P->stk[P->top++];
  m->key = NULL;
  m->key_len = 0;
  return LAGO_OK;
}

/* ---- strings ------------------------------------------------------------------ */

/* Decodes the \u escape at q (q[0] == '\\', q[1] == 'u') into *cp, consuming
** a following low surrogate escape when *cp is a high surrogate. Returns the
** bytes consumed, or 0 after recording an error. */
static size_t read_u_escape(jp *P, const unsigned char *q, uint32_t *cp) {
  const unsigned char *end = P->end;
  uint32_t v = 0;
  for (int i = 2; i < 6; i++) {
    if (q + i >= end) return perr(P, q, "truncated \\u escape in string"), 0;
    int h = hex_value(q[i]);
    if (h < 0) return perr(P, q, "invalid \\u escape in string: expected 4 hex digits"), 0;
    v = v << 4 | (uint32_t)h;
  }
  if (v >= 0xDC00 && v <= 0xDFFF)
    return perr(P, q, "lone low surrogate \\u%04X in string", (unsigned)v), 0;
  if (v >= 0xD800 && v <= 0xDBFF) {
    uint32_t lo = 0;
    bool ok = end - q >= 12 && q[6] == '\\' && q[7] == 'u';
    for (int i = 8; ok && i < 12; i++) {
      int h = hex_value(q[i]);
      if (h < 0) ok = false;
      else lo = lo << 4 | (uint32_t)h;
    }
    if (!ok || lo < 0xDC00 || lo > 0xDFFF)
      return perr(P, q, "lone high surrogate \\u%04X in string (not followed by a \\uDC00-\\uDFFF escape)",
                  (unsigned)v), 0;
    *cp = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
    return 12;
  }
  *cp = v;
  return 6;
}

/*
** Parses the string whose opening quote is at P->p. On success *out points
** at its unescaped bytes (in the text buffer, NUL-terminated) and P->p is
** past the closing quote.
*/
static int parse_string(jp *P, const char **out, uint32_t *len_out) {
  unsigned char *s = P->p + 1, *q = s, *end = P->end;
  /* Fast path: no escapes yet, nothing to move. */
  for (;;) {
    for (;;) {
      if (end - q >= 8) {
        uint64_t m = swar_mask(load64(q));
        if (!m) {
          q += 8;
          continue;
        }
        q += swar_first(m, q);
        break;
      }
      while (q < end && plain_byte(*q)) q++;
      break;
    }
    if (q >= end) return perr(P, P->p, "unterminated string");
    unsigned c = *q;
    if (c == '"') {
      *q = 0;
      *out = (const char *)s;
      *len_out = (uint32_t)(q - s);
      P->p = q + 1;
      return LAGO_OK;
    }
    if (c == '\\') break;
    if (c < 0x20) return perr(P, q, "control character 0x%02X in string (must be escaped)", c);
    int n = utf8_seq_len(q, end);
    if (!n) return perr(P, q, "invalid UTF-8 byte 0x%02X in string", c);
    q += n;
  }
  /* Slow path: decode in place; d trails q. */
  unsigned char *d = q;
  for (;;) {
    for (;;) {
      if (end - q >= 8) {
        uint64_t x = load64(q);
        uint64_t m = swar_mask(x);
        if (!m) {
          memcpy(d, &x, 8); /* d <= q: overwrites only bytes already read */
          d += 8;
          q += 8;
          continue;
        }
        size_t k = swar_first(m, q);
        if (q - d >= 8) memcpy(d, &x, 8); /* the tail lands on consumed bytes */
        else memmove(d, q, k);
        d += k;
        q += k;
        break;
      }
      while (q < end && plain_byte(*q)) *d++ = *q++;
      break;
    }
    if (q >= end) return perr(P, P->p, "unterminated string");
    unsigned c = *q;
    if (c == '"') {
      *d = 0;
      *out = (const char *)s;
      *len_out = (uint32_t)(d - s);
      P->p = q + 1;
      return LAGO_OK;
    }
    if (c == '\\') {
      if (end - q < 2) return perr(P, P->p, "unterminated string");
      unsigned e = q[1];
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
          uint32_t cp;
          size_t used = read_u_escape(P, q, &cp);
          if (!used) return LAGO_PARSE;
          d = utf8_put(d, cp);
          q += used;
          continue;
        }
        default:
          if (e >= 0x21 && e < 0x7F) return perr(P, q, "invalid escape '\\%c' in string", e);
          return perr(P, q, "invalid escape: byte 0x%02X after '\\' in string", e);
      }
      *d++ = (unsigned char)ch;
      q += 2;
    } else if (c < 0x20) {
      return perr(P, q, "control character 0x%02X in string (must be escaped)", c);
    } else { /* >= 0x80: plain ASCII never stops the scan above */
      int n = utf8_seq_len(q, end);
      if (!n) return perr(P, q, "invalid UTF-8 byte 0x%02X in string", c);
      memmove(d, q, (size_t)n);
      d += n;
      q += n;
    }
  }
}

/* ---- numbers ------------------------------------------------------------------- */

static locale_t g_c_locale;
static pthread_once_t g_c_locale_once = PTHREAD_ONCE_INIT;
static void c_locale_init(void) { g_c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0); }

/* strtod of a NUL-terminated, already validated JSON number, independent of
** the process locale. */
static double strtod_c(const char *s) {
  pthread_once(&g_c_locale_once, c_locale_init);
  return g_c_locale ? strtod_l(s, NULL, g_c_locale) : strtod(s, NULL);
}

/*
** Nearest double of a validated JSON number text of any length. Texts that
** fit a stack buffer go to strtod as they are; longer ones (thousands of
** digits, fuzz input) are reduced first: 780 significant digits are enough
** for correct rounding of binary64 as long as a final sticky '1' records
** whether any dropped digit was non-zero, and exponents are clamped far
** beyond the range where the result is 0 or infinity.
*/
static double slow_double(const unsigned char *s, size_t n) {
  char tmp[1024];
  if (n < sizeof tmp) {
    memcpy(tmp, s, n);
    tmp[n] = 0;
    return strtod_c(tmp);
  }
  const unsigned char *q = s, *end = s + n;
  size_t k = 0;
  if (*q == '-') tmp[k++] = *q++;
  int64_t kept = 0, dropped_exp = 0, frac_digits = 0;
  bool sticky = false, seen_nonzero = false, in_frac = false;
  for (; q < end && (is_digit(*q) || *q == '.'); q++) {
    if (*q == '.') {
      in_frac = true;
      continue;
    }
    if (in_frac) frac_digits++;
    if (!seen_nonzero && *q == '0') continue;
    seen_nonzero = true;
    if (kept < 780) {
      tmp[k++] = (char)*q;
      kept++;
    } else {
      dropped_exp++;
      if (*q != '0') sticky = true;
    }
  }
  if (!seen_nonzero) return s[0] == '-' ? -0.0 : 0.0;
  if (sticky) {
    tmp[k++] = '1';
    dropped_exp--;
  }
  int64_t e = 0;
  if (q < end && (*q | 0x20) == 'e') {
    q++;
    bool eneg = false;
    if (*q == '+' || *q == '-') eneg = *q++ == '-';
    for (; q < end && is_digit(*q); q++)
      if (e < 1000000000) e = e * 10 + (*q - '0');
    if (eneg) e = -e;
  }
  e += dropped_exp - frac_digits;
  if (e > 999999999) e = 999999999;
  if (e < -999999999) e = -999999999;
  snprintf(tmp + k, sizeof tmp - k, "e%lld", (long long)e);
  return strtod_c(tmp);
}

static const double k_pow10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                   1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/*
** Parses the number at P->p into v.
** Grammar (RFC 8259 §6): -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
*/
static int parse_number(jp *P, json_value *v) {
  unsigned char *s = P->p, *q = s, *end = P->end;
  bool neg = false;
  if (*q == '-') {
    neg = true;
    q++;
  }
  if (q >= end || !is_digit(*q)) return perr(P, q, "invalid number: expected a digit after '-'");
  uint64_t m = 0; /* first 19 significant digits */
  int sig = 0;    /* significant digits seen (leading zeros excluded) */
  int int_digits = 0;
  int frac_digits = 0;
  if (*q == '0') {
    q++;
    int_digits = 1;
    if (q < end && is_digit(*q)) return perr(P, s, "invalid number: leading zero");
  } else {
    while (q < end && is_digit(*q)) {
      if (sig < 19) m = m * 10 + (uint64_t)(*q - '0');
      sig++;
      int_digits++;
      q++;
    }
  }
  bool integral = true;
  int dropped = sig > 19 ? sig - 19 : 0; /* integer digits not in m */
  if (q < end && *q == '.') {
    integral = false;
    q++;
    if (q >= end || !is_digit(*q)) return perr(P, q, "invalid number: expected a digit after '.'");
    while (q < end && is_digit(*q)) {
      if (sig == 0 && *q == '0') {
        frac_digits++;
      } else if (sig < 19) {
        m = m * 10 + (uint64_t)(*q - '0');
        sig++;
        frac_digits++;
      } else {
        sig++;
      }
      q++;
    }
  }
  int64_t exp10 = 0;
  if (q < end && (*q | 0x20) == 'e') {
    integral = false;
    q++;
    bool eneg = false;
    if (q < end && (*q == '+' || *q == '-')) eneg = *q++ == '-';
    if (q >= end || !is_digit(*q)) return perr(P, q, "invalid number: expected a digit in the exponent");
    while (q < end && is_digit(*q)) {
      if (exp10 < 100000) exp10 = exp10 * 10 + (*q - '0');
      q++;
    }
    if (eneg) exp10 = -exp10;
  }
  v->type = JSON_NUMBER;
  v->boolean = false;
  v->is_int = false;
  v->u.str = (const char *)s;
  v->len = (uint32_t)(q - s);
  v->x.num.i = 0;
  P->p = q;

  if (integral && int_digits <= 19) {
    /* m holds the whole integer. */
    if (!neg && m <= (uint64_t)INT64_MAX) {
      v->is_int = true;
      v->x.num.i = (int64_t)m;
      v->x.num.d = (double)m;
      return LAGO_OK;
    }
    if (neg && m <= (uint64_t)INT64_MAX + 1) {
      v->is_int = true;
      v->x.num.i = m == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)m;
      v->x.num.d = -(double)m; /* -0.0 for "-0" */
      return LAGO_OK;
    }
  }
  if (m == 0 && sig == 0) {
    v->x.num.d = neg ? -0.0 : 0.0;
    return LAGO_OK;
  }
  /* Clinger's fast path: m and 10^|e| exact in binary64, one rounding. */
  if (sig <= 19 && m <= (1ull << 53)) {
    int64_t e = exp10 - frac_digits + dropped;
    if (e >= -22 && e <= 22) {
      double d = (double)m;
      d = e < 0 ? d / k_pow10[-e] : d * k_pow10[e];
      v->x.num.d = neg ? -d : d;
      return LAGO_OK;
    }
  }
  v->x.num.d = slow_double(s, v->len);
  return LAGO_OK;
}

/* ---- objects: hash index ------------------------------------------------------- */

typedef struct json_index {
  uint32_t mask;     /* slots - 1, slots a power of two >= 2 * members */
  uint32_t slot[];   /* member index + 1, 0 = empty */
} json_index;

/* The seed is the (ASLR-randomised) address of a static, so it differs per
** process without any mutable state: crafted colliding keys cannot be
** prepared in advance. */
static const char k_seed_anchor;

static inline uint32_t hash_key(const char *k, size_t n) {
  uint32_t h = 2166136261u ^ (uint32_t)((uintptr_t)&k_seed_anchor >> 4); /* FNV-1a, seeded */
  for (size_t i = 0; i < n; i++) {
    h ^= (unsigned char)k[i];
    h *= 16777619u;
  }
  return h ^ (h >> 15);
}

static int build_index(jp *P, json_value *obj) {
  uint32_t n = obj->len, slots = 32;
  while (slots < 2 * (size_t)n) slots *= 2;
  json_index *ix = arena_calloc(P->ar, 1, sizeof(json_index) + (size_t)slots * sizeof(uint32_t));
  if (!ix) return LAGO_NOMEM_ERR(P->err);
  ix->mask = slots - 1;
  const json_member *m = obj->u.members;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t h = hash_key(m[i].key, m[i].key_len) & ix->mask;
    for (;;) {
      uint32_t s = ix->slot[h];
      if (!s) break;
      const json_member *o = &m[s - 1];
      if (o->key_len == m[i].key_len && memcmp(o->key, m[i].key, o->key_len) == 0) break; /* later wins */
      h = (h + 1) & ix->mask;
    }
    ix->slot[h] = i + 1;
  }
  obj->x.index = ix;
  return LAGO_OK;
}

/* ---- the value parser ------------------------------------------------------------ */

typedef struct frame {
  uint32_t start;  /* stk index of the container's first item */
  bool is_obj;
} frame;

static int close_container(jp *P, const frame *fr, json_value *v) {
  size_t n = P->top - fr->start;
  const json_member *src = P->stk + fr->start;
  memset(v, 0, sizeof *v);
  v->len = (uint32_t)n;
  if (fr->is_obj) {
    v->type = JSON_OBJECT;
    json_member *m = arena_alloc(P->ar, n * sizeof *m);
    if (!m) return LAGO_NOMEM_ERR(P->err);
    if (n) memcpy(m, src, n * sizeof *m);
    v->u.members = m;
    if (n >= JSON_INDEX_MIN) TRY(build_index(P, v));
  } else {
    v->type = JSON_ARRAY;
    json_value *a = arena_alloc(P->ar, n * sizeof *a);
    if (!a) return LAGO_NOMEM_ERR(P->err);
    for (size_t i = 0; i < n; i++) a[i] = src[i].value;
    v->u.items = a;
  }
  P->top = fr->start;
  return LAGO_OK;
}

static int parse_literal(jp *P, const char *word, size_t n) {
  if ((size_t)(P->end - P->p) < n || memcmp(P->p, word, n) != 0) {
    /* Point at the first byte that differs. */
    const unsigned char *q = P->p;
    while (q < P->end && (size_t)(q - P->p) < n && *q == (unsigned char)word[q - P->p]) q++;
    char tmp[16];
    return perr(P, q, "invalid literal: expected '%s', got %s", word, describe(P, q, tmp));
  }
  P->p += n;
  return LAGO_OK;
}

/* Parses one value at P->p (after optional whitespace) into *result. */
static int parse_value(jp *P, json_value *result) {
  frame frames[JSON_MAX_DEPTH];
  int depth = 0;
  json_value v;
  char tmp[16];

value:
  skip_ws(P);
  if (P->p >= P->end)
    return perr(P, P->p, depth ? "unexpected end of input, expected a value" : "expected a value, got end of input");
  switch (*P->p) {
    case '{':
    case '[': {
      bool is_obj = *P->p == '{';
      if (depth == JSON_MAX_DEPTH) return perr(P, P->p, "nesting deeper than %d levels", JSON_MAX_DEPTH);
      frames[depth].start = (uint32_t)P->top;
      frames[depth].is_obj = is_obj;
      depth++;
      P->p++;
      skip_ws(P);
      if (P->p < P->end && *P->p == (is_obj ? '}' : ']')) {
        P->p++;
        depth--;
        memset(&v, 0, sizeof v);
        v.type = is_obj ? JSON_OBJECT : JSON_ARRAY;
        v.u.items = NULL;
        goto have_value;
      }
      if (is_obj) goto key;
      TRY(stk_push(P));
      goto value;
    }
    case '"':
      memset(&v, 0, sizeof v);
      v.type = JSON_STRING;
      TRY(parse_string(P, &v.u.str, &v.len));
      break;
    case 't':
    case 'f': {
      bool t = *P->p == 't';
      TRY(parse_literal(P, t ? "true" : "false", t ? 4 : 5));
      memset(&v, 0, sizeof v);
      v.type = JSON_BOOL;
      v.boolean = t;
      break;
    }
    case 'n':
      TRY(parse_literal(P, "null", 4));
      memset(&v, 0, sizeof v);
      v.type = JSON_NULL;
      break;
    case '-':
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
      TRY(parse_number(P, &v));
      break;
    default:
      return perr(P, P->p, "unexpected %s, expected a value", describe(P, P->p, tmp));
  }

have_value:
  if (depth == 0) {
    *result = v;
    return LAGO_OK;
  }
  P->stk[P->top - 1].value = v;
  skip_ws(P);
  {
    frame *fr = &frames[depth - 1];
    if (P->p < P->end && *P->p == ',') {
      P->p++;
      if (fr->is_obj) goto key;
      TRY(stk_push(P));
      goto value;
    }
    if (P->p < P->end && *P->p == (fr->is_obj ? '}' : ']')) {
      P->p++;
      TRY(close_container(P, fr, &v));
      depth--;
      goto have_value;
    }
    if (fr->is_obj) return perr(P, P->p, "expected ',' or '}' after object member, got %s", describe(P, P->p, tmp));
    return perr(P, P->p, "expected ',' or ']' after array item, got %s", describe(P, P->p, tmp));
  }

key:
  skip_ws(P);
  if (P->p >= P->end || *P->p != '"')
    return perr(P, P->p, "expected a string key, got %s", describe(P, P->p, tmp));
  TRY(stk_push(P));
  {
    const char *k;
    uint32_t klen;
    TRY(parse_string(P, &k, &klen));
    P->stk[P->top - 1].key = k;
    P->stk[P->top - 1].key_len = klen;
  }
  skip_ws(P);
  if (P->p >= P->end || *P->p != ':')
    return perr(P, P->p, "expected ':' after object key, got %s", describe(P, P->p, tmp));
  P->p++;
  goto value;
}

/* ---- entry points ----------------------------------------------------------------- */

#define STK_LOCAL 64

static void jp_init(jp *P, arena *ar, unsigned char *text, size_t len, json_member *local, lago_err *err) {
  P->p = P->start = P->line_start = text;
  P->end = text + len;
  P->line = 1;
  P->base_off = 0;
  P->ar = ar;
  P->stk = local;
  P->cap = local ? STK_LOCAL : 0;
  P->top = 0;
  P->stk_heap = false;
  P->err = err;
}

static void jp_deinit(jp *P) {
  if (P->stk_heap) mem_free(P->stk);
}

/* Parses the document in P; with `whole`, nothing but whitespace may follow. */
static int parse_doc(jp *P, bool whole, json_value **out) {
  json_value *v = arena_alloc(P->ar, sizeof *v);
  if (!v) return LAGO_NOMEM_ERR(P->err);
  TRY(parse_value(P, v));
  if (whole) {
    skip_ws(P);
    if (P->p < P->end) {
      char tmp[16];
      return perr(P, P->p, "unexpected %s after the JSON value", describe(P, P->p, tmp));
    }
  }
  *out = v;
  return LAGO_OK;
}

static int check_size(size_t len, lago_err *err) {
  if (len > JSON_MAX_TEXT)
    return LAGO_ERR(err, LAGO_UNSUPPORTED, "JSON text of %zu bytes is larger than the limit of %u bytes", len,
                    JSON_MAX_TEXT);
  return LAGO_OK;
}

static int parse_common(arena *ar, unsigned char *text, size_t len, bool whole, json_value **out,
                        size_t *consumed, lago_err *err) {
  json_member local[STK_LOCAL];
  jp P;
  jp_init(&P, ar, text, len, local, err);
  int rc = parse_doc(&P, whole, out);
  if (consumed) *consumed = rc ? 0 : (size_t)(P.p - P.start);
  jp_deinit(&P);
  return rc;
}

static unsigned char *copy_text(arena *ar, const char *text, size_t len) {
  unsigned char *c = arena_alloc(ar, len + 1);
  if (!c) return NULL;
  if (len) memcpy(c, text, len);
  c[len] = 0;
  return c;
}

int json_parse(arena *ar, const char *text, size_t len, json_value **out, lago_err *err) {
  *out = NULL;
  TRY(check_size(len, err));
  unsigned char *c = copy_text(ar, text, len);
  if (!c) return LAGO_NOMEM_ERR(err);
  return parse_common(ar, c, len, true, out, NULL, err);
}

int json_parse_mut(arena *ar, char *text, size_t len, json_value **out, lago_err *err) {
  *out = NULL;
  TRY(check_size(len, err));
  return parse_common(ar, (unsigned char *)text, len, true, out, NULL, err);
}

int json_parse_prefix(arena *ar, const char *text, size_t len, json_value **out, size_t *consumed,
                      lago_err *err) {
  *out = NULL;
  *consumed = 0;
  TRY(check_size(len, err));
  unsigned char *c = copy_text(ar, text, len);
  if (!c) return LAGO_NOMEM_ERR(err);
  return parse_common(ar, c, len, false, out, consumed, err);
}

void json_lines_init(json_lines *it, const char *text, size_t len) {
  memset(it, 0, sizeof *it);
  it->text = text;
  it->len = text ? len : 0;
}

void json_lines_init_mut(json_lines *it, char *text, size_t len) {
  json_lines_init(it, text, len);
  it->inplace = true;
}

void json_lines_deinit(json_lines *it) {
  mem_free(it->scratch);
  it->scratch = NULL;
  it->scratch_cap = 0;
}

int json_lines_next(json_lines *it, arena *ar, json_value **out, lago_err *err) {
  *out = NULL;
  while (it->pos < it->len) {
    const char *s = it->text + it->pos;
    size_t rem = it->len - it->pos;
    const char *nl = memchr(s, '\n', rem);
    size_t n = nl ? (size_t)(nl - s) : rem;
    size_t line_off = it->pos;
    it->pos += n + (nl ? 1 : 0);
    it->line_no++;
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r')) i++;
    if (i == n) continue; /* blank line */
    if (n > JSON_MAX_TEXT)
      return LAGO_ERR(err, LAGO_UNSUPPORTED, "line %zu: JSON text of %zu bytes is larger than the limit of %u bytes",
                      it->line_no, n, JSON_MAX_TEXT);
    unsigned char *line = it->inplace ? (unsigned char *)s : copy_text(ar, s, n);
    if (!line) return LAGO_NOMEM_ERR(err);
    jp P;
    jp_init(&P, ar, line, n, NULL, err);
    P.line = it->line_no;
    P.base_off = line_off;
    P.stk = it->scratch;
    P.cap = it->scratch_cap;
    P.stk_heap = it->scratch != NULL;
    int rc = parse_doc(&P, true, out);
    if (P.stk_heap) {
      it->scratch = P.stk;
      it->scratch_cap = P.cap;
    }
    if (rc) *out = NULL;
    return rc;
  }
  return LAGO_OK;
}

/* ---- access ------------------------------------------------------------------------ */

const json_value *json_at(const json_value *v, size_t i) {
  if (!v || v->type != JSON_ARRAY || i >= v->len) return NULL;
  return &v->u.items[i];
}

const json_member *json_member_at(const json_value *v, size_t i) {
  if (!v || v->type != JSON_OBJECT || i >= v->len) return NULL;
  return &v->u.members[i];
}

const json_value *json_getn(const json_value *obj, const char *key, size_t key_len) {
  if (!obj || obj->type != JSON_OBJECT) return NULL;
  const json_member *m = obj->u.members;
  const json_index *ix = obj->x.index;
  if (ix) {
    uint32_t h = hash_key(key, key_len) & ix->mask;
    for (;;) {
      uint32_t s = ix->slot[h];
      if (!s) return NULL;
      const json_member *o = &m[s - 1];
      if (o->key_len == key_len && memcmp(o->key, key, key_len) == 0) return &o->value;
      h = (h + 1) & ix->mask;
    }
  }
  for (size_t i = obj->len; i-- > 0;)
    if (m[i].key_len == key_len && memcmp(m[i].key, key, key_len) == 0) return &m[i].value;
  return NULL;
}

const json_value *json_get(const json_value *obj, const char *key) { return json_getn(obj, key, strlen(key)); }

const char *json_type_name(json_type t) {
  switch (t) {
    case JSON_NULL: return "null";
    case JSON_BOOL: return "boolean";
    case JSON_NUMBER: return "number";
    case JSON_STRING: return "string";
    case JSON_ARRAY: return "array";
    case JSON_OBJECT: return "object";
  }
  return "invalid";
}

bool json_equal(const json_value *a, const json_value *b) {
  if (!a || !b) return a == b;
  if (a->type != b->type) return false;
  switch ((json_type)a->type) {
    case JSON_NULL: return true;
    case JSON_BOOL: return a->boolean == b->boolean;
    case JSON_NUMBER:
    case JSON_STRING: return a->len == b->len && memcmp(a->u.str, b->u.str, a->len) == 0;
    case JSON_ARRAY:
      if (a->len != b->len) return false;
      for (uint32_t i = 0; i < a->len; i++)
        if (!json_equal(&a->u.items[i], &b->u.items[i])) return false;
      return true;
    case JSON_OBJECT:
      if (a->len != b->len) return false;
      for (uint32_t i = 0; i < a->len; i++) {
        const json_member *x = &a->u.members[i], *y = &b->u.members[i];
        if (x->key_len != y->key_len || memcmp(x->key, y->key, x->key_len) != 0) return false;
        if (!json_equal(&x->value, &y->value)) return false;
      }
      return true;
  }
  return false;
}

/* ---- typed getters -------------------------------------------------------------------- */

/* Finds key in obj for a getter. *v = NULL (and LAGO_OK) when missing or null
** and `optional`; errors otherwise. */
static int field(const json_value *obj, const char *key, bool optional, const json_value **v, lago_err *err) {
  *v = NULL;
  if (!obj || obj->type != JSON_OBJECT)
    return LAGO_ERR(err, LAGO_CORRUPT, "field \"%s\": expected an object to hold it, got %s", key,
                    obj ? json_type_name((json_type)obj->type) : "nothing");
  const json_value *f = json_get(obj, key);
  if (!f || f->type == JSON_NULL) {
    if (optional) return LAGO_OK;
    return LAGO_ERR(err, LAGO_CORRUPT, "field \"%s\": %s", key, f ? "is null" : "missing");
  }
  *v = f;
  return LAGO_OK;
}

static int wrong_type(const char *key, const char *want, const json_value *v, lago_err *err) {
  if (v->type == JSON_NUMBER && !strcmp(want, "an integer"))
    return LAGO_ERR(err, LAGO_CORRUPT, "field \"%s\": expected an integer, got %.*s", key,
                    (int)(v->len > 40 ? 40 : v->len), v->u.str);
  return LAGO_ERR(err, LAGO_CORRUPT, "field \"%s\": expected %s, got %s", key, want,
                  json_type_name((json_type)v->type));
}

static int get_str(const json_value *obj, const char *key, bool opt, const char *def, const char **out,
                   size_t *len_out, lago_err *err) {
  const json_value *v;
  TRY(field(obj, key, opt, &v, err));
  if (!v) {
    *out = def;
    if (len_out) *len_out = def ? strlen(def) : 0;
    return LAGO_OK;
  }
  if (v->type != JSON_STRING) return wrong_type(key, "a string", v, err);
  *out = v->u.str;
  if (len_out) *len_out = v->len;
  return LAGO_OK;
}

static int get_i64(const json_value *obj, const char *key, bool opt, int64_t def, int64_t *out, lago_err *err) {
  const json_value *v;
  TRY(field(obj, key, opt, &v, err));
  if (!v) {
    *out = def;
    return LAGO_OK;
  }
  if (v->type != JSON_NUMBER || !v->is_int) return wrong_type(key, "an integer", v, err);
  *out = v->x.num.i;
  return LAGO_OK;
}

static int get_bool(const json_value *obj, const char *key, bool opt, bool def, bool *out, lago_err *err) {
  const json_value *v;
  TRY(field(obj, key, opt, &v, err));
  if (!v) {
    *out = def;
    return LAGO_OK;
  }
  if (v->type != JSON_BOOL) return wrong_type(key, "a boolean", v, err);
  *out = v->boolean;
  return LAGO_OK;
}

static int get_typed(const json_value *obj, const char *key, bool opt, json_type t, const json_value **out,
                     lago_err *err) {
  const json_value *v;
  *out = NULL;
  TRY(field(obj, key, opt, &v, err));
  if (!v) return LAGO_OK;
  if (v->type != t) return wrong_type(key, t == JSON_OBJECT ? "an object" : "an array", v, err);
  *out = v;
  return LAGO_OK;
}

int json_get_str(const json_value *obj, const char *key, const char **out, size_t *len_out, lago_err *err) {
  return get_str(obj, key, false, NULL, out, len_out, err);
}
int json_opt_str(const json_value *obj, const char *key, const char *def, const char **out, size_t *len_out,
                 lago_err *err) {
  return get_str(obj, key, true, def, out, len_out, err);
}
int json_get_i64(const json_value *obj, const char *key, int64_t *out, lago_err *err) {
  return get_i64(obj, key, false, 0, out, err);
}
int json_opt_i64(const json_value *obj, const char *key, int64_t def, int64_t *out, lago_err *err) {
  return get_i64(obj, key, true, def, out, err);
}
int json_get_f64(const json_value *obj, const char *key, double *out, lago_err *err) {
  const json_value *v;
  TRY(field(obj, key, false, &v, err));
  if (v->type != JSON_NUMBER) return wrong_type(key, "a number", v, err);
  *out = v->x.num.d;
  return LAGO_OK;
}
int json_get_bool(const json_value *obj, const char *key, bool *out, lago_err *err) {
  return get_bool(obj, key, false, false, out, err);
}
int json_opt_bool(const json_value *obj, const char *key, bool def, bool *out, lago_err *err) {
  return get_bool(obj, key, true, def, out, err);
}
int json_get_obj(const json_value *obj, const char *key, const json_value **out, lago_err *err) {
  return get_typed(obj, key, false, JSON_OBJECT, out, err);
}
int json_get_arr(const json_value *obj, const char *key, const json_value **out, lago_err *err) {
  return get_typed(obj, key, false, JSON_ARRAY, out, err);
}
int json_opt_obj(const json_value *obj, const char *key, const json_value **out, lago_err *err) {
  return get_typed(obj, key, true, JSON_OBJECT, out, err);
}
int json_opt_arr(const json_value *obj, const char *key, const json_value **out, lago_err *err) {
  return get_typed(obj, key, true, JSON_ARRAY, out, err);
}

/* ---- writer ----------------------------------------------------------------------------- */

/* Escaped form of the non-plain byte at p (returns its length, 0 if it
** starts a valid UTF-8 sequence of *adv bytes to copy as is). */
static size_t escape_one(const unsigned char *p, const unsigned char *end, char e[6], size_t *adv) {
  static const char hex[] = "0123456789ABCDEF";
  *adv = 1;
  if (*p >= 0x80) {
    int n = utf8_seq_len(p, end);
    if (n) {
      *adv = (size_t)n;
      return 0;
    }
    memcpy(e, "\xEF\xBF\xBD", 3); /* invalid byte: U+FFFD */
    return 3;
  }
  e[0] = '\\';
  switch (*p) {
    case '"': e[1] = '"'; return 2;
    case '\\': e[1] = '\\'; return 2;
    case '\b': e[1] = 'b'; return 2;
    case '\f': e[1] = 'f'; return 2;
    case '\n': e[1] = 'n'; return 2;
    case '\r': e[1] = 'r'; return 2;
    case '\t': e[1] = 't'; return 2;
    default:
      e[1] = 'u';
      e[2] = '0';
      e[3] = '0';
      e[4] = hex[*p >> 4];
      e[5] = hex[*p & 15];
      return 6;
  }
}

/* Bytes before the first non-plain byte at or after p. */
static inline size_t plain_run(const unsigned char *p, const unsigned char *end) {
  const unsigned char *q = p;
  while (end - q >= 8) {
    uint64_t m = swar_mask(load64(q));
    if (m) return (size_t)(q - p) + swar_first(m, q);
    q += 8;
  }
  while (q < end && plain_byte(*q)) q++;
  return (size_t)(q - p);
}

/*
** Two passes: measure the escaped length, reserve once, then write straight
** into the buffer (the hot path of the writer: no per-run append calls).
*/
int json_escape(buf *out, const char *s, size_t len) {
  const unsigned char *p0 = (const unsigned char *)s, *end = p0 + len, *p;
  char e[6];
  size_t adv, need = 2;
  for (p = p0; p < end;) {
    size_t run = plain_run(p, end);
    need += run;
    p += run;
    if (p >= end) break;
    size_t n = escape_one(p, end, e, &adv);
    need += n ? n : adv;
    p += adv;
  }
  TRY(buf_reserve(out, need));
  char *o = out->data + out->len;
  *o++ = '"';
  for (p = p0; p < end;) {
    size_t run = plain_run(p, end);
    memcpy(o, p, run);
    o += run;
    p += run;
    if (p >= end) break;
    size_t n = escape_one(p, end, e, &adv);
    if (n) {
      memcpy(o, e, n);
      o += n;
    } else {
      memcpy(o, p, adv);
      o += adv;
    }
    p += adv;
  }
  *o++ = '"';
  out->len = (size_t)(o - out->data);
  out->data[out->len] = 0;
  return LAGO_OK;
}

enum { JW_OBJECT = 1, JW_NONEMPTY = 2 };

void json_w_init(json_writer *w, buf *out) {
  w->out = out;
  w->rc = LAGO_OK;
  w->depth = 0;
  w->after_key = false;
  w->done = false;
}

static int w_fail(json_writer *w, int rc) {
  if (!w->rc) w->rc = rc;
  return w->rc;
}

/* Writes the separator a value needs here, or fails if no value fits. */
static int w_before_value(json_writer *w) {
  if (w->rc) return w->rc;
  if (w->depth == 0) return w->done ? w_fail(w, LAGO_MISUSE) : LAGO_OK;
  uint8_t *lvl = &w->level[w->depth - 1];
  if (*lvl & JW_OBJECT) {
    if (!w->after_key) return w_fail(w, LAGO_MISUSE);
    w->after_key = false;
    return LAGO_OK;
  }
  if (*lvl & JW_NONEMPTY) {
    int rc = buf_putc(w->out, ',');
    if (rc) return w_fail(w, rc);
  }
  *lvl |= JW_NONEMPTY;
  return LAGO_OK;
}

static int w_after_value(json_writer *w, int rc) {
  if (rc) return w_fail(w, rc);
  if (w->depth == 0) w->done = true;
  return LAGO_OK;
}

static int w_begin(json_writer *w, bool obj) {
  TRY(w_before_value(w));
  if (w->depth == JSON_MAX_DEPTH) return w_fail(w, LAGO_MISUSE);
  int rc = buf_putc(w->out, obj ? '{' : '[');
  if (rc) return w_fail(w, rc);
  w->level[w->depth++] = obj ? JW_OBJECT : 0;
  return LAGO_OK;
}

static int w_end(json_writer *w, bool obj) {
  if (w->rc) return w->rc;
  if (w->depth == 0 || ((w->level[w->depth - 1] & JW_OBJECT) != 0) != obj || w->after_key)
    return w_fail(w, LAGO_MISUSE);
  int rc = buf_putc(w->out, obj ? '}' : ']');
  if (rc) return w_fail(w, rc);
  w->depth--;
  return w_after_value(w, LAGO_OK);
}

int json_w_begin_obj(json_writer *w) { return w_begin(w, true); }
int json_w_end_obj(json_writer *w) { return w_end(w, true); }
int json_w_begin_arr(json_writer *w) { return w_begin(w, false); }
int json_w_end_arr(json_writer *w) { return w_end(w, false); }

int json_w_keyn(json_writer *w, const char *key, size_t len) {
  if (w->rc) return w->rc;
  if (w->depth == 0 || !(w->level[w->depth - 1] & JW_OBJECT) || w->after_key) return w_fail(w, LAGO_MISUSE);
  uint8_t *lvl = &w->level[w->depth - 1];
  int rc = LAGO_OK;
  if (*lvl & JW_NONEMPTY) rc = buf_putc(w->out, ',');
  if (!rc) rc = json_escape(w->out, key, len);
  if (!rc) rc = buf_putc(w->out, ':');
  if (rc) return w_fail(w, rc);
  *lvl |= JW_NONEMPTY;
  w->after_key = true;
  return LAGO_OK;
}

int json_w_key(json_writer *w, const char *key) { return json_w_keyn(w, key, strlen(key)); }

int json_w_raw(json_writer *w, const char *text, size_t len) {
  TRY(w_before_value(w));
  return w_after_value(w, buf_append(w->out, text, len));
}

int json_w_strn(json_writer *w, const char *s, size_t len) {
  TRY(w_before_value(w));
  return w_after_value(w, json_escape(w->out, s, len));
}

int json_w_str(json_writer *w, const char *s) { return s ? json_w_strn(w, s, strlen(s)) : json_w_null(w); }

int json_w_i64(json_writer *w, int64_t v) {
  char tmp[FMT_NUM_MAX];
  int n = fmt_i64(v, tmp);
  return json_w_raw(w, tmp, (size_t)n);
}

int json_w_u64(json_writer *w, uint64_t v) {
  char tmp[FMT_NUM_MAX];
  int n = fmt_u64(v, tmp);
  return json_w_raw(w, tmp, (size_t)n);
}

int json_w_double(json_writer *w, double v) {
  if (isnan(v)) return json_w_strn(w, "NaN", 3);
  if (isinf(v)) return v > 0 ? json_w_strn(w, "Infinity", 8) : json_w_strn(w, "-Infinity", 9);
  char tmp[FMT_NUM_MAX];
  int n = fmt_double(v, tmp);
  return json_w_raw(w, tmp, (size_t)n);
}

int json_w_bool(json_writer *w, bool v) { return v ? json_w_raw(w, "true", 4) : json_w_raw(w, "false", 5); }

int json_w_null(json_writer *w) { return json_w_raw(w, "null", 4); }

int json_w_value(json_writer *w, const json_value *v) {
  switch ((json_type)v->type) {
    case JSON_NULL: return json_w_null(w);
    case JSON_BOOL: return json_w_bool(w, v->boolean);
    case JSON_NUMBER: return json_w_raw(w, v->u.str, v->len);
    case JSON_STRING: return json_w_strn(w, v->u.str, v->len);
    case JSON_ARRAY:
      TRY(json_w_begin_arr(w));
      for (uint32_t i = 0; i < v->len; i++) TRY(json_w_value(w, &v->u.items[i]));
      return json_w_end_arr(w);
    case JSON_OBJECT:
      TRY(json_w_begin_obj(w));
      for (uint32_t i = 0; i < v->len; i++) {
        TRY(json_w_keyn(w, v->u.members[i].key, v->u.members[i].key_len));
        TRY(json_w_value(w, &v->u.members[i].value));
      }
      return json_w_end_obj(w);
  }
  return w_fail(w, LAGO_MISUSE);
}

int json_w_finish(json_writer *w) {
  if (w->rc) return w->rc;
  if (w->depth || !w->done) return w_fail(w, LAGO_MISUSE);
  return LAGO_OK;
}

int json_write(buf *out, const json_value *v) {
  json_writer w;
  json_w_init(&w, out);
  TRY(json_w_value(&w, v));
  return json_w_finish(&w);
}
