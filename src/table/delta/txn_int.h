/*
** table/delta/txn_int.h: the transaction object, shared by txn.c (building
** and committing), conflict.c (checking winners), write.c (data files) and
** the maintenance operations. Private to table/delta/.
*/
#ifndef LAGO_TABLE_DELTA_TXN_INT_H
#define LAGO_TABLE_DELTA_TXN_INT_H

#include "table/delta/delta_int.h"

struct delta_txn {
  arena *ar;                 /* "query": everything of the transaction */
  delta_table *t;            /* a reference is held */
  delta_snapshot *snap;      /* read snapshot (reference held); NULL when creating */
  int64_t read_version;      /* -1 when creating */
  const char *operation;     /* commitInfo.operation */
  const char *op_params;     /* JSON object text or NULL */
  const char *engine_info;
  delta_isolation iso;
  int max_retries;
  bool no_auto_cp;
  char txn_id[37];           /* commitInfo.txnId: recognises our own commit after an ambiguous failure */
  /* metadata and protocol as this transaction will leave them */
  delta_metadata md;
  lago_type schema;
  const char *cm_mode;
  delta_protocol proto;
  bool md_changed, proto_changed, enabling_ict;
  bool domain_feature;       /* a domainMetadata action is written: the protocol must list the feature */
  /* actions in commit order (heap array; contents in ar) */
  delta_action *acts;
  size_t n_acts, cap_acts;
  /* what was read, for conflict detection */
  bool read_any, read_all;
  keyset read_paths;         /* paths of files read */
  delta_pred *read_preds;    /* values vectors borrowed from the caller until commit */
  uint32_t n_read_preds;
  keyset removed_keys;       /* (path, dv) keys removed here */
  /* operationMetrics */
  delta_kv *metrics;
  int64_t *metric_vals;
  uint32_t n_metrics;
  int64_t n_dv_rows;         /* rows deleted through DVs */
  struct write_state *ws;    /* open data-file writers (write.c), NULL until the first write */
  int64_t committed_version;
};

/*
** Checks the commits from `from` to the newest against x (conflict rules of
** DELTA-CHECKLIST.md §14). LAGO_OK with *latest = newest version when the
** transaction may be retried after it, *prev_ict = the newest in-commit
** timestamp seen; LAGO_CONFLICT naming both operations otherwise.
*/
int delta_conflict_check(delta_txn *x, int64_t from, arena *scratch, int64_t *latest, int64_t *prev_ict,
                         lago_err *err);

/* Closes every open data/CDC writer, recording their add/cdc actions (before commit). */
int delta_txn_close_writers(delta_txn *x, lago_err *err);
/* Discards open writers (nothing becomes visible). */
void delta_txn_abort_writers(delta_txn *x);

#endif /* LAGO_TABLE_DELTA_TXN_INT_H */
