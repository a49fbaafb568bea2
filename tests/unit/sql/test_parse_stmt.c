/*
** tests/unit/sql/test_parse_stmt.c: statements: DDL, SHOW/DESCRIBE/EXPLAIN,
** DML with MERGE's parse-time rules, Delta maintenance, COPY INTO, session
** statements and pipeline SQL (streaming tables, materialized views, flows,
** AUTO CDC / APPLY CHANGES), checked field by field where the printed form
** alone would not show it.
*/
#include "sqltest.h"

TEST(sql_stmt_create_table_fields) {
  arena *ar = arena_new("t", 4096);
  sql_stmt *s = sqlt_parse(ar,
      "CREATE OR REPLACE TABLE IF NOT EXISTS main.s.t (\n"
      "  id BIGINT NOT NULL GENERATED ALWAYS AS IDENTITY (START WITH 1 INCREMENT BY 2) COMMENT 'key',\n"
      "  d DATE GENERATED ALWAYS AS (CAST(ts AS DATE)),\n"
      "  ts TIMESTAMP DEFAULT current_timestamp(),\n"
      "  amount DECIMAL(18,2),\n"
      "  CONSTRAINT pos CHECK (amount > 0)\n"
      ") USING delta PARTITIONED BY (d) CLUSTER BY (id) LOCATION '/x' COMMENT 'c'\n"
      "TBLPROPERTIES ('delta.appendOnly' = 'true', delta.enableChangeDataFeed = true, n = 5) OPTIONS (a 'b')");
  ASSERT_EQ_INT(s->kind, SQL_S_CREATE_TABLE);
  sql_create_table *c = &s->create_table;
  ASSERT_EQ_INT(c->kind, SQL_TBL_PLAIN);
  ASSERT(c->or_replace && c->if_not_exists && !c->or_refresh && !c->external);
  ASSERT_EQ_INT(c->name.n_parts, 3);
  ASSERT_EQ_INT(c->n_cols, 4);
  ASSERT_EQ_STR(c->cols[0].name.parts[0].name, "id");
  ASSERT_EQ_INT(c->cols[0].type.id, LT_BIGINT);
  ASSERT(c->cols[0].not_null);
  ASSERT_EQ_INT(c->cols[0].identity, SQL_IDENTITY_ALWAYS);
  ASSERT_EQ_STR(c->cols[0].identity_step->lit.text, "2");
  ASSERT_EQ_STR(c->cols[0].comment, "key");
  ASSERT_NE_NULL(c->cols[1].generated);
  ASSERT_EQ_INT(c->cols[1].generated->kind, SQL_E_CAST);
  ASSERT_NE_NULL(c->cols[2].default_value);
  ASSERT_EQ_INT(c->cols[3].type.id, LT_DECIMAL);
  ASSERT_EQ_INT(c->cols[3].type.precision, 18);
  ASSERT_EQ_INT(c->n_constraints, 1);
  ASSERT_EQ_INT(c->constraints[0].kind, SQL_CONSTRAINT_CHECK);
  ASSERT_EQ_STR(c->using_format, "delta");
  ASSERT_EQ_INT(c->n_partition_by, 1);
  ASSERT(!c->partition_by[0].has_type);
  ASSERT_EQ_INT(c->cluster, SQL_CLUSTER_COLS);
  ASSERT_EQ_STR(c->location, "/x");
  ASSERT_EQ_STR(c->comment, "c");
  ASSERT_EQ_INT(c->tblproperties.n_items, 3);
  ASSERT_EQ_STR(c->tblproperties.items[1].key, "delta.enableChangeDataFeed");
  ASSERT_EQ_STR(c->tblproperties.items[1].value, "true");
  ASSERT_EQ_INT(c->tblproperties.items[1].value_kind, SQL_PROP_BOOL);
  ASSERT_EQ_INT(c->tblproperties.items[2].value_kind, SQL_PROP_NUMBER);
  ASSERT_EQ_STR(c->options.items[0].value, "b");
  ASSERT(c->as_query == NULL);
  ASSERT_EQ_INT(s->pos, 0);
  arena_free(ar);
}

TEST(sql_stmt_create_table_variants) {
  ASSERT_EQ_STR(sqlt_print("create table t as select 1 a"), "CREATE TABLE t AS SELECT 1 AS a");
  ASSERT_EQ_STR(sqlt_print("CREATE TABLE t PARTITIONED BY (a INT, b string) AS SELECT 1"),
                "CREATE TABLE t PARTITIONED BY (a INT, b STRING) AS SELECT 1");
  ASSERT_EQ_STR(sqlt_print("CREATE TABLE events_dev SHALLOW CLONE events VERSION AS OF 42"),
                "CREATE TABLE events_dev SHALLOW CLONE events VERSION AS OF 42");
  ASSERT_EQ_STR(sqlt_print("CREATE TABLE t CLONE s"), "CREATE TABLE t DEEP CLONE s");
  ASSERT_EQ_STR(sqlt_print("CREATE TABLE t (m MAP<STRING, INT>, s STRUCT<a INT NOT NULL, b STRING>)"),
                "CREATE TABLE t (m MAP<STRING, INT>, s STRUCT<a: INT NOT NULL, b: STRING>)");
  ASSERT_EQ_STR(sqlt_print("CREATE TABLE t CLUSTER BY AUTO"), "CREATE TABLE t CLUSTER BY AUTO");
  ASSERT_EQ_STR(sqlt_print("CREATE EXTERNAL TABLE t (a INT) LOCATION '/p'"), "CREATE EXTERNAL TABLE t (a INT) LOCATION '/p'");
  ASSERT_EQ_STR(sqlt_print("CREATE CATALOG IF NOT EXISTS c COMMENT 'x'"), "CREATE CATALOG IF NOT EXISTS c COMMENT 'x'");
  ASSERT_EQ_STR(sqlt_print("CREATE DATABASE d LOCATION '/d'"), "CREATE SCHEMA d LOCATION '/d'");
  ASSERT_EQ_STR(sqlt_print("CREATE EXTERNAL VOLUME v LOCATION 's3://b'"), "CREATE EXTERNAL VOLUME v LOCATION 's3://b'");
  ASSERT_EQ_STR(sqlt_print("CREATE OR REPLACE TEMP VIEW v (a COMMENT 'x', b) AS SELECT 1, 2"),
                "CREATE OR REPLACE TEMPORARY VIEW v (a COMMENT 'x', b) AS SELECT 1, 2");
  int pos;
  ASSERT_CONTAINS(sqlt_error("CREATE TABLE t (a)", &pos), "expected type");
  ASSERT_CONTAINS(sqlt_error("CREATE TABLE t (a INT) LOCATION '/a' LOCATION '/b'", &pos), "LOCATION given twice");
  ASSERT_CONTAINS(sqlt_error("CREATE TABLE t (a INT) CLONE s", &pos), "CLONE cannot be combined");
  ASSERT_CONTAINS(sqlt_error("CREATE TABLE t (a INT, CONSTRAINT p PRIMARY KEY (a))", &pos), "LAGO_UNSUPPORTED");
  ASSERT_CONTAINS(sqlt_error("CREATE OR REFRESH TABLE t AS SELECT 1", &pos), "CREATE OR REFRESH needs STREAMING TABLE");
  ASSERT_CONTAINS(sqlt_error("CREATE FUNCTION f AS 'x'", &pos), "CREATE FUNCTION is not supported");
  ASSERT_CONTAINS(sqlt_error("CREATE VIEW v", &pos), "expected COMMENT, TBLPROPERTIES or AS");
}

TEST(sql_stmt_pipeline_tables) {
  arena *ar = arena_new("t", 4096);
  sql_stmt *s = sqlt_parse(ar,
      "CREATE OR REFRESH PRIVATE STREAMING TABLE orders_silver (\n"
      "  CONSTRAINT valid_id EXPECT (order_id IS NOT NULL) ON VIOLATION FAIL UPDATE,\n"
      "  CONSTRAINT positive EXPECT (amount > 0) ON VIOLATION DROP ROW,\n"
      "  CONSTRAINT sane EXPECT (d <= current_date())\n"
      ") AS SELECT * FROM STREAM(orders_bronze)");
  sql_create_table *c = &s->create_table;
  ASSERT_EQ_INT(c->kind, SQL_TBL_STREAMING);
  ASSERT(c->or_refresh && c->private_ && !c->live);
  ASSERT_EQ_INT(c->n_cols, 0);
  ASSERT_EQ_INT(c->n_constraints, 3);
  ASSERT_EQ_INT(c->constraints[0].kind, SQL_CONSTRAINT_EXPECT);
  ASSERT_EQ_INT(c->constraints[0].on_violation, SQL_VIOLATION_FAIL_UPDATE);
  ASSERT_EQ_INT(c->constraints[1].on_violation, SQL_VIOLATION_DROP_ROW);
  ASSERT_EQ_INT(c->constraints[2].on_violation, SQL_VIOLATION_WARN);
  ASSERT_EQ_STR(c->constraints[2].name.name, "sane");
  ASSERT(c->as_query->select.from[0]->stream);
  s = sqlt_parse(ar, "CREATE OR REFRESH STREAMING LIVE TABLE x AS SELECT 1");
  ASSERT(s->create_table.live && s->create_table.kind == SQL_TBL_STREAMING);
  s = sqlt_parse(ar, "CREATE OR REFRESH MATERIALIZED VIEW mv (a COMMENT 'k', n BIGINT) AS SELECT 1, 2");
  ASSERT_EQ_INT(s->create_table.kind, SQL_TBL_MATERIALIZED_VIEW);
  ASSERT(!s->create_table.cols[0].has_type && s->create_table.cols[1].has_type);
  s = sqlt_parse(ar, "CREATE TEMPORARY LIVE TABLE lt AS SELECT 1");
  ASSERT_EQ_INT(s->create_table.kind, SQL_TBL_LIVE);
  ASSERT(s->create_table.private_);
  s = sqlt_parse(ar, "CREATE TEMPORARY LIVE VIEW lv AS SELECT * FROM LIVE.x");
  ASSERT_EQ_INT(s->kind, SQL_S_CREATE_VIEW);
  ASSERT(s->create_view.live && s->create_view.temporary);
  s = sqlt_parse(ar, "CREATE OR REFRESH STREAMING TABLE customers_us;");
  ASSERT(s->create_table.as_query == NULL);
  arena_free(ar);
  int pos;
  ASSERT_CONTAINS(sqlt_error("CREATE OR REFRESH MATERIALIZED VIEW mv", &pos), "expected");
  ASSERT_CONTAINS(sqlt_error("CREATE TABLE t (a INT, CONSTRAINT c EXPECT (a > 0))", &pos), "expected CHECK");
  ASSERT_CONTAINS(sqlt_error("CREATE LIVE VIEW v AS SELECT 1", &pos), "a LIVE VIEW must be TEMPORARY");
  ASSERT_CONTAINS(sqlt_error("CREATE OR REPLACE STREAMING TABLE t", &pos), "not allowed for pipeline tables");
}

TEST(sql_stmt_flows_and_cdc) {
  arena *ar = arena_new("t", 4096);
  sql_stmt *s = sqlt_parse(ar, "CREATE FLOW us_west AS INSERT INTO customers_us BY NAME SELECT * FROM STREAM(src)");
  ASSERT_EQ_INT(s->kind, SQL_S_CREATE_FLOW);
  ASSERT_EQ_STR(s->create_flow.name.name, "us_west");
  ASSERT_NE_NULL(s->create_flow.insert);
  ASSERT(s->create_flow.insert->insert.by_name);
  ASSERT(s->create_flow.cdc == NULL);
  s = sqlt_parse(ar,
      "CREATE FLOW customers_cdc AS AUTO CDC INTO customers\n"
      "FROM STREAM(customers_cdc_feed)\n"
      "KEYS (customer_id, region)\n"
      "IGNORE NULL UPDATES\n"
      "APPLY AS DELETE WHEN op = 'd'\n"
      "APPLY AS TRUNCATE WHEN op = 't'\n"
      "SEQUENCE BY STRUCT(ts, lsn)\n"
      "COLUMNS * EXCEPT (op, lsn, _rescued_data)\n"
      "STORED AS SCD TYPE 1");
  sql_auto_cdc *c = s->create_flow.cdc;
  ASSERT_NE_NULL(c);
  ASSERT_EQ_STR(c->target.parts[0].name, "customers");
  ASSERT(c->source->stream);
  ASSERT_EQ_INT(c->n_keys, 2);
  ASSERT(c->ignore_null_updates);
  ASSERT_NE_NULL(c->apply_as_delete);
  ASSERT_NE_NULL(c->apply_as_truncate);
  ASSERT_EQ_INT(c->sequence_by->kind, SQL_E_FUNC);
  ASSERT(c->columns.present && c->columns.star_except);
  ASSERT_EQ_INT(c->columns.n_cols, 3);
  ASSERT_EQ_INT(c->scd, SQL_SCD_1);
  ASSERT(!c->track_history.present);
  s = sqlt_parse(ar,
      "APPLY CHANGES INTO LIVE.customers FROM STREAM(LIVE.feed) KEYS (id) SEQUENCE BY seq "
      "COLUMNS a, b STORED AS SCD TYPE 2 TRACK HISTORY ON * EXCEPT (last_login)");
  ASSERT_EQ_INT(s->kind, SQL_S_APPLY_CHANGES);
  ASSERT_EQ_INT(s->cdc.target.n_parts, 2);
  ASSERT_EQ_INT(s->cdc.columns.n_cols, 2);
  ASSERT(!s->cdc.columns.star_except);
  ASSERT_EQ_INT(s->cdc.scd, SQL_SCD_2);
  ASSERT(s->cdc.track_history.present && s->cdc.track_history.star_except);
  arena_free(ar);
  int pos;
  ASSERT_CONTAINS(sqlt_error("CREATE FLOW f AS AUTO CDC INTO t FROM STREAM(s) KEYS (id)", &pos), "expected");
  ASSERT_CONTAINS(sqlt_error("CREATE FLOW f AS AUTO CDC INTO t FROM STREAM(s) KEYS (id)", &pos), "SEQUENCE BY");
  ASSERT_CONTAINS(sqlt_error("APPLY CHANGES INTO t FROM s KEYS (id) APPLY AS TRUNCATE WHEN x SEQUENCE BY y "
                             "STORED AS SCD TYPE 2", &pos),
                  "APPLY AS TRUNCATE WHEN is only supported with SCD TYPE 1");
  ASSERT_CONTAINS(sqlt_error("APPLY CHANGES INTO t FROM s KEYS (id) SEQUENCE BY y TRACK HISTORY ON (a)", &pos),
                  "TRACK HISTORY ON needs STORED AS SCD TYPE 2");
  ASSERT_CONTAINS(sqlt_error("APPLY CHANGES INTO t FROM s KEYS (id) SEQUENCE BY y STORED AS SCD TYPE 3", &pos),
                  "expected SCD TYPE 1 or SCD TYPE 2");
  ASSERT_CONTAINS(sqlt_error("APPLY CHANGES INTO t FROM s KEYS (id) SEQUENCE BY y STORED AS SCD TYPE 2 "
                             "TRACK HISTORY ON (a) COLUMNS (b)", &pos),
                  "near 'COLUMNS'");
  ASSERT_CONTAINS(sqlt_error("APPLY CHANGES INTO t FROM s KEYS (id) SEQUENCE BY y SEQUENCE BY z", &pos),
                  "SEQUENCE BY given twice");
}

TEST(sql_stmt_merge_forms) {
  ASSERT_EQ_STR(sqlt_dump("MERGE INTO t USING s ON t.k = s.k WHEN MATCHED AND s.del THEN DELETE "
                          "WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT * "
                          "WHEN NOT MATCHED BY SOURCE THEN DELETE"),
                "(MERGE (table t) (table s) (on (= (col t.k) (col s.k))) (matched (and (col s.del)) delete) "
                "(matched update-star) (not-matched insert-star) (not-matched-by-source delete))");
  ASSERT_EQ_STR(sqlt_dump("MERGE INTO target t USING source s ON s.key = t.key "
                          "WHEN MATCHED THEN UPDATE SET t.last_seen = s.ts "
                          "WHEN NOT MATCHED BY TARGET THEN INSERT (key, last_seen) VALUES (s.key, s.ts) "
                          "WHEN NOT MATCHED BY SOURCE AND t.x THEN UPDATE SET t.status = 'inactive'"),
                "(MERGE (table target (as t)) (table source (as s)) (on (= (col s.key) (col t.key))) "
                "(matched update (set t.last_seen (col s.ts))) (not-matched insert (key (col s.key)) "
                "(last_seen (col s.ts))) (not-matched-by-source (and (col t.x)) update (set t.status "
                "(lit STRING 'inactive'))))");
  arena *ar = arena_new("t", 4096);
  sql_stmt *s = sqlt_parse(ar, "MERGE WITH SCHEMA EVOLUTION INTO t USING (SELECT * FROM u) AS s ON t.id = s.id "
                               "WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *");
  ASSERT(s->merge.schema_evolution);
  ASSERT_EQ_INT(s->merge.source->kind, SQL_T_SUBQUERY);
  ASSERT_EQ_STR(s->merge.source->alias.name, "s");
  ASSERT_EQ_INT(s->merge.n_clauses, 2);
  arena_free(ar);
}

TEST(sql_stmt_merge_rules) {
  int pos;
  ASSERT_EQ_STR(sqlt_error("MERGE INTO t USING s ON t.a = s.a\nWHEN MATCHED THEN UPDATE SET *\n"
                           "WHEN MATCHED AND s.x THEN DELETE", &pos),
                "ERR LAGO_PARSE: syntax error at line 2, column 1: only the last WHEN MATCHED clause may omit its "
                "condition (another one follows at line 3, column 1)");
  ASSERT_EQ_INT(pos, 34);
  ASSERT_CONTAINS(sqlt_error("MERGE INTO t USING s ON a WHEN NOT MATCHED THEN INSERT * WHEN NOT MATCHED THEN INSERT *", &pos),
                  "only the last WHEN NOT MATCHED clause may omit its condition");
  ASSERT_CONTAINS(sqlt_error("MERGE INTO t USING s ON a WHEN NOT MATCHED BY SOURCE THEN DELETE "
                             "WHEN NOT MATCHED BY SOURCE AND x THEN DELETE", &pos),
                  "only the last WHEN NOT MATCHED BY SOURCE clause may omit its condition");
  /* different kinds may each have one unconditional clause, in any order */
  ASSERT_EQ_STR(sqlt_error("MERGE INTO t USING s ON a WHEN NOT MATCHED THEN INSERT * WHEN MATCHED THEN DELETE", &pos), "OK");
  ASSERT_EQ_STR(sqlt_error("MERGE INTO t USING s ON a WHEN MATCHED THEN INSERT *", &pos),
                "ERR LAGO_PARSE: syntax error at line 1, column 45: WHEN MATCHED clauses cannot INSERT (only UPDATE or "
                "DELETE); INSERT belongs in WHEN NOT MATCHED [BY TARGET]");
  ASSERT_CONTAINS(sqlt_error("MERGE INTO t USING s ON a WHEN NOT MATCHED BY SOURCE THEN INSERT *", &pos),
                  "WHEN NOT MATCHED BY SOURCE clauses cannot INSERT");
  ASSERT_CONTAINS(sqlt_error("MERGE INTO t USING s ON a WHEN NOT MATCHED THEN UPDATE SET x = 1", &pos),
                  "WHEN NOT MATCHED clauses cannot UPDATE (only INSERT)");
  ASSERT_CONTAINS(sqlt_error("MERGE INTO t USING s ON a WHEN NOT MATCHED THEN DELETE", &pos),
                  "WHEN NOT MATCHED clauses cannot DELETE");
  ASSERT_CONTAINS(sqlt_error("MERGE INTO t USING s ON a WHEN NOT MATCHED BY SOURCE THEN UPDATE SET *", &pos),
                  "UPDATE SET * is not allowed in WHEN NOT MATCHED BY SOURCE");
  ASSERT_CONTAINS(sqlt_error("MERGE INTO t USING s ON a", &pos), "MERGE needs at least one WHEN clause");
  ASSERT_CONTAINS(sqlt_error("MERGE INTO t USING s ON a WHEN NOT MATCHED THEN INSERT (a, b) VALUES (1)", &pos),
                  "INSERT lists 2 columns but 1 values");
  ASSERT_CONTAINS(sqlt_error("MERGE INTO t USING s ON a WHEN NOT MATCHED BY FOO THEN INSERT *", &pos),
                  "expected SOURCE or TARGET");
}

TEST(sql_stmt_insert_update_delete) {
  arena *ar = arena_new("t", 4096);
  sql_stmt *s = sqlt_parse(ar, "INSERT INTO events REPLACE WHERE start_date >= '2017-01-01' SELECT * FROM fixes");
  ASSERT_EQ_INT(s->kind, SQL_S_INSERT);
  ASSERT(!s->insert.overwrite);
  ASSERT_NE_NULL(s->insert.replace_where);
  ASSERT_EQ_INT(s->insert.query->kind, SQL_Q_SELECT);
  s = sqlt_parse(ar, "INSERT WITH SCHEMA EVOLUTION INTO t (a, b) VALUES (1, 2), (3, 4)");
  ASSERT(s->insert.schema_evolution);
  ASSERT_EQ_INT(s->insert.n_cols, 2);
  ASSERT_EQ_INT(s->insert.query->kind, SQL_Q_VALUES);
  ASSERT_EQ_INT(s->insert.query->values.n_rows, 2);
  s = sqlt_parse(ar, "INSERT OVERWRITE TABLE t PARTITION (d = '2024-01-01', h) BY NAME SELECT 1");
  ASSERT(s->insert.overwrite && s->insert.by_name);
  ASSERT_EQ_INT(s->insert.n_partition, 2);
  ASSERT_NE_NULL(s->insert.partition[0].value);
  ASSERT(s->insert.partition[1].value == NULL);
  s = sqlt_parse(ar, "INSERT INTO t (SELECT 1)");
  ASSERT_EQ_INT(s->insert.n_cols, 0);
  s = sqlt_parse(ar, "UPDATE people AS p SET gender = 'Female', p.n = p.n + 1 WHERE gender = 'F'");
  ASSERT_EQ_INT(s->kind, SQL_S_UPDATE);
  ASSERT_EQ_STR(s->update.table->alias.name, "p");
  ASSERT_EQ_INT(s->update.n_sets, 2);
  ASSERT_EQ_INT(s->update.sets[1].col.n_parts, 2);
  s = sqlt_parse(ar, "DELETE FROM events e WHERE e.d < '2017-01-01'");
  ASSERT_EQ_INT(s->kind, SQL_S_DELETE);
  ASSERT_EQ_STR(s->del.table->alias.name, "e");
  arena_free(ar);
  int pos;
  ASSERT_CONTAINS(sqlt_error("INSERT OVERWRITE t REPLACE WHERE a SELECT 1", &pos), "REPLACE WHERE needs INSERT INTO");
  ASSERT_CONTAINS(sqlt_error("UPDATE t WHERE a = 1", &pos), "near 'WHERE': expected AS or SET");
  ASSERT_CONTAINS(sqlt_error("DELETE t", &pos), "expected FROM");
}

TEST(sql_stmt_maintenance) {
  arena *ar = arena_new("t", 4096);
  sql_stmt *s = sqlt_parse(ar, "OPTIMIZE events WHERE date >= '2024-01-01' ZORDER BY (event_type, user_id)");
  ASSERT_EQ_INT(s->kind, SQL_S_OPTIMIZE);
  ASSERT_NE_NULL(s->optimize.where);
  ASSERT_EQ_INT(s->optimize.n_zorder_by, 2);
  s = sqlt_parse(ar, "OPTIMIZE '/data/t'");
  ASSERT_EQ_STR(s->optimize.path, "/data/t");
  s = sqlt_parse(ar, "VACUUM events RETAIN 240 HOURS DRY RUN");
  ASSERT_EQ_INT(s->kind, SQL_S_VACUUM);
  ASSERT_EQ_STR(s->vacuum.retain_hours->lit.text, "240");
  ASSERT(s->vacuum.dry_run);
  s = sqlt_parse(ar, "VACUUM events LITE");
  ASSERT_EQ_INT(s->vacuum.mode, SQL_VACUUM_LITE);
  s = sqlt_parse(ar, "RESTORE TABLE events TO VERSION AS OF 42");
  ASSERT_EQ_INT(s->restore.to.kind, SQL_TT_VERSION);
  ASSERT_EQ_INT(s->restore.to.value->lit.i, 42);
  s = sqlt_parse(ar, "RESTORE events TIMESTAMP AS OF '2024-05-01 00:00:00'");
  ASSERT_EQ_INT(s->restore.to.kind, SQL_TT_TIMESTAMP);
  s = sqlt_parse(ar, "CONVERT TO DELTA parquet.`/data/events` NO STATISTICS PARTITIONED BY (date DATE)");
  ASSERT_EQ_INT(s->kind, SQL_S_CONVERT);
  ASSERT(s->convert.source->format_path);
  ASSERT(s->convert.no_statistics);
  ASSERT_EQ_INT(s->convert.partition_by[0].type.id, LT_DATE);
  s = sqlt_parse(ar, "COPY INTO t FROM (SELECT _c0::INT AS id FROM '/in') FILEFORMAT = csv FILES = ('a.csv', 'b.csv') "
                     "FORMAT_OPTIONS ('header' = 'true') COPY_OPTIONS ('mergeSchema' = 'true')");
  ASSERT_EQ_INT(s->kind, SQL_S_COPY_INTO);
  ASSERT_EQ_STR(s->copy.from_path, "/in");
  ASSERT_EQ_INT(s->copy.n_select, 1);
  ASSERT_EQ_STR(s->copy.file_format, "CSV");
  ASSERT_EQ_INT(s->copy.n_files, 2);
  ASSERT_EQ_STR(s->copy.format_options.items[0].key, "header");
  s = sqlt_parse(ar, "TRUNCATE TABLE s.t");
  ASSERT_EQ_INT(s->kind, SQL_S_TRUNCATE);
  ASSERT_EQ_INT(s->truncate.n_parts, 2);
  arena_free(ar);
  int pos;
  ASSERT_CONTAINS(sqlt_error("VACUUM t RETAIN x HOURS", &pos), "expected number of hours");
  ASSERT_CONTAINS(sqlt_error("VACUUM t DRY RUN DRY RUN", &pos), "DRY RUN given twice");
  ASSERT_CONTAINS(sqlt_error("COPY INTO t FROM '/x'", &pos), "expected FILEFORMAT");
  ASSERT_CONTAINS(sqlt_error("COPY INTO t FROM '/x' FILEFORMAT = CSV FILES = ('a') PATTERN = '*'", &pos),
                  "FILES or PATTERN, not both");
  ASSERT_CONTAINS(sqlt_error("RESTORE t TO VERSION AS OF 'x'", &pos), "expected version number");
  ASSERT_CONTAINS(sqlt_error("OPTIMIZE t ZORDER BY (a) FULL", &pos), "OPTIMIZE FULL cannot be combined with ZORDER BY");
}

TEST(sql_stmt_alter_table) {
  arena *ar = arena_new("t", 4096);
  sql_stmt *s = sqlt_parse(ar, "ALTER TABLE t ADD COLUMNS (a INT COMMENT 'x' FIRST, s.f STRING AFTER a)");
  ASSERT_EQ_INT(s->alter.kind, SQL_ALTER_ADD_COLUMNS);
  ASSERT_EQ_INT(s->alter.n_cols, 2);
  ASSERT(s->alter.cols[0].first);
  ASSERT_EQ_INT(s->alter.cols[1].name.n_parts, 2);
  ASSERT_EQ_STR(s->alter.cols[1].after.name, "a");
  s = sqlt_parse(ar, "ALTER TABLE t ALTER COLUMN a TYPE BIGINT");
  ASSERT_EQ_INT(s->alter.change, SQL_CHANGE_TYPE);
  ASSERT_EQ_INT(s->alter.type.id, LT_BIGINT);
  s = sqlt_parse(ar, "ALTER TABLE t UNSET TBLPROPERTIES IF EXISTS ('a', b.c)");
  ASSERT_EQ_INT(s->alter.kind, SQL_ALTER_UNSET_PROPS);
  ASSERT(s->alter.if_exists);
  ASSERT_EQ_STR(s->alter.props.items[1].key, "b.c");
  ASSERT_EQ_INT(s->alter.props.items[1].value_kind, SQL_PROP_NONE);
  s = sqlt_parse(ar, "ALTER TABLE events ADD CONSTRAINT valid_date CHECK (event_date > '1900-01-01')");
  ASSERT_EQ_INT(s->alter.kind, SQL_ALTER_ADD_CONSTRAINT);
  ASSERT_EQ_STR(s->alter.constraint.name.name, "valid_date");
  arena_free(ar);
  ASSERT_EQ_STR(sqlt_print("ALTER TABLE t DROP COLUMN a"), "ALTER TABLE t DROP COLUMNS (a)");
  ASSERT_EQ_STR(sqlt_print("ALTER TABLE t CHANGE a COMMENT 'c'"), "ALTER TABLE t ALTER COLUMN a COMMENT 'c'");
  ASSERT_EQ_STR(sqlt_print("ALTER TABLE t RENAME COLUMN a TO b"), "ALTER TABLE t RENAME COLUMN a TO b");
  int pos;
  ASSERT_CONTAINS(sqlt_error("ALTER TABLE t FROB", &pos), "expected ADD, DROP, RENAME, ALTER, CHANGE, SET, UNSET or CLUSTER");
  ASSERT_CONTAINS(sqlt_error("ALTER VIEW v AS SELECT 1", &pos), "LAGO_UNSUPPORTED");
}

TEST(sql_stmt_show_describe_explain) {
  ASSERT_EQ_STR(sqlt_print("SHOW TABLES FROM main.s LIKE 't*'"), "SHOW TABLES IN main.s LIKE 't*'");
  ASSERT_EQ_STR(sqlt_print("show databases"), "SHOW SCHEMAS");
  ASSERT_EQ_STR(sqlt_print("SHOW COLUMNS FROM t IN s"), "SHOW COLUMNS IN t IN s");
  ASSERT_EQ_STR(sqlt_print("SHOW TBLPROPERTIES t ('delta.appendOnly')"), "SHOW TBLPROPERTIES t ('delta.appendOnly')");
  ASSERT_EQ_STR(sqlt_print("DESC EXTENDED t c"), "DESCRIBE TABLE EXTENDED t c");
  ASSERT_EQ_STR(sqlt_print("DESCRIBE HISTORY t LIMIT 1"), "DESCRIBE HISTORY t LIMIT 1");
  ASSERT_EQ_STR(sqlt_print("DESCRIBE history"), "DESCRIBE TABLE history");
  ASSERT_EQ_STR(sqlt_print("DESCRIBE DETAIL t"), "DESCRIBE DETAIL t");
  ASSERT_EQ_STR(sqlt_print("DESCRIBE SCHEMA EXTENDED s"), "DESCRIBE SCHEMA EXTENDED s");
  ASSERT_EQ_STR(sqlt_print("DESCRIBE SELECT 1"), "DESCRIBE QUERY SELECT 1");
  ASSERT_EQ_STR(sqlt_dump("EXPLAIN EXTENDED SELECT a FROM t"), "(EXPLAIN \"EXPLAIN EXTENDED SELECT a FROM t\")");
  arena *ar = arena_new("t", 1024);
  sql_stmt *s = sqlt_parse(ar, "EXPLAIN FORMATTED DELETE FROM t");
  ASSERT_EQ_INT(s->explain.mode, SQL_EXPLAIN_FORMATTED);
  ASSERT_EQ_INT(s->explain.stmt->kind, SQL_S_DELETE);
  ASSERT_EQ_INT(s->explain.stmt->pos, 18);
  arena_free(ar);
  int pos;
  ASSERT_CONTAINS(sqlt_error("EXPLAIN EXPLAIN SELECT 1", &pos), "EXPLAIN cannot be nested");
  ASSERT_CONTAINS(sqlt_error("SHOW FROBS", &pos), "near 'FROBS': expected CATALOGS");
}

TEST(sql_stmt_session) {
  arena *ar = arena_new("t", 1024);
  sql_stmt *s = sqlt_parse(ar, "SET spark.sql.shuffle.partitions = 8");
  ASSERT_EQ_INT(s->kind, SQL_S_SET);
  ASSERT_EQ_STR(s->set.key, "spark.sql.shuffle.partitions");
  ASSERT_EQ_STR(s->set.value, "8");
  s = sqlt_parse(ar, "SET a.b = 'x y' ;");
  ASSERT_EQ_STR(s->set.value, "'x y'");
  s = sqlt_parse(ar, "SET spark.sql.ansi.enabled");
  ASSERT_EQ_STR(s->set.key, "spark.sql.ansi.enabled");
  ASSERT(s->set.value == NULL);
  s = sqlt_parse(ar, "SET");
  ASSERT(s->set.key == NULL && !s->set.verbose);
  s = sqlt_parse(ar, "SET -v");
  ASSERT(s->set.verbose);
  s = sqlt_parse(ar, "SET TIME ZONE 'America/New_York'");
  ASSERT_EQ_STR(s->set.key, "spark.sql.session.timeZone");
  ASSERT_EQ_STR(s->set.value, "America/New_York");
  ASSERT(s->set.time_zone);
  s = sqlt_parse(ar, "SET TIME ZONE LOCAL");
  ASSERT(s->set.time_zone && s->set.value == NULL);
  s = sqlt_parse(ar, "RESET spark.sql.x");
  ASSERT_EQ_STR(s->reset_key, "spark.sql.x");
  s = sqlt_parse(ar, "USE CATALOG main");
  ASSERT_EQ_INT(s->use.kind, SQL_NS_CATALOG);
  s = sqlt_parse(ar, "USE schema");
  ASSERT_EQ_INT(s->use.kind, SQL_NS_SCHEMA);
  ASSERT_EQ_STR(s->use.name.parts[0].name, "schema");
  arena_free(ar);
  int pos;
  ASSERT_CONTAINS(sqlt_error("SET = 1", &pos), "SET needs a key before '='");
}

TEST(sql_stmt_rejected) {
  int pos;
  ASSERT_EQ_STR(sqlt_error("CACHE TABLE t", &pos),
                "ERR LAGO_UNSUPPORTED: not supported at line 1, column 1: CACHE / UNCACHE TABLE (lago reads Delta "
                "tables directly and keeps no Spark cache) is not supported");
  ASSERT_CONTAINS(sqlt_error("UNCACHE TABLE t", &pos), "LAGO_UNSUPPORTED");
  ASSERT_CONTAINS(sqlt_error("GRANT SELECT ON t TO u", &pos), "GRANT (lago has no access control) is not supported");
  ASSERT_CONTAINS(sqlt_error("REVOKE SELECT ON t FROM u", &pos), "LAGO_UNSUPPORTED");
  ASSERT_CONTAINS(sqlt_error("ANALYZE TABLE t COMPUTE STATISTICS", &pos), "ANALYZE TABLE is not supported");
  ASSERT_CONTAINS(sqlt_error("REFRESH TABLE t", &pos), "REFRESH is not supported");
  ASSERT_CONTAINS(sqlt_error("SELECT a FROM t SORT BY a", &pos), "SORT BY is not supported in queries");
  ASSERT_CONTAINS(sqlt_error("SELECT a FROM t CLUSTER BY a", &pos), "CLUSTER BY is not supported in queries");
  ASSERT_CONTAINS(sqlt_error("FROM t SELECT a", &pos), "FROM-first queries");
  ASSERT_CONTAINS(sqlt_error("DROP FUNCTION f", &pos), "LAGO_UNSUPPORTED");
  ASSERT_CONTAINS(sqlt_error("FROBNICATE t", &pos), "near 'FROBNICATE': expected statement");
}
