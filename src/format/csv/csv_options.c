/*
** format/csv/csv_options.c: Spark CSV option names, defaults and checks.
** The table of options and their defaults is in README.md; this file is the
** only place that knows the spellings users write (the table below; names,
** common kinds of values and messages are handled by format/text's
** txt_opt_set, as for the JSON reader).
*/
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "format/csv/csv_int.h"

void csv_options_init(csv_options *o) {
  memset(o, 0, sizeof *o);
  o->sep[0] = ',';
  o->sep_len = 1;
  o->quote = '"';
  o->escape = '\\';
  o->comment = -1;
  o->line_sep = -1;
  o->null_value = "";
  o->empty_value = "";
  o->nan_value = "NaN";
  o->positive_inf = "Inf";
  o->negative_inf = "-Inf";
  o->mode = CSV_PERMISSIVE;
  o->corrupt_column = "_corrupt_record";
  o->prefers_date = true;
  o->sampling_ratio = 1.0;
  o->enforce_schema = true;
  o->max_columns = 20480;
  o->max_chars_per_column = -1;
  o->unescaped_quote = CSV_UQ_STOP_AT_DELIMITER;
}

static int bad(lago_err *err, const char *key, const char *value, const char *why) {
  return LAGO_ERR(err, LAGO_BIND, "csv option %s: %s, got '%s'", key, why, value);
}

/*
** A one-character option value: "" means none (-1) where allowed; escapes
** "\t", "\n", "\r", "\0" (the last means none too, as Spark's "\u0000"),
** "\\" and "\u0000" are understood.
*/
static int parse_char(const char *key, const char *v, bool allow_none, int *out, lago_err *err) {
  size_t n = strlen(v);
  if (n == 0 || !strcmp(v, "\\u0000") || !strcmp(v, "\\0")) {
    if (!allow_none) return bad(err, key, v, "must be one character");
    *out = -1;
    return LAGO_OK;
  }
  if (n == 1) {
    *out = (unsigned char)v[0];
    return LAGO_OK;
  }
  if (n == 2 && v[0] == '\\') {
    switch (v[1]) {
      case 't': *out = '\t'; return LAGO_OK;
      case 'n': *out = '\n'; return LAGO_OK;
      case 'r': *out = '\r'; return LAGO_OK;
      case '\\': *out = '\\'; return LAGO_OK;
      default: break;
    }
  }
  return bad(err, key, v, "must be one character");
}

/* sep / delimiter: one character (with \t etc. spelled out) or a string of up to 8 bytes. */
static int set_sep(void *opts, arena *ar, const char *key, const char *v, lago_err *err) {
  (void)ar;
  csv_options *o = opts;
  int c;
  if (parse_char(key, v, false, &c, &(lago_err){0}) == LAGO_OK) {
    o->sep[0] = (char)c;
    o->sep_len = 1;
    return LAGO_OK;
  }
  size_t n = strlen(v);
  if (n == 0 || n > CSV_SEP_MAX) return bad(err, key, v, "must be 1 to 8 bytes");
  memcpy(o->sep, v, n);
  o->sep_len = (uint8_t)n;
  return LAGO_OK;
}

static int set_quote(void *opts, arena *ar, const char *key, const char *v, lago_err *err) {
  (void)ar;
  return parse_char(key, v, true, &((csv_options *)opts)->quote, err);
}
static int set_escape(void *opts, arena *ar, const char *key, const char *v, lago_err *err) {
  (void)ar;
  return parse_char(key, v, true, &((csv_options *)opts)->escape, err);
}
static int set_comment(void *opts, arena *ar, const char *key, const char *v, lago_err *err) {
  (void)ar;
  return parse_char(key, v, true, &((csv_options *)opts)->comment, err);
}

static int set_max_columns(void *opts, arena *ar, const char *key, const char *v, lago_err *err) {
  (void)ar;
  char *end;
  errno = 0;
  unsigned long long x = *v == '-' ? 0 : strtoull(v, &end, 10);
  if (!x || *end || errno || x > 1000000) return bad(err, key, v, "expected 1..1000000");
  ((csv_options *)opts)->max_columns = (uint32_t)x;
  return LAGO_OK;
}

static int set_max_chars(void *opts, arena *ar, const char *key, const char *v, lago_err *err) {
  (void)ar;
  csv_options *o = opts;
  if (!strcmp(v, "-1")) {
    o->max_chars_per_column = -1;
    return LAGO_OK;
  }
  char *end;
  errno = 0;
  unsigned long long x = *v == '-' ? 0 : strtoull(v, &end, 10);
  if (!x || *end || errno || x > TOK_LEN_MASK) return bad(err, key, v, "expected -1 or 1..536870911");
  o->max_chars_per_column = (int64_t)x;
  return LAGO_OK;
}

static int set_unescaped_quote(void *opts, arena *ar, const char *key, const char *v, lago_err *err) {
  (void)ar;
  static const char *const names[] = {"STOP_AT_DELIMITER", "BACK_TO_DELIMITER", "STOP_AT_CLOSING_QUOTE",
                                      "SKIP_VALUE", "RAISE_ERROR"};
  for (int i = 0; i < 5; i++)
    if (!strcasecmp(v, names[i])) {
      ((csv_options *)opts)->unescaped_quote = (csv_uq)i;
      return LAGO_OK;
    }
  return bad(err, key, v,
             "expected STOP_AT_DELIMITER, BACK_TO_DELIMITER, STOP_AT_CLOSING_QUOTE, SKIP_VALUE or RAISE_ERROR");
}

_Static_assert((int)CSV_PERMISSIVE == TXT_PERMISSIVE && (int)CSV_DROPMALFORMED == TXT_DROPMALFORMED &&
                   (int)CSV_FAILFAST == TXT_FAILFAST && sizeof(csv_mode) == sizeof(int),
               "csv_mode is set as a txt mode");

#define F(field) offsetof(csv_options, field)
/* The options by their Spark names (txt_opt_set: any case, "cloudFiles." prefix accepted). */
static const txt_opt csv_opts[] = {
    TXT_OPTS_COMMON(csv_options),
    {"header", TXT_OPT_BOOL, F(header), NULL},
    {"sep", TXT_OPT_CUSTOM, 0, set_sep},
    {"delimiter", TXT_OPT_CUSTOM, 0, set_sep},
    {"quote", TXT_OPT_CUSTOM, 0, set_quote},
    {"escape", TXT_OPT_CUSTOM, 0, set_escape},
    {"comment", TXT_OPT_CUSTOM, 0, set_comment},
    {"nullValue", TXT_OPT_STR, F(null_value), NULL},
    {"emptyValue", TXT_OPT_STR, F(empty_value), NULL},
    {"nanValue", TXT_OPT_STR, F(nan_value), NULL},
    {"positiveInf", TXT_OPT_STR, F(positive_inf), NULL},
    {"negativeInf", TXT_OPT_STR, F(negative_inf), NULL},
    {"ignoreLeadingWhiteSpace", TXT_OPT_BOOL, F(ignore_leading_ws), NULL},
    {"ignoreTrailingWhiteSpace", TXT_OPT_BOOL, F(ignore_trailing_ws), NULL},
    {"inferSchema", TXT_OPT_BOOL, F(infer_schema), NULL},
    {"inferColumnTypes", TXT_OPT_BOOL, F(infer_schema), NULL},
    {"preferDate", TXT_OPT_BOOL, F(prefers_date), NULL},
    {"prefersDate", TXT_OPT_BOOL, F(prefers_date), NULL},
    {"enforceSchema", TXT_OPT_BOOL, F(enforce_schema), NULL},
    {"maxColumns", TXT_OPT_CUSTOM, 0, set_max_columns},
    {"maxCharsPerColumn", TXT_OPT_CUSTOM, 0, set_max_chars},
    {"unescapedQuoteHandling", TXT_OPT_CUSTOM, 0, set_unescaped_quote},
    /* Accepted and without effect on reading. */
    {"inputBufferSize", TXT_OPT_IGNORED, 0, NULL},
    {"maxMalformedLogPerPartition", TXT_OPT_IGNORED, 0, NULL},
    {"charToEscapeQuoteEscaping", TXT_OPT_IGNORED, 0, NULL},
    {"quoteAll", TXT_OPT_IGNORED, 0, NULL},
    {"escapeQuotes", TXT_OPT_IGNORED, 0, NULL},
};
#undef F

int csv_options_set(csv_options *o, arena *ar, const char *key, const char *v, lago_err *err) {
  return txt_opt_set("csv", csv_opts, sizeof csv_opts / sizeof csv_opts[0], o, ar, key, v, err);
}

int csv_options_check(const csv_options *o, lago_err *err) {
  if (o->sep_len == 0 || o->sep_len > CSV_SEP_MAX)
    return LAGO_ERR(err, LAGO_BIND, "csv option sep: must be 1 to 8 bytes");
  for (int i = 0; i < o->sep_len; i++) {
    unsigned char c = (unsigned char)o->sep[i];
    if (c == '\n' || c == '\r' || (o->line_sep >= 0 && c == o->line_sep))
      return LAGO_ERR(err, LAGO_BIND, "csv option sep: cannot contain a line separator");
  }
  unsigned char s0 = (unsigned char)o->sep[0];
  if (o->quote >= 0 && o->quote == s0) return LAGO_ERR(err, LAGO_BIND, "csv options sep and quote are the same character");
  if (o->quote == '\n' || o->quote == '\r') return LAGO_ERR(err, LAGO_BIND, "csv option quote: cannot be a line break");
  if (o->escape >= 0 && o->escape == s0) return LAGO_ERR(err, LAGO_BIND, "csv options sep and escape are the same character");
  if (o->comment >= 0 && (o->comment == '\n' || o->comment == '\r'))
    return LAGO_ERR(err, LAGO_BIND, "csv option comment: cannot be a line break");
  csv_dec d;
  return csv_dec_init(&d, o, err);
}
