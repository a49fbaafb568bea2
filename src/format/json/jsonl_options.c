/*
** format/json/jsonl_options.c: Spark's JSON data source option names,
** defaults and checks (see the options table in README.md).
*/
#include <stdlib.h>
#include <strings.h>

#include "format/json/jsonl_int.h"

void jsonl_options_init(jsonl_options *o) {
  memset(o, 0, sizeof *o);
  o->allow_single_quotes = true;
  o->allow_non_numeric_numbers = true;
  o->mode = JSONL_PERMISSIVE;
  o->corrupt_column = "_corrupt_record";
  o->reader_case_sensitive = true;
  o->sampling_ratio = 1.0;
  o->line_sep = -1;
}

static int parse_bool(const char *key, const char *v, bool *out, lago_err *err) {
  if (!strcasecmp(v, "true")) *out = true;
  else if (!strcasecmp(v, "false")) *out = false;
  else return LAGO_ERR(err, LAGO_BIND, "json option %s: expected true or false, got '%s'", key, v);
  return LAGO_OK;
}

static int dup(arena *ar, const char *v, const char **out, lago_err *err) {
  char *c = arena_strdup(ar, v);
  if (!c) return LAGO_NOMEM_ERR(err);
  *out = c;
  return LAGO_OK;
}

/* Boolean options: Spark name -> field. */
#define BOOL_OPTS(X)                                           \
  X("multiLine", multi_line)                                   \
  X("primitivesAsString", primitives_as_string)                \
  X("prefersDecimal", prefers_decimal)                         \
  X("allowComments", allow_comments)                           \
  X("allowUnquotedFieldNames", allow_unquoted_field_names)     \
  X("allowSingleQuotes", allow_single_quotes)                  \
  X("allowNumericLeadingZeros", allow_numeric_leading_zeros)   \
  X("allowNumericLeadingZero", allow_numeric_leading_zeros)    \
  X("allowNonNumericNumbers", allow_non_numeric_numbers)       \
  X("allowBackslashEscapingAnyCharacter", allow_backslash_escaping_any) \
  X("allowUnquotedControlChars", allow_unquoted_control_chars) \
  X("dropFieldIfAllNull", drop_field_if_all_null)              \
  X("readerCaseSensitive", reader_case_sensitive)              \
  X("inferColumnTypes", infer_types)                           \
  X("inferSchema", infer_types)                                \
  X("inferTimestamp", infer_timestamp)

int jsonl_options_set(jsonl_options *o, arena *ar, const char *key, const char *value, lago_err *err) {
  const char *k = key;
  if (!strncasecmp(k, "cloudFiles.", 11)) k += 11;
  if (!value) return LAGO_ERR(err, LAGO_BIND, "json option %s: missing value", key);
#define X(name, field) \
  if (!strcasecmp(k, name)) return parse_bool(key, value, &o->field, err);
  BOOL_OPTS(X)
#undef X
  if (!strcasecmp(k, "mode")) {
    if (!strcasecmp(value, "PERMISSIVE")) o->mode = JSONL_PERMISSIVE;
    else if (!strcasecmp(value, "DROPMALFORMED")) o->mode = JSONL_DROPMALFORMED;
    else if (!strcasecmp(value, "FAILFAST")) o->mode = JSONL_FAILFAST;
    else return LAGO_ERR(err, LAGO_BIND, "json option mode: expected PERMISSIVE, DROPMALFORMED or FAILFAST, got '%s'", value);
    return LAGO_OK;
  }
  if (!strcasecmp(k, "columnNameOfCorruptRecord")) {
    if (!*value) return LAGO_ERR(err, LAGO_BIND, "json option columnNameOfCorruptRecord: empty name");
    return dup(ar, value, &o->corrupt_column, err);
  }
  if (!strcasecmp(k, "badRecordsPath")) return *value ? dup(ar, value, &o->bad_records_path, err) : LAGO_OK;
  if (!strcasecmp(k, "rescuedDataColumn")) {
    if (!*value) {
      o->rescued_column = NULL;
      return LAGO_OK;
    }
    return dup(ar, value, &o->rescued_column, err);
  }
  if (!strcasecmp(k, "dateFormat")) return dup(ar, value, &o->date_format, err);
  if (!strcasecmp(k, "timestampFormat")) return dup(ar, value, &o->timestamp_format, err);
  if (!strcasecmp(k, "timestampNTZFormat")) return dup(ar, value, &o->timestamp_ntz_format, err);
  if (!strcasecmp(k, "schemaHints")) return dup(ar, value, &o->schema_hints, err);
  if (!strcasecmp(k, "samplingRatio")) {
    char *end;
    double v = strtod(value, &end);
    if (end == value || *end || !(v > 0 && v <= 1))
      return LAGO_ERR(err, LAGO_BIND, "json option samplingRatio: expected a number in (0, 1], got '%s'", value);
    o->sampling_ratio = v;
    return LAGO_OK;
  }
  if (!strcasecmp(k, "inferMaxRows")) {
    char *end;
    unsigned long long v = strtoull(value, &end, 10);
    if (end == value || *end || value[0] == '-')
      return LAGO_ERR(err, LAGO_BIND, "json option inferMaxRows: expected a count, got '%s'", value);
    o->infer_max_rows = v;
    return LAGO_OK;
  }
  if (!strcasecmp(k, "lineSep")) {
    if (!strcmp(value, "\\n") || !strcmp(value, "\n")) o->line_sep = '\n';
    else if (!strcmp(value, "\\r") || !strcmp(value, "\r")) o->line_sep = '\r';
    else if (!strcmp(value, "\\r\\n") || !strcmp(value, "\r\n")) o->line_sep = -1;
    else if (strlen(value) == 1 && value[0] != '{' && value[0] != '[' && value[0] != '"') o->line_sep = (unsigned char)value[0];
    else return LAGO_ERR(err, LAGO_UNSUPPORTED, "json option lineSep: only one byte (or \\r\\n) is supported, got '%s'", value);
    return LAGO_OK;
  }
  if (!strcasecmp(k, "encoding") || !strcasecmp(k, "charset")) {
    if (!strcasecmp(value, "UTF-8") || !strcasecmp(value, "UTF8")) return LAGO_OK;
    return LAGO_ERR(err, LAGO_UNSUPPORTED, "json option %s: only UTF-8 is supported, got '%s'", key, value);
  }
  if (!strcasecmp(k, "locale")) {
    if (!strcasecmp(value, "en-US") || !strcasecmp(value, "en_US") || !strcasecmp(value, "en")) return LAGO_OK;
    return LAGO_ERR(err, LAGO_UNSUPPORTED, "json option locale: only en-US is supported, got '%s'", value);
  }
  if (!strcasecmp(k, "timeZone")) {
    if (!strcasecmp(value, "UTC") || !strcmp(value, "Z") || !strcmp(value, "+00:00") || !strcasecmp(value, "GMT") ||
        !strcasecmp(value, "Etc/UTC"))
      return LAGO_OK;
    return LAGO_ERR(err, LAGO_UNSUPPORTED, "json option timeZone: only UTC is supported, got '%s'", value);
  }
  /* Spark/Auto Loader options that do not change how lago reads a file. */
  static const char *const ignored[] = {"format", "compression", "ignoreNullFields", "enableDateTimeParsingFallback",
                                        "maxFilesPerTrigger", "maxBytesPerTrigger", "schemaLocation",
                                        "schemaEvolutionMode", "includeExistingFiles", "allowOverwrites",
                                        "useNotifications", "validateOptions", "pathGlobFilter", "recursiveFileLookup",
                                        "modifiedBefore", "modifiedAfter", "maxFileAge", "partitionColumns",
                                        "useStrictGlobber", "useIncrementalListing", "backfillInterval",
                                        "singleVariantColumn", "samplingRatio.seed"};
  for (size_t i = 0; i < sizeof ignored / sizeof ignored[0]; i++)
    if (!strcasecmp(k, ignored[i])) return LAGO_OK;
  return LAGO_ERR(err, LAGO_BIND, "unknown json option '%s'", key);
}

int jsonl_options_check(const jsonl_options *o, lago_err *err) {
  jl_dtfmt f;
  if (o->date_format) TRY(jl_dtfmt_compile(o->date_format, &f, err));
  if (o->timestamp_format) TRY(jl_dtfmt_compile(o->timestamp_format, &f, err));
  if (o->timestamp_ntz_format) TRY(jl_dtfmt_compile(o->timestamp_ntz_format, &f, err));
  if (!o->corrupt_column || !*o->corrupt_column)
    return LAGO_ERR(err, LAGO_BIND, "json option columnNameOfCorruptRecord: empty name");
  if (o->rescued_column && !strcmp(o->rescued_column, o->corrupt_column))
    return LAGO_ERR(err, LAGO_BIND, "json options: rescuedDataColumn and columnNameOfCorruptRecord are both '%s'",
                    o->corrupt_column);
  if (o->line_sep > 255 || (o->line_sep >= 0 && (o->line_sep == ' ' || o->line_sep == '\t')))
    return LAGO_ERR(err, LAGO_BIND, "json option lineSep: %d cannot separate lines", o->line_sep);
  if (!(o->sampling_ratio > 0 && o->sampling_ratio <= 1))
    return LAGO_ERR(err, LAGO_BIND, "json option samplingRatio: %g is not in (0, 1]", o->sampling_ratio);
  return LAGO_OK;
}
