/*
** stream/options.c: the stream's option names and defaults (Auto Loader's
** `cloudFiles.*` names, Spark's generic file source options, a few lago
** ones), triggers, added columns, durations and sizes. The table of options
** is in src/stream/README.md. Options the stream does not know are kept for
** the file reader, which rejects unknown names when the stream opens.
*/
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "stream/stream.h"
#include "util/datetime.h"
#include "util/numfmt.h"

void stream_opts_init(stream_opts *o) {
  memset(o, 0, sizeof *o);
  o->format = STREAM_CSV;
  o->trigger.kind = TRIGGER_AVAILABLE_NOW;
  o->include_existing = true;
  o->max_files = 1000;
  o->recursive = true;
  o->modified_after_ns = INT64_MIN;
  o->modified_before_ns = INT64_MAX;
  o->backfill_ms = 3600 * 1000;
  o->poll_ms = 1000;
  o->settle_ms = -1; /* resolved by stream_open: 1 s with notifications, else 0 */
  o->sample_files = 1000;
  o->sample_bytes = (uint64_t)50 << 30;
  o->threads = 2;
}

int stream_format_parse(const char *text, stream_format *out, lago_err *err) {
  if (!strcasecmp(text, "csv")) *out = STREAM_CSV;
  else if (!strcasecmp(text, "json") || !strcasecmp(text, "jsonl") || !strcasecmp(text, "ndjson")) *out = STREAM_JSON;
  else if (!strcasecmp(text, "parquet")) *out = STREAM_PARQUET;
  else return LAGO_ERR(err, LAGO_BIND, "format '%s': expected csv, json or parquet", text);
  return LAGO_OK;
}

const char *stream_format_name(stream_format f) {
  return f == STREAM_CSV ? "csv" : f == STREAM_JSON ? "json" : "parquet";
}

int64_t stream_parse_duration_ms(const char *text) {
  const char *p = text;
  while (isspace((unsigned char)*p)) p++;
  if (!isdigit((unsigned char)*p)) return -1;
  char *end;
  double v = strtod(p, &end);
  if (end == p || v < 0 || v > 1e15) return -1;
  while (isspace((unsigned char)*end)) end++;
  static const struct {
    const char *unit;
    double ms;
  } units[] = {{"", 1},          {"ms", 1},         {"millisecond", 1}, {"milliseconds", 1}, {"s", 1000},
               {"sec", 1000},    {"secs", 1000},    {"second", 1000},   {"seconds", 1000},   {"m", 60000},
               {"min", 60000},   {"mins", 60000},   {"minute", 60000},  {"minutes", 60000},  {"h", 3600000},
               {"hour", 3600000}, {"hours", 3600000}, {"d", 86400000},  {"day", 86400000},   {"days", 86400000}};
  size_t n = strlen(end);
  while (n && isspace((unsigned char)end[n - 1])) n--;
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
    if (strlen(units[i].unit) == n && !strncasecmp(end, units[i].unit, n)) {
      double ms = v * units[i].ms;
      return ms > 9e15 ? -1 : (int64_t)(ms + 0.5);
    }
  return -1;
}

bool stream_parse_bytes(const char *text, uint64_t *out) {
  const char *p = text;
  while (isspace((unsigned char)*p)) p++;
  if (!isdigit((unsigned char)*p)) return false;
  char *end;
  unsigned long long v = strtoull(p, &end, 10);
  while (isspace((unsigned char)*end)) end++;
  int shift = 0;
  if (*end) {
    char u = (char)tolower((unsigned char)*end++);
    shift = u == 'b' ? 0 : u == 'k' ? 10 : u == 'm' ? 20 : u == 'g' ? 30 : u == 't' ? 40 : -1;
    if (shift < 0) return false;
    if (shift && (*end == 'b' || *end == 'B')) end++;
    if (shift && (*end == 'i' || *end == 'I')) { /* "KiB" spelled out */
      end++;
      if (*end == 'b' || *end == 'B') end++;
    }
    while (isspace((unsigned char)*end)) end++;
    if (*end) return false;
  }
  if (shift && v > (UINT64_MAX >> shift)) return false;
  *out = (uint64_t)v << shift;
  return true;
}

int stream_trigger_parse(const char *text, stream_trigger *out, lago_err *err) {
  memset(out, 0, sizeof *out);
  if (!strcasecmp(text, "available-now") || !strcasecmp(text, "availableNow") || !strcasecmp(text, "available_now"))
    out->kind = TRIGGER_AVAILABLE_NOW;
  else if (!strcasecmp(text, "once"))
    out->kind = TRIGGER_ONCE;
  else if (!strcasecmp(text, "continuous"))
    out->kind = TRIGGER_CONTINUOUS;
  else if (!strncasecmp(text, "every=", 6) || !strncasecmp(text, "processingTime=", 15)) {
    const char *v = strchr(text, '=') + 1;
    int64_t ms = stream_parse_duration_ms(v);
    if (ms <= 0) return LAGO_ERR(err, LAGO_BIND, "trigger '%s': bad interval '%s' (e.g. every=10s)", text, v);
    out->kind = TRIGGER_INTERVAL;
    out->interval_ms = ms;
  } else {
    return LAGO_ERR(err, LAGO_BIND, "trigger '%s': expected available-now, once, every=<interval> or continuous", text);
  }
  return LAGO_OK;
}

int stream_added_parse(arena *ar, const char *text, stream_added_col *out, lago_err *err) {
  memset(out, 0, sizeof *out);
  const char *eq = strchr(text, '=');
  if (!eq || eq == text) return LAGO_ERR(err, LAGO_BIND, "added column '%s': expected name=expression", text);
  char *name = arena_strndup(ar, text, (size_t)(eq - text));
  if (!name) return LAGO_NOMEM_ERR(err);
  size_t nl = strlen(name);
  while (nl && isspace((unsigned char)name[nl - 1])) name[--nl] = 0;
  for (size_t i = 0; i < nl; i++)
    if (!(isalnum((unsigned char)name[i]) || name[i] == '_'))
      return LAGO_ERR(err, LAGO_BIND, "added column '%s': the name may hold letters, digits and '_' only", name);
  if (!nl) return LAGO_ERR(err, LAGO_BIND, "added column '%s': empty name", text);
  const char *e = eq + 1;
  while (isspace((unsigned char)*e)) e++;
  size_t el = strlen(e);
  while (el && isspace((unsigned char)e[el - 1])) el--;
  static const struct {
    const char *expr;
    stream_added_kind kind;
  } k[] = {{"current_date()", ADDED_CURRENT_DATE},
           {"current_date", ADDED_CURRENT_DATE},
           {"current_timestamp()", ADDED_CURRENT_TIMESTAMP},
           {"current_timestamp", ADDED_CURRENT_TIMESTAMP},
           {"now()", ADDED_CURRENT_TIMESTAMP},
           {"_metadata.file_path", ADDED_FILE_PATH},
           {"_metadata.file_name", ADDED_FILE_NAME},
           {"_metadata.file_size", ADDED_FILE_SIZE},
           {"_metadata.file_modification_time", ADDED_FILE_MTIME},
           {"input_file_name()", ADDED_FILE_PATH},
           {"batch_id()", ADDED_BATCH_ID}};
  out->name = name;
  for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
    if (strlen(k[i].expr) == el && !strncasecmp(e, k[i].expr, el)) {
      out->kind = k[i].kind;
      return LAGO_OK;
    }
  if (el >= 2 && e[0] == '\'' && e[el - 1] == '\'') {
    out->kind = ADDED_LITERAL;
    if (!(out->literal = arena_strndup(ar, e + 1, el - 2))) return LAGO_NOMEM_ERR(err);
    return LAGO_OK;
  }
  return LAGO_ERR(err, LAGO_BIND,
                  "added column %s: unsupported expression '%.*s' (use current_date(), current_timestamp(), "
                  "_metadata.file_path, _metadata.file_name, _metadata.file_size, "
                  "_metadata.file_modification_time, batch_id() or 'text')",
                  name, (int)el, e);
}

static int parse_bool(const char *key, const char *v, bool *out, lago_err *err) {
  if (!strcasecmp(v, "true")) *out = true;
  else if (!strcasecmp(v, "false")) *out = false;
  else return LAGO_ERR(err, LAGO_BIND, "option %s: expected true or false, got '%s'", key, v);
  return LAGO_OK;
}

static int parse_count(const char *key, const char *v, int64_t lo, int64_t *out, lago_err *err) {
  int64_t n;
  if (parse_i64(v, strlen(v), &n) || n < lo)
    return LAGO_ERR(err, LAGO_BIND, "option %s: expected an integer >= %lld, got '%s'", key, (long long)lo, v);
  *out = n;
  return LAGO_OK;
}

static int parse_time_ns(const char *key, const char *v, int64_t *out, lago_err *err) {
  int64_t us;
  bool zone;
  if (parse_timestamp(v, strlen(v), &us, &zone))
    return LAGO_ERR(err, LAGO_BIND, "option %s: expected a timestamp such as 2024-06-01T00:00:00, got '%s'", key, v);
  if (us > INT64_MAX / 1000 || us < INT64_MIN / 1000)
    return LAGO_ERR(err, LAGO_BIND, "option %s: timestamp '%s' out of range", key, v);
  *out = us * 1000;
  return LAGO_OK;
}

int stream_opts_set(stream_opts *o, arena *ar, const char *key, const char *value, lago_err *err) {
  const char *k = key;
  if (!strncasecmp(k, "cloudFiles.", 11)) k += 11;
  const char *v = value;
  int64_t n;
#define IS(name) (!strcasecmp(k, name))
  if (IS("format")) return stream_format_parse(v, &o->format, err);
  if (IS("includeExistingFiles")) return parse_bool(key, v, &o->include_existing, err);
  if (IS("maxFilesPerTrigger")) return parse_count(key, v, 0, &o->max_files, err);
  if (IS("maxBytesPerTrigger")) {
    if (!stream_parse_bytes(v, &o->max_bytes))
      return LAGO_ERR(err, LAGO_BIND, "option %s: expected a size such as 10g or 512m, got '%s'", key, v);
    return LAGO_OK;
  }
  if (IS("allowOverwrites")) return parse_bool(key, v, &o->allow_overwrites, err);
  if (IS("pathGlobFilter") || IS("fileNamePattern")) return (o->glob = arena_strdup(ar, v)) ? LAGO_OK : LAGO_NOMEM_ERR(err);
  if (IS("recursiveFileLookup")) return parse_bool(key, v, &o->recursive, err);
  if (IS("modifiedAfter")) return parse_time_ns(key, v, &o->modified_after_ns, err);
  if (IS("modifiedBefore")) return parse_time_ns(key, v, &o->modified_before_ns, err);
  if (IS("useNotifications") || IS("useManagedFileEvents")) return parse_bool(key, v, &o->use_notifications, err);
  if (IS("backfillInterval") || IS("pollInterval") || IS("minFileAge")) {
    int64_t ms = stream_parse_duration_ms(v);
    if (ms < 0) return LAGO_ERR(err, LAGO_BIND, "option %s: expected a duration such as 10s or 1 hour, got '%s'", key, v);
    if (IS("backfillInterval")) o->backfill_ms = ms;
    else if (IS("pollInterval")) o->poll_ms = ms > 0 ? ms : 1;
    else o->settle_ms = ms;
    return LAGO_OK;
  }
  if (IS("ignoreCorruptFiles")) return parse_bool(key, v, &o->ignore_corrupt_files, err);
  if (IS("schemaEvolutionMode")) {
    if (!strcasecmp(v, "addNewColumns")) o->evolution = EVOLVE_ADD_NEW_COLUMNS;
    else if (!strcasecmp(v, "rescue")) o->evolution = EVOLVE_RESCUE;
    else if (!strcasecmp(v, "failOnNewColumns")) o->evolution = EVOLVE_FAIL_ON_NEW_COLUMNS;
    else if (!strcasecmp(v, "none")) o->evolution = EVOLVE_NONE;
    else
      return LAGO_ERR(err, LAGO_BIND,
                      "option %s: expected addNewColumns, rescue, failOnNewColumns or none, got '%s'", key, v);
    return LAGO_OK;
  }
  if (IS("schema")) return (o->schema = arena_strdup(ar, v)) ? LAGO_OK : LAGO_NOMEM_ERR(err);
  if (IS("schemaHints")) return (o->schema_hints = arena_strdup(ar, v)) ? LAGO_OK : LAGO_NOMEM_ERR(err);
  if (IS("schemaLocation")) return (o->schema_location = arena_strdup(ar, v)) ? LAGO_OK : LAGO_NOMEM_ERR(err);
  if (IS("inferColumnTypes") || IS("inferSchema")) return parse_bool(key, v, &o->infer_types, err);
  if (IS("rescuedDataColumn")) {
    if (!*v) return LAGO_ERR(err, LAGO_BIND, "option %s: empty column name", key);
    return (o->rescued_column = arena_strdup(ar, v)) ? LAGO_OK : LAGO_NOMEM_ERR(err);
  }
  if (IS("schemaInference.sampleSize.numFiles")) return parse_count(key, v, 1, &o->sample_files, err);
  if (IS("schemaInference.sampleSize.numBytes")) {
    if (!stream_parse_bytes(v, &o->sample_bytes) || !o->sample_bytes)
      return LAGO_ERR(err, LAGO_BIND, "option %s: expected a size such as 50g, got '%s'", key, v);
    return LAGO_OK;
  }
  if (IS("includeMetadata")) return parse_bool(key, v, &o->include_metadata, err);
  if (IS("threads")) {
    TRY(parse_count(key, v, 1, &n, err));
    if (n > 64) return LAGO_ERR(err, LAGO_BIND, "option %s: at most 64 threads", key);
    o->threads = (int)n;
    return LAGO_OK;
  }
  if (IS("streamName")) {
    for (const char *p = v; *p; p++)
      if (!(isalnum((unsigned char)*p) || *p == '_' || *p == '-' || *p == '.') || (p == v && *p == '.'))
        return LAGO_ERR(err, LAGO_BIND, "option %s: use letters, digits, '_', '-' and '.' only", key);
    if (!*v || strlen(v) > 128) return LAGO_ERR(err, LAGO_BIND, "option %s: 1..128 characters", key);
    return (o->stream_name = arena_strdup(ar, v)) ? LAGO_OK : LAGO_NOMEM_ERR(err);
  }
  if (IS("trigger")) return stream_trigger_parse(v, &o->trigger, err);
  if (IS("maxFileAge") || IS("validateOptions") || IS("useIncrementalListing") || IS("fetchParallelism") ||
      IS("useStrictGlobber") || IS("partitionColumns") || IS("mergeSchema"))
    return LAGO_OK; /* accepted, nothing to do here */
#undef IS
  /* a reader option (header, sep, multiLine, mode, ...) */
  for (uint32_t i = 0; i < o->n_fmt; i++)
    if (!strcasecmp(o->fmt_keys[i], k)) {
      if (!(o->fmt_values[i] = arena_strdup(ar, v))) return LAGO_NOMEM_ERR(err);
      return LAGO_OK;
    }
  if (o->n_fmt == STREAM_MAX_FORMAT_OPTS) return LAGO_ERR(err, LAGO_BIND, "too many reader options (max %d)", STREAM_MAX_FORMAT_OPTS);
  o->fmt_keys[o->n_fmt] = arena_strdup(ar, k);
  o->fmt_values[o->n_fmt] = arena_strdup(ar, v);
  if (!o->fmt_keys[o->n_fmt] || !o->fmt_values[o->n_fmt]) return LAGO_NOMEM_ERR(err);
  o->n_fmt++;
  return LAGO_OK;
}
