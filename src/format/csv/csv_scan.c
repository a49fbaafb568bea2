/*
** format/csv/csv_scan.c: several CSV files parsed on N threads, batches
** delivered in file order, identical to reading each file with one
** csv_reader (same rows, values, line numbers, errors).
**
** The driver is format/text's txt_scan (ranges, workers, ordered delivery,
** boundary checks, line numbers, error and bad-record replays; its top
** comment draws the ranges); a csv_scan is a txt_scan. What is CSV's own:
** ranges start at a guess (the byte after the first line break at or after
** the range start - 1) that multiLine=true can make wrong (a line break
** inside a quoted field), so guesses are checked and a range that started
** wrong is parsed again from the true boundary (csv_scan_reparsed).
*/
#include "format/csv/csv_int.h"

static int open_range(lago_fs *fs, const char *path, uint64_t start, uint64_t end, bool exact, const void *opts,
                      lago_type schema, void **out, lago_err *err) {
  csv_reader *r;
  int rc = csv_reader_open_range(fs, path, start, end, exact, opts, schema, &r, err);
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
  /* Guessed range starts, checked and parsed again when wrong; files split. */
  txt_scan_format f = {"csv", &csv_vt, opts, sizeof *opts, false, false, opts->bad_records_path};
  txt_scan *s;
  TRY(txt_scan_open(fs, paths, n_paths, schema, cfg, &f, &s, err));
  *out = (csv_scan *)s;
  return LAGO_OK;
}

/* A csv_scan is a txt_scan (the pointer is converted, never dereferenced as a csv_scan). */
int csv_scan_next(csv_scan *s, batch **out, csv_batch_info *info, lago_err *err) {
  return txt_scan_next((txt_scan *)s, out, info, err);
}
const csv_stats *csv_scan_stats(const csv_scan *s) { return txt_scan_stats((const txt_scan *)s); }
uint32_t csv_scan_reparsed(const csv_scan *s) { return txt_scan_reparsed((const txt_scan *)s); }
void csv_scan_close(csv_scan *s) { txt_scan_close((txt_scan *)s); }
uint32_t csv_scan_file(const csv_scan *s) { return txt_scan_file((const txt_scan *)s); }
