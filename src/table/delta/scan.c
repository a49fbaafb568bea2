/*
** table/delta/scan.c: reading a snapshot's data (PROTOCOL.md "Column
** Mapping", "Deletion Vectors", "Type Widening", "Partition Value
** Serialization"; DELTA-CHECKLIST.md §7, §8, §11).
**
** delta_scan_new resolves the projected columns against the logical schema
** and prunes the live files with the predicates (stats.c). Each file is
** then read by a delta_file_reader:
**   - data columns are found in the Parquet file by physical name (column
**     mapping "name"), by field id ("id", falling back to the physical name
**     when the file has no ids) or by name ("none", exact then
**     case-insensitive); nested struct fields likewise at every level;
**     a column or field missing from the file reads as NULL;
**   - values are read in the file's natural types and converted to the
**     table type (conform.c);
**   - partition columns come from add.partitionValues as constant vectors;
**   - rows whose position is in the file's deletion vector are dropped via
**     the batch's selection vector (positions count from 0 over the whole
**     file, in reading order; no row group is skipped so positions stay exact).
** Batches are owned by the reader and valid until its next call.
*/
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "table/delta/delta_int.h"
#include "table/delta/dv.h"
#include "table/delta/scan_int.h"
#include "util/alloc.h"

/* ---- planning ------------------------------------------------------------------- */

int delta_scan_new(delta_snapshot *s, const delta_scan_opts *opts, delta_scan **out, lago_err *err) {
  *out = NULL;
  delta_scan_opts o;
  memset(&o, 0, sizeof o);
  if (opts) o = *opts;
  arena *ar = arena_new("query", 16384);
  if (!ar) return LAGO_NOMEM_ERR(err);
  delta_scan *sc = arena_zalloc(ar, sizeof *sc);
  if (!sc) {
    arena_free(ar);
    return LAGO_NOMEM_ERR(err);
  }
  sc->ar = ar;
  sc->s = delta_snapshot_ref(s);
  sc->keep_deleted = o.keep_deleted;
  sc->keep_dictionary = o.keep_dictionary;
  int rc = LAGO_OK;
  uint32_t n_data = o.columns ? o.n_columns : type_n_fields(s->schema);
  uint32_t n = n_data + (o.with_file_path ? 1 : 0) + (o.with_row_index ? 1 : 0);
  sc->cols = arena_zalloc(ar, (n ? n : 1) * sizeof *sc->cols);
  type_field *fs = arena_zalloc(ar, (n ? n : 1) * sizeof *fs);
  if (!sc->cols || !fs) {
    rc = LAGO_NOMEM_ERR(err);
    goto fail;
  }
  for (uint32_t i = 0; i < n_data; i++) {
    int idx = o.columns ? type_field_index(s->schema, o.columns[i]) : (int)i;
    if (idx < 0) {
      rc = LAGO_ERR(err, LAGO_BIND, "%s: no column \"%s\" in the table", s->t->root, o.columns[i]);
      goto fail;
    }
    scan_col *c = &sc->cols[i];
    const type_field *f = type_field_at(s->schema, (uint32_t)idx);
    c->field = f;
    c->kind = SC_DATA;
    for (uint32_t k = 0; k < s->n_part; k++)
      if (s->part_idx[k] == (uint32_t)idx) {
        c->kind = SC_PARTITION;
        c->part = k;
      }
    fs[i] = *f;
  }
  uint32_t k = n_data;
  if (o.with_file_path) {
    sc->cols[k].kind = SC_FILE_PATH;
    fs[k].name = DELTA_COL_FILE_PATH;
    fs[k].type = type_make(LT_STRING);
    k++;
  }
  if (o.with_row_index) {
    sc->cols[k].kind = SC_ROW_INDEX;
    fs[k].name = DELTA_COL_ROW_INDEX;
    fs[k].type = type_make(LT_BIGINT);
    k++;
  }
  for (uint32_t i = 0; i < n; i++) fs[i].metadata = NULL;
  sc->n_cols = n;
  if (type_struct_fields(ar, n, fs, &sc->schema)) {
    rc = LAGO_NOMEM_ERR(err);
    goto fail;
  }
  const delta_file *files;
  size_t nf;
  if ((rc = delta_snapshot_files(s, &files, &nf, err))) goto fail;
  sc->files = mem_alloc((nf ? nf : 1) * sizeof *sc->files);
  if (!sc->files) {
    rc = LAGO_NOMEM_ERR(err);
    goto fail;
  }
  arena *scratch = arena_new("query", 4096);
  if (!scratch) {
    rc = LAGO_NOMEM_ERR(err);
    goto fail;
  }
  for (size_t i = 0; i < nf && rc == LAGO_OK; i++) {
    bool keep = true;
    arena_reset(scratch);
    if (o.n_preds) rc = delta_file_may_match(s, &files[i], o.preds, o.n_preds, scratch, &keep, err);
    if (rc) break;
    if (keep) sc->files[sc->n_files++] = &files[i];
    else sc->n_pruned++;
  }
  arena_free(scratch);
  if (rc) goto fail;
  *out = sc;
  return LAGO_OK;
fail:
  delta_scan_free(sc);
  return rc;
}

void delta_scan_free(delta_scan *sc) {
  if (!sc) return;
  mem_free(sc->files);
  delta_snapshot_unref(sc->s);
  arena_free(sc->ar);
}

lago_type delta_scan_schema(const delta_scan *sc) { return sc->schema; }
size_t delta_scan_n_files(const delta_scan *sc) { return sc->n_files; }
const delta_file *delta_scan_file(const delta_scan *sc, size_t i) { return sc->files[i]; }
size_t delta_scan_n_pruned(const delta_scan *sc) { return sc->n_pruned; }
