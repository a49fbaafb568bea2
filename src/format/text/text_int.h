/*
** format/text/text_int.h: what the text file readers (format/csv and
** format/json) have in common, written once. Private to format/: other
** layers use csv.h and jsonl.h. See README.md in this directory.
**
** Sections (and the file that implements each):
**   numbers: text analysis, exact conversions, inline fast paths   txt_num.c
**   UTF-8 validation and repair                                  txt_utf8.c
**   datetime patterns and the default date/timestamp parsers     txt_dtfmt.c
**   options: the table-driven setter, schemaHints, sampling       txt_opts.c
**   bad-record logs (badRecordsPath)                              txt_bad.c
**   chunked input and line breaks                                 txt_input.c
**   the reader core: state every reader has, the next() loop      txt_reader.c
**   the parallel scan: ranges on N threads, in file order         txt_scan.c
**
** Value parsers return 0, or -1 when the text is not a value of the type;
** those that can allocate may also return LAGO_NOMEM (> 0).
*/
#ifndef LAGO_FORMAT_TEXT_INT_H
#define LAGO_FORMAT_TEXT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "format/text/text.h"
#include "io/fs.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/datetime.h"
#include "util/status.h"
#include "vec/types.h"
#include "vec/vector.h"

/* ---- numbers (txt_num.c) -------------------------------------------------------------------
** A number analysed for exact conversion: filled by txt_num_scan from plain
** text, or by the JSON lexer (jl_number) from a number token. */

typedef struct txt_num {
  const char *s;      /* the text (sign included), without ',' grouping */
  uint32_t n;
  uint64_t mant;      /* the first 19 significant digits as an integer */
  int32_t exp10;      /* value = mant * 10^exp10 (when sig <= 19) */
  uint32_t sig;       /* significant digits (from the first non-zero digit, trailing zeros kept) */
  uint32_t frac;      /* digits after the point */
  int32_t exp;        /* the explicit exponent */
  bool neg;
  bool is_int;        /* no point, no exponent */
  uint8_t special;    /* TXT_NUM_NAN, TXT_NUM_PINF, TXT_NUM_NINF, or 0 */
} txt_num;

enum { TXT_NUM_NAN = 1, TXT_NUM_PINF, TXT_NUM_NINF };

/* [+-] digits [. digits] [(e|E) [+-] digits], digits on one side of the point at least. 0 or -1. */
int txt_num_scan(const char *s, uint32_t n, txt_num *x);
/* The double (float) nearest to the number, correctly rounded. 0, or LAGO_NOMEM. */
int txt_num_f64(const txt_num *x, double *out);
int txt_num_f32(const txt_num *x, float *out);
/* Integer in [lo, hi]; -1 if not integer text or out of range. */
int txt_num_int(const txt_num *x, int64_t lo, int64_t hi, int64_t *out);
/* DECIMAL(precision, scale) unscaled, rounded half up; -1 if it does not fit. */
int txt_num_dec(const txt_num *x, int precision, int scale, __int128 *out);
/* Precision and scale of the number as a Java BigDecimal (prefersDecimal
** inference); false when no DECIMAL(p <= 38) holds it. */
bool txt_num_dec_type(const txt_num *x, int *precision, int *scale);

/* Double/float text: txt_num_scan syntax, or NaN/Inf/Infinity names (any case,
** signed). 0, -1, or LAGO_NOMEM (very long text). */
int txt_parse_f64(const char *s, uint32_t n, double *out);
int txt_parse_f32(const char *s, uint32_t n, float *out);
/* Decimal text, ',' grouping dropped first (Spark's en-US parser): the value,
** or its BigDecimal precision and scale. -1 / false when it is not one. */
int txt_dec_text(const char *s, uint32_t n, int precision, int scale, __int128 *out);
bool txt_dec_text_type(const char *s, uint32_t n, int *precision, int *scale);

/* BIGINT text, Java Long.parseLong syntax: [+-]digits, overflow checked. */
static inline int txt_parse_i64(const char *s, uint32_t n, int64_t *out) {
  uint32_t i = 0;
  bool neg = false;
  if (n && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    i = 1;
  }
  if (i == n) return -1;
  uint64_t v = 0;
  if (n - i <= 18) { /* cannot overflow */
    for (; i < n; i++) {
      unsigned d = (unsigned)(unsigned char)s[i] - '0';
      if (d > 9) return -1;
      v = v * 10 + d;
    }
  } else {
    uint64_t lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < n; i++) {
      unsigned d = (unsigned)(unsigned char)s[i] - '0';
      if (d > 9) return -1;
      if (v > (lim - d) / 10) return -1;
      v = v * 10 + d;
    }
  }
  *out = neg ? (int64_t)((uint64_t)0 - v) : (int64_t)v;
  return 0;
}

/*
** DECIMAL(precision <= 18, scale) text to its unscaled int64: plain
** [+-]digits[.digits] with at most `scale` fraction digits in digit
** arithmetic; anything else (rounding, exponents, grouping) through
** txt_dec_text, with the same result.
*/
static inline int txt_parse_dec64(const char *s, uint32_t n, int precision, int scale, int64_t *out) {
  uint32_t i = 0;
  bool neg = false;
  if (n && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    i = 1;
  }
  uint64_t v = 0;
  int int_digits = 0, frac = 0;
  bool any = false;
  for (; i < n; i++) {
    unsigned d = (unsigned)(unsigned char)s[i] - '0';
    if (d > 9) break;
    any = true;
    v = v * 10 + d;
    if (v) int_digits++;
    if (int_digits > 18) goto slow;
  }
  if (i < n && s[i] == '.') {
    for (i++; i < n; i++) {
      unsigned d = (unsigned)(unsigned char)s[i] - '0';
      if (d > 9) goto slow;
      any = true;
      if (++frac > scale) goto slow; /* needs rounding */
      v = v * 10 + d;
    }
  }
  if (i != n || !any) goto slow;
  if (int_digits > precision - scale) return -1;
  {
    static const uint64_t p10[19] = {1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
                                     100000000ull, 1000000000ull, 10000000000ull, 100000000000ull,
                                     1000000000000ull, 10000000000000ull, 100000000000000ull,
                                     1000000000000000ull, 10000000000000000ull, 100000000000000000ull,
                                     1000000000000000000ull};
    v *= p10[scale - frac]; /* int_digits + scale <= 18: fits */
  }
  *out = neg ? -(int64_t)v : (int64_t)v;
  return 0;
slow : {
  __int128 w;
  if (txt_dec_text(s, n, precision, scale, &w) < 0) return -1;
  *out = (int64_t)w;
  return 0;
}
}

/* ---- UTF-8 (txt_utf8.c) --------------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at q (a byte >= 0x80, q < end), or 0 if invalid. */
static inline int txt_utf8_len(const unsigned char *q, const unsigned char *end) {
  unsigned c = q[0];
  if (c < 0xC2) return 0; /* continuation byte or overlong 2-byte lead */
  if (c < 0xE0) return end - q >= 2 && (q[1] & 0xC0) == 0x80 ? 2 : 0;
  if (c < 0xF0) {
    if (end - q < 3 || (q[1] & 0xC0) != 0x80 || (q[2] & 0xC0) != 0x80) return 0;
    if (c == 0xE0 && q[1] < 0xA0) return 0;  /* overlong */
    if (c == 0xED && q[1] >= 0xA0) return 0; /* surrogate */
    return 3;
  }
  if (c < 0xF5) {
    if (end - q < 4 || (q[1] & 0xC0) != 0x80 || (q[2] & 0xC0) != 0x80 || (q[3] & 0xC0) != 0x80) return 0;
    if (c == 0xF0 && q[1] < 0x90) return 0;  /* overlong */
    if (c == 0xF4 && q[1] >= 0x90) return 0; /* above U+10FFFF */
    return 4;
  }
  return 0;
}
/* True if s[0..n) is valid UTF-8. */
bool txt_utf8_valid(const char *s, size_t n);
/* Appends s with each invalid byte replaced by U+FFFD. LAGO_NOMEM on OOM. */
int txt_utf8_repair(buf *out, const char *s, size_t n);

/* ---- datetime patterns (txt_dtfmt.c) ------------------------------------------------------
** Spark's datetime patterns (dateFormat, timestampFormat, timestampNTZFormat)
** compiled to a list of items, and matched against field text. The letters
** understood are listed at the top of txt_dtfmt.c. */

#define TXT_DTFMT_MAX_ITEMS 48

typedef struct txt_dt_item {
  uint8_t kind;     /* dt_kind in txt_dtfmt.c */
  uint8_t min, max; /* digits accepted (numbers), or literal length */
  uint8_t skip;     /* OPT_BEGIN: index of the matching OPT_END */
  char lit[8];      /* literal bytes (longer literals are split) */
} txt_dt_item;

typedef struct txt_dtfmt {
  uint32_t n;
  bool has_zone;    /* the pattern can parse a zone offset */
  bool has_time;    /* the pattern has a time-of-day field */
  txt_dt_item items[TXT_DTFMT_MAX_ITEMS];
} txt_dtfmt;

/* Compiles a Spark datetime pattern. LAGO_BIND naming the pattern and the offending letter. */
int txt_dtfmt_compile(const char *pattern, txt_dtfmt *out, lago_err *err);
/*
** Parses s[0..n) with the pattern, the whole input. Returns 0 and sets
** *micros (UTC if a zone was parsed, else wall clock) and *has_zone; -1 if
** the text does not match or is not a real date/time (or is out of range).
*/
int txt_dtfmt_parse(const txt_dtfmt *f, const char *s, size_t n, int64_t *micros, bool *has_zone);

/*
** The default parsers (no pattern: Spark's cast rules, util/datetime.h),
** behind a fixed-shape fast path for YYYY-MM-DD and
** YYYY-MM-DD[ T]HH:MM:SS[.f{1,6}]. Inline so that each reader's decode loop
** is one piece of straight code. All return 0, or -1 (not a value of the type).
*/
static inline __attribute__((always_inline)) int txt_dig2(const char *p) {
  unsigned a = (unsigned)(unsigned char)p[0] - '0', b = (unsigned)(unsigned char)p[1] - '0';
  return a > 9 || b > 9 ? -1 : (int)(a * 10 + b);
}

/* YYYY-MM-DD at p (10 bytes); -1 if not that shape or not a real date. */
static inline __attribute__((always_inline)) int txt_fixed_date(const char *p, int64_t *days) {
  int y1 = txt_dig2(p), y2 = txt_dig2(p + 2), mo = txt_dig2(p + 5), d = txt_dig2(p + 8);
  if (y1 < 0 || y2 < 0 || mo < 0 || d < 0 || p[4] != '-' || p[7] != '-') return -1;
  int y = y1 * 100 + y2;
  if (mo < 1 || mo > 12 || d < 1 || d > 28) {
    if (!date_valid(y, (unsigned)mo, (unsigned)d)) return -1;
  }
  /* Days since 1970-01-01: whole years since year 0 (proleptic Gregorian), then the month. */
  static const int16_t before[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
  int64_t yy = y - 1; /* years before y, from year 0: leap days counted through yy */
  int64_t v = 365 * (int64_t)y + (yy >= 0 ? yy / 4 - yy / 100 + yy / 400 + 1 : 0) - 719528;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  *days = v + before[mo - 1] + (mo > 2 && leap) + d - 1;
  return 0;
}

static inline int txt_parse_date(const char *s, uint32_t n, int32_t *days) {
  if (n == 10) {
    int64_t dd;
    if (txt_fixed_date(s, &dd) == 0) {
      *days = (int32_t)dd;
      return 0;
    }
  }
  return parse_date(s, n, days) == 0 ? 0 : -1;
}

/* *has_zone: a zone was given (the result is then UTC). */
static inline int txt_parse_ts(const char *s, uint32_t n, int64_t *micros, bool *has_zone) {
  if (n >= 19 && n <= 26 && (s[10] == ' ' || s[10] == 'T') && s[13] == ':' && s[16] == ':') {
    int64_t days;
    int h = txt_dig2(s + 11), mi = txt_dig2(s + 14), se = txt_dig2(s + 17);
    if (txt_fixed_date(s, &days) == 0 && h >= 0 && h < 24 && mi >= 0 && mi < 60 && se >= 0 && se < 60) {
      int64_t frac = 0;
      bool ok = true;
      if (n > 19) {
        if (s[19] != '.' || n == 20) ok = false;
        for (uint32_t i = 20; ok && i < n; i++) {
          unsigned d = (unsigned)(unsigned char)s[i] - '0';
          if (d > 9) ok = false;
          frac = frac * 10 + d;
        }
        for (uint32_t i = n; ok && i < 26; i++) frac *= 10;
      }
      if (ok) {
        *micros = days * MICROS_PER_DAY + ((int64_t)h * 3600 + mi * 60 + se) * MICROS_PER_SEC + frac;
        *has_zone = false;
        return 0;
      }
    }
  }
  return parse_timestamp(s, n, micros, has_zone) == 0 ? 0 : -1;
}

/*
** The three patterns of a reader's options, compiled once; each NULL
** pattern means "the default parser". The txt_dt_* parsers take the text of
** one value (not empty) and return 0, or -1 when it is not a value of the type.
*/
typedef struct txt_dt {
  bool have_date, have_ts, have_ntz;
  txt_dtfmt date, ts, ntz;
} txt_dt;

/* LAGO_BIND (see txt_dtfmt_compile) if a pattern does not compile. */
int txt_dt_init(txt_dt *d, const char *date_format, const char *timestamp_format, const char *timestamp_ntz_format,
                lago_err *err);

/* DATE: days since 1970-01-01 (a pattern's time of day is dropped, as Spark). */
static inline int txt_dt_date(const txt_dt *d, const char *s, uint32_t n, int32_t *days) {
  if (!d->have_date) return txt_parse_date(s, n, days);
  int64_t us;
  bool z;
  if (txt_dtfmt_parse(&d->date, s, n, &us, &z) < 0) return -1;
  int64_t dd = floor_div64(us, MICROS_PER_DAY);
  if (dd < INT32_MIN || dd > INT32_MAX) return -1;
  *days = (int32_t)dd;
  return 0;
}

/* TIMESTAMP: microseconds since the epoch, UTC (text without a zone is taken as UTC). */
static inline int txt_dt_ts(const txt_dt *d, const char *s, uint32_t n, int64_t *micros) {
  bool z;
  return d->have_ts ? txt_dtfmt_parse(&d->ts, s, n, micros, &z) : txt_parse_ts(s, n, micros, &z);
}

/* TIMESTAMP_NTZ: wall-clock microseconds; text with a zone is not one. */
static inline int txt_dt_ntz(const txt_dt *d, const char *s, uint32_t n, int64_t *micros) {
  bool z = false;
  int rc = d->have_ntz ? txt_dtfmt_parse(&d->ntz, s, n, micros, &z) : txt_parse_ts(s, n, micros, &z);
  return rc < 0 || z ? -1 : 0;
}

/* ---- options (txt_opts.c) ---------------------------------------------------------------------
** Each reader describes its options as a table of Spark names; txt_opt_set
** finds the name (any case, "cloudFiles." prefix dropped) and parses the
** value by its kind into the options struct at `off`. */

/* The modes, as csv_mode and jsonl_mode number them. */
enum { TXT_PERMISSIVE = 0, TXT_DROPMALFORMED = 1, TXT_FAILFAST = 2 };

typedef enum txt_opt_kind {
  TXT_OPT_BOOL,     /* bool: true or false, any case */
  TXT_OPT_STR,      /* const char *: copied into the arena */
  TXT_OPT_STR_OFF,  /* const char *: copied; "" sets NULL (the feature is off) */
  TXT_OPT_NAME,     /* const char *: copied; "" refused */
  TXT_OPT_MODE,     /* enum (int-sized): PERMISSIVE, DROPMALFORMED, FAILFAST, any case */
  TXT_OPT_RATIO,    /* double in (0, 1] */
  TXT_OPT_COUNT,    /* uint64_t: a non-negative decimal integer */
  TXT_OPT_LINE_SEP, /* int: -1 for \r\n (the default: \n, \r\n and \r), else one byte */
  TXT_OPT_UTF8,     /* no field: only UTF-8 (LAGO_UNSUPPORTED otherwise) */
  TXT_OPT_LOCALE,   /* no field: only en-US */
  TXT_OPT_TIMEZONE, /* no field: only UTC */
  TXT_OPT_IGNORED,  /* no field: accepted, changes nothing */
  TXT_OPT_CUSTOM,   /* the reader's own parser, fn */
} txt_opt_kind;

/*
** The options both readers have, with the same meaning and field names in
** csv_options and jsonl_options: one list, put in each reader's table by
** TXT_OPTS_COMMON(its options type).
*/
#define TXT_OPTS_COMMON(T)                                                            \
  {"multiLine", TXT_OPT_BOOL, offsetof(T, multi_line), NULL},                         \
  {"mode", TXT_OPT_MODE, offsetof(T, mode), NULL},                                    \
  {"columnNameOfCorruptRecord", TXT_OPT_NAME, offsetof(T, corrupt_column), NULL},     \
  {"badRecordsPath", TXT_OPT_STR_OFF, offsetof(T, bad_records_path), NULL},           \
  {"dateFormat", TXT_OPT_STR, offsetof(T, date_format), NULL},                        \
  {"timestampFormat", TXT_OPT_STR, offsetof(T, timestamp_format), NULL},              \
  {"timestampNTZFormat", TXT_OPT_STR, offsetof(T, timestamp_ntz_format), NULL},       \
  {"prefersDecimal", TXT_OPT_BOOL, offsetof(T, prefers_decimal), NULL},               \
  {"samplingRatio", TXT_OPT_RATIO, offsetof(T, sampling_ratio), NULL},                \
  {"inferMaxRows", TXT_OPT_COUNT, offsetof(T, infer_max_rows), NULL},                 \
  {"schemaHints", TXT_OPT_STR, offsetof(T, schema_hints), NULL},                      \
  {"lineSep", TXT_OPT_LINE_SEP, offsetof(T, line_sep), NULL},                         \
  {"encoding", TXT_OPT_UTF8, 0, NULL},                                                \
  {"charset", TXT_OPT_UTF8, 0, NULL},                                                 \
  {"locale", TXT_OPT_LOCALE, 0, NULL},                                                \
  {"timeZone", TXT_OPT_TIMEZONE, 0, NULL}

typedef struct txt_opt {
  const char *name; /* Spark's spelling */
  uint8_t kind;     /* txt_opt_kind */
  size_t off;       /* offsetof the field in the reader's options struct */
  int (*fn)(void *opts, arena *ar, const char *key, const char *value, lago_err *err); /* TXT_OPT_CUSTOM */
} txt_opt;

/*
** Sets option `key` = value in opts from the table (n entries); fmt ("csv",
** "json") names the reader in messages. Names not in the table but in the
** shared list of harmless ones (write-side and Auto Loader stream options)
** are accepted and ignored. Strings are copied into ar. LAGO_BIND for an
** unknown name or a bad value, LAGO_UNSUPPORTED for a value lago cannot
** honour (an encoding other than UTF-8, ...).
*/
int txt_opt_set(const char *fmt, const txt_opt *table, size_t n, void *opts, arena *ar, const char *key,
                const char *value, lago_err *err);
/* The option name without a "cloudFiles." prefix. Borrowed from key. */
const char *txt_opt_name(const char *key);

/* One schemaHints entry: a field path and the type it gets (in the parse arena). */
typedef struct txt_hint {
  const char **path; /* name segments, unquoted */
  uint32_t n_path;
  lago_type type;
} txt_hint;

/*
** Parses schemaHints text: "amount DECIMAL(18,2), addr.zip STRING, `a.b` INT"
** (path segments separated by '.', each plain or `quoted` with `` for a
** backtick; an optional ':' before the type; a trailing ',' is fine).
** *out (n entries) is allocated in ar. LAGO_PARSE naming the offset.
*/
int txt_hints_parse(arena *ar, const char *text, txt_hint **out, uint32_t *n, lago_err *err);

/* samplingRatio: record i (0-based, in reading order) is in the sample when a
** hash of i (SplitMix64) falls under ratio. Deterministic: the same records
** every run, whatever the threads. */
static inline bool txt_sampled(uint64_t i, double ratio) {
  if (ratio >= 1.0) return true;
  uint64_t z = i + 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return (double)(z >> 11) / 9007199254740992.0 < ratio;
}

/* ---- bad records (txt_bad.c) --------------------------------------------------------------- */

/* Appends {"path":..,"line":..,"record":..,"reason":..}\n to log. LAGO_OK or LAGO_NOMEM. */
int txt_bad_append(buf *log, const char *path, uint64_t line, const char *rec, size_t rec_len, const char *reason);
/* Writes text as one new file <dir>/<UTC time>/bad_records/part-<k>-<pid>.json (nothing when len is 0). */
int txt_bad_write(lago_fs *fs, const char *dir, const char *text, size_t len, lago_err *err);

/* ---- chunked input (txt_input.c) ------------------------------------------------------------
** One file (or byte range) read in chunks into one buffer; see the diagram
** at the top of txt_input.c. */

#define TXT_CHUNK ((size_t)1 << 20) /* bytes per read */

typedef struct txt_input {
  lago_file *f;          /* owned: opened by txt_input_init, closed by txt_input_deinit */
  const char *path;      /* borrowed (messages) */
  char *buf;             /* heap, cap + pad bytes; never NULL after a successful init */
  size_t cap, len;       /* bytes allocated (pad not counted), bytes held */
  uint64_t buf_off;      /* file offset of buf[0] */
  uint64_t read_off;     /* file offset of the next read (buf_off + len) */
  size_t chunk;          /* bytes per read (tests use tiny chunks to hit every boundary) */
  uint64_t range_end;    /* a range reader's end: reads go little past it; UINT64_MAX = none */
  size_t pad;            /* readable bytes after the data */
  int pad_byte;          /* their value after each read (a sentinel), -1 = not set */
} txt_input;

/* Opens path (LAGO_IO etc. from lago_fs; LAGO_NOMEM). On failure, deinit still frees. */
int txt_input_init(txt_input *in, lago_fs *fs, const char *path, size_t pad, int pad_byte, lago_err *err);
void txt_input_deinit(txt_input *in);
/* Empties the buffer; the next read starts at file offset off. */
void txt_input_seek(txt_input *in, uint64_t off);
/*
** Drops the bytes before file offset `keep` (moving the rest to the front),
** then reads at least `want` bytes (else a chunk, or less near a range end)
** behind the data. *got = bytes read: 0 at the end of the file. LAGO_NOMEM
** when the buffer cannot grow.
*/
int txt_input_fill(txt_input *in, uint64_t keep, size_t want, size_t *got, lago_err *err);
/* At offset 0: reads 3 bytes (if the file has them); *bom = they are a UTF-8 BOM. */
int txt_input_bom(txt_input *in, bool *bom, lago_err *err);

static inline bool txt_input_eof(const txt_input *in) { return in->read_off >= in->f->size; }
/* File offset just past the data held. */
static inline uint64_t txt_input_end(const txt_input *in) { return in->buf_off + in->len; }
/* Buffer address of file offset off (buf_off <= off <= the end), and back. */
static inline char *txt_input_at(const txt_input *in, uint64_t off) { return in->buf + (size_t)(off - in->buf_off); }
static inline uint64_t txt_input_off(const txt_input *in, const char *p) {
  return in->buf_off + (uint64_t)(p - in->buf);
}

/* First line break in [p, e): line_sep < 0 means \n or \r (SSE2 scan), else that byte. NULL if none. */
const char *txt_find_break(const char *p, const char *e, int line_sep);
/*
** The line starting at or before `from` ends at *le (its break, or the end of
** the file) and the next one starts at *next (\r\n is one break when
** line_sep < 0). Reads more as needed, keeping the bytes from min(keep, the
** scan position) on. A line longer than max bytes: LAGO_UNSUPPORTED naming
** path:line_no.
*/
int txt_input_line(txt_input *in, uint64_t from, int line_sep, uint64_t keep, uint64_t max, uint64_t line_no,
                   uint64_t *le, uint64_t *next, lago_err *err);

/* ---- the reader core (txt_reader.c) ---------------------------------------------------------
** The state every text reader has, whatever its format: the first member of
** csv_reader and jsonl_reader, so the scan (and these functions) can work on
** a reader through a pointer to it. */

typedef struct txt_reader {
  lago_fs *fs;                  /* borrowed */
  char *path;                   /* owned */
  const char *bad_records_path; /* badRecordsPath, borrowed from the options; NULL = off */
  txt_input in;                 /* the file, chunk by chunk */
  uint64_t range_start, range_end; /* the byte range owned: records that start in it */
  bool exact_start;             /* range_start is a record start (else: after the first line break at or after it - 1) */
  bool started;                 /* positioned at the first record (after the first next) */
  uint64_t first_off;           /* the first record owned (valid once started) */
  uint64_t end_off;             /* where the reader stopped (final once next returned no rows) */
  uint64_t line;                /* 1-based number of the next line (txt_reader_set_line moves the base) */
  txt_stats stats;              /* totals since open */
  buf bad;                      /* bad-record JSON lines not written yet */
  arena *own;                   /* batches when the caller passes no arena (created on first use) */
} txt_reader;

/* Sets up t for path (copied) and the range; the file is opened by txt_input_init on t->in. */
int txt_reader_init(txt_reader *t, lago_fs *fs, const char *path, const char *bad_records_path, uint64_t start,
                    uint64_t end, bool exact_start, lago_err *err);
/* Writes pending bad records (ignoring a failure), closes the file, frees what t owns. */
void txt_reader_deinit(txt_reader *t);

/*
** One batch of a reader's own format into ar: *again when its records were
** all dropped (which is not the end of the input). The reader pointer is the
** one passed to txt_reader_next.
*/
typedef int (*txt_once_fn)(void *reader, arena *ar, batch **out, txt_batch_info *info, bool *again, lago_err *err);
/*
** The readers' next(): calls once() until a batch has rows or the input
** ends (n_rows == 0 means "done"), adding the counts of the batches passed
** over to *info (may be NULL). ar NULL: t->own, reset on every call.
*/
int txt_reader_next(txt_reader *t, txt_once_fn once, arena *ar, batch **out, txt_batch_info *info, lago_err *err);
/* Appends the bad-record lines to into (NULL: drops them) and empties the log. LAGO_NOMEM. */
int txt_reader_take_bad(txt_reader *t, buf *into);
/* Lines consumed since the range start (plus the base set in t->line, - 1). */
static inline uint64_t txt_reader_lines(const txt_reader *t) { return t->line - 1; }
/* The bad-record lines not written yet (borrowed until the next call on the reader). */
static inline const char *txt_reader_bad_records(txt_reader *t, size_t *len) {
  *len = t->bad.len;
  return buf_cstr(&t->bad);
}

/* ---- the parallel scan (txt_scan.c) --------------------------------------------------------
** csv_scan and jsonl_scan: files cut into ranges, parsed by readers on N
** threads, batches handed out in file order with the rows, line numbers and
** errors of one reader per file. See the top of txt_scan.c. */

/* A format's readers, for the scan. Reader pointers point at structs whose
** first member is a txt_reader. */
typedef struct txt_reader_vt {
  /* Opens a reader over [start, end) of path (exact: start is a record start)
  ** with the format's options (the scan's copy) and schema. */
  int (*open_range)(lago_fs *fs, const char *path, uint64_t start, uint64_t end, bool exact, const void *opts,
                    lago_type schema, void **out, lago_err *err);
  /* The reader's next(): a batch in ar (NULL = its own arena); n_rows == 0 at the end. */
  int (*next)(void *reader, arena *ar, batch **out, txt_batch_info *info, lago_err *err);
  void (*close)(void *reader);
} txt_reader_vt;

typedef struct txt_scan_format {
  const char *name;             /* "csv", "json": names in messages */
  const txt_reader_vt *vt;
  const void *opts;             /* the format's options struct, copied by txt_scan_open (its strings
                                   are borrowed: they must outlive the scan) */
  size_t opts_size;
  bool whole_files;             /* one range per file (the format cannot split files) */
  bool exact_starts;            /* a guessed range start is always right: a wrong one is LAGO_INTERNAL,
                                   not parsed again */
  const char *bad_records_path; /* where the scan writes the bad records of all ranges; NULL = off */
} txt_scan_format;

typedef struct txt_scan txt_scan;

/* Starts cfg->n_threads workers over paths and schema (borrowed until close).
** Caller closes with txt_scan_close. */
int txt_scan_open(lago_fs *fs, const char *const *paths, uint32_t n_paths, lago_type schema,
                  const txt_scan_config *cfg, const txt_scan_format *fmt, txt_scan **out, lago_err *err);
/* Next batch in file order; borrowed until the next call. n_rows == 0 at the end. */
int txt_scan_next(txt_scan *s, batch **out, txt_batch_info *info, lago_err *err);
/* Totals over everything delivered (ranges parsed again count once). */
const txt_stats *txt_scan_stats(const txt_scan *s);
/* Ranges whose guessed start was wrong and that were parsed again. */
uint32_t txt_scan_reparsed(const txt_scan *s);
/* Index into paths of the file the last batch (from txt_scan_next) came from. */
uint32_t txt_scan_file(const txt_scan *s);
/* Stops the workers, writes the bad records, frees everything. NULL is a no-op. */
void txt_scan_close(txt_scan *s);

#endif /* LAGO_FORMAT_TEXT_INT_H */
