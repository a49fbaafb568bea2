/*
** tests/unit/cdc/test_cdc_config.c: ingestor files (cdc/config.c), specs
** (cdc/spec.c) and the state document (cdc/state.c): defaults, every
** error with its position, hostile documents, allocation failures.
*/
#include "cdc_test.h"
#include "util/alloc.h"

static int parse(const char *text, arena *ar, cdc_config *c, lago_err *err) {
  return cdc_config_parse("in.yaml", text, strlen(text), "/base", ar, c, err);
}

TEST(cdc_config_one_table_defaults) {
  arena *ar = arena_new("t", 4096);
  cdc_config c;
  lago_err err;
  lago_err_clear(&err);
  ASSERT_OK(parse("table: bronze_c\nschema: upsell\ncdc: land/c\nkeys: id\nsequence: ts\n", ar, &c, &err), &err);
  ASSERT_EQ_UINT(c.n_tables, 1);
  const cdc_table_def *t = &c.tables[0];
  ASSERT_EQ_STR(t->catalog, "main");
  ASSERT_EQ_STR(t->schema, "upsell");
  ASSERT_EQ_STR(t->cdc, "/base/land/c");
  ASSERT(t->full_load == NULL);
  ASSERT_EQ_INT(t->format, CDC_FMT_PARQUET);
  ASSERT_EQ_STR(t->spec.keys[0], "id");
  ASSERT_EQ_STR(t->spec.op_column, "op");
  ASSERT_EQ_INT(t->spec.semantics, CDC_SEQUENCED);
  ASSERT_EQ_INT(t->spec.tombstone_retention_ms, 7LL * 86400 * 1000);
  ASSERT(t->spec.quarantine == NULL); /* default <table>_quarantine */
  ASSERT_EQ_STR(t->file, "in.yaml:1");
  arena_free(ar);
}

TEST(cdc_config_tables_with_defaults) {
  arena *ar = arena_new("t", 4096);
  cdc_config c;
  lago_err err;
  lago_err_clear(&err);
  const char *y = "defaults:\n"
                  "  catalog: cat1\n"
                  "  schema: s\n"
                  "  format: csv\n"
                  "  sequence: lsn\n"
                  "  operation: {column: __op, codes: debezium}\n"
                  "  options: {header: 'true', sep: ';'}\n"
                  "  tombstone_retention: forever\n"
                  "tables:\n"
                  "  - table: a\n"
                  "    keys: [k1, k2]\n"
                  "    cdc: /abs/a\n"
                  "    full_load: fl/a\n"
                  "    options: {sep: ','}\n"
                  "  - path: /data/b\n"
                  "    keys: id\n"
                  "    cdc: b\n"
                  "    semantics: seed\n"
                  "    operation: {delete: [DEL, X], codes: default}\n"
                  "    quarantine: false\n"
                  "    ignore: [_ts]\n"
                  "    columns: 'id BIGINT, v STRING'\n";
  ASSERT_OK(parse(y, ar, &c, &err), &err);
  ASSERT_EQ_UINT(c.n_tables, 2);
  const cdc_table_def *a = &c.tables[0], *b = &c.tables[1];
  ASSERT_EQ_STR(a->catalog, "cat1");
  ASSERT_EQ_INT(a->format, CDC_FMT_CSV);
  ASSERT_EQ_UINT(a->spec.n_keys, 2);
  ASSERT_EQ_STR(a->spec.op_column, "__op");
  ASSERT_EQ_UINT(a->spec.n_insert, 2);
  ASSERT_EQ_STR(a->spec.insert_codes[1], "r");
  ASSERT_EQ_INT(a->spec.tombstone_retention_ms, -1);
  ASSERT_EQ_STR(a->full_load, "/base/fl/a");
  ASSERT_EQ_UINT(a->n_opts, 2);
  ASSERT_EQ_STR(a->opt_values[1], ","); /* the table's sep overrides the default's */
  ASSERT_EQ_STR(b->path, "/data/b");
  ASSERT_EQ_INT(b->spec.semantics, CDC_SEED);
  /* the preset is applied first, so the explicit delete list wins whatever the order */
  ASSERT_EQ_STR(b->spec.insert_codes[0], "I");
  ASSERT_EQ_UINT(b->spec.n_delete, 2);
  ASSERT_EQ_STR(b->spec.delete_codes[0], "DEL");
  ASSERT_EQ_STR(b->spec.quarantine, "");
  ASSERT_EQ_STR(b->columns, "id BIGINT, v STRING");
  ASSERT(cdc_spec_ignores(&b->spec, "_TS"));
  ASSERT(cdc_spec_ignores(&b->spec, "__OP"));
  ASSERT(!cdc_spec_ignores(&b->spec, "op"));
  ASSERT(cdc_spec_ignores(&b->spec, "lsn"));
  ASSERT(!cdc_spec_ignores(&b->spec, "v"));
  arena_free(ar);
}

TEST(cdc_config_errors_have_positions) {
  static const struct {
    const char *yaml, *want;
  } cases[] = {
      {"", "in.yaml: the file is empty"},
      {"- a\n", "in.yaml:1:1: expected a mapping"},
      {"table: t\ncdc: x\nkeys: k\nsequense: ts\n", "in.yaml:4:1: unknown key 'sequense' in a table definition (did you mean 'sequence'?)"},
      {"table: t\nkeys: k\nsequence: ts\n", "in.yaml:1:1: table t: cdc: (the directory the change files land in) is missing"},
      {"cdc: x\nkeys: k\nsequence: ts\n", "a table definition needs table:"},
      {"table: t\ncdc: x\nsequence: ts\n", "in.yaml:1:1: table t: a CDC table needs its key column(s)"},
      {"table: t\ncdc: x\nkeys: k\n", "a CDC table needs a sequence column"},
      {"table: t\ncdc: x\nkeys: []\nsequence: s\n", "in.yaml:3:7: keys is an empty list"},
      {"table: t\ncdc: x\nkeys: [k, K]\nsequence: s\n", "key column K is listed twice"},
      {"table: t\ncdc: x\nkeys: k\nsequence: k\n", "cannot be both a key and the sequence"},
      {"table: t\ncdc: x\nkeys: k\nsequence: s\nformat: avro\n", "in.yaml:5:9: format 'avro': expected parquet, csv or json"},
      {"table: t\ncdc: x\nkeys: k\nsequence: s\ntombstone_retention: soon\n", "in.yaml:5:22: tombstone_retention 'soon'"},
      {"table: t\ncdc: x\nkeys: k\nsequence: s\nsemantics: scd2\n", "unknown semantics \"scd2\""},
      {"table: t\ncdc: x\nkeys: k\nsequence: s\noperation: {codes: avro}\n", "unknown operation code preset"},
      {"table: t\ncdc: x\nkeys: k\nsequence: s\noperation: {insert: [I], update: [I]}\n", "operation code \"I\" is listed twice"},
      {"table: t\ncdc: x\nkeys: k\nsequence: s\noperation: {colum: op}\n", "unknown key 'colum' in operation (did you mean 'column'?)"},
      {"table: 'a b'\ncdc: x\nkeys: k\nsequence: s\n", "in.yaml:1:8: table 'a b': use letters"},
      {"table: t\npath: /p\ncdc: x\nkeys: k\nsequence: s\n", "give table: or path:, not both"},
      {"table: t\ncdc: x\nkeys: k\nsequence: s\nkeep_sequence: maybe\n", "keep_sequence must be true or false"},
      {"table: t\ncdc: x\nkeys: k\nsequence: s\noptions: [a]\n", "options must be a mapping"},
      {"tables: {}\n", "tables: must be a non-empty list"},
      {"tables:\n  - table: t\n    cdc: x\n    keys: k\n    sequence: s\nextra: 1\n", "in.yaml:6:1: unknown key 'extra' next to tables:"},
      {"defaults: {schema: s}\ntable: t\n", "defaults: is only used with tables:"},
      {"tables:\n  - {table: t, cdc: x, keys: k, sequence: s}\n  - {table: t, cdc: x, keys: k, sequence: s}\n",
       "already defined at in.yaml:2"},
      {"table: t\ncdc: [x]\nkeys: k\nsequence: s\n", "in.yaml:2:6: cdc must be a string"},
      {"table: [t\n", "in.yaml:"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    arena *ar = arena_new("t", 4096);
    cdc_config c;
    lago_err err;
    lago_err_clear(&err);
    int rc = parse(cases[i].yaml, ar, &c, &err);
    if (rc == LAGO_OK) test_fail_(__FILE__, __LINE__, "case %zu parsed: %s", i, cases[i].yaml);
    ASSERT_RC(rc, LAGO_PARSE);
    ASSERT_CONTAINS(err.msg, cases[i].want);
    arena_free(ar);
  }
}

TEST(cdc_spec_checks) {
  cdc_spec s;
  lago_err err;
  lago_err_clear(&err);
  cdc_spec_init(&s);
  ASSERT_RC(cdc_spec_check(&s, &err), LAGO_BIND);
  s.keys[0] = "k";
  s.n_keys = 1;
  s.sequence = "ts";
  ASSERT_OK(cdc_spec_check(&s, &err), &err);
  ASSERT_EQ_INT(cdc_spec_op(&s, "D", 1), CDC_OP_DELETE);
  ASSERT_EQ_INT(cdc_spec_op(&s, "d", 1), CDC_OP_BAD);
  s.codes_case_insensitive = true;
  ASSERT_EQ_INT(cdc_spec_op(&s, "d", 1), CDC_OP_DELETE);
  ASSERT_EQ_INT(cdc_spec_op(&s, "UU", 2), CDC_OP_BAD);
  ASSERT_OK(cdc_spec_set_codes(&s, "debezium", &err), &err);
  ASSERT_EQ_INT(cdc_spec_op(&s, "r", 1), CDC_OP_INSERT);
  ASSERT_EQ_INT(cdc_spec_op(&s, "t", 1), CDC_OP_BAD);
  s.keys[0] = "__lago_x";
  lago_err_clear(&err);
  ASSERT_RC(cdc_spec_check(&s, &err), LAGO_BIND);
  ASSERT_CONTAINS(err.msg, "reserved");
  s.keys[0] = "k";
  s.op_column = "ts";
  lago_err_clear(&err);
  ASSERT_RC(cdc_spec_check(&s, &err), LAGO_BIND);
  s.op_column = "op";
  s.tombstone_retention_ms = -5;
  lago_err_clear(&err);
  ASSERT_RC(cdc_spec_check(&s, &err), LAGO_BIND);
  buf b;
  buf_init(&b);
  cdc_quote(&b, "we`ird");
  ASSERT_EQ_STR(buf_cstr(&b), "`we``ird`");
  buf_deinit(&b);
}

TEST(cdc_state_document_round_trip) {
  arena *ar = arena_new("t", 4096);
  const char *keys[2] = {"a", "b"};
  cdc_segment seg[2] = {{"_lago_cdc/state-1.parquet", 10, 2, 1000, 1700000000000LL},
                        {"_lago_cdc/state-2.parquet", 5, 0, 500, -1}};
  cdc_state st = {2, keys, "ts", 2, seg};
  buf b;
  buf_init(&b);
  ASSERT_OK(cdc_state_format(&st, &b), NULL);
  cdc_state back;
  lago_err err;
  lago_err_clear(&err);
  ASSERT_OK(cdc_state_parse(ar, b.data, b.len, &back, &err), &err);
  ASSERT_EQ_UINT(back.n_keys, 2);
  ASSERT_EQ_STR(back.keys[1], "b");
  ASSERT_EQ_STR(back.sequence, "ts");
  ASSERT_EQ_UINT(back.n_seg, 2);
  ASSERT_EQ_STR(back.seg[1].path, "_lago_cdc/state-2.parquet");
  ASSERT_EQ_UINT(back.seg[0].tombstones, 2);
  ASSERT_EQ_INT(back.seg[0].min_tomb_at_ms, 1700000000000LL);
  ASSERT_EQ_INT(back.seg[1].min_tomb_at_ms, -1);
  buf_deinit(&b);
  arena_free(ar);
}

TEST(cdc_state_document_hostile) {
  static const struct {
    const char *doc, *want;
    int rc;
  } cases[] = {
      {"", "not JSON", LAGO_CORRUPT},
      {"[]", "not a JSON object", LAGO_CORRUPT},
      {"{\"format\":2,\"keys\":[\"a\"],\"sequence\":\"s\",\"segments\":[]}", "newer than this lago", LAGO_UNSUPPORTED},
      {"{\"format\":1,\"keys\":[],\"sequence\":\"s\",\"segments\":[]}", "keys", LAGO_CORRUPT},
      {"{\"format\":1,\"keys\":[1],\"sequence\":\"s\",\"segments\":[]}", "a key is not a name", LAGO_CORRUPT},
      {"{\"format\":1,\"keys\":[\"a\"],\"segments\":[]}", "sequence", LAGO_CORRUPT},
      {"{\"format\":1,\"keys\":[\"a\"],\"sequence\":\"s\",\"segments\":[{\"path\":\"../x\",\"rows\":1,\"tombstones\":0,"
       "\"bytes\":1,\"minTombstoneAtMs\":-1}]}",
       "not a file name under _lago_cdc/", LAGO_CORRUPT},
      {"{\"format\":1,\"keys\":[\"a\"],\"sequence\":\"s\",\"segments\":[{\"path\":\"_lago_cdc/../../etc/x\",\"rows\":1,"
       "\"tombstones\":0,\"bytes\":1,\"minTombstoneAtMs\":-1}]}",
       "not a file name", LAGO_CORRUPT},
      {"{\"format\":1,\"keys\":[\"a\"],\"sequence\":\"s\",\"segments\":[{\"path\":\"_lago_cdc/.hidden\",\"rows\":1,"
       "\"tombstones\":0,\"bytes\":1,\"minTombstoneAtMs\":-1}]}",
       "not a file name", LAGO_CORRUPT},
      {"{\"format\":1,\"keys\":[\"a\"],\"sequence\":\"s\",\"segments\":[{\"path\":\"_lago_cdc/x\",\"rows\":1,"
       "\"tombstones\":2,\"bytes\":1,\"minTombstoneAtMs\":-1}]}",
       "more tombstones than rows", LAGO_CORRUPT},
      {"{\"format\":1,\"keys\":[\"a\"],\"sequence\":\"s\",\"segments\":[{\"path\":\"_lago_cdc/x\",\"rows\":-1,"
       "\"tombstones\":0,\"bytes\":1,\"minTombstoneAtMs\":-1}]}",
       "\"rows\" must be a count", LAGO_CORRUPT},
      {"{\"format\":1,\"keys\":[\"a\"],\"sequence\":\"s\",\"segments\":[{\"path\":\"_lago_cdc/x\",\"rows\":1,"
       "\"tombstones\":0,\"bytes\":1,\"minTombstoneAtMs\":-1},{\"path\":\"_lago_cdc/x\",\"rows\":1,\"tombstones\":0,"
       "\"bytes\":1,\"minTombstoneAtMs\":-1}]}",
       "listed twice", LAGO_CORRUPT},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    arena *ar = arena_new("t", 4096);
    cdc_state st;
    lago_err err;
    lago_err_clear(&err);
    int rc = cdc_state_parse(ar, cases[i].doc, strlen(cases[i].doc), &st, &err);
    if (rc != cases[i].rc) test_fail_(__FILE__, __LINE__, "case %zu: %s (%s)", i, lago_rc_name(rc), err.msg);
    ASSERT_CONTAINS(err.msg, cases[i].want);
    arena_free(ar);
  }
}

static int oom_config(void *ud) {
  (void)ud;
  arena *ar = arena_new("t", 64);
  if (!ar) return LAGO_NOMEM;
  cdc_config c;
  lago_err err;
  lago_err_clear(&err);
  const char *y = "defaults: {schema: s, sequence: ts, options: {header: 'true'}}\n"
                  "tables:\n  - {table: a, cdc: x, keys: [k1, k2], full_load: y}\n  - {path: p, cdc: z, keys: k}\n";
  int rc = parse(y, ar, &c, &err);
  arena_free(ar);
  return rc;
}

static int oom_state(void *ud) {
  (void)ud;
  arena *ar = arena_new("t", 64);
  if (!ar) return LAGO_NOMEM;
  cdc_state st;
  lago_err err;
  lago_err_clear(&err);
  const char *d = "{\"format\":1,\"keys\":[\"a\",\"b\"],\"sequence\":\"s\",\"segments\":[{\"path\":\"_lago_cdc/x\","
                  "\"rows\":3,\"tombstones\":1,\"bytes\":1,\"minTombstoneAtMs\":5}]}";
  int rc = cdc_state_parse(ar, d, strlen(d), &st, &err);
  buf b;
  buf_init(&b);
  if (rc == LAGO_OK && cdc_state_format(&st, &b)) rc = LAGO_NOMEM;
  buf_deinit(&b);
  arena_free(ar);
  return rc;
}

TEST(cdc_config_and_state_oom) {
  ASSERT(test_oom_sweep(oom_config, NULL, 2000) > 1);
  ASSERT(test_oom_sweep(oom_state, NULL, 500) > 1);
}

/* ---- the Delta hooks this layer uses ---------------------------------------------------- */

TEST(cdc_delta_domain_conflicts_and_params) {
  ct_env e;
  ct_env_open(&e, NULL);
  tbl_handlers h = tbl_handlers_default(fs_local());
  lago_err err;
  lago_err_clear(&err);
  delta_table *t;
  ASSERT_OK(delta_table_open(&h, e.root, &t, &err), &err);
  delta_snapshot *s0;
  ASSERT_OK(delta_snapshot_load(t, -1, &s0, &err), &err);
  ASSERT(!ct_has_writer_feature(delta_snapshot_protocol(s0), "domainMetadata"));
  /* the first domain adds the writer feature (a protocol change: concurrent commits conflict once) */
  delta_txn *x0;
  int64_t v;
  ASSERT_OK(delta_txn_begin(t, s0, NULL, &x0, &err), &err);
  ASSERT_OK(delta_txn_set_domain(x0, "init", "", false, &err), &err);
  ASSERT_OK(delta_txn_commit(x0, &v, &err), &err);
  delta_snapshot_unref(s0);
  ASSERT_OK(delta_snapshot_load(t, -1, &s0, &err), &err);
  ASSERT(ct_has_writer_feature(delta_snapshot_protocol(s0), "domainMetadata"));
  delta_txn *x1, *x2, *x3;
  ASSERT_OK(delta_txn_begin(t, s0, NULL, &x1, &err), &err);
  ASSERT_OK(delta_txn_begin(t, s0, NULL, &x2, &err), &err);
  ASSERT_OK(delta_txn_begin(t, s0, NULL, &x3, &err), &err);
  ASSERT_EQ_INT(delta_txn_read_version(x1), 1);
  ASSERT_RC(delta_txn_set_domain(x1, "delta.rowTracking", "x", false, &err), LAGO_MISUSE);
  lago_err_clear(&err);
  ASSERT_OK(delta_txn_set_domain(x1, "lago.cdc", "{\"v\":1}", false, &err), &err);
  ASSERT_RC(delta_txn_set_domain(x1, "lago.cdc", "again", false, &err), LAGO_MISUSE);
  lago_err_clear(&err);
  ASSERT_OK(delta_txn_add_params(x1, "{\"a\":\"1\"}", &err), &err);
  ASSERT_OK(delta_txn_add_params(x1, "{\"b\":\"2\"}", &err), &err);
  ASSERT_OK(delta_txn_add_params(x1, "{}", &err), &err);
  ASSERT_RC(delta_txn_add_params(x1, "nope", &err), LAGO_MISUSE);
  lago_err_clear(&err);
  ASSERT_OK(delta_txn_set_domain(x2, "lago.cdc", "{\"v\":2}", false, &err), &err);
  ASSERT_OK(delta_txn_set_domain(x3, "other.domain", "z", false, &err), &err);
  ASSERT_OK(delta_txn_commit(x1, &v, &err), &err);
  ASSERT_EQ_INT(v, 2);
  /* the same domain from the same read version: conflict, never rebased over */
  ASSERT_RC(delta_txn_commit(x2, &v, &err), LAGO_CONFLICT);
  ASSERT_CONTAINS(err.msg, "both changed domain metadata \"lago.cdc\"");
  /* another domain: rebased after the winner */
  lago_err_clear(&err);
  ASSERT_OK(delta_txn_commit(x3, &v, &err), &err);
  ASSERT_EQ_INT(v, 3);
  delta_snapshot *s2;
  ASSERT_OK(delta_snapshot_load(t, -1, &s2, &err), &err);
  ASSERT(ct_has_writer_feature(delta_snapshot_protocol(s2), "domainMetadata"));
  ASSERT_EQ_STR(delta_snapshot_domain(s2, "lago.cdc")->configuration, "{\"v\":1}");
  ASSERT_EQ_STR(delta_snapshot_domain(s2, "other.domain")->configuration, "z");
  delta_snapshot *s1;
  ASSERT_OK(delta_snapshot_load(t, 2, &s1, &err), &err);
  ASSERT_CONTAINS(delta_snapshot_commit_info(s1)->json, "\"operationParameters\":{\"a\":\"1\",\"b\":\"2\"}");
  size_t issues = 0;
  ASSERT_OK(delta_validate(t, NULL, NULL, &issues, &err), &err);
  ASSERT_EQ_UINT(issues, 0);
  delta_snapshot_unref(s0);
  delta_snapshot_unref(s1);
  delta_snapshot_unref(s2);
  delta_table_free(t);
  ct_env_close(&e);
}

TEST(cdc_sql_hooks_register_and_commit_hook) {
  ct_env e;
  ct_env_open(&e, NULL);
  lago_err err;
  lago_err_clear(&err);
  lago_type ty[2] = {type_make(LT_BIGINT), type_make(LT_STRING)};
  const char *nm[2] = {"k", "v"};
  memsource *m = memsource_new(2, ty, nm, "mem");
  arena *ar = arena_new("t", 4096);
  batch *b = batch_new(ar, 2, ty, 4);
  VEC_DATA(&b->cols[0], int64_t)[0] = 9;
  vec_set_str(&b->cols[1], 0, "nine", 4);
  batch_set_rows(b, 1);
  ASSERT(memsource_append(m, b) == LAGO_OK);
  ASSERT_OK(sql_session_register(e.s, "mem_rows", memsource_source(m), &err), &err);
  ASSERT_ROWS(e.s, "SELECT k, v FROM mem_rows", "9,nine");
  ASSERT_EQ_INT(sql_session_last_commit(e.s), 0); /* the CTAS of ct_env_open */
  ct_sql(e.s, "INSERT INTO t SELECT * FROM mem_rows");
  ASSERT_EQ_INT(sql_session_last_commit(e.s), 1);
  sql_session_unregister(e.s, "mem_rows");
  sql_result *r = NULL;
  ASSERT_RC(sql_exec(e.s, "SELECT * FROM mem_rows", &r, &err), LAGO_NOTFOUND);
  memsource_free(m);
  arena_free(ar);
  ct_env_close(&e);
}
