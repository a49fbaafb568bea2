/*
** format/csv/csv_options.c: Spark CSV option names, defaults and checks.
** The table of options and their defaults is in README.md; this file is the
** only place that knows the spellings users write.
*/
#include <errno.h>
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
  return LAGO_ERR(err, LAGO_BIND, "csv option %s: %s (got '%s')", key, why, value);
}

static int parse_bool(const char *key, const char *v, bool *out, lago_err *err) {
  if (!strcasecmp(v, "true")) *out = true;
  else if (!strcasecmp(v, "false")) *out = false;
  else return bad(err, key, v, "expected true or false");
  return LAGO_OK;
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

static int parse_u64(const char *key, const char *v, uint64_t *out, lago_err *err) {
  char *end;
  errno = 0;
  if (!*v || *v == '-') return bad(err, key, v, "expected a non-negative integer");
  unsigned long long x = strtoull(v, &end, 10);
  if (*end || errno) return bad(err, key, v, "expected a non-negative integer");
  *out = x;
  return LAGO_OK;
}

static int dup(arena *ar, const char *v, const char **out, lago_err *err) {
  char *c = arena_strdup(ar, v);
  if (!c) return LAGO_NOMEM_ERR(err);
  *out = c;
  return LAGO_OK;
}

int csv_options_set(csv_options *o, arena *ar, const char *key, const char *v, lago_err *err) {
  if (!strncasecmp(key, "cloudFiles.", 11)) key += 11;
  if (!v) return bad(err, key, "(null)", "needs a value");
  int c;
  if (!strcasecmp(key, "header")) return parse_bool(key, v, &o->header, err);
  if (!strcasecmp(key, "sep") || !strcasecmp(key, "delimiter")) {
    /* One character (with \t etc. spelled out) or a string of up to 8 bytes. */
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
  if (!strcasecmp(key, "quote")) return parse_char(key, v, true, &o->quote, err);
  if (!strcasecmp(key, "escape")) return parse_char(key, v, true, &o->escape, err);
  if (!strcasecmp(key, "comment")) return parse_char(key, v, true, &o->comment, err);
  if (!strcasecmp(key, "multiLine")) return parse_bool(key, v, &o->multi_line, err);
  if (!strcasecmp(key, "lineSep")) {
    if (!strcmp(v, "\r\n") || !strcmp(v, "\\r\\n")) { o->line_sep = -1; return LAGO_OK; }
    TRY(parse_char(key, v, false, &o->line_sep, err));
    if (o->line_sep == '\r') o->line_sep = -1; /* \r alone is also understood by the default */
    return LAGO_OK;
  }
  if (!strcasecmp(key, "nullValue")) return dup(ar, v, &o->null_value, err);
  if (!strcasecmp(key, "emptyValue")) return dup(ar, v, &o->empty_value, err);
  if (!strcasecmp(key, "nanValue")) return dup(ar, v, &o->nan_value, err);
  if (!strcasecmp(key, "positiveInf")) return dup(ar, v, &o->positive_inf, err);
  if (!strcasecmp(key, "negativeInf")) return dup(ar, v, &o->negative_inf, err);
  if (!strcasecmp(key, "ignoreLeadingWhiteSpace")) return parse_bool(key, v, &o->ignore_leading_ws, err);
  if (!strcasecmp(key, "ignoreTrailingWhiteSpace")) return parse_bool(key, v, &o->ignore_trailing_ws, err);
  if (!strcasecmp(key, "dateFormat")) return dup(ar, v, &o->date_format, err);
  if (!strcasecmp(key, "timestampFormat")) return dup(ar, v, &o->timestamp_format, err);
  if (!strcasecmp(key, "timestampNTZFormat")) return dup(ar, v, &o->timestamp_ntz_format, err);
  if (!strcasecmp(key, "mode")) {
    if (!strcasecmp(v, "PERMISSIVE")) o->mode = CSV_PERMISSIVE;
    else if (!strcasecmp(v, "DROPMALFORMED")) o->mode = CSV_DROPMALFORMED;
    else if (!strcasecmp(v, "FAILFAST")) o->mode = CSV_FAILFAST;
    else return bad(err, key, v, "expected PERMISSIVE, DROPMALFORMED or FAILFAST");
    return LAGO_OK;
  }
  if (!strcasecmp(key, "columnNameOfCorruptRecord")) return dup(ar, v, &o->corrupt_column, err);
  if (!strcasecmp(key, "badRecordsPath")) return dup(ar, v, &o->bad_records_path, err);
  if (!strcasecmp(key, "inferSchema") || !strcasecmp(key, "inferColumnTypes"))
    return parse_bool(key, v, &o->infer_schema, err);
  if (!strcasecmp(key, "prefersDecimal")) return parse_bool(key, v, &o->prefers_decimal, err);
  if (!strcasecmp(key, "preferDate") || !strcasecmp(key, "prefersDate")) return parse_bool(key, v, &o->prefers_date, err);
  if (!strcasecmp(key, "samplingRatio")) {
    char *end;
    double r = strtod(v, &end);
    if (*end || !(r > 0.0 && r <= 1.0)) return bad(err, key, v, "expected a number in (0, 1]");
    o->sampling_ratio = r;
    return LAGO_OK;
  }
  if (!strcasecmp(key, "inferMaxRows")) return parse_u64(key, v, &o->infer_max_rows, err);
  if (!strcasecmp(key, "enforceSchema")) return parse_bool(key, v, &o->enforce_schema, err);
  if (!strcasecmp(key, "maxColumns")) {
    uint64_t x;
    TRY(parse_u64(key, v, &x, err));
    if (x == 0 || x > 1000000) return bad(err, key, v, "expected 1..1000000");
    o->max_columns = (uint32_t)x;
    return LAGO_OK;
  }
  if (!strcasecmp(key, "maxCharsPerColumn")) {
    if (!strcmp(v, "-1")) { o->max_chars_per_column = -1; return LAGO_OK; }
    uint64_t x;
    TRY(parse_u64(key, v, &x, err));
    if (x == 0 || x > TOK_LEN_MASK) return bad(err, key, v, "expected -1 or 1..536870911");
    o->max_chars_per_column = (int64_t)x;
    return LAGO_OK;
  }
  if (!strcasecmp(key, "unescapedQuoteHandling")) {
    static const char *const names[] = {"STOP_AT_DELIMITER", "BACK_TO_DELIMITER", "STOP_AT_CLOSING_QUOTE",
                                        "SKIP_VALUE", "RAISE_ERROR"};
    for (int i = 0; i < 5; i++)
      if (!strcasecmp(v, names[i])) {
        o->unescaped_quote = (csv_uq)i;
        return LAGO_OK;
      }
    return bad(err, key, v, "expected STOP_AT_DELIMITER, BACK_TO_DELIMITER, STOP_AT_CLOSING_QUOTE, SKIP_VALUE or RAISE_ERROR");
  }
  if (!strcasecmp(key, "schemaHints")) return dup(ar, v, &o->schema_hints, err);
  if (!strcasecmp(key, "encoding") || !strcasecmp(key, "charset")) {
    if (strcasecmp(v, "UTF-8") && strcasecmp(v, "UTF8")) return bad(err, key, v, "only UTF-8 is supported");
    return LAGO_OK;
  }
  if (!strcasecmp(key, "locale")) {
    if (strcasecmp(v, "en-US") && strcasecmp(v, "en_US") && strcasecmp(v, "en")) return bad(err, key, v, "only en-US is supported");
    return LAGO_OK;
  }
  /* Accepted and without effect on reading. */
  if (!strcasecmp(key, "inputBufferSize") || !strcasecmp(key, "maxMalformedLogPerPartition") ||
      !strcasecmp(key, "charToEscapeQuoteEscaping") || !strcasecmp(key, "enableDateTimeParsingFallback") ||
      !strcasecmp(key, "format") || !strcasecmp(key, "quoteAll") || !strcasecmp(key, "escapeQuotes") ||
      !strcasecmp(key, "compression") || !strcasecmp(key, "codec"))
    return LAGO_OK;
  return LAGO_ERR(err, LAGO_BIND, "unknown csv option '%s'", key);
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
