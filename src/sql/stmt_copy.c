/*
** sql/stmt_copy.c: COPY INTO, an idempotent batch load of files into an
** existing Delta table, run by the ingestion layer (stream/stream.h) as one
** `once` trigger of a stream:
**
**   COPY INTO t FROM 'path' FILEFORMAT = CSV|JSON|PARQUET
**     [PATTERN = 'glob'] [FORMAT_OPTIONS ('header' = 'true', ...)]
**     [COPY_OPTIONS ('mergeSchema' = 'true')]
**
** Files already loaded into t (by an earlier COPY INTO of the same path and
** format) are skipped: the stream's progress lives in a checkpoint under
** <warehouse>/_lago_streams/copy-into-... and, like every stream's, in the
** table's own log (each load is one commit carrying txn(stream id, batch id)
** and its file list), so a lost checkpoint still skips what was loaded and a
** dropped and recreated table is loaded again.
**
** Columns: without mergeSchema the files are read with the table's schema
** (matched by name, case-insensitively; columns the table lacks are ignored,
** columns the files lack are NULL). With mergeSchema = 'true' (or a table
** without columns) the schema is inferred (FORMAT_OPTIONS inferSchema =
** 'true' for typed CSV/JSON columns) and new columns are added to the table
** in the load's commit, with Auto Loader's `_rescued_data` column. PATTERN
** is a glob on the file names (pathGlobFilter). Loaded files are tracked per
** (FROM path, format): another path over the same files loads them again.
** Not supported (LAGO_UNSUPPORTED): FROM (SELECT ...), FILES = (...),
** PATTERN with a '/', COPY_OPTIONS force.
** Result: one row (num_affected_rows, num_inserted_rows,
** num_skipped_corrupt_files).
*/
#include <string.h>
#include <strings.h>

#include "sql/sql_int.h"
#include "stream/stream.h"
#include "util/buf.h"

static bool prop_true(const sql_prop *p) { return p->value && !strcasecmp(p->value, "true"); }

/* "`a` INT, `b` STRING" of the table's top-level columns (the stream's schema option), in q->ar. */
static int schema_text(sql_ctx *q, lago_type schema, const char **out) {
  buf b;
  buf_init(&b);
  int rc = LAGO_OK;
  for (uint32_t i = 0; rc == LAGO_OK && i < type_n_fields(schema); i++) {
    const type_field *f = type_field_at(schema, i);
    if (i) rc |= buf_puts(&b, ", ");
    rc |= buf_putc(&b, '`');
    for (const char *c = f->name; *c && rc == LAGO_OK; c++) rc |= *c == '`' ? buf_puts(&b, "``") : buf_putc(&b, *c);
    rc |= buf_puts(&b, "` ");
    if (rc == LAGO_OK) rc = type_to_sql(f->type, &b);
  }
  *out = rc ? NULL : arena_strdup(q->ar, buf_cstr(&b));
  buf_deinit(&b);
  return *out ? LAGO_OK : LAGO_NOMEM_ERR(q->err);
}

static int set_opt(sql_ctx *q, stream_opts *o, const char *key, const char *value, int pos) {
  lago_err tmp;
  lago_err_clear(&tmp);
  if (stream_opts_set(o, q->ar, key, value, &tmp)) return sql_err_at(q, tmp.rc, pos, "COPY INTO: %s", tmp.msg);
  return LAGO_OK;
}

static int copy_into(sql_ctx *q, const sql_stmt *st, stmt_out *out) {
  const sql_copy_into *c = &st->copy;
  if (c->select)
    return sql_err_at(q, LAGO_UNSUPPORTED, st->pos, "COPY INTO ... FROM (SELECT ...) is not supported; use FROM 'path'");
  if (c->n_files)
    return sql_err_at(q, LAGO_UNSUPPORTED, st->pos, "COPY INTO ... FILES = (...) is not supported; use PATTERN");
  stream_opts o;
  stream_opts_init(&o);
  o.trigger.kind = TRIGGER_ONCE;
  if (!c->file_format) return sql_err_at(q, LAGO_BIND, st->pos, "COPY INTO needs FILEFORMAT = CSV|JSON|PARQUET");
  lago_err tmp;
  lago_err_clear(&tmp);
  if (stream_format_parse(c->file_format, &o.format, &tmp))
    return sql_err_at(q, LAGO_UNSUPPORTED, st->pos, "COPY INTO: FILEFORMAT = %s is not supported (CSV, JSON, PARQUET)",
                      c->file_format);
  bool merge = false;
  for (uint32_t i = 0; i < c->copy_options.n_items; i++) {
    const sql_prop *p = &c->copy_options.items[i];
    if (!strcasecmp(p->key, "mergeSchema")) merge = prop_true(p);
    else if (!strcasecmp(p->key, "force")) {
      if (prop_true(p))
        return sql_err_at(q, LAGO_UNSUPPORTED, p->pos,
                          "COPY INTO: COPY_OPTIONS force = true is not supported (files already loaded are skipped)");
    } else
      return sql_err_at(q, LAGO_BIND, p->pos, "COPY INTO: unknown COPY_OPTIONS '%s' (mergeSchema, force)", p->key);
  }
  for (uint32_t i = 0; i < c->format_options.n_items; i++) {
    const sql_prop *p = &c->format_options.items[i];
    const char *key = !strcasecmp(p->key, "inferSchema") ? "inferColumnTypes" : p->key;
    TRY(set_opt(q, &o, key, p->value ? p->value : "", p->pos));
  }

  sql_table tb;
  TRY(sql_table_open(q, &c->table, c->table.pos, &tb, NULL));
  if (!tb.t) return sql_err_at(q, LAGO_BIND, c->table.pos, "COPY INTO: %s is a view", sql_tname_text(q, &tb.name));
  TRY(sql_table_load(q, &tb, -1, INT64_MIN, c->table.pos));
  lago_type schema = delta_snapshot_schema(tb.snap);
  if (merge || type_n_fields(schema) == 0) {
    TRY(set_opt(q, &o, "schemaEvolutionMode", "addNewColumns", st->pos));
  } else {
    const char *text;
    TRY(schema_text(q, schema, &text));
    TRY(set_opt(q, &o, "schema", text, st->pos));
    TRY(set_opt(q, &o, "schemaEvolutionMode", "none", st->pos));
  }
  o.threads = q->s->n_threads > 0 ? q->s->n_threads : 2;

  /* the source: a volume path maps to its directory; PATTERN narrows it */
  const char *src = c->from_path;
  if (!strncmp(src, "/Volumes/", 9)) {
    if (catalog_volume_path(q->s->cat, src, q->ar, &src, &tmp)) return sql_err_at(q, tmp.rc, st->pos, "%s", tmp.msg);
  }
  if (c->pattern) {
    /* a pattern with directories would make another source, whose loaded files are tracked apart */
    if (strchr(c->pattern, '/'))
      return sql_err_at(q, LAGO_UNSUPPORTED, st->pos,
                        "COPY INTO: PATTERN = '%s' with a directory is not supported; give the directory in FROM "
                        "and a file name pattern",
                        c->pattern);
    TRY(set_opt(q, &o, "pathGlobFilter", c->pattern, st->pos));
  }
  const char *abs_src = stream_abs_path(q->ar, src);
  const char *dflt = abs_src ? stream_default_checkpoint(q->ar, q->s->warehouse, tb.root, abs_src, o.format, NULL) : NULL;
  const char *base = dflt ? strrchr(dflt, '/') : NULL;
  o.stream_name = base ? arena_printf(q->ar, "copy-into-%s", base + 1) : NULL;
  const char *ckpt = o.stream_name ? stream_default_checkpoint(q->ar, q->s->warehouse, tb.root, abs_src, o.format,
                                                               o.stream_name)
                                   : NULL;
  if (!ckpt) return LAGO_NOMEM_ERR(q->err);

  stream_target target = {tb.root, NULL, NULL, sql_tname_text(q, &tb.name)};
  stream_hooks hooks;
  memset(&hooks, 0, sizeof hooks);
  stream *s;
  int rc = stream_open(&q->s->h, &o, abs_src, &target, ckpt, &hooks, &s, &tmp);
  if (rc == LAGO_OK) rc = stream_run(s, &tmp);
  stream_totals t;
  memset(&t, 0, sizeof t);
  if (rc == LAGO_OK) t = *stream_get_totals(s);
  stream_close(s);
  if (rc) return sql_err_at(q, rc, st->pos, "COPY INTO %s: %s", sql_tname_text(q, &tb.name), tmp.msg);
  const char *names[3] = {"num_affected_rows", "num_inserted_rows", "num_skipped_corrupt_files"};
  int64_t vals[3] = {(int64_t)t.rows, (int64_t)t.rows, (int64_t)t.skipped_files};
  return rowset_metrics(q, 3, names, vals, &out->rows);
}

int stmt_copy_into(sql_ctx *q, const sql_stmt *st, stmt_out *out) { return copy_into(q, st, out); }
