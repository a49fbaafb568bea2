/*
** cdc/cdc_int.h: what the files of src/cdc/ share. Not for other layers
** (they use cdc.h).
**
**   spec.c     cdc_spec defaults, op codes, checks; SQL quoting helpers
**   state.c    the per-key sequence state: its domainMetadata document and
**              its segment files (format drawn there)
**   apply.c    the apply core: one batch -> quarantine, latest change per
**              key, sequencing against the state, MERGE, one commit
**   config.c   ingestor files (YAML) -> cdc_table_def
**   run.c      the driver: full load, the CDC stream, reports
*/
#ifndef LAGO_CDC_INT_H
#define LAGO_CDC_INT_H

#include "cdc/cdc.h"
#include "io/fs.h"
#include "table/delta/delta.h"
#include "util/buf.h"

/* The domainMetadata domain holding a table's CDC state. */
#define CDC_DOMAIN "lago.cdc"
/* Directory (under the table root) of the state segments. Hidden: Delta readers and VACUUM skip it. */
#define CDC_STATE_DIR "_lago_cdc"
/* Segments before the next batch also compacts them into one. */
#define CDC_MAX_SEGMENTS 8
/* Columns of a segment after the key columns. */
#define CDC_COL_SEQ "__lago_seq"
#define CDC_COL_DELETED "__lago_deleted"
#define CDC_COL_AT "__lago_at_ms"
/* Column the applier adds to the change rows: the operation as 'I', 'U' or 'D'. */
#define CDC_COL_OP "__lago_op"

/* ---- spec.c ----------------------------------------------------------------- */

/* The kind of operation code text[0..len) under s (CDC_OP_BAD when unknown). */
cdc_op_kind cdc_spec_op(const cdc_spec *s, const char *text, uint32_t len);
/* Appends `name` quoted with backquotes (inner backquotes doubled). */
int cdc_quote(buf *b, const char *name);
/* Is `name` (case-insensitive) one of the spec's ignored columns or the op column (or the sequence unless kept)? */
bool cdc_spec_ignores(const cdc_spec *s, const char *name);
/* Copies every string of src into ar (dst may be src). */
int cdc_spec_copy(arena *ar, const cdc_spec *src, cdc_spec *dst);

/* ---- state.c ----------------------------------------------------------------- */

typedef struct cdc_segment {
  const char *path;        /* relative to the table root: _lago_cdc/state-<uuid>.parquet */
  uint64_t rows;           /* entries (keys) in the file */
  uint64_t tombstones;     /* of which deleted keys */
  uint64_t bytes;          /* file size */
  int64_t min_tomb_at_ms;  /* oldest tombstone's batch time (-1 = none): when GC may have work */
} cdc_segment;

typedef struct cdc_state {
  uint32_t n_keys;
  const char **keys;       /* key column names, as the spec gave them */
  const char *sequence;
  uint32_t n_seg;
  cdc_segment *seg;        /* oldest first */
} cdc_state;

/* Parses the domain configuration (untrusted: it comes from the table's log). Allocated in ar. */
int cdc_state_parse(arena *ar, const char *text, size_t len, cdc_state *out, lago_err *err);
/* Writes the configuration document. */
int cdc_state_format(const cdc_state *s, buf *out);
/* The state of snapshot snap (n_seg = 0 and keys from spec when the table has none). */
int cdc_state_load(delta_snapshot *snap, const cdc_spec *spec, arena *ar, cdc_state *out, bool *present,
                   lago_err *err);
/* Does the state's key/sequence definition match the spec? Message in err when not. */
int cdc_state_check(const cdc_state *st, const cdc_spec *spec, const char *table, lago_err *err);

#endif /* LAGO_CDC_INT_H */
