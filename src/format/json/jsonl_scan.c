/*
** format/json/jsonl_scan.c: several JSON files parsed on N threads, batches
** delivered in file order, identical to reading each file with one
** jsonl_reader (same rows, values, line numbers, errors).
**
** The driver is format/text's txt_scan (ranges, workers, ordered delivery,
** line numbers, error and bad-record replays; its top comment draws the
** ranges); a jsonl_scan is a txt_scan. What is JSON's own:
**   - multiLine files are one range each (files in parallel);
**   - JSON Lines boundaries are exact: a record is a line, and a raw line
**     break cannot occur inside a JSON string (it would end the record
**     anyway, as in Spark's line reader), so "the first line start at or
**     after the range start" is known without looking at earlier bytes. The
**     driver still checks it; a wrong start would be a bug (LAGO_INTERNAL).
*/
#include "format/json/jsonl_int.h"

static int open_range(lago_fs *fs, const char *path, uint64_t start, uint64_t end, bool exact, const void *opts,
                      lago_type schema, void **out, lago_err *err) {
  jsonl_reader *r;
  int rc = jsonl_reader_open_range(fs, path, start, end, exact, opts, schema, &r, err);
  *out = r;
  return rc;
}
static int next(void *r, arena *ar, batch **out, txt_batch_info *info, lago_err *err) {
  return jsonl_reader_next(r, ar, out, info, err);
}
static void close_reader(void *r) { jsonl_reader_close(r); }

static const txt_reader_vt jsonl_vt = {open_range, next, close_reader};

int jsonl_scan_open(lago_fs *fs, const char *const *paths, uint32_t n_paths, const jsonl_options *opts,
                    lago_type schema, const jsonl_scan_config *cfg, jsonl_scan **out, lago_err *err) {
  *out = NULL;
  TRY(jsonl_options_check(opts, err));
  if (schema.id != LT_STRUCT) return LAGO_ERR(err, LAGO_BIND, "json scan: the schema must be a STRUCT");
  /* Exact range starts (JSON Lines); multiLine files are not split. */
  txt_scan_format f = {"json", &jsonl_vt, opts, sizeof *opts, opts->multi_line, true, opts->bad_records_path};
  txt_scan *s;
  TRY(txt_scan_open(fs, paths, n_paths, schema, cfg, &f, &s, err));
  *out = (jsonl_scan *)s;
  return LAGO_OK;
}

/* A jsonl_scan is a txt_scan (the pointer is converted, never dereferenced as a jsonl_scan). */
int jsonl_scan_next(jsonl_scan *s, batch **out, jsonl_batch_info *info, lago_err *err) {
  return txt_scan_next((txt_scan *)s, out, info, err);
}
const jsonl_stats *jsonl_scan_stats(const jsonl_scan *s) { return txt_scan_stats((const txt_scan *)s); }
uint32_t jsonl_scan_file(const jsonl_scan *s) { return txt_scan_file((const txt_scan *)s); }
void jsonl_scan_close(jsonl_scan *s) { txt_scan_close((txt_scan *)s); }
