/*
** format/csv/csv_scan.c: several CSV files parsed on N threads, batches
** delivered in file order, identical to reading each file with one
** csv_reader (same rows, values, line numbers, errors).
**
** The driver is format/text's txt_scan (ranges, workers, ordered delivery,
** boundary checks, line numbers, error and bad-record replays; its top
** comment draws the ranges). What is CSV's own: ranges start at a guess (the
** byte after the first line break at or after the range start - 1) that
** multiLine=true can make wrong (a line break inside a quoted field), so
** guesses are checked and a range that started wrong is parsed again from
** the true boundary (csv_scan_reparsed counts them).
*/
#include "format/csv/csv_int.h"
#include "util/alloc.h"

struct csv_scan {
  lago_fs *fs;
  csv_options o;    /* copy; strings borrowed from the caller */
  lago_type schema; /* borrowed */
  txt_scan *scan;
};

static int open_range(void *ctx, const char *path, uint64_t start, uint64_t end, bool exact, void **out, lago_err *err) {
  csv_scan *s = ctx;
  csv_reader *r;
  int rc = csv_reader_open_range(s->fs, path, start, end, exact, &s->o, s->schema, &r, err);
  *out = r;
  return rc;
}
static int next(void *r, arena *ar, batch **out, txt_batch_info *info, lago_err *err) {
  return csv_reader_next(r, ar, out, info, err);
}
static void close_reader(void *r) { csv_reader_close(r); }

static const txt_reader_vt csv_vt = {open_range, next, close_reader};

int csv_scan_open(lago_fs *fs, const char *const *paths, uint32_t n_paths, const csv_options *opts,
                  lago_type schema, const csv_scan_config *cfg, csv_scan **out, lago_err *err) {
  *out = NULL;
  TRY(csv_options_check(opts, err));
  csv_scan *s = mem_calloc(1, sizeof *s);
  if (!s) return LAGO_NOMEM_ERR(err);
  s->fs = fs;
  s->o = *opts;
  s->schema = schema;
  txt_scan_format f = {"csv", &csv_vt, s, false, false, s->o.bad_records_path};
  int rc = txt_scan_open(fs, paths, n_paths, schema, cfg, &f, &s->scan, err);
  if (rc) {
    mem_free(s);
    return rc;
  }
  *out = s;
  return LAGO_OK;
}

int csv_scan_next(csv_scan *s, batch **out, csv_batch_info *info, lago_err *err) {
  return txt_scan_next(s->scan, out, info, err);
}
const csv_stats *csv_scan_stats(const csv_scan *s) { return txt_scan_stats(s->scan); }
uint32_t csv_scan_reparsed(const csv_scan *s) { return txt_scan_reparsed(s->scan); }

void csv_scan_close(csv_scan *s) {
  if (!s) return;
  txt_scan_close(s->scan);
  mem_free(s);
}
