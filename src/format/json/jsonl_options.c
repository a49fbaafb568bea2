/*
** format/json/jsonl_options.c: Spark's JSON data source option names,
** defaults and checks (see the options table in README.md). Names, common
** kinds of values and messages are handled by format/text's txt_opt_set, as
** for the CSV reader.
*/
#include <stddef.h>
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

_Static_assert((int)JSONL_PERMISSIVE == TXT_PERMISSIVE && (int)JSONL_DROPMALFORMED == TXT_DROPMALFORMED &&
                   (int)JSONL_FAILFAST == TXT_FAILFAST && sizeof(jsonl_mode) == sizeof(int),
               "jsonl_mode is set as a txt mode");

#define F(field) offsetof(jsonl_options, field)
/* The options by their Spark names (txt_opt_set: any case, "cloudFiles." prefix accepted). */
static const txt_opt jsonl_opts[] = {
    TXT_OPTS_COMMON(jsonl_options),
    {"primitivesAsString", TXT_OPT_BOOL, F(primitives_as_string), NULL},
    {"allowComments", TXT_OPT_BOOL, F(allow_comments), NULL},
    {"allowUnquotedFieldNames", TXT_OPT_BOOL, F(allow_unquoted_field_names), NULL},
    {"allowSingleQuotes", TXT_OPT_BOOL, F(allow_single_quotes), NULL},
    {"allowNumericLeadingZeros", TXT_OPT_BOOL, F(allow_numeric_leading_zeros), NULL},
    {"allowNumericLeadingZero", TXT_OPT_BOOL, F(allow_numeric_leading_zeros), NULL},
    {"allowNonNumericNumbers", TXT_OPT_BOOL, F(allow_non_numeric_numbers), NULL},
    {"allowBackslashEscapingAnyCharacter", TXT_OPT_BOOL, F(allow_backslash_escaping_any), NULL},
    {"allowUnquotedControlChars", TXT_OPT_BOOL, F(allow_unquoted_control_chars), NULL},
    {"dropFieldIfAllNull", TXT_OPT_BOOL, F(drop_field_if_all_null), NULL},
    {"readerCaseSensitive", TXT_OPT_BOOL, F(reader_case_sensitive), NULL},
    {"inferColumnTypes", TXT_OPT_BOOL, F(infer_types), NULL},
    {"inferSchema", TXT_OPT_BOOL, F(infer_types), NULL},
    {"inferTimestamp", TXT_OPT_BOOL, F(infer_timestamp), NULL},
    {"rescuedDataColumn", TXT_OPT_STR_OFF, F(rescued_column), NULL},
    {"ignoreNullFields", TXT_OPT_IGNORED, 0, NULL}, /* a write option */
};
#undef F

int jsonl_options_set(jsonl_options *o, arena *ar, const char *key, const char *value, lago_err *err) {
  return txt_opt_set("json", jsonl_opts, sizeof jsonl_opts / sizeof jsonl_opts[0], o, ar, key, value, err);
}

int jsonl_options_check(const jsonl_options *o, lago_err *err) {
  txt_dt dt;
  TRY(txt_dt_init(&dt, o->date_format, o->timestamp_format, o->timestamp_ntz_format, err));
  if (!o->corrupt_column || !*o->corrupt_column)
    return LAGO_ERR(err, LAGO_BIND, "json option columnNameOfCorruptRecord: empty name");
  if (o->rescued_column && !strcmp(o->rescued_column, o->corrupt_column))
    return LAGO_ERR(err, LAGO_BIND, "json options: rescuedDataColumn and columnNameOfCorruptRecord are both '%s'",
                    o->corrupt_column);
  int ls = o->line_sep; /* whitespace and the bytes that start a record cannot end one */
  if (ls > 255 || ls == ' ' || ls == '\t' || ls == '{' || ls == '[' || ls == '"')
    return LAGO_ERR(err, LAGO_BIND, "json option lineSep: %d cannot separate lines", ls);
  if (!(o->sampling_ratio > 0 && o->sampling_ratio <= 1))
    return LAGO_ERR(err, LAGO_BIND, "json option samplingRatio: %g is not in (0, 1]", o->sampling_ratio);
  return LAGO_OK;
}
