/*
** tests/unit/cdc/test_cdc_apply.c: the CDC apply core (cdc/apply.c) on small
** tables: within-batch dedupe, late changes across batches (sequenced vs
** seed), deletes and updates of missing keys, tombstones and their
** retention, quarantine, composite keys and Debezium codes, exactly-once
** skips, state compaction, Delta metrics and the state in the log.
*/
#include <time.h>

#include "cdc_test.h"

static cdc_applier *mk(ct_env *e, cdc_spec *sp, const char *quar) {
  lago_err err;
  lago_err_clear(&err);
  cdc_applier *a = NULL;
  ASSERT_OK(cdc_applier_new(e->s, "`main`.`default`.`t`", e->root, quar, sp, &a, &err), &err);
  return a;
}

static void spec_kv(cdc_spec *sp) {
  cdc_spec_init(sp);
  sp->keys[0] = "k";
  sp->n_keys = 1;
  sp->sequence = "seq";
}

#define CH(rows) "SELECT CAST(k AS BIGINT) AS k, v, op, CAST(seq AS BIGINT) AS seq FROM VALUES " rows " AS x(k, v, op, seq)"

/* Batch 1 of the sequenced/seed tests: dedupe, update, delete, insert, update of a missing key, delete of one. */
static const char *B1 = CH("(1, 'a0', 'U', 5), (1, 'a1', 'U', 10), (2, NULL, 'D', 10), (4, 'd', 'I', 10), "
                           "(5, 'e', 'U', 10), (6, NULL, 'D', 10)");
/* Batch 2: late changes (older than what batch 1 applied), and a change to a full-load row. */
static const char *B2 = CH("(1, 'late', 'U', 7), (2, 'back', 'I', 9), (6, 'x', 'U', 9), (3, 'c2', 'U', 1)");

TEST(cdc_apply_sequenced_late_changes_are_ignored) {
  ct_env e;
  ct_env_open(&e, NULL);
  cdc_spec sp;
  spec_kv(&sp);
  cdc_applier *a = mk(&e, &sp, NULL);
  lago_err err;
  lago_err_clear(&err);
  cdc_batch_result r;
  ASSERT_OK(ct_apply(e.src, a, B1, NULL, &r, &err), &err);
  ASSERT_EQ_UINT(r.changes, 6);
  ASSERT_EQ_UINT(r.latest, 5);
  ASSERT_EQ_UINT(r.ignored, 0);
  ASSERT_EQ_INT(r.inserted, 2); /* 4, and 5 (an update of a missing key inserts) */
  ASSERT_EQ_INT(r.updated, 1);
  ASSERT_EQ_INT(r.deleted, 1);  /* 2; the delete of missing 6 is a no-op */
  ASSERT_EQ_INT(r.version, 1);
  ASSERT_EQ_UINT(r.state_entries, 5);
  ASSERT_ROWS(e.s, "SELECT k, v FROM t ORDER BY k", "1,a1;3,c;4,d;5,e");
  ASSERT_OK(ct_apply(e.src, a, B2, NULL, &r, &err), &err);
  ASSERT_EQ_UINT(r.ignored, 3); /* 1 (7 <= 10), 2 (tombstone 10), 6 (tombstone of a delete of a missing key) */
  ASSERT_EQ_INT(r.updated, 1);  /* 3: a full-load row has sequence -infinity */
  ASSERT_ROWS(e.s, "SELECT k, v FROM t ORDER BY k", "1,a1;3,c2;4,d;5,e");
  /* equal sequences are not newer: ignored; a newer delete applies */
  ASSERT_OK(ct_apply(e.src, a, CH("(4, 'tie', 'U', 10), (1, NULL, 'D', 11)"), NULL, &r, &err), &err);
  ASSERT_EQ_UINT(r.ignored, 1);
  ASSERT_EQ_INT(r.deleted, 1);
  ASSERT_ROWS(e.s, "SELECT k, v FROM t ORDER BY k", "3,c2;4,d;5,e");
  /* the user-visible table has the base columns only */
  ASSERT_EQ_INT(ct_ncols(e.s, "SELECT * FROM t"), 2);
  cdc_applier_free(a);
  ct_env_close(&e);
}

TEST(cdc_apply_seed_late_changes_apply) {
  ct_env e;
  ct_env_open(&e, NULL);
  cdc_spec sp;
  spec_kv(&sp);
  sp.semantics = CDC_SEED;
  cdc_applier *a = mk(&e, &sp, NULL);
  lago_err err;
  lago_err_clear(&err);
  cdc_batch_result r;
  ASSERT_OK(ct_apply(e.src, a, B1, NULL, &r, &err), &err);
  /* seed: an update of a missing key inserts too (NOT MATCHED AND op IN ('I','U')) */
  ASSERT_ROWS(e.s, "SELECT k, v FROM t ORDER BY k", "1,a1;3,c;4,d;5,e");
  ASSERT_OK(ct_apply(e.src, a, B2, NULL, &r, &err), &err);
  ASSERT_EQ_UINT(r.ignored, 0);
  /* the late U overwrites; the I of deleted 2 re-inserts; U of 6 inserts */
  ASSERT_ROWS(e.s, "SELECT k, v FROM t ORDER BY k", "1,late;2,back;3,c2;4,d;5,e;6,x");
  /* a matched I changes nothing under seed semantics */
  ASSERT_OK(ct_apply(e.src, a, CH("(4, 'again', 'I', 20)"), NULL, &r, &err), &err);
  ASSERT_ROWS(e.s, "SELECT v FROM t WHERE k = 4", "d");
  /* no state is kept */
  cdc_state_info info;
  arena *ar = arena_new("t", 1024);
  ASSERT_OK(cdc_state_describe(NULL, e.root, ar, &info, &err), &err);
  ASSERT(!info.present);
  arena_free(ar);
  cdc_applier_free(a);
  ct_env_close(&e);
}

TEST(cdc_apply_quarantine_and_fail) {
  ct_env e;
  ct_env_open(&e, NULL);
  cdc_spec sp;
  spec_kv(&sp);
  cdc_applier *a = mk(&e, &sp, "`main`.`default`.`t_quarantine`");
  lago_err err;
  lago_err_clear(&err);
  cdc_batch_result r;
  cdc_batch_id id = {"app-1", 0, NULL};
  const char *bad = CH("(NULL, 'nk', 'U', 1), (7, 'ns', 'U', NULL), (8, 'op', 'X', 1), (9, 'nop', NULL, 1), "
                       "(10, 'good', 'I', 1)");
  ASSERT_OK(ct_apply(e.src, a, bad, &id, &r, &err), &err);
  ASSERT_EQ_UINT(r.quarantined, 4);
  ASSERT_EQ_INT(r.inserted, 1);
  ASSERT_ROWS(e.s, "SELECT v, _cdc_reason, _cdc_batch_id, _cdc_app_id FROM t_quarantine ORDER BY v",
              "nk,NULL key column k,0,app-1;nop,NULL operation column op,0,app-1;ns,NULL sequence column seq,0,app-1;"
              "op,unknown operation code 'X' in column op,0,app-1");
  /* the same batch again: already applied (txn), nothing is written twice */
  ASSERT_OK(ct_apply(e.src, a, bad, &id, &r, &err), &err);
  ASSERT(r.already);
  ASSERT_ROWS(e.s, "SELECT count(*) FROM t_quarantine", "4");
  /* the next batch of only bad rows still commits its bookkeeping */
  cdc_batch_id id2 = {"app-1", 1, "{\"note\":\"x\"}"};
  ASSERT_OK(ct_apply(e.src, a, CH("(NULL, 'nk2', 'U', 1)"), &id2, &r, &err), &err);
  ASSERT_EQ_INT(r.version, 2);
  ASSERT_ROWS(e.s, "SELECT count(*) FROM t_quarantine", "5");
  cdc_applier_free(a);
  /* without a quarantine the batch fails and says why */
  a = mk(&e, &sp, NULL);
  ASSERT_RC(ct_apply(e.src, a, bad, NULL, &r, &err), LAGO_BIND);
  ASSERT_CONTAINS(err.msg, "NULL key column k");
  ASSERT_CONTAINS(err.msg, "no quarantine");
  cdc_applier_free(a);
  ct_env_close(&e);
}

TEST(cdc_apply_txn_makes_batches_exactly_once) {
  ct_env e;
  ct_env_open(&e, NULL);
  cdc_spec sp;
  spec_kv(&sp);
  sp.semantics = CDC_SEED; /* replays would be visible under seed semantics */
  cdc_applier *a = mk(&e, &sp, NULL);
  lago_err err;
  lago_err_clear(&err);
  cdc_batch_result r;
  cdc_batch_id id = {"stream-x", 3, "{\"lago.files\":\"[]\"}"};
  ASSERT_OK(ct_apply(e.src, a, CH("(1, 'v3', 'U', 1)"), &id, &r, &err), &err);
  ASSERT_EQ_INT(r.version, 1);
  ASSERT_OK(ct_apply(e.src, a, CH("(1, 'other', 'U', 1)"), &id, &r, &err), &err);
  ASSERT(r.already);
  id.batch_id = 2; /* older batch ids are done too */
  ASSERT_OK(ct_apply(e.src, a, CH("(1, 'other', 'U', 1)"), &id, &r, &err), &err);
  ASSERT(r.already);
  ASSERT_ROWS(e.s, "SELECT v FROM t WHERE k = 1", "v3");
  /* the commit carries the caller's parameters */
  char *h = ct_rows(e.s, "DESCRIBE HISTORY t");
  ASSERT_CONTAINS(h, "lago.files");
  ASSERT_CONTAINS(h, "lago.cdc.semantics");
  free(h);
  cdc_applier_free(a);
  ct_env_close(&e);
}

TEST(cdc_apply_composite_keys_and_debezium_codes) {
  ct_env e;
  ct_env_open(&e, "CREATE TABLE t AS SELECT CAST(a AS INT) AS a, b, v FROM VALUES (1, 'x', 'old1'), (1, 'y', 'old2') AS z(a, b, v)");
  cdc_spec sp;
  cdc_spec_init(&sp);
  sp.keys[0] = "a";
  sp.keys[1] = "b";
  sp.n_keys = 2;
  sp.sequence = "lsn";
  sp.op_column = "__op";
  lago_err err;
  lago_err_clear(&err);
  ASSERT_OK(cdc_spec_set_codes(&sp, "debezium", &err), &err);
  cdc_applier *a = mk(&e, &sp, NULL);
  cdc_batch_result r;
  ASSERT_OK(ct_apply(e.src, a,
                     "SELECT CAST(a AS INT) AS a, b, v, op AS __op, CAST(l AS BIGINT) AS lsn FROM VALUES "
                     "(1, 'x', 'new1', 'u', 100), (1, 'y', NULL, 'd', 101), (2, 'x', 'snap', 'r', 102), (3, 'z', 'c', 'c', 103), "
                     "(1, 'x', 'older', 'u', 99) AS q(a, b, v, op, l)",
                     NULL, &r, &err),
            &err);
  ASSERT_ROWS(e.s, "SELECT a, b, v FROM t ORDER BY a, b", "1,x,new1;2,x,snap;3,z,c");
  ASSERT_EQ_UINT(r.latest, 4);
  /* a truncate event is not a row change: quarantined, the table is untouched */
  cdc_applier_free(a);
  a = mk(&e, &sp, "`main`.`default`.`q`");
  ASSERT_OK(ct_apply(e.src, a, "SELECT CAST(1 AS INT) AS a, 'x' AS b, 'v' AS v, 't' AS __op, CAST(200 AS BIGINT) AS lsn", NULL, &r,
                     &err),
            &err);
  ASSERT_EQ_UINT(r.quarantined, 1);
  ASSERT_ROWS(e.s, "SELECT count(*) FROM t", "3");
  cdc_applier_free(a);
  ct_env_close(&e);
}

TEST(cdc_apply_tombstone_retention) {
  /* retention 0: the next compaction forgets the tombstone and an older change resurrects the key */
  for (int forever = 0; forever < 2; forever++) {
    ct_env e;
    ct_env_open(&e, NULL);
    cdc_spec sp;
    spec_kv(&sp);
    sp.tombstone_retention_ms = forever ? -1 : 0;
    cdc_applier *a = mk(&e, &sp, NULL);
    lago_err err;
    lago_err_clear(&err);
    cdc_batch_result r;
    ASSERT_OK(ct_apply(e.src, a, CH("(2, NULL, 'D', 10), (3, 'c1', 'U', 10)"), NULL, &r, &err), &err);
    struct timespec ts = {0, 20 * 1000000L};
    nanosleep(&ts, NULL); /* the tombstone is older than "now" by more than the 0 ms retention */
    bool did = false;
    ASSERT_OK(cdc_state_compact(a, &did, &err), &err);
    ASSERT(did);
    cdc_state_info info;
    arena *ar = arena_new("t", 1024);
    ASSERT_OK(cdc_state_describe(NULL, e.root, ar, &info, &err), &err);
    ASSERT(info.present);
    ASSERT_EQ_UINT(info.segments, 1);
    ASSERT_EQ_UINT(info.entries, forever ? 2 : 1);
    ASSERT_EQ_UINT(info.tombstones, forever ? 1 : 0);
    arena_free(ar);
    ASSERT_OK(ct_apply(e.src, a, CH("(2, 'late', 'U', 5), (3, 'late', 'U', 5)"), NULL, &r, &err), &err);
    ASSERT_EQ_UINT(r.ignored, forever ? 2 : 1); /* 3 is live with sequence 10 either way */
    ASSERT_ROWS(e.s, "SELECT k, v FROM t ORDER BY k", forever ? "1,a;3,c1" : "1,a;2,late;3,c1");
    cdc_applier_free(a);
    ct_env_close(&e);
  }
}

TEST(cdc_apply_state_compacts_every_8_segments) {
  ct_env e;
  ct_env_open(&e, NULL);
  cdc_spec sp;
  spec_kv(&sp);
  cdc_applier *a = mk(&e, &sp, NULL);
  lago_err err;
  lago_err_clear(&err);
  cdc_batch_result r;
  char q[256];
  for (int b = 0; b < 12; b++) {
    /* each batch: key 100+b inserted, key 1 updated */
    snprintf(q, sizeof q, CH("(%d, 'n', 'I', %d), (1, 'u%d', 'U', %d)"), 100 + b, b + 1, b, b + 1);
    ASSERT_OK(ct_apply(e.src, a, q, NULL, &r, &err), &err);
    ASSERT(r.state_segments <= CDC_MAX_SEGMENTS);
  }
  /* after batch 9 (the 9th segment) one compacted segment, then 3 more */
  ASSERT_EQ_UINT(r.state_segments, 4);
  ASSERT_ROWS(e.s, "SELECT count(*), max(v) FROM t WHERE k >= 100 OR k = 1", "13,u11");
  ASSERT_ROWS(e.s, "SELECT v FROM t WHERE k = 1", "u11");
  /* late change of key 1 still ignored after compaction */
  ASSERT_OK(ct_apply(e.src, a, CH("(1, 'late', 'U', 3)"), NULL, &r, &err), &err);
  ASSERT_EQ_UINT(r.ignored, 1);
  /* history holds the CDC metrics; the log validates */
  char *h = ct_rows(e.s, "DESCRIBE HISTORY t");
  ASSERT_CONTAINS(h, "numCdcStateSegments");
  ASSERT_CONTAINS(h, "numTargetRowsUpdated");
  free(h);
  tbl_handlers th = tbl_handlers_default(fs_local());
  delta_table *dt;
  ASSERT_OK(delta_table_open(&th, e.root, &dt, &err), &err);
  size_t issues = 0;
  ASSERT_OK(delta_validate(dt, NULL, NULL, &issues, &err), &err);
  ASSERT_EQ_UINT(issues, 0);
  delta_snapshot *snap;
  ASSERT_OK(delta_snapshot_load(dt, -1, &snap, &err), &err);
  ASSERT(ct_has_writer_feature(delta_snapshot_protocol(snap), "domainMetadata"));
  ASSERT_NE_NULL(delta_snapshot_domain(snap, CDC_DOMAIN));
  delta_snapshot_unref(snap);
  delta_table_free(dt);
  cdc_applier_free(a);
  ct_env_close(&e);
}

TEST(cdc_apply_errors_name_the_problem) {
  ct_env e;
  ct_env_open(&e, NULL);
  cdc_spec sp;
  spec_kv(&sp);
  cdc_applier *a = mk(&e, &sp, NULL);
  lago_err err;
  lago_err_clear(&err);
  cdc_batch_result r;
  ASSERT_RC(ct_apply(e.src, a, "SELECT 1 AS k, 'U' AS op", NULL, &r, &err), LAGO_BIND);
  ASSERT_CONTAINS(err.msg, "no column seq (the sequence)");
  lago_err_clear(&err);
  ASSERT_RC(ct_apply(e.src, a, "SELECT 1 AS k, 1 AS op, 1 AS seq", NULL, &r, &err), LAGO_BIND);
  ASSERT_CONTAINS(err.msg, "must be a STRING");
  cdc_applier_free(a);
  /* a state built with other keys is refused */
  a = mk(&e, &sp, NULL);
  lago_err_clear(&err);
  ASSERT_OK(ct_apply(e.src, a, CH("(1, 'x', 'U', 1)"), NULL, &r, &err), &err);
  cdc_applier_free(a);
  ct_sql(e.s, "ALTER TABLE t ADD COLUMNS (k2 BIGINT)");
  cdc_spec sp2;
  spec_kv(&sp2);
  sp2.keys[1] = "k2";
  sp2.n_keys = 2;
  a = mk(&e, &sp2, NULL);
  ASSERT_RC(ct_apply(e.src, a, "SELECT CAST(1 AS BIGINT) AS k, CAST(1 AS BIGINT) AS k2, 'U' AS op, CAST(5 AS BIGINT) AS seq",
                     NULL, &r, &err),
            LAGO_BIND);
  ASSERT_CONTAINS(err.msg, "--full-refresh");
  cdc_applier_free(a);
  ct_env_close(&e);
}
