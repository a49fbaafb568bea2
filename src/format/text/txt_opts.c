/*
** format/text/txt_opts.c: how the text readers take their options, and the
** schemaHints text: both readers' option setters are a table of Spark names
** (format/csv/csv_options.c, format/json/jsonl_options.c) run by
** txt_opt_set, so names, kinds of values and messages work one way.
**
** Names match case-insensitively, with or without Auto Loader's
** "cloudFiles." prefix. Messages name the option as the user wrote it:
**   "csv option mode: expected PERMISSIVE, DROPMALFORMED or FAILFAST, got 'lenient'"
**   "unknown json option 'nosuch'"
** Besides the table, a shared list of names is accepted and ignored: Spark
** write-side options and the Auto Loader stream options that the ingestion
** layer reads (schemaLocation, maxFilesPerTrigger, ...), so that one option
** map can be handed to either reader.
*/
#include <errno.h>
#include <stdlib.h>
#include <strings.h>

#include "format/text/text_int.h"

const char *txt_opt_name(const char *key) { return strncasecmp(key, "cloudFiles.", 11) ? key : key + 11; }

static int bad(const char *fmt, const char *key, const char *value, const char *why, lago_err *err) {
  return LAGO_ERR(err, LAGO_BIND, "%s option %s: %s, got '%s'", fmt, key, why, value);
}

static int unsupported(const char *fmt, const char *key, const char *value, const char *why, lago_err *err) {
  return LAGO_ERR(err, LAGO_UNSUPPORTED, "%s option %s: %s, got '%s'", fmt, key, why, value);
}

/* Options that change nothing in how a file is read, for every text format. */
static const char *const ignored[] = {
    "format", "compression", "codec", "enableDateTimeParsingFallback",
    /* Auto Loader stream options (read by the ingestion layer) */
    "maxFilesPerTrigger", "maxBytesPerTrigger", "schemaLocation", "schemaEvolutionMode", "includeExistingFiles",
    "allowOverwrites", "useNotifications", "validateOptions", "pathGlobFilter", "recursiveFileLookup",
    "modifiedBefore", "modifiedAfter", "maxFileAge", "partitionColumns", "useStrictGlobber", "useIncrementalListing",
    "backfillInterval", "singleVariantColumn", "samplingRatio.seed"};

static int set_line_sep(const char *fmt, const char *key, const char *v, int *out, lago_err *err) {
  if (!strcmp(v, "\r\n") || !strcmp(v, "\\r\\n")) *out = -1; /* the default reads \r\n */
  else if (!strcmp(v, "\\n")) *out = '\n';
  else if (!strcmp(v, "\\r")) *out = '\r';
  else if (!strcmp(v, "\\t")) *out = '\t';
  else if (strlen(v) == 1) *out = (unsigned char)v[0];
  else return unsupported(fmt, key, v, "only one byte (or \\r\\n) is supported", err);
  return LAGO_OK;
}

int txt_opt_set(const char *fmt, const txt_opt *table, size_t n, void *opts, arena *ar, const char *key,
                const char *v, lago_err *err) {
  const char *name = txt_opt_name(key);
  const txt_opt *o = NULL;
  for (size_t i = 0; i < n && !o; i++)
    if (!strcasecmp(name, table[i].name)) o = &table[i];
  if (!o) {
    for (size_t i = 0; i < sizeof ignored / sizeof ignored[0]; i++)
      if (!strcasecmp(name, ignored[i])) return LAGO_OK;
    return LAGO_ERR(err, LAGO_BIND, "unknown %s option '%s'", fmt, key);
  }
  if (!v) return LAGO_ERR(err, LAGO_BIND, "%s option %s: missing value", fmt, key);
  void *field = (char *)opts + o->off;
  switch (o->kind) {
    case TXT_OPT_BOOL:
      if (!strcasecmp(v, "true")) *(bool *)field = true;
      else if (!strcasecmp(v, "false")) *(bool *)field = false;
      else return bad(fmt, key, v, "expected true or false", err);
      return LAGO_OK;
    case TXT_OPT_STR:
    case TXT_OPT_STR_OFF:
    case TXT_OPT_NAME: {
      if (!*v && o->kind == TXT_OPT_STR_OFF) {
        *(const char **)field = NULL;
        return LAGO_OK;
      }
      if (!*v && o->kind == TXT_OPT_NAME) return LAGO_ERR(err, LAGO_BIND, "%s option %s: empty name", fmt, key);
      char *c = arena_strdup(ar, v);
      if (!c) return LAGO_NOMEM_ERR(err);
      *(const char **)field = c;
      return LAGO_OK;
    }
    case TXT_OPT_MODE:
      if (!strcasecmp(v, "PERMISSIVE")) *(int *)field = TXT_PERMISSIVE;
      else if (!strcasecmp(v, "DROPMALFORMED")) *(int *)field = TXT_DROPMALFORMED;
      else if (!strcasecmp(v, "FAILFAST")) *(int *)field = TXT_FAILFAST;
      else return bad(fmt, key, v, "expected PERMISSIVE, DROPMALFORMED or FAILFAST", err);
      return LAGO_OK;
    case TXT_OPT_RATIO: {
      char *end;
      double r = strtod(v, &end);
      if (end == v || *end || !(r > 0.0 && r <= 1.0)) return bad(fmt, key, v, "expected a number in (0, 1]", err);
      *(double *)field = r;
      return LAGO_OK;
    }
    case TXT_OPT_COUNT: {
      char *end;
      errno = 0;
      if (!*v || *v == '-' || *v == '+') return bad(fmt, key, v, "expected a count", err);
      unsigned long long x = strtoull(v, &end, 10);
      if (*end || errno) return bad(fmt, key, v, "expected a count", err);
      *(uint64_t *)field = x;
      return LAGO_OK;
    }
    case TXT_OPT_LINE_SEP:
      return set_line_sep(fmt, key, v, (int *)field, err);
    case TXT_OPT_UTF8:
      if (!strcasecmp(v, "UTF-8") || !strcasecmp(v, "UTF8")) return LAGO_OK;
      return unsupported(fmt, key, v, "only UTF-8 is supported", err);
    case TXT_OPT_LOCALE:
      if (!strcasecmp(v, "en-US") || !strcasecmp(v, "en_US") || !strcasecmp(v, "en")) return LAGO_OK;
      return unsupported(fmt, key, v, "only en-US is supported", err);
    case TXT_OPT_TIMEZONE:
      if (!strcasecmp(v, "UTC") || !strcmp(v, "Z") || !strcmp(v, "+00:00") || !strcasecmp(v, "GMT") ||
          !strcasecmp(v, "Etc/UTC"))
        return LAGO_OK;
      return unsupported(fmt, key, v, "only UTC is supported", err);
    case TXT_OPT_IGNORED:
      return LAGO_OK;
    default: /* TXT_OPT_CUSTOM */
      return o->fn(opts, ar, key, v, err);
  }
}

/* ---- schemaHints ------------------------------------------------------------------------------
**   hints   = [hint {',' hint}] [',']        whitespace anywhere between tokens
**   hint    = path [':'] type                type: vec/types.h type_parse_prefix
**   path    = segment {'.' segment}
**   segment = plain | '`' {char | '``'} '`'  plain: up to . , : ` or whitespace
*/

static bool hint_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

int txt_hints_parse(arena *ar, const char *text, txt_hint **out, uint32_t *n_out, lago_err *err) {
  *out = NULL;
  *n_out = 0;
  uint32_t n = 0, cap = 0;
  txt_hint *hints = NULL;
  const char *p = text;
  buf sb;
  buf_init(&sb);
  int rc = LAGO_OK;
  for (;;) {
    while (hint_ws(*p)) p++;
    if (!*p) break;
    const char *segs[64];
    uint32_t n_seg = 0;
    for (;;) {
      buf_clear(&sb);
      const char *at = p;
      if (*p == '`') {
        p++;
        while (*p && !(*p == '`' && p[1] != '`')) {
          if (*p == '`') p++;
          if (buf_putc(&sb, *p++)) rc = LAGO_NOMEM_ERR(err);
        }
        if (*p != '`') {
          rc = LAGO_ERR_POS(err, LAGO_PARSE, (int)(at - text), "schemaHints: unterminated `name` at offset %d",
                            (int)(at - text));
          break;
        }
        p++;
      } else {
        while (*p && *p != '.' && *p != ',' && *p != ':' && *p != '`' && !hint_ws(*p))
          if (buf_putc(&sb, *p++)) rc = LAGO_NOMEM_ERR(err);
      }
      if (!rc && (!sb.len || n_seg == 64))
        rc = LAGO_ERR_POS(err, LAGO_PARSE, (int)(at - text), "schemaHints: expected a column name at offset %d",
                          (int)(at - text));
      if (!rc && !(segs[n_seg++] = arena_strndup(ar, sb.data, sb.len))) rc = LAGO_NOMEM_ERR(err);
      if (rc || *p != '.') break;
      p++;
    }
    if (rc) break;
    while (hint_ws(*p) || *p == ':') p++;
    const char *tend;
    lago_type t;
    lago_err e2;
    lago_err_clear(&e2);
    if (type_parse_prefix(ar, p, &tend, &t, &e2)) {
      rc = e2.rc == LAGO_NOMEM ? LAGO_NOMEM_ERR(err)
                               : LAGO_ERR_POS(err, LAGO_PARSE, (int)(p - text),
                                              "schemaHints: column '%s': bad type at offset %d: %s", segs[n_seg - 1],
                                              (int)(p - text), e2.msg);
      break;
    }
    p = tend;
    while (hint_ws(*p)) p++;
    if (*p == ',') {
      p++;
    } else if (*p) {
      rc = LAGO_ERR_POS(err, LAGO_PARSE, (int)(p - text), "schemaHints: expected ',' at offset %d: '%s'",
                        (int)(p - text), p);
      break;
    }
    if (n == cap) {
      uint32_t ncap = cap ? 2 * cap : 8;
      txt_hint *nh = arena_alloc(ar, ncap * sizeof *nh);
      if (!nh) {
        rc = LAGO_NOMEM_ERR(err);
        break;
      }
      if (n) memcpy(nh, hints, n * sizeof *nh);
      hints = nh;
      cap = ncap;
    }
    txt_hint *h = &hints[n++];
    h->path = arena_memdup(ar, segs, n_seg * sizeof *segs);
    h->n_path = n_seg;
    h->type = t;
    if (!h->path) {
      rc = LAGO_NOMEM_ERR(err);
      break;
    }
  }
  buf_deinit(&sb);
  if (rc) return rc;
  *out = hints;
  *n_out = n;
  return LAGO_OK;
}
