/*
** tests/unit/format/test_txt_opts.c: what the CSV and JSON readers share
** around their options (format/text/txt_opts.c, txt_bad.c): the
** table-driven setter (names, kinds, messages, the shared ignored list),
** schemaHints text, the deterministic sample, bad-record lines and files.
** Each reader's own table is tested end to end in test_csv*.c / test_jsonl*.c.
*/
#include <stddef.h>

#include "format/csv/csv.h"
#include "format/json/jsonl.h"
#include "format/text/text_int.h"
#include "test.h"
#include "util/json.h"

typedef struct opts {
  bool b;
  const char *s, *off, *name;
  int mode;
  double ratio;
  uint64_t count;
  int sep, custom;
} opts;

static int set_custom(void *o, arena *ar, const char *key, const char *value, lago_err *err) {
  (void)ar;
  if (strcmp(value, "ok")) return LAGO_ERR(err, LAGO_BIND, "custom %s", key);
  ((opts *)o)->custom++;
  return LAGO_OK;
}

#define F(f) offsetof(opts, f)
static const txt_opt table[] = {
    {"flag", TXT_OPT_BOOL, F(b), NULL},         {"text", TXT_OPT_STR, F(s), NULL},
    {"path", TXT_OPT_STR_OFF, F(off), NULL},    {"column", TXT_OPT_NAME, F(name), NULL},
    {"mode", TXT_OPT_MODE, F(mode), NULL},      {"ratio", TXT_OPT_RATIO, F(ratio), NULL},
    {"count", TXT_OPT_COUNT, F(count), NULL},   {"lineSep", TXT_OPT_LINE_SEP, F(sep), NULL},
    {"encoding", TXT_OPT_UTF8, 0, NULL},        {"locale", TXT_OPT_LOCALE, 0, NULL},
    {"timeZone", TXT_OPT_TIMEZONE, 0, NULL},    {"quiet", TXT_OPT_IGNORED, 0, NULL},
    {"custom", TXT_OPT_CUSTOM, 0, set_custom},
};
#undef F

static int set(opts *o, arena *ar, const char *k, const char *v, lago_err *e) {
  lago_err_clear(e);
  return txt_opt_set("test", table, sizeof table / sizeof table[0], o, ar, k, v, e);
}

TEST(txt_opt_table) {
  arena *ar = arena_new("t", 1024);
  opts o;
  memset(&o, 0, sizeof o);
  lago_err e;
  ASSERT_OK(set(&o, ar, "FLAG", "True", &e), &e);
  ASSERT(o.b);
  ASSERT_OK(set(&o, ar, "cloudFiles.flag", "false", &e), &e);
  ASSERT(!o.b);
  ASSERT_RC(set(&o, ar, "cloudFiles.flag", "yes", &e), LAGO_BIND);
  ASSERT_EQ_STR(e.msg, "test option cloudFiles.flag: expected true or false, got 'yes'");
  ASSERT_RC(set(&o, ar, "flag", NULL, &e), LAGO_BIND);
  ASSERT_EQ_STR(e.msg, "test option flag: missing value");
  ASSERT_OK(set(&o, ar, "text", "", &e), &e);
  ASSERT_EQ_STR(o.s, "");
  ASSERT_OK(set(&o, ar, "path", "/x", &e), &e);
  ASSERT_EQ_STR(o.off, "/x");
  ASSERT_OK(set(&o, ar, "path", "", &e), &e); /* empty turns it off */
  ASSERT(o.off == NULL);
  ASSERT_RC(set(&o, ar, "column", "", &e), LAGO_BIND);
  ASSERT_CONTAINS(e.msg, "empty name");
  ASSERT_OK(set(&o, ar, "mode", "dropMalformed", &e), &e);
  ASSERT_EQ_INT(o.mode, TXT_DROPMALFORMED);
  ASSERT_RC(set(&o, ar, "mode", "lenient", &e), LAGO_BIND);
  ASSERT_EQ_STR(e.msg, "test option mode: expected PERMISSIVE, DROPMALFORMED or FAILFAST, got 'lenient'");
  ASSERT_OK(set(&o, ar, "ratio", "0.25", &e), &e);
  ASSERT(o.ratio == 0.25);
  ASSERT_RC(set(&o, ar, "ratio", "1.5", &e), LAGO_BIND);
  ASSERT_RC(set(&o, ar, "ratio", "", &e), LAGO_BIND);
  ASSERT_OK(set(&o, ar, "count", "18446744073709551615", &e), &e);
  ASSERT(o.count == UINT64_MAX);
  ASSERT_RC(set(&o, ar, "count", "18446744073709551616", &e), LAGO_BIND);
  ASSERT_RC(set(&o, ar, "count", "-1", &e), LAGO_BIND);
  ASSERT_RC(set(&o, ar, "count", "12x", &e), LAGO_BIND);
  ASSERT_OK(set(&o, ar, "lineSep", "\\r\\n", &e), &e);
  ASSERT_EQ_INT(o.sep, -1);
  ASSERT_OK(set(&o, ar, "lineSep", "\\r", &e), &e);
  ASSERT_EQ_INT(o.sep, '\r');
  ASSERT_OK(set(&o, ar, "lineSep", ";", &e), &e);
  ASSERT_EQ_INT(o.sep, ';');
  ASSERT_RC(set(&o, ar, "lineSep", "ab", &e), LAGO_UNSUPPORTED);
  ASSERT_OK(set(&o, ar, "encoding", "utf8", &e), &e);
  ASSERT_RC(set(&o, ar, "encoding", "latin1", &e), LAGO_UNSUPPORTED);
  ASSERT_EQ_STR(e.msg, "test option encoding: only UTF-8 is supported, got 'latin1'");
  ASSERT_OK(set(&o, ar, "locale", "en_US", &e), &e);
  ASSERT_RC(set(&o, ar, "locale", "de-DE", &e), LAGO_UNSUPPORTED);
  ASSERT_OK(set(&o, ar, "timeZone", "Etc/UTC", &e), &e);
  ASSERT_RC(set(&o, ar, "timeZone", "Europe/Paris", &e), LAGO_UNSUPPORTED);
  ASSERT_OK(set(&o, ar, "quiet", "anything", &e), &e);
  ASSERT_OK(set(&o, ar, "custom", "ok", &e), &e);
  ASSERT_EQ_INT(o.custom, 1);
  ASSERT_RC(set(&o, ar, "custom", "no", &e), LAGO_BIND);
  /* The shared list: write-side and Auto Loader stream options are accepted by every reader. */
  ASSERT_OK(set(&o, ar, "cloudFiles.schemaLocation", "/chk", &e), &e);
  ASSERT_OK(set(&o, ar, "maxFilesPerTrigger", "10", &e), &e);
  ASSERT_OK(set(&o, ar, "compression", "gzip", &e), &e);
  ASSERT_RC(set(&o, ar, "cloudFiles.nosuch", "1", &e), LAGO_BIND);
  ASSERT_EQ_STR(e.msg, "unknown test option 'cloudFiles.nosuch'");
  arena_free(ar);
}

TEST(txt_opt_readers_agree) {
  /* The same option map is taken alike by both readers for what they share. */
  static const char *const kv[][2] = {{"mode", "FAILFAST"},         {"cloudFiles.badRecordsPath", "/bad"},
                                      {"samplingRatio", "0.5"},     {"inferMaxRows", "7"},
                                      {"timestampFormat", "yyyy"},  {"encoding", "UTF-8"},
                                      {"timeZone", "UTC"},          {"schemaLocation", "/s"},
                                      {"lineSep", "\\n"},           {"columnNameOfCorruptRecord", "bad"}};
  arena *ar = arena_new("t", 1024);
  csv_options c;
  jsonl_options j;
  csv_options_init(&c);
  jsonl_options_init(&j);
  lago_err e;
  lago_err_clear(&e);
  for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++) {
    ASSERT_OK(csv_options_set(&c, ar, kv[i][0], kv[i][1], &e), &e);
    ASSERT_OK(jsonl_options_set(&j, ar, kv[i][0], kv[i][1], &e), &e);
  }
  ASSERT(c.mode == CSV_FAILFAST && j.mode == JSONL_FAILFAST);
  ASSERT_EQ_STR(c.bad_records_path, "/bad");
  ASSERT_EQ_STR(j.bad_records_path, "/bad");
  ASSERT(c.sampling_ratio == 0.5 && j.sampling_ratio == 0.5);
  ASSERT(c.infer_max_rows == 7 && j.infer_max_rows == 7);
  ASSERT(c.line_sep == '\n' && j.line_sep == '\n');
  ASSERT_EQ_STR(c.corrupt_column, "bad");
  ASSERT_EQ_STR(j.corrupt_column, "bad");
  /* badRecordsPath "" is off in both (the CSV reader took "" as a path) */
  ASSERT_OK(csv_options_set(&c, ar, "badRecordsPath", "", &e), &e);
  ASSERT_OK(jsonl_options_set(&j, ar, "badRecordsPath", "", &e), &e);
  ASSERT(c.bad_records_path == NULL && j.bad_records_path == NULL);
  ASSERT_RC(csv_options_set(&c, ar, "columnNameOfCorruptRecord", "", &e), LAGO_BIND);
  arena_free(ar);
}

TEST(txt_schema_hints_text) {
  arena *ar = arena_new("t", 1024);
  lago_err e;
  lago_err_clear(&e);
  txt_hint *h;
  uint32_t n;
  ASSERT_OK(txt_hints_parse(ar, " a DECIMAL(18,2),addr.zip: STRING ,`x.y``z` INT,\n m.value MAP<STRING, INT>,", &h, &n, &e),
            &e);
  ASSERT_EQ_INT(n, 4);
  ASSERT_EQ_INT(h[0].n_path, 1);
  ASSERT_EQ_STR(h[0].path[0], "a");
  ASSERT_EQ_STR(type_sql_name(ar, h[0].type), "DECIMAL(18,2)");
  ASSERT_EQ_INT(h[1].n_path, 2);
  ASSERT_EQ_STR(h[1].path[1], "zip");
  ASSERT_EQ_STR(h[2].path[0], "x.y`z");
  ASSERT_EQ_STR(type_sql_name(ar, h[3].type), "MAP<STRING, INT>");
  ASSERT_OK(txt_hints_parse(ar, "  ", &h, &n, &e), &e);
  ASSERT_EQ_INT(n, 0);
  ASSERT_RC(txt_hints_parse(ar, "a INT b INT", &h, &n, &e), LAGO_PARSE);
  ASSERT_CONTAINS(e.msg, "schemaHints: expected ',' at offset 6");
  ASSERT_EQ_INT(e.pos, 6);
  lago_err_clear(&e);
  ASSERT_RC(txt_hints_parse(ar, "a INTX", &h, &n, &e), LAGO_PARSE);
  ASSERT_CONTAINS(e.msg, "schemaHints: column 'a': bad type at offset 2");
  lago_err_clear(&e);
  ASSERT_RC(txt_hints_parse(ar, "`a INT", &h, &n, &e), LAGO_PARSE);
  ASSERT_CONTAINS(e.msg, "unterminated `name` at offset 0");
  lago_err_clear(&e);
  ASSERT_RC(txt_hints_parse(ar, "a..b INT", &h, &n, &e), LAGO_PARSE);
  ASSERT_CONTAINS(e.msg, "expected a column name at offset 2");
  arena_free(ar);
}

TEST(txt_sampling_is_deterministic) {
  uint64_t in = 0;
  for (uint64_t i = 0; i < 100000; i++) {
    bool a = txt_sampled(i, 0.1);
    ASSERT(a == txt_sampled(i, 0.1));
    in += a;
    ASSERT(txt_sampled(i, 1.0));
  }
  ASSERT(in > 9000 && in < 11000);
}

typedef struct files {
  int n;
  buf text;
} files;

static int on_file(void *ud, const fs_entry *ent) {
  files *f = ud;
  if (ent->is_dir) return LAGO_OK;
  f->n++;
  lago_err e;
  lago_err_clear(&e);
  return fs_read_all(fs_local(), ent->path, &f->text, &e);
}

TEST(txt_bad_records) {
  buf log;
  buf_init(&log);
  ASSERT_OK(txt_bad_append(&log, "/in/a \"q\".csv", 7, "x,\xff\n\ty", 6, "bad \\ reason"), NULL);
  ASSERT_EQ_STR(buf_cstr(&log),
                "{\"path\":\"/in/a \\\"q\\\".csv\",\"line\":7,\"record\":\"x,\xef\xbf\xbd\\n\\ty\",\"reason\":\"bad "
                "\\\\ reason\"}\n");
  /* every line is valid JSON, whatever the record bytes */
  arena *ar = arena_new("t", 1024);
  json_value *v;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(json_parse(ar, log.data, log.len - 1, &v, &e), &e);
  /* two logs written in the same second go to two files */
  char dir[600];
  snprintf(dir, sizeof dir, "%s/bad", test_tmpdir());
  ASSERT_OK(txt_bad_write(fs_local(), dir, log.data, log.len, &e), &e);
  ASSERT_OK(csv_write_bad_records(fs_local(), dir, log.data, log.len, &e), &e);
  ASSERT_OK(jsonl_write_bad_records(fs_local(), dir, log.data, log.len, &e), &e);
  ASSERT_OK(txt_bad_write(fs_local(), dir, "", 0, &e), &e); /* nothing to write: no file */
  files f = {0, {0}};
  buf_init(&f.text);
  ASSERT_OK(fs_list(fs_local(), dir, true, on_file, &f, &e), &e);
  ASSERT_EQ_INT(f.n, 3);
  ASSERT_EQ_INT(f.text.len, 3 * log.len);
  buf_deinit(&f.text);
  buf_deinit(&log);
  arena_free(ar);
}
