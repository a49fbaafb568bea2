/*
** format/text/txt_reader.c: the part of a text reader that does not depend
** on its format (format/csv/csv_reader.c and format/json/jsonl_reader.c
** start with a txt_reader): the file and range, offsets, line counting
** base, totals, the bad-record log, the arena for batches the caller does
** not place, and the loop that makes next() skip batches whose rows were all
** dropped.
*/
#include "format/text/text_int.h"
#include "util/alloc.h"

int txt_reader_init(txt_reader *t, lago_fs *fs, const char *path, const char *bad_records_path, uint64_t start,
                    uint64_t end, bool exact_start, lago_err *err) {
  memset(t, 0, sizeof *t);
  t->fs = fs;
  t->bad_records_path = bad_records_path;
  t->range_start = start;
  t->range_end = end;
  t->exact_start = exact_start || start == 0;
  t->line = 1;
  buf_init(&t->bad);
  t->path = mem_strdup(path);
  return t->path ? LAGO_OK : LAGO_NOMEM_ERR(err);
}

void txt_reader_deinit(txt_reader *t) {
  if (t->bad.len && t->bad_records_path && t->fs) {
    lago_err e;
    lago_err_clear(&e);
    (void)txt_bad_write(t->fs, t->bad_records_path, t->bad.data, t->bad.len, &e);
  }
  txt_input_deinit(&t->in);
  buf_deinit(&t->bad);
  arena_free(t->own);
  mem_free(t->path);
  t->path = NULL;
  t->own = NULL;
}

int txt_reader_next(txt_reader *t, txt_once_fn once, arena *ar, batch **out, txt_batch_info *info, lago_err *err) {
  *out = NULL;
  if (info) memset(info, 0, sizeof *info);
  bool own = !ar;
  if (own) {
    if (!t->own && !(t->own = arena_new("text batch", (size_t)1 << 20))) return LAGO_NOMEM_ERR(err);
    ar = t->own;
  }
  /* A batch that lost every row is not the end: go on. With the caller's
  ** arena the passed-over batches' memory stays until it is reset. */
  txt_batch_info bi, over;
  memset(&over, 0, sizeof over);
  for (;;) {
    if (own) arena_reset(ar);
    bool again;
    memset(&bi, 0, sizeof bi);
    TRY(once(t, ar, out, &bi, &again, err));
    if (!again) break;
    over.n_bad += bi.n_bad;
    over.n_dropped += bi.n_dropped;
    over.n_rescued += bi.n_rescued;
    over.bytes += bi.bytes;
  }
  if (info) {
    *info = bi;
    info->n_bad += over.n_bad;
    info->n_dropped += over.n_dropped;
    info->n_rescued += over.n_rescued;
    info->bytes += over.bytes;
  }
  return LAGO_OK;
}

int txt_reader_take_bad(txt_reader *t, buf *into) {
  int rc = into && t->bad.len ? buf_append(into, t->bad.data, t->bad.len) : LAGO_OK;
  buf_clear(&t->bad);
  return rc;
}
